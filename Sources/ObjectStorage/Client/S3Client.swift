public import DatasetAnalysis
import DatasetIO
public import Downloader
public import Foundation

/// An object in a listing.
public struct S3Object: Sendable, Hashable {
    public var key: String
    public var size: Int
    /// Without the quotes S3 puts around it.
    public var etag: String
    public var lastModified: Date?

    public init(key: String, size: Int, etag: String, lastModified: Date?) {
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// A small S3 client: listing (ListObjectsV2, paginated and streamed), GET (into memory or
/// streamed to a file), PUT, and multipart upload for large files — signed with ``SigV4``,
/// credentials from the ``CredentialChain``, on one pooled async-http-client. Transient
/// failures (connections refused or reset, 5xx, 429, `SlowDown`) are retried under the
/// Downloader's ``RetryPolicy``; refusals become one ``ImgedaError`` line that names the
/// object and the fix (a wrong secret key, an unknown bucket, access denied).
///
/// ```swift
/// let s3 = try S3Client()
/// for try await object in s3.listObjects(try S3Location(url: "s3://data/train/")) { print(object.key) }
/// try await s3.upload(file: "m.jsonl", to: try S3Location(url: "s3://data/manifests/m.jsonl"))
/// await s3.shutdown()
/// ```
public final class S3Client: Sendable {
    public let environment: AWSEnvironment
    public let endpoint: S3Endpoint
    public let retry: RetryPolicy
    /// Size of each part of a multipart upload; files up to this size go in one PUT.
    public let partSize: Int
    let transport: HTTPTransport
    let credentialCache: CredentialCache

    /// - Parameters:
    ///   - credentials: fixed credentials; nil finds them with the ``CredentialChain``.
    public init(
        environment: AWSEnvironment = AWSEnvironment(), credentials: AWSCredentials? = nil, retry: RetryPolicy = RetryPolicy(),
        partSize: Int = 16 << 20, connections: Int = 32
    ) throws(ImgedaError) {
        self.environment = environment
        endpoint = try S3Endpoint(environment: environment)
        self.retry = retry
        // S3's smallest part (but the last) is 5 MiB.
        self.partSize = max(5 << 20, partSize)
        transport = HTTPTransport(connectionsPerHost: connections)
        credentialCache = CredentialCache(chain: CredentialChain(environment: environment), fixed: credentials)
    }

    /// Closes the connections. Call once, when no request is running.
    public func shutdown() async {
        await transport.shutdown()
    }

    /// The credentials requests are signed with (found on first use).
    public func credentials() async throws(ImgedaError) -> AWSCredentials {
        try await credentialCache.credentials()
    }

    // MARK: - Listing

    /// Every object under `location`'s key (as a prefix: `s3://b/train` lists `train/…`
    /// and `train…` alike; give `train/` for a folder), in key order, one page of up to
    /// 1,000 keys (or `pageSize`) fetched at a time as the sequence is read.
    public func listObjects(_ location: S3Location, pageSize: Int? = nil) -> S3Listing {
        S3Listing(client: self, bucket: location.bucket, prefix: location.key, pageSize: pageSize)
    }

    /// One page of a listing, and the token of the next (nil at the end).
    public func listPage(
        bucket: String, prefix: String, continuation: String?, pageSize: Int? = nil
    ) async throws -> (objects: [S3Object], next: String?) {
        var query = [SignableRequest.QueryItem("list-type", "2")]
        if !prefix.isEmpty { query.append(.init("prefix", prefix)) }
        if let pageSize { query.append(.init("max-keys", String(max(1, pageSize)))) }
        if let continuation { query.append(.init("continuation-token", continuation)) }
        let location = S3Location(bucket: bucket, key: prefix)
        let answer = try await perform("GET", location, keyInPath: false, query: query, what: "list \(location)")
        let xml = String(decoding: answer.body, as: UTF8.self)
        let objects = XMLText.blocks("Contents", in: xml).compactMap { block -> S3Object? in
            guard let key = XMLText.first("Key", in: block) else { return nil }
            let etag = (XMLText.first("ETag", in: block) ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return S3Object(
                key: key, size: Int(XMLText.first("Size", in: block) ?? "") ?? 0, etag: etag,
                lastModified: XMLText.first("LastModified", in: block).flatMap(CredentialChain.date))
        }
        let truncated = XMLText.first("IsTruncated", in: xml) == "true"
        return (objects, truncated ? XMLText.first("NextContinuationToken", in: xml) : nil)
    }

    // MARK: - Reading

    /// The object's bytes (refusing more than `maxBytes`).
    public func get(_ location: S3Location, maxBytes: Int = 256 << 20) async throws -> [UInt8] {
        try await perform("GET", location, what: "read \(location)", maxBytes: maxBytes).body
    }

    /// The object's size and ETag, or nil when there is none.
    public func head(_ location: S3Location) async throws -> S3Object? {
        do {
            let answer = try await perform("HEAD", location, what: "look up \(location)")
            let etag = (answer.header("ETag") ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return S3Object(key: location.key, size: Int(answer.header("Content-Length") ?? "") ?? 0, etag: etag, lastModified: nil)
        } catch let error as ImgedaError where error.code == .notFound {
            return nil
        }
    }

    /// Streams the object into the file at `path` (written atomically: a failed download
    /// leaves the file as it was).
    public func download(_ location: S3Location, to path: String) async throws {
        try await withRetries("read \(location)") {
            let file = try AtomicFile(path: path)
            do {
                let request = try await signed("GET", location, payload: nil)
                let answer = try await transport.stream(
                    method: "GET", url: request.url, headers: request.headers, body: nil, timeout: 3600
                ) { chunk in try file.write(chunk) }
                guard answer.status / 100 == 2 else { throw try await refusal(answer, "GET", location) }
                try file.commit()
            } catch {
                file.abandon()
                throw error
            }
        }
    }

    // MARK: - Writing

    /// Stores `bytes` as the object (one PUT).
    public func put(_ bytes: [UInt8], to location: S3Location, contentType: String? = nil) async throws {
        _ = try await perform(
            "PUT", location, headers: contentType.map { [("Content-Type", $0)] } ?? [], body: bytes, what: "write \(location)")
    }

    /// Uploads the file at `path`: in one PUT up to ``partSize``, as a multipart upload of
    /// ``partSize`` parts above it (aborted if a part fails, so no parts are left billed).
    public func upload(file path: String, to location: S3Location, contentType: String? = nil) async throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImgedaError(.notFound, "cannot read \(path) to upload it to \(location)")
        }
        defer { try? handle.close() }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        if size <= partSize {
            let bytes = [UInt8](try handle.readToEnd() ?? Data())
            return try await put(bytes, to: location, contentType: contentType)
        }
        let created = try await perform(
            "POST", location, query: [.init("uploads", "")], headers: contentType.map { [("Content-Type", $0)] } ?? [],
            body: [], what: "start a multipart upload to \(location)")
        guard let uploadID = XMLText.first("UploadId", in: String(decoding: created.body, as: UTF8.self)) else {
            throw ImgedaError(.s3Unavailable, "\(endpoint.name) started no multipart upload for \(location) (no UploadId)")
        }
        do {
            var parts: [(number: Int, etag: String)] = []
            var number = 0
            while true {
                let data = try handle.read(upToCount: partSize) ?? Data()
                if data.isEmpty { break }
                number += 1
                let answer = try await perform(
                    "PUT", location, query: [.init("partNumber", String(number)), .init("uploadId", uploadID)], body: [UInt8](data),
                    what: "upload part \(number) of \(location)")
                parts.append((number, answer.header("ETag") ?? ""))
            }
            var xml = "<CompleteMultipartUpload>"
            for part in parts {
                xml += "<Part><PartNumber>\(part.number)</PartNumber><ETag>\(Escape.xml(part.etag))</ETag></Part>"
            }
            xml += "</CompleteMultipartUpload>"
            let done = try await perform(
                "POST", location, query: [.init("uploadId", uploadID)], body: Array(xml.utf8), what: "complete the upload of \(location)")
            // S3 may answer 200 and still fail the completion, in the body.
            let text = String(decoding: done.body, as: UTF8.self)
            if text.contains("<Error>") {
                throw ImgedaError(
                    .s3Unavailable,
                    "\(endpoint.name) could not complete the upload of \(location): \(XMLText.first("Code", in: text) ?? "") \(XMLText.first("Message", in: text) ?? "")"
                )
            }
        } catch {
            _ = try? await perform("DELETE", location, query: [.init("uploadId", uploadID)], what: "abort the upload of \(location)")
            throw error
        }
    }

    // MARK: - Requests

    /// A transient failure, retried under ``retry``.
    struct Transient: Error {
        var detail: String
        var retryAfter: Double?
    }

    func signed(
        _ method: String, _ location: S3Location, keyInPath: Bool = true, query: [SignableRequest.QueryItem] = [],
        headers: [(name: String, value: String)] = [], payload: [UInt8]?
    ) async throws(ImgedaError) -> (url: String, headers: [(name: String, value: String)]) {
        let request = endpoint.request(
            method, bucket: location.bucket, key: keyInPath ? location.key : "", query: query, headers: headers,
            payloadHash: payload.map(SigV4.payloadHash) ?? SigV4.emptyPayload)
        let credentials = try await credentialCache.credentials()
        let added = SigV4.sign(request, credentials: credentials, region: endpoint.region, date: Date())
        return (request.url, headers + added)
    }

    /// One request with retries; a 2xx answer with its body, or an error.
    func perform(
        _ method: String, _ location: S3Location, keyInPath: Bool = true, query: [SignableRequest.QueryItem] = [],
        headers: [(name: String, value: String)] = [], body: [UInt8]? = nil, what: String, maxBytes: Int = 16 << 20
    ) async throws -> HTTPAnswer {
        try await withRetries(what) {
            let request = try await signed(method, location, keyInPath: keyInPath, query: query, headers: headers, payload: body)
            let answer: HTTPAnswer
            do {
                answer = try await transport.send(
                    method: method, url: request.url, headers: request.headers, body: body, timeout: 600, maxBytes: maxBytes)
            } catch let failure as TransportFailure {
                throw Transient(detail: failure.description)
            }
            guard answer.status / 100 == 2 else { throw try await refusal(answer, method, location) }
            return answer
        }
    }

    func withRetries<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await body()
            } catch let failure as Transient {
                if let wait = retry.delay(after: attempt, retryAfter: failure.retryAfter) {
                    try await Task.sleep(nanoseconds: UInt64(wait * 1e9))
                    continue
                }
                throw ImgedaError(
                    .s3Unavailable, "could not \(what) at \(endpoint.name) after \(attempt) attempts: \(failure.detail)",
                    remedy: "check the network and the endpoint, then run the command again")
            } catch let failure as TransportFailure {
                throw ImgedaError(.s3Unavailable, "could not \(what) at \(endpoint.name): \(failure.description)")
            }
        }
    }

    /// A non-2xx answer as a retry (5xx, 429, `SlowDown`) or as one line naming the fix.
    func refusal(_ answer: HTTPAnswer, _ method: String, _ location: S3Location) async throws -> any Error {
        let xml = String(decoding: answer.body, as: UTF8.self)
        let code = XMLText.first("Code", in: xml) ?? ""
        if answer.status >= 500 || answer.status == 429 || ["SlowDown", "InternalError", "RequestTimeout"].contains(code) {
            return Transient(
                detail: "HTTP \(answer.status)\(code.isEmpty ? "" : " \(code)")",
                retryAfter: answer.header("Retry-After").flatMap { RetryPolicy.parseRetryAfter($0, now: Date()) })
        }
        let credentials = try await credentialCache.credentials()
        return S3Refusal.error(
            status: answer.status, code: code, message: XMLText.first("Message", in: xml), method: method, location: location,
            credentials: credentials, endpoint: endpoint)
    }
}

/// The listing of a prefix as an `AsyncSequence` of objects: pages are fetched as the
/// sequence is read, so a bucket of millions of keys streams in constant memory.
public struct S3Listing: AsyncSequence, Sendable {
    public typealias Element = S3Object
    let client: S3Client
    let bucket: String
    let prefix: String
    let pageSize: Int?

    public struct AsyncIterator: AsyncIteratorProtocol {
        let client: S3Client
        let bucket: String
        let prefix: String
        let pageSize: Int?
        var page: [S3Object] = []
        var index = 0
        var token: String?
        var finished = false

        public mutating func next() async throws -> S3Object? {
            while index >= page.count {
                if finished { return nil }
                let (objects, next) = try await client.listPage(
                    bucket: bucket, prefix: prefix, continuation: token, pageSize: pageSize)
                page = objects
                index = 0
                token = next
                finished = next == nil
            }
            defer { index += 1 }
            return page[index]
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(client: client, bucket: bucket, prefix: prefix, pageSize: pageSize)
    }
}
