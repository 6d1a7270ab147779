public import DatasetAnalysis
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An append-only journal of JSON lines, each batch flushed to disk (`fsync`) before the
/// call returns — so a line written before an operation is on disk before the operation
/// starts. A torn last line (a crash while appending) is ignored when read and removed before
/// the next append. `uniquify` records its backups in one, `organize` its operations.
///
/// ```swift
/// let journal = SyncedJournal<Entry>(path: "journal.jsonl")
/// try journal.append([entry])
/// let entries = try journal.read()
/// ```
public struct SyncedJournal<Line: Codable>: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// Whether the journal file exists.
    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// Every whole line that decodes, in order; nil when the file does not exist. Lines that
    /// do not decode (a torn last line) are skipped.
    /// - Complexity: O(size of the file).
    public func read() -> [Line]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var lines: [Line] = []
        let decoder = JSONDecoder()
        for line in data.split(separator: UInt8(ascii: "\n")) {
            if let entry = try? decoder.decode(Line.self, from: Data(line)) { lines.append(entry) }
        }
        return lines
    }

    /// Appends `lines` and flushes them to disk before returning.
    public func append(_ lines: [Line]) throws(DatasetIOError) {
        guard !lines.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes: [UInt8] = []
        for line in lines {
            guard let json = try? encoder.encode(line) else { throw DatasetIOError(.internal, "cannot encode a line of \(path)") }
            bytes += json
            bytes.append(0x0A)
        }
        try write(bytes)
    }

    /// Adds `bytes` (whole lines) to the file and flushes it to disk.
    private func write(_ bytes: [UInt8]) throws(DatasetIOError) {
        // A torn last line from an earlier crash must not swallow these.
        try ManifestFiles.dropPartialLastLine(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw DatasetIOError(
                .ioFailed, "cannot write \(path): \(String(cString: strerror(errno)))", remedy: "check that the folder is writable")
        }
        defer { close(fd) }
        try ManifestFiles.writeAll(fd: fd, bytes, path: path)
        guard fsync(fd) == 0 else {
            throw DatasetIOError(.ioFailed, "cannot write \(path): \(String(cString: strerror(errno)))", remedy: "is the disk full?")
        }
    }
}

/// A journal line that writes its own JSON (``JSONWriter``) instead of going through
/// `JSONEncoder` — several times cheaper for a fixed shape written once per file. What it
/// writes must decode with the line's `Decodable` conformance (the journal is read that way).
package protocol JournalLineWriting: Codable {
    /// Writes the line as one JSON object and returns true; or, when this line cannot be
    /// written so, writes nothing and returns false (it is then encoded by `JSONEncoder`).
    func write(to writer: inout JSONWriter) -> Bool
}

extension SyncedJournal where Line: JournalLineWriting {
    /// Appends `lines`, each written by itself where it can, and flushes them to disk
    /// before returning.
    package func append(_ lines: [Line]) throws(DatasetIOError) {
        guard !lines.isEmpty else { return }
        var writer = JSONWriter(capacity: 128 * lines.count)
        var encoder: JSONEncoder?
        for line in lines {
            if !line.write(to: &writer) {
                let fallback = encoder ?? JSONEncoder()
                fallback.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                encoder = fallback
                guard let json = try? fallback.encode(line) else { throw DatasetIOError(.internal, "cannot encode a line of \(path)") }
                writer.raw(Array(json))
            }
            writer.newline()
        }
        try write(writer.bytes)
    }
}
