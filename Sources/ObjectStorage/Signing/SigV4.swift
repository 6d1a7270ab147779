import Crypto
public import Foundation

/// A request to sign: the method, where it goes, its query and headers as they will be
/// sent, and the payload's hash (``SigV4/unsignedPayload`` or the SHA-256 of the body).
///
/// `path` and the query are raw (not percent-encoded): ``url`` and the signature encode them
/// the one way S3 wants, so what is signed is exactly what is sent.
public struct SignableRequest: Sendable {
    public var method: String
    public var scheme: String
    public var host: String
    /// Nil for the scheme's default port.
    public var port: Int?
    /// Starts with "/"; raw, e.g. `/bucket/a b/ü.jpg`.
    public var path: String
    public var query: [QueryItem]
    public var headers: [(name: String, value: String)]
    public var payloadHash: String

    public struct QueryItem: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(
        method: String, scheme: String, host: String, port: Int? = nil, path: String, query: [QueryItem] = [],
        headers: [(name: String, value: String)] = [], payloadHash: String = SigV4.unsignedPayload
    ) {
        self.method = method
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path.hasPrefix("/") ? path : "/" + path
        self.query = query
        self.headers = headers
        self.payloadHash = payloadHash
    }

    /// `host` or `host:port` when the port is not the scheme's default (as the Host header).
    public var hostHeader: String {
        guard let port, port != (scheme == "https" ? 443 : 80) else { return host }
        return "\(host):\(port)"
    }

    /// The path as sent and signed: each segment percent-encoded once, slashes kept.
    public var encodedPath: String { SigV4.encode(path, keepSlash: true) }

    /// The query as sent and signed: names and values encoded, sorted by name, then value.
    public var encodedQuery: String {
        query.map { (SigV4.encode($0.name, keepSlash: false), SigV4.encode($0.value, keepSlash: false)) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// The URL to send.
    public var url: String {
        let query = encodedQuery
        return "\(scheme)://\(hostHeader)\(encodedPath)\(query.isEmpty ? "" : "?" + query)"
    }
}

/// AWS Signature Version 4 for S3, in headers: the `Authorization`, `X-Amz-Date`,
/// `X-Amz-Content-SHA256` and (for session credentials) `X-Amz-Security-Token` headers.
///
/// S3's rules differ from other services' in two ways that matter: the path is encoded once
/// (not twice) and is never normalised (`a//b` and `./` stay as they are). Every header given
/// is signed (they are all ours); the `Host` header is derived from the URL.
/// Checked byte for byte against botocore's `S3SigV4Auth` (see `SigV4Tests`).
///
/// ```swift
/// var request = SignableRequest(method: "GET", scheme: "https", host: "b.s3.eu-west-1.amazonaws.com", path: "/x.jpg")
/// let headers = SigV4.sign(request, credentials: credentials, region: "eu-west-1", date: Date())
/// ```
public enum SigV4 {
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The SHA-256 of no bytes.
    public static let emptyPayload = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The headers to add to the request (the given ones are sent as they are, too).
    public static func sign(
        _ request: SignableRequest, credentials: AWSCredentials, region: String, service: String = "s3", date: Date
    ) -> [(name: String, value: String)] {
        let stamp = Self.timestamp(date)
        let day = String(stamp.prefix(8))
        var added: [(name: String, value: String)] = [
            ("X-Amz-Date", stamp), ("X-Amz-Content-SHA256", request.payloadHash),
        ]
        if let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token)) }
        let all = request.headers + added + [("Host", request.hostHeader)]
        // Canonical headers: lower-case names, values trimmed with inner runs of spaces
        // collapsed, repeated names joined by commas, sorted by name.
        var byName: [String: [String]] = [:]
        for header in all {
            let name = header.name.lowercased().trimmingCharacters(in: .whitespaces)
            let value = header.value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            byName[name, default: []].append(value)
        }
        let names = byName.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(byName[$0, default: []].joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonicalRequest = [
            request.method.uppercased(), request.encodedPath, request.encodedQuery, canonicalHeaders, signedHeaders,
            request.payloadHash,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", stamp, scope, hex(SHA256.hash(data: Array(canonicalRequest.utf8)))]
            .joined(separator: "\n")
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        added.append(
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
            ))
        return added
    }

    /// `20260102T030405Z`, in UTC.
    public static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ n: Int?) -> String { String(format: "%02d", n ?? 0) }
        return String(format: "%04d", c.year ?? 1970) + two(c.month) + two(c.day) + "T" + two(c.hour) + two(c.minute)
            + two(c.second) + "Z"
    }

    /// RFC 3986 percent-encoding as SigV4 wants it: every byte but `A–Z a–z 0–9 - . _ ~`
    /// (and `/` when `keepSlash`) as `%XX` in upper case.
    public static func encode(_ text: String, keepSlash: Bool) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where keepSlash:
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Lower-case hexadecimal.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes { out += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }

    /// The SHA-256 of `bytes` in lower-case hexadecimal (a signed payload's hash).
    public static func payloadHash(_ bytes: [UInt8]) -> String { hex(SHA256.hash(data: bytes)) }
}
