/// "The newest record for a path wins": manifests are append-only, so when a file was
/// analysed again (a resumed scan, an appended manifest) its later record supersedes the
/// earlier ones. Every reader that keys records by path goes through here.
///
/// ```swift
/// var newest = NewestPerPath<FilePathBytes, Int>()
/// for (line, record) in records.enumerated() { newest.add(line, for: record.pathBytes) }
/// ```
public struct NewestPerPath<Path: Hashable, Value> {
    /// The newest value for each path seen so far.
    public private(set) var byPath: [Path: Value] = [:]

    public init(capacity: Int = 0) { byPath.reserveCapacity(capacity) }

    /// Records `value` for `path`, superseding what an earlier line said about it.
    public mutating func add(_ value: Value, for path: Path) {
        byPath[path] = value
    }
}

extension ImageRecord {
    /// The file a record describes, as exact path bytes: `path_raw` when the name is not
    /// UTF-8, else `path`.
    public var pathBytes: FilePathBytes { FilePathBytes(path: path, pathRaw: pathRaw) }

    /// The current record of each path among `records` (in manifest order), keyed by `key`.
    ///
    /// - Complexity: O(n).
    public static func newestPerPath<Key: Hashable>(
        _ records: some Sequence<ImageRecord>, key: (ImageRecord) -> Key
    ) -> [Key: ImageRecord] {
        var newest = NewestPerPath<Key, ImageRecord>(capacity: records.underestimatedCount)
        for record in records { newest.add(record, for: key(record)) }
        return newest.byPath
    }
}
