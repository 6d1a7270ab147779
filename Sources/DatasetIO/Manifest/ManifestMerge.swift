import DatasetAnalysis
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What ``ManifestMerge`` did.
public struct ManifestMergeSummary: Sendable, Hashable, Encodable {
    /// One part and what it held.
    public struct Part: Sendable, Hashable, Encodable {
        public var path: String
        /// `I/N` when the part is a shard.
        public var shard: String?
        /// Files the part's scan found (its header's `total_files`).
        public var expectedFiles: Int
        /// Distinct files the part holds records of.
        public var records: Int
        /// Whether the part holds records of fewer files than its scan found: a shard that was
        /// stopped or killed and not run again (a download's part also lacks its failed rows).
        public var incomplete: Bool { records < expectedFiles }

        enum CodingKeys: String, CodingKey {
            case path, shard, records
            case expectedFiles = "expected_files"
            case incomplete
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(path, forKey: .path)
            try c.encodeIfPresent(shard, forKey: .shard)
            try c.encode(expectedFiles, forKey: .expectedFiles)
            try c.encode(records, forKey: .records)
            try c.encode(incomplete, forKey: .incomplete)
        }
    }

    public var output = ""
    public var parts: [Part] = []
    /// N, when the parts are the shards of one run.
    public var shardCount: Int?
    /// Records written: one per file.
    public var records = 0
    /// Records dropped because a newer record of the same file came later in its part or in
    /// a later part.
    public var supersededRecords = 0
    /// Lines of the parts that were not records (damaged, or a last line cut short).
    public var damagedLines = 0

    enum CodingKeys: String, CodingKey {
        case output, parts, records
        case shardCount = "shard_count"
        case supersededRecords = "superseded_records"
        case damagedLines = "damaged_lines"
    }
}

/// Joins partial manifests — the shards of a scan or a download run on many machines — into
/// one manifest whose records are those a single scan of all the files writes.
///
/// **Checks first.** Every part must have a header; their settings, schema and tool version
/// must agree (a part scanned with other thresholds is an error naming the part and the
/// setting, since its flags would mean something else); shards must all be of one `N`, each
/// index once, none missing (the error names the missing `I/N`).
///
/// **Order and duplicates.** The output holds one record per file, ordered by path bytes —
/// the order discovery lists files in, and so the order a one-worker scan writes (a scan with
/// more workers writes them in order of completion, which no merge can reproduce). When a file
/// has several records, the newest wins as everywhere in imgeda: a later line of a part beats
/// an earlier one, and across parts the part later in shard order (then in path order) wins,
/// so the result never depends on the order parts are named in.
///
/// **Memory.** Constant in the number of records: each part is read once and cut into sorted
/// runs of at most ``runBytes`` bytes spilled to a hidden folder beside the output, then the
/// runs are merged k ways through a heap. The output is written under a temporary name and
/// renamed (``AtomicFile``); the spill folder is removed.
///
/// ```swift
/// let summary = try ManifestMerge(parts: ["s1.jsonl", "s2.jsonl"], output: "m.jsonl").run()
/// ```
///
/// - Complexity: O(n log n) in the records, with O(``runBytes`` + parts) memory.
public struct ManifestMerge: Sendable {
    public var parts: [String]
    public var output: String
    /// The tool version written into the merged header.
    public var toolVersion: String
    /// Bytes of record lines sorted in memory at once before they are spilled as a run.
    public var runBytes = 32 << 20

    public init(parts: [String], output: String, toolVersion: String = "") {
        self.parts = parts
        self.output = output
        self.toolVersion = toolVersion
    }

    /// Checks the parts, merges them and writes the output.
    public func run() throws -> ManifestMergeSummary {
        guard !parts.isEmpty else {
            throw ImgedaError(
                .invalidArgument, "no partial manifests to merge", remedy: "name the parts' files, or a glob that matches them")
        }
        try OutputPath.refuseInput(output, inputs: parts)
        let ordered = try Self.checkedParts(parts)
        var summary = ManifestMergeSummary()
        summary.output = output
        summary.shardCount = ordered.first?.header.shard?.count

        let (folder, base) = AtomicFile.split(output)
        let spill = "\(folder)/.\(base).merge-\(getpid())"
        try? FileManager.default.removeItem(atPath: spill)
        try FileSystem.createDirectories(spill)
        defer { try? FileManager.default.removeItem(atPath: spill) }

        // Pass 1: each part into sorted runs; run numbers grow with part order and line order.
        var runs: [(path: String, part: Int)] = []
        var analyzerVersion: (version: String, part: String)?
        for (partIndex, part) in ordered.enumerated() {
            var chunk = RunChunk()
            let reader = try ManifestReader(path: part.path)
            let report = try reader.forEachRawRecord { line, record in
                if let seen = analyzerVersion, seen.version != record.analyzerVersion {
                    throw ImgedaError(
                        .invalidFormat,
                        "\(part.path) holds records of analyzer version \(record.analyzerVersion), \(seen.part) of \(seen.version)",
                        remedy: "scan every part with the same imgeda version")
                }
                if analyzerVersion == nil { analyzerVersion = (record.analyzerVersion, part.path) }
                chunk.add(key: record.pathBytes.bytes, line: line)
                if chunk.bytes.count >= runBytes {
                    runs.append((try chunk.spill(to: "\(spill)/\(runs.count).run"), partIndex))
                    chunk = RunChunk()
                }
            }
            if !chunk.entries.isEmpty { runs.append((try chunk.spill(to: "\(spill)/\(runs.count).run"), partIndex)) }
            summary.damagedLines += report.malformedLines + (report.truncatedTail ? 1 : 0)
            summary.supersededRecords += report.records
        }

        // Pass 2: the k-way merge; of records with one key, the one from the latest run wins.
        var header = try Self.mergedHeader(ordered, toolVersion: toolVersion)
        header.createdAt = Timestamp.nowISO8601()
        var distinct = [Int](repeating: 0, count: ordered.count)
        var written = 0
        try AtomicFile.replace(output) { write in
            try write(ManifestEncoding.line(for: header))
            var readers: [RunReader] = []
            defer { for reader in readers { reader.close() } }
            for run in runs { readers.append(try RunReader(path: run.path)) }
            var heap = try RunHeap(readers: readers)
            var partsSeen: [Int] = []
            while let first = try heap.popMin() {
                var winner = first
                partsSeen.removeAll(keepingCapacity: true)
                partsSeen.append(runs[first.run].part)
                while let next = heap.peek(), next.key == first.key {
                    guard let same = try heap.popMin() else { break }
                    if same.run > winner.run { winner = same }
                    let part = runs[same.run].part
                    if !partsSeen.contains(part) { partsSeen.append(part) }
                }
                for part in partsSeen { distinct[part] += 1 }
                var line = winner.line
                line.append(0x0A)
                try write(line)
                written += 1
            }
        }
        summary.records = written
        summary.supersededRecords -= written
        summary.parts = zip(ordered, distinct).map { part, count in
            ManifestMergeSummary.Part(
                path: part.path, shard: part.header.shard?.description, expectedFiles: part.header.totalFiles, records: count)
        }
        return summary
    }

    // MARK: - Checks

    struct CheckedPart {
        var path: String
        var header: ManifestHeader
    }

    /// The parts with their headers, checked against each other and put in merge order.
    static func checkedParts(_ paths: [String]) throws -> [CheckedPart] {
        var parts: [CheckedPart] = []
        var seen = Set<String>()
        for path in paths where seen.insert(path).inserted {
            guard let header = try ManifestReader(path: path).header() else {
                throw ImgedaError(
                    .invalidFormat, "\(path) has no manifest header, so its settings cannot be checked",
                    remedy: "merge only manifests written by imgeda scan or imgeda download")
            }
            parts.append(CheckedPart(path: path, header: header))
        }
        parts.sort { a, b in
            let (ia, ib) = (a.header.shard?.index ?? 0, b.header.shard?.index ?? 0)
            if ia != ib { return ia < ib }
            return a.path.utf8.lexicographicallyPrecedes(b.path.utf8)
        }
        guard let first = parts.first else { return parts }
        for part in parts.dropFirst() {
            if let difference = settingDifference(first.header, part.header) {
                throw ImgedaError(
                    .invalidFormat,
                    "\(part.path) was made with \(difference.key) \(difference.theirs), \(first.path) with \(difference.ours)",
                    remedy: "scan that part again with the same settings as the others")
            }
        }
        try checkShards(parts)
        return parts
    }

    /// The first setting (in header order) in which two parts differ, with both values.
    static func settingDifference(_ a: ManifestHeader, _ b: ManifestHeader) -> (key: String, ours: String, theirs: String)? {
        if a.schemaVersion != b.schemaVersion { return ("schema_version", "\(a.schemaVersion)", "\(b.schemaVersion)") }
        if a.settings != b.settings {
            let ours = settingsValues(a.settings)
            var theirs: [String: String] = [:]
            for (key, value) in settingsValues(b.settings) { theirs[key] = value }
            for (key, value) in ours where theirs[key] != value {
                return (key, value, theirs[key] ?? "nothing")
            }
            return ("settings", "", "")
        }
        if a.tool != b.tool { return ("tool", a.tool, b.tool) }
        if a.toolVersion != b.toolVersion { return ("tool_version", a.toolVersion, b.toolVersion) }
        return nil
    }

    /// The settings as the header writes them, as (key, value) pairs by key.
    static func settingsValues(_ settings: ScanSettings) -> [(key: String, value: String)] {
        var header = ManifestHeader()
        header.settings = settings
        let line = ManifestEncoding.line(for: header)
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
            let values = object["settings"] as? [String: Any]
        else { return [] }
        return values.keys.sorted().map { ($0, "\(values[$0] ?? "")") }
    }

    /// All shards or none; one `N`; every index once.
    static func checkShards(_ parts: [CheckedPart]) throws {
        let sharded = parts.filter { $0.header.shard != nil }
        guard let first = sharded.first, let count = first.header.shard?.count else { return }
        if let whole = parts.first(where: { $0.header.shard == nil }) {
            throw ImgedaError(
                .invalidArgument, "\(whole.path) is a whole manifest, \(first.path) is shard \(first.header.shard?.description ?? "")",
                remedy: "merge the shards of one run together, then merge that with other manifests")
        }
        var byIndex: [Int: String] = [:]
        for part in parts {
            guard let shard = part.header.shard else { continue }
            if shard.count != count {
                throw ImgedaError(
                    .invalidArgument, "\(part.path) is shard \(shard), \(first.path) is shard \(first.header.shard?.description ?? "")",
                    remedy: "merge the shards of one run: every part split the same number of ways")
            }
            if let other = byIndex[shard.index] {
                throw ImgedaError(
                    .invalidArgument, "shard \(shard) is given twice: \(other) and \(part.path)", remedy: "name each shard's manifest once")
            }
            byIndex[shard.index] = part.path
        }
        let missing = (1...count).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            let names = missing.prefix(10).map { "\($0)/\(count)" }.joined(separator: ", ")
            let more = missing.count > 10 ? " and \(missing.count - 10) more" : ""
            throw ImgedaError(
                .invalidArgument,
                "missing \(missing.count == 1 ? "shard" : "shards") \(names)\(more): the parts' headers say the input was split \(count) ways and \(byIndex.count) \(byIndex.count == 1 ? "part is" : "parts are") here",
                remedy: "run the missing shards, or name their manifests too")
        }
    }

    /// The merged header: the parts' settings, their folders in order, the sum of the files
    /// they found, and no shard.
    static func mergedHeader(_ parts: [CheckedPart], toolVersion: String) throws -> ManifestHeader {
        guard let first = parts.first?.header else { return ManifestHeader() }
        var header = first
        header.shard = nil
        var dirs: [String] = []
        for part in parts {
            let theirs = part.header.inputDirs.isEmpty ? [part.header.inputDir] : part.header.inputDirs
            for dir in theirs where !dir.isEmpty && !dirs.contains(dir) { dirs.append(dir) }
        }
        header.inputDirs = dirs
        header.inputDir = dirs.first ?? ""
        header.totalFiles = parts.reduce(0) { $0 + $1.header.totalFiles }
        if parts.contains(where: { $0.header.workingDir != first.workingDir }) { header.workingDir = "" }
        if !toolVersion.isEmpty && first.tool.isEmpty { header.toolVersion = toolVersion }
        return header
    }
}

// MARK: - Runs

/// Record lines of one part held in memory until they are sorted and spilled.
private struct RunChunk {
    var bytes: [UInt8] = []
    /// Key range, line range and order of arrival.
    var entries: [(key: Range<Int>, line: Range<Int>, seq: Int)] = []

    mutating func add(key: [UInt8], line: ArraySlice<UInt8>) {
        let keyStart = bytes.count
        bytes.append(contentsOf: key)
        let lineStart = bytes.count
        bytes.append(contentsOf: line)
        entries.append((keyStart..<lineStart, lineStart..<bytes.count, entries.count))
    }

    /// Sorts by key (then arrival), keeps the last record of each key, and writes the run:
    /// for each record a 4-byte key length, the key, a 4-byte line length, the line.
    func spill(to path: String) throws -> String {
        let buffer = bytes
        let sorted = entries.sorted { a, b in
            let ka = buffer[a.key]
            let kb = buffer[b.key]
            if ka.elementsEqual(kb) { return a.seq < b.seq }
            return ka.lexicographicallyPrecedes(kb)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + entries.count * 8)
        for (i, entry) in sorted.enumerated() {
            if i + 1 < sorted.count, buffer[sorted[i + 1].key].elementsEqual(buffer[entry.key]) { continue }
            RunFormat.appendLength(entry.key.count, to: &out)
            out.append(contentsOf: buffer[entry.key])
            RunFormat.appendLength(entry.line.count, to: &out)
            out.append(contentsOf: buffer[entry.line])
        }
        try AtomicFile.write(out, to: path)
        return path
    }
}

private enum RunFormat {
    static func appendLength(_ length: Int, to out: inout [UInt8]) {
        let value = UInt32(truncatingIfNeeded: length)
        out.append(UInt8(value & 0xFF))
        out.append(UInt8((value >> 8) & 0xFF))
        out.append(UInt8((value >> 16) & 0xFF))
        out.append(UInt8(value >> 24))
    }
}

/// Reads one spilled run back, one record at a time, through a small stdio buffer.
private final class RunReader {
    private var file: UnsafeMutablePointer<FILE>?
    let path: String

    init(path: String) throws {
        self.path = path
        file = fopen(path, "rb")
        guard file != nil else {
            throw ImgedaError(.ioFailed, "cannot read the merge's spill file \(path): \(String(cString: strerror(errno)))")
        }
        setvbuf(file, nil, _IOFBF, 64 << 10)
    }

    deinit { close() }

    func close() {
        if let file { fclose(file) }
        file = nil
    }

    /// The next (key, line), or nil at the end.
    func next() throws -> (key: [UInt8], line: [UInt8])? {
        guard let file else { return nil }
        guard let keyLength = try length(file) else { return nil }
        let key = try bytes(keyLength, file)
        guard let lineLength = try length(file) else { throw truncated() }
        return (key, try bytes(lineLength, file))
    }

    private func length(_ file: UnsafeMutablePointer<FILE>) throws -> Int? {
        var raw: [UInt8] = [0, 0, 0, 0]
        let got = raw.withUnsafeMutableBytes { fread($0.baseAddress, 1, 4, file) }
        if got == 0 { return nil }
        guard got == 4 else { throw truncated() }
        return Int(raw[0]) | Int(raw[1]) << 8 | Int(raw[2]) << 16 | Int(raw[3]) << 24
    }

    private func bytes(_ count: Int, _ file: UnsafeMutablePointer<FILE>) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        let got = out.withUnsafeMutableBytes { fread($0.baseAddress, 1, count, file) }
        guard got == count else { throw truncated() }
        return out
    }

    private func truncated() -> ImgedaError {
        ImgedaError(.ioFailed, "the merge's spill file \(path) ended early (is the disk full?)")
    }
}

/// A min-heap of the runs' current records, by (key, run number).
private struct RunHeap {
    struct Entry {
        var key: [UInt8]
        var line: [UInt8]
        var run: Int
    }

    private var readers: [RunReader]
    private var heap: [Entry] = []

    init(readers: [RunReader]) throws {
        self.readers = readers
        for (run, reader) in readers.enumerated() {
            if let first = try reader.next() { push(Entry(key: first.key, line: first.line, run: run)) }
        }
    }

    func peek() -> Entry? { heap.first }

    /// The smallest entry, after refilling the heap from its run.
    mutating func popMin() throws -> Entry? {
        guard let top = heap.first else { return nil }
        if let next = try readers[top.run].next() {
            heap[0] = Entry(key: next.key, line: next.line, run: top.run)
            siftDown(0)
        } else {
            let last = heap.removeLast()
            if !heap.isEmpty {
                heap[0] = last
                siftDown(0)
            }
        }
        return top
    }

    private static func less(_ a: Entry, _ b: Entry) -> Bool {
        if a.key == b.key { return a.run < b.run }
        return a.key.lexicographicallyPrecedes(b.key)
    }

    private mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.less(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count && Self.less(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count && Self.less(heap[right], heap[smallest]) { smallest = right }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
