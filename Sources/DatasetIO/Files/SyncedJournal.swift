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
