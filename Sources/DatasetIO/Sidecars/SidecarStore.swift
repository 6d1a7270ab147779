public import DatasetAnalysis
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The sidecars of a library on disk: one pretty-printed JSON file per content,
/// `FOLDER/ab/abcdef….json` (the first two hex digits of the SHA-256 as a subfolder, so no
/// folder holds millions of files).
///
/// Every write is atomic (``AtomicFile``: temporary file, fsync, rename, fsync of the folder):
/// a crash or SIGKILL at any moment leaves the previous sidecar or the new one, never a torn
/// file.
///
/// ```swift
/// let store = SidecarStore(folder: "photos/.imgeda/sidecars")
/// try store.update(sha256: sha) { $0.add(Tag(parsing: "beach")) }
/// ```
public struct SidecarStore: Sendable {
    public let folder: String

    public init(folder: String) {
        self.folder = folder
    }

    /// What reading every sidecar found: the sidecars, and the files that are not one.
    public struct Listing: Sendable {
        public var sidecars: [Sidecar] = []
        /// Paths of files that are not valid sidecar JSON, with the reason.
        public var invalid: [(path: String, reason: String)] = []
    }

    /// Whether `text` is a SHA-256 in lower-case hex, the only names sidecars take (so a
    /// content key can never walk out of the folder).
    public static func isContentKey(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The file of the sidecar of `sha256`.
    public func path(for sha256: String) -> String {
        "\(folder)/\(sha256.prefix(2))/\(sha256).json"
    }

    /// The sidecar of `sha256`, or nil when there is none.
    public func read(sha256: String) throws(DatasetIOError) -> Sidecar? {
        let file = path(for: sha256)
        guard let data = FileManager.default.contents(atPath: file) else {
            return nil
        }
        return try Self.decode(data, path: file)
    }

    /// Writes `sidecar` atomically, replacing the one of its content; an empty sidecar (no
    /// decision left) removes the file instead.
    public func write(_ sidecar: Sidecar) throws(DatasetIOError) {
        guard Self.isContentKey(sidecar.sha256) else {
            throw DatasetIOError(
                .invalidFormat, "not a SHA-256: '\(sidecar.sha256)'", remedy: "sidecars are keyed by lower-case hex SHA-256")
        }
        let file = path(for: sidecar.sha256)
        if sidecar.isEmpty {
            if unlink(file) != 0 && errno != ENOENT {
                throw DatasetIOError(.ioFailed, "cannot remove \(file): \(String(cString: strerror(errno)))")
            }
            return
        }
        try FileSystem.createDirectories(FileSystem.parentFolder(of: file))
        try AtomicFile.write(Self.encode(sidecar), to: file)
    }

    /// Reads the sidecar of `sha256` (an empty one when there is none), lets `change` edit it,
    /// and writes it back when it changed. Returns the sidecar as written.
    @discardableResult
    public func update(sha256: String, now: String = Timestamp.nowISO8601(), _ change: (inout Sidecar) -> Void) throws(DatasetIOError)
        -> Sidecar
    {
        let before = try read(sha256: sha256) ?? Sidecar(sha256: sha256)
        var after = before
        change(&after)
        after.sha256 = sha256
        guard after != before else { return before }
        after.updatedAt = now
        try write(after)
        return after
    }

    /// Reads every sidecar in the folder; files that are not valid are listed, not fatal.
    /// - Complexity: O(n) in the number of sidecars, one file read each.
    public func readAll() -> Listing {
        var listing = Listing()
        for file in files() {
            do {
                listing.sidecars.append(try read(file: file))
            } catch {
                listing.invalid.append((file, error.message))
            }
        }
        return listing
    }

    /// The files in the folder named as sidecars, in the order of their names (content keys);
    /// nothing is read. A caller reads them with ``read(file:)`` a few at a time, so that
    /// memory does not grow with their number.
    public func files() -> [String] {
        let manager = FileManager.default
        guard let shards = try? manager.contentsOfDirectory(atPath: folder) else { return [] }
        var files: [String] = []
        for shard in shards.sorted() where shard.utf8.count == 2 {
            let shardPath = "\(folder)/\(shard)"
            guard let names = try? manager.contentsOfDirectory(atPath: shardPath) else { continue }
            for name in names.sorted() where name.hasSuffix(".json") && !name.hasPrefix(".") { files.append("\(shardPath)/\(name)") }
        }
        return files
    }

    /// The sidecar in one of ``files()``; throws, with the reason as its message, when the
    /// file cannot be read, is not a valid sidecar or is not named by its content.
    public func read(file: String) throws(DatasetIOError) -> Sidecar {
        guard let data = FileManager.default.contents(atPath: file) else { throw DatasetIOError(.ioFailed, "unreadable") }
        let sidecar = try Self.decode(data, path: file)
        guard file.hasSuffix("/\(sidecar.sha256).json") else {
            throw DatasetIOError(.invalidFormat, "its sha256 (\(sidecar.sha256)) is not its file name")
        }
        return sidecar
    }

    /// A sidecar as its file holds it: pretty-printed, keys sorted, so diffs and people read it.
    public static func encode(_ sidecar: Sidecar) throws(DatasetIOError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(sidecar)) + [0x0A]
        } catch {
            throw DatasetIOError(.invalidFormat, "cannot encode the sidecar of \(sidecar.sha256): \(error)")
        }
    }

    static func decode(_ data: Data, path: String) throws(DatasetIOError) -> Sidecar {
        do {
            return try JSONDecoder().decode(Sidecar.self, from: data)
        } catch {
            throw DatasetIOError(
                .invalidFormat, "\(path) is not a valid sidecar: \(FileSystem.describe(error))",
                remedy: "fix the JSON by hand, or delete the file to drop its decisions")
        }
    }
}
