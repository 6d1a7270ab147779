public import DatasetAnalysis
import Foundation

/// A problem with a manifest or a folder that a person has to fix: the one error type with
/// a code, a message naming the file, and the remedy (see ``ImgedaError``).
public typealias DatasetIOError = ImgedaError

/// What reading a manifest skipped.
public struct ManifestReadReport: Sendable, Hashable {
    public var records = 0
    /// Lines that are not JSON records (damaged in the middle of the file, or nested
    /// deeper than any record).
    public var malformedLines = 0
    /// Whether the last line was cut short (a crash while writing); it is skipped.
    public var truncatedTail = false
    /// Of the malformed lines, those nested deeper than ``InputLimits/jsonDepth``: hostile
    /// or corrupt, never written by a tool.
    public var nestedTooDeep = 0
    public init() {}

    /// The report, or an error when the manifest held no record: a command then has nothing
    /// to work on (junk, an empty file, or a header alone).
    @discardableResult
    public func requireRecords(in path: String) throws(DatasetIOError) -> ManifestReadReport {
        guard records == 0 else { return self }
        throw DatasetIOError(.noRecords, "\(path) holds no image records", remedy: .createManifest(path: path))
    }

    mutating func skip(_ line: ArraySlice<UInt8>, isLast: Bool) {
        if isLast {
            truncatedTail = true
        } else {
            malformedLines += 1
            if InputLimits.jsonTooDeep(line) { nestedTooDeep += 1 }
        }
    }
}

/// Reads a JSON Lines manifest as a stream: the header, then one record at a time, so that
/// any number of records can be processed in constant memory.
///
/// Tolerant by design: a truncated last line (a crash mid-write) is skipped and reported, a
/// damaged line elsewhere is skipped and counted, unknown fields are ignored, and records
/// written by the reference implementation are accepted.
///
/// ```swift
/// let reader = try ManifestReader(path: "manifest.jsonl")
/// var summary = DatasetSummary()
/// let report = try reader.forEachRecord { summary.add($0) }
/// ```
public struct ManifestReader {
    /// The manifest as named (a path, or `s3://…`).
    public let path: String
    /// The local file read: `path`, or a staged copy of a remote manifest (``RemoteManifests``).
    public let file: String

    public init(path: String) throws(DatasetIOError) {
        self.path = path
        file = try RemoteManifests.localPath(for: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
            throw DatasetIOError(.notFound, "manifest not found: \(path)", remedy: .createManifest(path: path))
        }
        guard !isDirectory.boolValue else {
            throw DatasetIOError(
                .invalidArgument, "\(path) is a directory, not a manifest file", remedy: .nameManifestFile)
        }
    }

    /// The header line, if the manifest has one.
    public func header() throws(DatasetIOError) -> ManifestHeader? {
        var found: ManifestHeader?
        try forEachLine { line, _, _ in
            found = ManifestReader.decodeHeader(line)
            return false
        }
        return found
    }

    /// Calls `body` for each record in file order.
    @discardableResult
    public func forEachRecord(_ body: (ImageRecord) throws -> Void) throws -> ManifestReadReport {
        try forEachRawRecord { _, record in try body(record) }
    }

    /// Calls `body` with each record's raw line (without the newline) and its decoded value.
    /// Used by rewrites, which copy lines verbatim.
    @discardableResult
    public func forEachRawRecord(_ body: (ArraySlice<UInt8>, ImageRecord) throws -> Void) throws -> ManifestReadReport {
        try forEachDecodedRecord { line, _, record in try body(line, record) }
    }

    /// Calls `body` with each record and the byte offset in ``file`` where its line starts:
    /// a key for the record that costs nothing to keep, from which ``records(at:)`` reads it
    /// again.
    @discardableResult
    public func forEachRecordWithOffset(_ body: (_ offset: Int, ImageRecord) throws -> Void) throws -> ManifestReadReport {
        try forEachDecodedRecord { _, offset, record in try body(offset, record) }
    }

    /// The records whose lines start at `offsets` (as ``forEachRecordWithOffset(_:)`` gave
    /// them), in the order asked; nil where no readable record starts.
    /// - Complexity: one seek and a read of the line per offset.
    public func records(at offsets: [Int]) throws(DatasetIOError) -> [ImageRecord?] {
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw DatasetIOError(.notFound, "cannot read manifest \(path)", remedy: "check its permissions")
        }
        defer { try? handle.close() }
        let decoder = JSONDecoder()
        var found: [ImageRecord?] = []
        found.reserveCapacity(offsets.count)
        for offset in offsets {
            var line: [UInt8] = []
            do {
                try handle.seek(toOffset: UInt64(max(0, offset)))
                while let chunk = try handle.read(upToCount: 4096), !chunk.isEmpty {
                    if let newline = chunk.firstIndex(of: 0x0A) {
                        line.append(contentsOf: chunk[chunk.startIndex..<newline])
                        break
                    }
                    line.append(contentsOf: chunk)
                }
            } catch {
                throw DatasetIOError(.ioFailed, "cannot read manifest \(path): \(FileSystem.describe(error))")
            }
            found.append(Self.isHeaderLine(line[...]) ? nil : Self.decodeRecord(line[...], decoder))
        }
        return found
    }

    /// Each record with its raw line and the line's offset in ``file``.
    private func forEachDecodedRecord(_ body: (ArraySlice<UInt8>, _ offset: Int, ImageRecord) throws -> Void) throws
        -> ManifestReadReport
    {
        let decoder = JSONDecoder()
        var report = ManifestReadReport()
        var bodyError: (any Error)?
        try forEachLine { line, offset, isLast in
            if ManifestReader.isHeaderLine(line) { return true }
            guard let record = ManifestReader.decodeRecord(line, decoder) else {
                report.skip(line, isLast: isLast)
                return true
            }
            report.records += 1
            do { try body(line, offset, record) } catch {
                bodyError = error
                return false
            }
            return true
        }
        if let bodyError { throw bodyError }
        return report
    }

    /// A record line decoded, or nil for a damaged line. A line nested deeper than
    /// ``InputLimits/jsonDepth`` is damaged: `JSONDecoder` would recurse until the stack
    /// overflows.
    static func decodeRecord(_ line: ArraySlice<UInt8>, _ decoder: JSONDecoder) -> ImageRecord? {
        if let record = RecordParser.parse(line) { return record }
        guard !InputLimits.jsonTooDeep(line) else { return nil }
        return try? decoder.decode(ImageRecord.self, from: Data(line))
    }

    /// A record line (a worker's payload, with or without its newline) decoded, or nil.
    public static func record(line: [UInt8]) -> ImageRecord? {
        var end = line.count
        while end > 0 && (line[end - 1] == 0x0A || line[end - 1] == 0x0D) { end -= 1 }
        return decodeRecord(line[0..<end], JSONDecoder())
    }

    static func isHeaderLine(_ line: ArraySlice<UInt8>) -> Bool {
        // The reference writes the key first; we do too. Look only at the start to keep this cheap.
        // Bytes, not text: this runs once per line of the manifest.
        let prefix = line.prefix(40)
        let key = "__manifest_meta__".utf8
        guard prefix.count >= key.count else { return false }
        let first = prefix.startIndex
        return (first...(prefix.endIndex - key.count)).contains { start in
            prefix[start..<(start + key.count)].elementsEqual(key)
        }
    }

    static func decodeHeader(_ line: ArraySlice<UInt8>) -> ManifestHeader? {
        guard !InputLimits.jsonTooDeep(line),
            let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
            object[ManifestEncoding.metaKey] as? Bool == true
        else { return nil }
        var header = ManifestHeader()
        header.inputDir = object["input_dir"] as? String ?? ""
        header.inputDirs = object["input_dirs"] as? [String] ?? (header.inputDir.isEmpty ? [] : [header.inputDir])
        header.workingDir = object["working_dir"] as? String ?? ""
        header.schemaVersion = object["schema_version"] as? Int ?? 1
        header.totalFiles = object["total_files"] as? Int ?? 0
        header.createdAt = object["created_at"] as? String ?? ""
        header.tool = object["tool"] as? String ?? "imgeda (python)"
        header.toolVersion = object["tool_version"] as? String ?? ""
        header.shard = (object["shard"] as? String).flatMap { try? Shard(parsing: $0) }
        if let settings = object["settings"],
            let data = try? JSONSerialization.data(withJSONObject: settings),
            let decoded = try? JSONDecoder().decode(ScanSettings.self, from: data)
        {
            header.settings = decoded
        }
        return header
    }

    /// Splits the file into non-blank lines, each with the offset in the file where it starts.
    /// `body` returns false to stop; `isLast` is true only for a final line with no newline
    /// after it (possibly cut short by a crash).
    private func forEachLine(_ body: (ArraySlice<UInt8>, _ offset: Int, _ isLast: Bool) throws -> Bool) throws(DatasetIOError) {
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw DatasetIOError(.notFound, "cannot read manifest \(path)", remedy: "check its permissions")
        }
        defer { try? handle.close() }
        var pending: [UInt8] = []
        // The offset in the file of `pending`'s first byte.
        var base = 0
        let chunkSize = 1 << 20
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: chunkSize) ?? Data()
            } catch {
                throw DatasetIOError(.ioFailed, "cannot read manifest \(path): \(FileSystem.describe(error))")
            }
            let atEnd = chunk.isEmpty
            if !atEnd { pending.append(contentsOf: chunk) }
            var start = 0
            let count = pending.count
            var keepGoing = true
            while keepGoing, let newline = Self.newline(in: pending, from: start, to: count) {
                let line = pending[start..<newline]
                start = newline + 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
                do {
                    keepGoing = try body(line, base + line.startIndex, false)
                } catch {
                    throw Self.wrapped(error)
                }
            }
            if !keepGoing { return }
            pending.removeFirst(start)
            base += start
            if atEnd {
                if !pending.isEmpty, !pending.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) {
                    do { _ = try body(pending[...], base, true) } catch { throw Self.wrapped(error) }
                }
                return
            }
        }
    }

    /// The index of the first newline in `bytes[from..<to]`, found by `memchr` (a generic
    /// search of the slice cost ~6 instructions a byte: a tenth of the manifest's reading).
    private static func newline(in bytes: [UInt8], from: Int, to: Int) -> Int? {
        guard from < to else { return nil }
        return bytes.withUnsafeBufferPointer { buffer -> Int? in
            guard let base = buffer.baseAddress, let found = memchr(base + from, 0x0A, to - from) else { return nil }
            return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
        }
    }

    /// An error thrown by a caller's body, as this reader's error type: its own errors pass
    /// through with their code and remedy; any other is a failure to process the records.
    private static func wrapped(_ error: any Error) -> DatasetIOError {
        (error as? DatasetIOError) ?? DatasetIOError(.ioFailed, "\(error)")
    }
}

extension QualityThresholds {
    /// The thresholds a run over `manifests` starts from: those the first header that
    /// records settings was scanned with, and where they came from, in words that outputs
    /// print ("from the scan settings of m.jsonl"); the defaults when no header records them.
    public static func recorded(in manifests: [String]) throws(DatasetIOError) -> (thresholds: QualityThresholds, source: String) {
        for path in manifests {
            if let header = try ManifestReader(path: path).header() {
                return (header.settings.quality, "from the scan settings of \(path)")
            }
        }
        return (QualityThresholds(), "defaults: the manifest does not record its thresholds")
    }
}
