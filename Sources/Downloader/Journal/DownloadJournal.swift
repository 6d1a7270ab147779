public import DatasetAnalysis
import DatasetIO
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One line of `download.jsonl`: how one row of the URL list ended.
public struct JournalEntry: Sendable, Hashable {
    public var index: Int
    public var url: String
    public var finalURL: String?
    public var status: DownloadStatus
    public var reason: DownloadReason?
    public var detail: String?
    public var httpStatus: Int?
    public var attempts: Int
    public var bytes: Int?
    public var sha256: String?
    /// The image's path relative to the output folder.
    public var file: String?
    /// What the server said it sent.
    public var contentType: String?
    /// What the bytes are (`JPEG`, `PNG`, …).
    public var format: String?
    /// The row whose image this one duplicates (with `--skip-duplicates`).
    public var duplicateOf: Int?
    /// Whether a later run retries this row (a transient failure).
    public var retryable: Bool
    /// Seconds from the first attempt to the end.
    public var elapsed: Double
    public var extra: [ExtraField]

    public init(index: Int, url: String, status: DownloadStatus, attempts: Int = 0, elapsed: Double = 0, extra: [ExtraField] = []) {
        self.index = index
        self.url = url
        self.status = status
        self.attempts = attempts
        self.elapsed = elapsed
        self.extra = extra
        self.retryable = false
    }

    /// The entry as one JSON line (with its newline). Extra columns sit in an `extra`
    /// object, so a column called `status` cannot shadow ours.
    public var line: [UInt8] {
        var w = JSONWriter(capacity: 512)
        w.beginObject()
        w.key("index"); w.int(index)
        w.key("url"); w.string(url)
        w.key("final_url"); w.string(finalURL)
        w.key("status"); w.string(status.rawValue)
        w.key("reason"); w.string(reason?.rawValue)
        w.key("detail"); w.string(detail)
        w.key("http_status"); w.int(httpStatus)
        w.key("attempts"); w.int(attempts)
        w.key("bytes"); w.int(bytes)
        w.key("sha256"); w.string(sha256)
        w.key("file"); w.string(file)
        w.key("content_type"); w.string(contentType)
        w.key("format"); w.string(format)
        if let duplicateOf { w.key("duplicate_of"); w.int(duplicateOf) }
        w.key("retryable"); w.bool(retryable)
        w.key("elapsed"); w.double(elapsed, decimals: 3)
        if !extra.isEmpty {
            w.key("extra")
            w.beginObject()
            for field in extra {
                w.key(field.name)
                w.string(field.value)
            }
            w.endObject()
        }
        w.endObject()
        w.newline()
        return w.bytes
    }
}

/// The fields of a journal line that resuming and summarising need.
struct JournalLine: Decodable {
    var index: Int
    var url: String
    var status: DownloadStatus
    var reason: DownloadReason?
    var detail: String?
    var file: String?
    var sha256: String?
    var retryable: Bool?
    var httpStatus: Int?
    var bytes: Int?

    enum CodingKeys: String, CodingKey {
        case index, url, status, reason, detail, file, sha256, retryable, bytes
        case httpStatus = "http_status"
    }
}

/// Appends lines to `download.jsonl`: each line in one `write` (`O_APPEND`), so a process
/// killed at any moment leaves whole lines (and at most a torn last one, which the next
/// run cuts off); flushed to disk with ``sync()`` at checkpoints and at the end.
public final class JournalWriter: @unchecked Sendable {
    // @unchecked Sendable: `fd` is written only while holding `lock` (and in deinit).
    private let lock = NSLock()
    private var fd: Int32
    public let path: String
    private var unsynced = 0

    public init(path: String) throws(ImgedaError) {
        self.path = path
        try ManifestFiles.dropPartialLastLine(path)
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ImgedaError(
                .ioFailed, "cannot write \(path): \(String(cString: strerror(errno)))", remedy: "check that the folder is writable")
        }
    }

    deinit {
        if fd >= 0 {
            fsync(fd)
            Glibc.close(fd)
        }
    }

    public func append(_ entry: JournalEntry) throws(ImgedaError) {
        let bytes = entry.line
        lock.lock()
        defer { lock.unlock() }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + offset }, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw ImgedaError(.ioFailed, "cannot write to \(path): \(String(cString: strerror(errno)))", remedy: "is the disk full?")
            }
            offset += written
        }
        unsynced += 1
    }

    /// Flushes what was appended to disk.
    public func sync() {
        lock.withLock {
            guard unsynced > 0, fd >= 0 else { return }
            fsync(fd)
            unsynced = 0
        }
    }

    public func close() {
        lock.withLock {
            guard fd >= 0 else { return }
            fsync(fd)
            Glibc.close(fd)
            fd = -1
        }
    }
}

/// Rewrites a journal with only the newest line of each row, in row order, atomically (a
/// temporary file, synced, renamed): what a finished run does when retries and resumed
/// runs left superseded lines, so the journal ends with exactly one line per row.
public enum JournalCompaction {
    /// Returns the lines dropped.
    ///
    /// - Complexity: O(lines) time; 16 bytes of memory per row (offsets, not lines).
    @discardableResult
    public static func compact(_ path: String) throws -> Int {
        var newest: [(offset: Int, length: Int)] = []
        var lines = 0
        var offset = 0
        let reader = try BufferedByteReader(path: path)
        let decoder = JSONDecoder()
        while let raw = try reader.nextLine() {
            defer { offset += raw.count + 1 }
            guard !raw.isEmpty, let line = try? decoder.decode(JournalLine.self, from: Data(raw)), line.index >= 0 else { continue }
            lines += 1
            if line.index >= newest.count {
                newest += [(offset: Int, length: Int)](repeating: (-1, 0), count: max(line.index + 1, newest.count * 2) - newest.count)
            }
            newest[line.index] = (offset, raw.count)
        }
        let kept = newest.filter { $0.offset >= 0 }.count
        guard kept < lines else { return 0 }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImgedaError(.ioFailed, "cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { Glibc.close(fd) }
        try AtomicFile.replace(path) { write in
            for entry in newest where entry.offset >= 0 {
                var bytes = [UInt8](repeating: 0, count: entry.length + 1)
                let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, entry.length, off_t(entry.offset)) }
                guard got == entry.length else { throw ImgedaError(.ioFailed, "cannot read \(path) while compacting it") }
                bytes[entry.length] = 0x0A
                try write(bytes)
            }
        }
        return lines - kept
    }
}

/// What an existing journal says about each row, newest line winning, in two bytes a row
/// (so resuming a list of millions costs megabytes, not gigabytes).
public struct JournalState: Sendable {
    /// Per row index: 0 when the journal has no line for it, else ``code(_:_:_:)``.
    private(set) var codes: [UInt8] = []
    /// Per row index: the image's extension (an index into ``ImageFiles/extensions``) for `ok` rows.
    private(set) var extensions: [UInt8] = []
    /// Rows with more than one line (a later line superseded an earlier one).
    public private(set) var superseded = 0
    /// Lines that could not be read (a torn last line, a line edited by hand).
    public private(set) var unreadable = 0
    /// SHA-256 → first row with those bytes, of `ok` rows (filled when asked for).
    public private(set) var hashes: [String: Int] = [:]

    public init() {}

    static func code(_ status: DownloadStatus, _ reason: DownloadReason?, retryable: Bool) -> UInt8 {
        let statusIndex = DownloadStatus.allCases.firstIndex(of: status) ?? 0
        let reasonIndex = reason.flatMap { DownloadReason.allCases.firstIndex(of: $0) }.map { $0 + 1 } ?? 0
        return UInt8(1 + statusIndex * 32 + reasonIndex) | (retryable ? 0x80 : 0)
    }

    /// The status, reason and retryability recorded for row `index`, or nil.
    public func outcome(of index: Int) -> (status: DownloadStatus, reason: DownloadReason?, retryable: Bool)? {
        guard index >= 0, index < codes.count, codes[index] != 0 else { return nil }
        let raw = Int(codes[index] & 0x7F) - 1
        let status = DownloadStatus.allCases[min(raw / 32, DownloadStatus.allCases.count - 1)]
        let reasonIndex = raw % 32
        let reason = reasonIndex == 0 ? nil : DownloadReason.allCases[min(reasonIndex - 1, DownloadReason.allCases.count - 1)]
        return (status, reason, codes[index] & 0x80 != 0)
    }

    /// The saved image of an `ok` row, relative to the output folder.
    public func file(of index: Int) -> String? {
        guard index < extensions.count, extensions[index] != 0 else { return nil }
        return ImageFiles.relativePath(index: index, extension: ImageFiles.extensions[Int(extensions[index]) - 1])
    }

    /// Rows with a line.
    public var rowsKnown: Int { codes.reduce(0) { $0 + ($1 == 0 ? 0 : 1) } }

    mutating func set(_ line: JournalLine, keepHashes: Bool) {
        guard line.index >= 0 else { return }
        if line.index >= codes.count {
            let grow = max(line.index + 1, codes.count * 2)
            codes += [UInt8](repeating: 0, count: grow - codes.count)
            extensions += [UInt8](repeating: 0, count: grow - extensions.count)
        }
        if codes[line.index] != 0 { superseded += 1 }
        let retryable = line.retryable ?? (line.reason?.isTransient(httpStatus: line.httpStatus) ?? false)
        codes[line.index] = Self.code(line.status, line.reason, retryable: retryable)
        extensions[line.index] = 0
        if line.status == .ok, let file = line.file, let dot = file.lastIndex(of: ".") {
            let ext = String(file[file.index(after: dot)...])
            if let position = ImageFiles.extensions.firstIndex(of: ext) { extensions[line.index] = UInt8(position + 1) }
            if keepHashes, let sha = line.sha256, hashes[sha] == nil { hashes[sha] = line.index }
        }
    }

    /// Reads the journal at `path` (absent: an empty state). `keepHashes` collects the
    /// SHA-256 of saved images (for `--skip-duplicates`).
    public static func load(_ path: String, keepHashes: Bool = false) throws(ImgedaError) -> JournalState {
        var state = JournalState()
        guard FileManager.default.fileExists(atPath: path) else { return state }
        let reader = try BufferedByteReader(path: path)
        let decoder = JSONDecoder()
        while let raw = try reader.nextLine() {
            guard !raw.isEmpty else { continue }
            guard let line = try? decoder.decode(JournalLine.self, from: Data(raw)) else {
                state.unreadable += 1
                continue
            }
            state.set(line, keepHashes: keepHashes)
        }
        return state
    }

    /// The URLs of the rows in `indices` (the newest line of each).
    public static func urls(of indices: Set<Int>, in path: String) throws(ImgedaError) -> [Int: String] {
        guard !indices.isEmpty, FileManager.default.fileExists(atPath: path) else { return [:] }
        var found: [Int: String] = [:]
        let reader = try BufferedByteReader(path: path)
        let decoder = JSONDecoder()
        while let raw = try reader.nextLine() {
            guard !raw.isEmpty, let line = try? decoder.decode(JournalLine.self, from: Data(raw)), indices.contains(line.index) else {
                continue
            }
            found[line.index] = line.url
        }
        return found
    }

    /// The journal's rows tallied: counts per status and, for each reason, its count and
    /// the first row's URL and detail as an example.
    public static func tally(_ path: String) throws(ImgedaError) -> (
        ok: Int, failed: Int, skipped: Int, retryable: Int, bytes: Int64, groups: [DownloadFailureGroup]
    ) {
        let state = try load(path)
        var ok = 0, failed = 0, skipped = 0, retryableCount = 0
        var bytes: Int64 = 0
        var groups: [String: DownloadFailureGroup] = [:]
        guard FileManager.default.fileExists(atPath: path) else { return (0, 0, 0, 0, 0, []) }
        // Second pass: a line counts when it says what its row's newest line says (the
        // state's code), once per row.
        var seen = [Bool](repeating: false, count: state.codes.count)
        let reader = try BufferedByteReader(path: path)
        let decoder = JSONDecoder()
        while let raw = try reader.nextLine() {
            guard !raw.isEmpty, let line = try? decoder.decode(JournalLine.self, from: Data(raw)),
                line.index >= 0, line.index < seen.count, !seen[line.index]
            else { continue }
            let retryable = line.retryable ?? (line.reason?.isTransient(httpStatus: line.httpStatus) ?? false)
            guard code(line.status, line.reason, retryable: retryable) == state.codes[line.index] else { continue }
            seen[line.index] = true
            if retryable { retryableCount += 1 }
            switch line.status {
            case .ok:
                ok += 1
                bytes += Int64(line.bytes ?? 0)
                continue
            case .failed: failed += 1
            case .skipped: skipped += 1
            }
            let reason = line.reason ?? .connect
            let key = "\(line.status.rawValue)/\(reason.rawValue)"
            if groups[key] == nil {
                groups[key] = DownloadFailureGroup(
                    status: line.status, reason: reason, count: 0, exampleURL: line.url, exampleDetail: line.detail ?? "")
            }
            groups[key]?.count += 1
        }
        let sorted = groups.values.sorted { ($0.count, $1.reason.rawValue) > ($1.count, $0.reason.rawValue) }
        return (ok, failed, skipped, retryableCount, bytes, sorted)
    }
}
