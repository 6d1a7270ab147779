import AsyncHTTPClient
public import DatasetAnalysis
import Foundation
import NIOCore
import NIOHTTP1

/// How one request may behave.
public struct FetchLimits: Sendable, Hashable {
    /// Seconds one attempt (all its redirects and the whole body) may take.
    public var requestTimeout: Double = 30
    /// Seconds without a byte from the server before the attempt is given up (a stall).
    public var stallTimeout: Double = 10
    /// Seconds to establish a connection.
    public var connectTimeout: Double = 10
    /// Largest body accepted, in bytes; enforced while reading, never buffered beyond it.
    public var maxBytes = 32 << 20
    /// Smallest body accepted, in bytes (tracking pixels and placeholders are smaller).
    public var minBytes = 1
    /// Redirects followed before giving up.
    public var maxRedirects = 5
    /// Refuse responses whose `X-Robots-Tag` says `noai` or `noimageai`.
    public var honourRobotsTag = true
    /// Connections at once to one host (name and port).
    public var perHost = 16
    public var userAgent = "imgeda/0.1 (image dataset downloader; +https://github.com/imgeda)"
    public var addressPolicy = AddressPolicy()

    public init() {}
}

/// A body received with status 200, after every redirect hop was checked.
public struct FetchedBody: Sendable {
    public var finalURL: String
    public var httpStatus: Int
    public var contentType: String?
    public var bytes: [UInt8]
}

/// Why an attempt gave no image, with what is needed to decide about a retry.
public struct FetchFailure: Error, Sendable, Hashable {
    public var reason: DownloadReason
    public var detail: String
    public var finalURL: String
    public var httpStatus: Int?
    /// Seconds the server asked us to wait (`Retry-After`), if it did.
    public var retryAfter: Double?
    /// The attempt was abandoned because the download is stopping (not a property of the URL).
    public var cancelled = false

    public var isTransient: Bool { reason.isTransient(httpStatus: httpStatus) }
}

/// Fetches URLs with one pooled HTTP client: keep-alive connections shared by every
/// request, a per-host limit, timeouts for connecting, stalling and the whole attempt, a
/// size cap applied while the body streams in, and redirects followed one hop at a time so
/// that each hop's scheme and addresses are checked.
///
/// Addresses are checked after resolution. For `http` the request then goes to the checked
/// address itself (the URL's host travels in the `Host` header), so a name that resolves
/// differently a moment later cannot redirect the connection (DNS rebinding). For `https`
/// the certificate must be checked against the name, so the client connects by name and
/// resolves it again: a rebinding window of milliseconds remains there.
public final class Fetcher: Sendable {
    public let limits: FetchLimits
    private let client: HTTPClient
    private let hosts: HostLimiter

    public init(limits: FetchLimits) {
        self.limits = limits
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(
                connect: .milliseconds(Int64(limits.connectTimeout * 1000)),
                read: .milliseconds(Int64(limits.stallTimeout * 1000))),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, limits.perHost)),
            decompression: .disabled)
        // A refused connection is an answer; retrying belongs to our retry policy, which
        // counts attempts and backs off.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        hosts = HostLimiter(limit: max(1, limits.perHost))
    }

    /// Closes every connection. Call once, when no fetch is running.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// One attempt at `url`: redirects followed (each hop checked), the body read up to
    /// the cap. Never throws: every outcome is a body or a ``FetchFailure``.
    public func fetch(_ url: String) async -> Result<FetchedBody, FetchFailure> {
        let timeout = limits.requestTimeout
        return await withTaskGroup(of: Result<FetchedBody, FetchFailure>?.self) { group in
            group.addTask { await self.follow(url) }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                return Task.isCancelled
                    ? nil : .failure(FetchFailure(reason: .timeout, detail: "took longer than \(Self.seconds(timeout))", finalURL: url))
            }
            var outcome: Result<FetchedBody, FetchFailure>?
            while let next = await group.next() {
                if let next {
                    outcome = next
                    break
                }
            }
            group.cancelAll()
            let cancelled = FetchFailure(reason: .timeout, detail: "cancelled", finalURL: url, cancelled: true)
            return outcome ?? .failure(cancelled)
        }
    }

    private func follow(_ start: String) async -> Result<FetchedBody, FetchFailure> {
        var current = start
        var visited = Set<String>()
        for hop in 0...limits.maxRedirects {
            func fail(_ reason: DownloadReason, _ detail: String, status: Int? = nil) -> Result<FetchedBody, FetchFailure> {
                .failure(FetchFailure(reason: reason, detail: detail, finalURL: current, httpStatus: status))
            }
            guard let target = Target(current) else {
                return fail(.invalidURL, Target.problem(with: current))
            }
            guard visited.insert(target.normalized).inserted else {
                return fail(.redirectLoop, "redirected back to \(current) after \(hop) hops")
            }
            let addresses: [IPAddress]
            switch await HostResolver.resolve(target.host) {
            // IPv4 first: the pinned address must be reachable on hosts without IPv6 routes.
            case .success(let found): addresses = found.filter(\.isIPv4) + found.filter { !$0.isIPv4 }
            case .failure(let failure): return fail(.dns, failure.message)
            }
            if Task.isCancelled { return .failure(FetchFailure(reason: .timeout, detail: "cancelled", finalURL: current, cancelled: true)) }
            for address in addresses {
                if let refused = limits.addressPolicy.refusal(address) {
                    return fail(
                        .blockedAddress,
                        "\(target.host) is \(address) (\(refused.rawValue)); private networks are refused unless allowed (settings allow_private_network, allow_address)"
                    )
                }
            }
            let response: Response
            do {
                response = try await request(target, pinned: addresses[0])
            } catch let failure as FetchFailure {
                var failure = failure
                failure.finalURL = current
                return .failure(failure)
            } catch {
                return .failure(Self.classify(error, url: current, limits: limits))
            }
            switch response {
            case .redirect(let location, let status):
                guard let next = URL(string: location, relativeTo: URL(string: current))?.absoluteString else {
                    return fail(.invalidURL, "redirect (\(status)) to an unreadable location '\(location)'", status: status)
                }
                current = next
                continue
            case .body(var body):
                body.finalURL = current
                return .success(body)
            }
        }
        return .failure(
            FetchFailure(reason: .tooManyRedirects, detail: "more than \(limits.maxRedirects) redirects", finalURL: current))
    }

    private enum Response {
        case redirect(location: String, status: Int)
        case body(FetchedBody)
    }

    /// One request, one hop.
    private func request(_ target: Target, pinned: IPAddress) async throws -> Response {
        var request = HTTPClientRequest(url: target.url.absoluteString)
        if target.scheme == "http" {
            request = HTTPClientRequest(url: target.pinnedURL(pinned))
            request.headers.add(name: "Host", value: target.hostHeader)
        }
        request.headers.add(name: "User-Agent", value: limits.userAgent)
        request.headers.add(name: "Accept", value: "image/avif,image/webp,image/*;q=0.9,*/*;q=0.5")
        await hosts.acquire(target.hostKey)
        do {
            let result = try await perform(request, target: target)
            await hosts.release(target.hostKey)
            return result
        } catch {
            await hosts.release(target.hostKey)
            throw error
        }
    }

    private func perform(_ request: HTTPClientRequest, target: Target) async throws -> Response {
        let response = try await client.execute(request, deadline: .now() + .milliseconds(Int64(limits.requestTimeout * 1000)))
        let status = Int(response.status.code)
        if [301, 302, 303, 307, 308].contains(status) {
            guard let location = response.headers.first(name: "Location"), !location.isEmpty else {
                throw FetchFailure(reason: .httpStatus, detail: "HTTP \(status) without a Location", finalURL: "", httpStatus: status)
            }
            return .redirect(location: location, status: status)
        }
        guard status == 200 else {
            let retryAfter = response.headers.first(name: "Retry-After").flatMap { RetryPolicy.parseRetryAfter($0, now: Date()) }
            throw FetchFailure(
                reason: .httpStatus, detail: "HTTP \(status) \(response.status.reasonPhrase)", finalURL: "", httpStatus: status,
                retryAfter: retryAfter)
        }
        let contentType = response.headers.first(name: "Content-Type")
        if limits.honourRobotsTag, let directive = RobotsTag.refusal(response.headers[canonicalForm: "X-Robots-Tag"].map(String.init)) {
            throw FetchFailure(
                reason: .robots, detail: "X-Robots-Tag: \(directive) (the setting ignore_robots_tag downloads it anyway)", finalURL: "",
                httpStatus: status)
        }
        let declared = response.headers.first(name: "Content-Length").flatMap { Int($0) }
        if let declared, declared > limits.maxBytes {
            throw FetchFailure(
                reason: .tooLarge, detail: "Content-Length \(declared) bytes is over the cap of \(limits.maxBytes)", finalURL: "",
                httpStatus: status)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(declared ?? 64 * 1024, limits.maxBytes))
        do {
            for try await chunk in response.body {
                if bytes.count + chunk.readableBytes > limits.maxBytes {
                    throw FetchFailure(
                        reason: .tooLarge, detail: "body over the cap of \(limits.maxBytes) bytes (no Content-Length)", finalURL: "",
                        httpStatus: status)
                }
                chunk.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }
            }
        } catch let failure as FetchFailure {
            throw failure
        } catch {
            var failure = Self.classify(error, url: "", limits: limits)
            failure.httpStatus = status
            if failure.reason == .connect || failure.reason == .truncated {
                failure.reason = .truncated
                failure.detail = "the body ended after \(bytes.count)\(declared.map { " of \($0)" } ?? "") bytes (\(failure.detail))"
            } else if failure.reason == .timeout {
                failure.detail += " after \(bytes.count)\(declared.map { " of \($0)" } ?? "") bytes"
            }
            throw failure
        }
        if let declared, bytes.count < declared {
            throw FetchFailure(
                reason: .truncated, detail: "the body ended after \(bytes.count) of \(declared) bytes", finalURL: "", httpStatus: status)
        }
        return .body(FetchedBody(finalURL: "", httpStatus: status, contentType: contentType, bytes: bytes))
    }

    /// An error of the HTTP stack as a failure reason.
    static func classify(_ error: any Error, url: String, limits: FetchLimits) -> FetchFailure {
        func failure(_ reason: DownloadReason, _ detail: String) -> FetchFailure {
            FetchFailure(reason: reason, detail: detail, finalURL: url)
        }
        if let failure = error as? FetchFailure { return failure }
        if error is CancellationError {
            var cancelled = failure(.timeout, "cancelled")
            cancelled.cancelled = true
            return cancelled
        }
        if let http = error as? HTTPClientError {
            switch http {
            case .connectTimeout: return failure(.timeout, "could not connect within \(seconds(limits.connectTimeout))")
            case .readTimeout: return failure(.timeout, "the server sent nothing for \(seconds(limits.stallTimeout)) (stalled)")
            case .deadlineExceeded: return failure(.timeout, "took longer than \(seconds(limits.requestTimeout))")
            case .tlsHandshakeTimeout: return failure(.tls, "the TLS handshake timed out")
            case .remoteConnectionClosed: return failure(.connect, "the server closed the connection")
            case .cancelled:
                var cancelled = failure(.timeout, "cancelled")
                cancelled.cancelled = true
                return cancelled
            case .invalidURL, .emptyHost, .emptyScheme: return failure(.invalidURL, "\(http)")
            default: break
            }
        }
        let type = String(reflecting: Swift.type(of: error))
        let text = String(describing: error)
        if type.contains("SSL") || type.contains("TLS") || text.contains("handshake") || text.contains("certificate") {
            return failure(.tls, text)
        }
        if type.contains("HTTPParserError") { return failure(.truncated, "malformed HTTP response: \(text)") }
        if text.lowercased().contains("refused") { return failure(.connect, "connection refused") }
        if text.lowercased().contains("timed out") || text.lowercased().contains("timeout") { return failure(.timeout, text) }
        return failure(.connect, text)
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}

/// A URL we may fetch: http or https with a host.
struct Target {
    let url: URL
    let scheme: String
    let host: String
    let port: Int

    init?(_ text: String) {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else { return nil }
        self.url = url
        self.scheme = scheme
        var bare = host.lowercased()
        if bare.hasPrefix("[") && bare.hasSuffix("]") { bare = String(bare.dropFirst().dropLast()) }
        self.host = bare
        self.port = url.port ?? (scheme == "https" ? 443 : 80)
    }

    /// Why `text` is not a URL we fetch, in words.
    static func problem(with text: String) -> String {
        if text.isEmpty { return "no URL in this row" }
        guard let url = URL(string: text), let scheme = url.scheme else { return "not a URL: '\(text.prefix(200))'" }
        if !["http", "https"].contains(scheme.lowercased()) { return "only http and https URLs are fetched, not \(scheme):" }
        return "the URL has no host: '\(text.prefix(200))'"
    }

    /// For loop detection: the URL without its fragment, scheme and host in lower case.
    var normalized: String {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        components?.fragment = nil
        components?.scheme = scheme
        components?.host = host
        return components?.string ?? url.absoluteString
    }

    /// Limits count connections per host and port.
    var hostKey: String { "\(host):\(port)" }

    var hostHeader: String {
        let name = IPAddress(host).map { $0.urlHost } ?? host
        return port == (scheme == "https" ? 443 : 80) ? name : "\(name):\(port)"
    }

    /// The URL with its host replaced by `address` (for http: connect to what was checked).
    func pinnedURL(_ address: IPAddress) -> String {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        components?.fragment = nil
        let rest = (components?.percentEncodedPath ?? "/").isEmpty ? "/" : (components?.percentEncodedPath ?? "/")
        let query = components?.percentEncodedQuery.map { "?\($0)" } ?? ""
        return "\(scheme)://\(address.urlHost):\(port)\(rest)\(query)"
    }
}

/// `X-Robots-Tag` directives that ask for images not to be used for AI training, as
/// img2dataset honours them. A directive prefixed with a user agent (`otherbot: noai`)
/// applies to that agent only.
enum RobotsTag {
    static let refusing: Set<String> = ["noai", "noimageai"]

    /// The refusing directive among `values`, or nil.
    static func refusal(_ values: [String]) -> String? {
        for value in values {
            var directives = value.lowercased()
            if let colon = directives.firstIndex(of: ":") {
                let agent = directives[..<colon].trimmingCharacters(in: .whitespaces)
                // "googlebot: noai" speaks to another crawler; "noai, noimageai" has no agent.
                if !agent.contains(",") && !refusing.contains(agent) {
                    guard agent == "imgeda" || agent == "*" else { continue }
                    directives = String(directives[directives.index(after: colon)...])
                }
            }
            for token in directives.split(separator: ",") {
                let word = token.trimmingCharacters(in: .whitespaces)
                if refusing.contains(word) { return word }
            }
        }
        return nil
    }
}

/// At most `limit` requests at once to one host; the others wait their turn in order.
actor HostLimiter {
    let limit: Int
    private var active: [String: Int] = [:]
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    init(limit: Int) { self.limit = limit }

    func acquire(_ host: String) async {
        if active[host, default: 0] < limit {
            active[host, default: 0] += 1
            return
        }
        await withCheckedContinuation { waiting[host, default: []].append($0) }
    }

    /// Frees a slot: hands it to the next waiter of that host, if any.
    func release(_ host: String) {
        if var queue = waiting[host], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[host] = queue.isEmpty ? nil : queue
            next.resume()
            return
        }
        let count = active[host, default: 1] - 1
        active[host] = count > 0 ? count : nil
    }
}
