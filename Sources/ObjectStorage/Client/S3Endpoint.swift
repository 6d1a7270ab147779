public import DatasetAnalysis
import Foundation

/// Where S3 requests go: AWS's regional endpoint with virtual-hosted addressing
/// (`https://bucket.s3.region.amazonaws.com/key`), or the endpoint named by
/// `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` (MinIO, Ceph, R2, moto) with path-style
/// addressing (`http://host:9000/bucket/key`), which every such server understands.
public struct S3Endpoint: Sendable, Hashable {
    public var region: String
    public var scheme: String
    public var host: String
    public var port: Int?
    /// `/bucket/key` rather than `bucket.host/key`.
    public var pathStyle: Bool

    public init(environment: AWSEnvironment) throws(ImgedaError) {
        region = environment.region
        guard let override = environment["AWS_ENDPOINT_URL_S3"] ?? environment["AWS_ENDPOINT_URL"] else {
            scheme = "https"
            host = "s3.\(region).amazonaws.com"
            port = nil
            pathStyle = false
            return
        }
        guard let url = URL(string: override), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            throw ImgedaError(
                .invalidArgument, "the S3 endpoint '\(override)' (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL) is not an http(s) URL",
                remedy: "write it as http://host:port or https://host")
        }
        self.scheme = scheme
        self.host = host
        port = url.port
        pathStyle = true
    }

    /// A request for `key` in `bucket` (an empty bucket: the service itself).
    func request(
        _ method: String, bucket: String, key: String, query: [SignableRequest.QueryItem] = [],
        headers: [(name: String, value: String)] = [], payloadHash: String
    ) -> SignableRequest {
        // Virtual-hosted names cannot hold dots under TLS (the certificate is *.s3…).
        if pathStyle || bucket.contains(".") {
            return SignableRequest(
                method: method, scheme: scheme, host: host, port: port, path: "/\(bucket)/\(key)", query: query,
                headers: headers, payloadHash: payloadHash)
        }
        return SignableRequest(
            method: method, scheme: scheme, host: "\(bucket).\(host)", port: port, path: "/\(key)", query: query,
            headers: headers, payloadHash: payloadHash)
    }

    /// How errors name the server.
    var name: String {
        pathStyle ? "the S3 endpoint \(scheme)://\(host)\(port.map { ":\($0)" } ?? "")" : "S3 (\(region))"
    }
}
