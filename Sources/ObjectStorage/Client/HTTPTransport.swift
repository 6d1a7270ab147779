import AsyncHTTPClient
import DatasetAnalysis
import Foundation
import NIOCore
import NIOHTTP1

/// An HTTP answer, its body read (up to a cap) or streamed.
struct HTTPAnswer: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// A failure to talk to a server at all (no status): refused, reset, timed out.
struct TransportFailure: Error, Sendable, CustomStringConvertible {
    var description: String
}

/// One pooled HTTP client (async-http-client on NIO's shared event loops) for S3 and the
/// credential endpoints: keep-alive connections, timeouts, bodies read up to a cap or
/// streamed to a consumer chunk by chunk.
final class HTTPTransport: Sendable {
    private let client: HTTPClient

    init(connectionsPerHost: Int = 32) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .seconds(60)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, connectionsPerHost)),
            decompression: .disabled)
        // Retrying is the caller's (it counts attempts and backs off).
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    /// Sends a request and reads the whole body (refusing more than `maxBytes`).
    func send(
        method: String, url: String, headers: [(name: String, value: String)], body: [UInt8]? = nil,
        timeout: Double, maxBytes: Int = 16 << 20
    ) async throws -> HTTPAnswer {
        var received: [UInt8] = []
        let answer = try await stream(method: method, url: url, headers: headers, body: body, timeout: timeout) { chunk in
            guard received.count + chunk.count <= maxBytes else {
                throw TransportFailure(description: "the answer is larger than \(maxBytes) bytes")
            }
            received.append(contentsOf: chunk)
        }
        return HTTPAnswer(status: answer.status, headers: answer.headers, body: answer.status / 100 == 2 ? received : answer.body)
    }

    /// Sends a request and hands the body to `consume` as it arrives when the status is 2xx;
    /// other answers' bodies (an error document) are returned in the answer, up to 64 KiB.
    func stream(
        method: String, url: String, headers: [(name: String, value: String)], body: [UInt8]?, timeout: Double,
        consume: ([UInt8]) throws -> Void
    ) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for header in headers { request.headers.add(name: header.name, value: header.value) }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: .now() + .milliseconds(Int64(timeout * 1000)))
        } catch {
            throw Self.describe(error)
        }
        let status = Int(response.status.code)
        let responseHeaders = response.headers.map { (name: $0.name, value: $0.value) }
        var errorBody: [UInt8] = []
        do {
            for try await chunk in response.body {
                if status / 100 == 2 {
                    try consume(Array(chunk.readableBytesView))
                } else if errorBody.count < 64 << 10 {
                    errorBody.append(contentsOf: chunk.readableBytesView)
                }
            }
        } catch let failure as TransportFailure {
            throw failure
        } catch let error as ImgedaError {
            throw error
        } catch {
            throw Self.describe(error)
        }
        return HTTPAnswer(status: status, headers: responseHeaders, body: errorBody)
    }

    static func describe(_ error: any Error) -> TransportFailure {
        if let failure = error as? TransportFailure { return failure }
        if let http = error as? HTTPClientError {
            switch http {
            case .connectTimeout: return TransportFailure(description: "could not connect within 10 s")
            case .readTimeout: return TransportFailure(description: "the server sent nothing for 60 s")
            case .deadlineExceeded: return TransportFailure(description: "the request took too long")
            case .remoteConnectionClosed: return TransportFailure(description: "the server closed the connection")
            default: break
            }
        }
        let text = String(describing: error)
        if text.lowercased().contains("refused") { return TransportFailure(description: "connection refused") }
        return TransportFailure(description: text)
    }
}
