public import DatasetAnalysis

/// A place in S3: `s3://bucket/key` — one object, or with a key ending in `/` (or empty) a
/// prefix that holds many.
///
/// ```swift
/// let images = try S3Location(url: "s3://my-data/train/")
/// images.bucket      // "my-data"
/// images.key         // "train/"
/// ```
public struct S3Location: Sendable, Hashable, CustomStringConvertible {
    public var bucket: String
    public var key: String

    public init(bucket: String, key: String) {
        self.bucket = bucket
        self.key = key
    }

    /// Reads `s3://bucket/key`; anything else is an error naming what is wrong.
    public init(url: String) throws(ImgedaError) {
        guard Self.isS3(url) else {
            throw ImgedaError(.invalidArgument, "'\(url)' is not an S3 URL", remedy: "write it as s3://bucket/key")
        }
        let rest = url.dropFirst("s3://".count)
        let bucket = rest.prefix { $0 != "/" }
        let key = rest.dropFirst(bucket.count + 1)
        guard Self.isValidBucket(bucket) else {
            throw ImgedaError(
                .invalidArgument,
                "'\(url)' names the bucket '\(bucket)', which is not a valid S3 bucket name",
                remedy: "a bucket name has 3 to 63 lower-case letters, digits, dots and hyphens")
        }
        self.bucket = String(bucket)
        self.key = String(key)
    }

    /// Whether `text` is meant as an S3 URL.
    public static func isS3(_ text: String) -> Bool { text.lowercased().hasPrefix("s3://") }

    public var description: String { "s3://\(bucket)/\(key)" }

    /// The key as a prefix of others: empty, or ending with `/`.
    public var prefix: String { key.isEmpty || key.hasSuffix("/") ? key : key + "/" }

    /// The object `relative` under this prefix.
    public func appending(_ relative: String) -> S3Location {
        S3Location(bucket: bucket, key: prefix + relative)
    }

    /// The last part of the key (`m.jsonl` of `s3://b/runs/m.jsonl`).
    public var name: String { String(key.split(separator: "/").last ?? "") }

    static func isValidBucket(_ name: Substring) -> Bool {
        guard (3...63).contains(name.count), let first = name.first, let last = name.last,
            first.isASCII && (first.isLetter || first.isNumber), last.isASCII && (last.isLetter || last.isNumber)
        else { return false }
        return name.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-" }
    }
}
