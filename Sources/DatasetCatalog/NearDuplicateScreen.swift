import DatasetAnalysis
import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Which images the near-duplicate search links to another, found with memory that does not
/// grow with the library: the first step of the index build's duplicate search, after which
/// only the linked images (and the byte-identical copies) go through ``DuplicateFinder``.
/// Images are known by a key of the caller's (the index build gives each record's line
/// offset in the manifest, as its reading thread parses it).
///
/// It runs ``MultiIndexHash``'s search — 16 tables of 16-bit substrings; a pair within `r`
/// bits agrees within ⌊r / 16⌋ bits on at least one substring, and is reported by the first
/// table on which it does — on hashes spilled to files: each table's hashes are split into
/// 32 blocks by the top 5 bits of the table's substring, and only blocks whose top bits are
/// within ⌊r / 16⌋ bits of each other are compared, two blocks in memory at a time. Wholes
/// are searched against wholes and against centre hashes (``DuplicateFinder``'s whole and
/// centre rules); records with window hashes are few (the library's own scan leaves them off;
/// only a manifest made by `scan` carries them) and are linked by
/// ``DuplicateFinder/linkedPairs(_:rules:threads:)`` in memory, which applies every rule.
///
/// The rules are ``MatchRules``' defaults without transforms: what the library's duplicate
/// groups use.
///
/// - Complexity: the comparisons of ``MultiIndexHash`` at the default threshold; 16 passes
///   over the spilled hashes (40 bytes an image); memory O(n / 32) per thread for the two
///   blocks in memory, plus the linked images and the records with window hashes.
///
/// `@unchecked Sendable`: ``add(id:record:)`` runs on one thread before ``linkedIDs()``; there,
/// the workers only read the flushed hash files (`pread`, at offsets of their own) and the
/// settings, and each writes only its own block files and its own result slot.
final class NearDuplicateScreen: @unchecked Sendable {
    /// One hash and the key of the image it belongs to, as it is spilled (40 bytes).
    struct Entry {
        var id: Int64
        var hash: Hash256
    }

    let folder: String
    let rules = MatchRules()
    /// Top bits of a table's substring that choose a block: 32 blocks, so two in memory
    /// hold a sixteenth of the hashes.
    static let blockBits = 5
    private let wholes: EntryFile
    private let centres: EntryFile
    private var windowed: [DuplicateCandidate] = []
    private var windowedIDs: [Int64] = []
    let threads: Int

    /// Spills into `folder` (made, and removed again when the screen goes).
    init(folder: String, threads: Int = 2) throws {
        self.folder = folder
        self.threads = max(1, threads)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        wholes = try EntryFile(path: folder + "/wholes")
        centres = try EntryFile(path: folder + "/centres")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Takes an image into the search, unless the search leaves it out (corrupt, near blank,
    /// without a pHash), as ``DuplicateFinder`` does.
    func add(id: Int, record: ImageRecord) throws {
        // What ``DuplicateCandidate`` and the finder's hashes read, without the rest of a
        // candidate (this runs once per image of the library).
        guard !record.isCorrupt, !DuplicateFinder.isNearBlank(record) else { return }
        let windows = record.windowHashes.flatMap(WindowHashes.init(encoded:))
        guard let whole = windows?[.whole] ?? record.phash.flatMap(Hash256.init(hex:)) else { return }
        try wholes.append(Entry(id: Int64(id), hash: whole))
        if let centre = record.phashCenter.flatMap(Hash256.init(hex:)) { try centres.append(Entry(id: Int64(id), hash: centre)) }
        if windows != nil {
            windowed.append(DuplicateCandidate(record: record))
            windowedIDs.append(Int64(id))
        }
    }

    /// The keys of the images some rule links to another, ascending, each once.
    func linkedIDs() throws -> [Int] {
        try wholes.flush()
        try centres.flush()
        let radius = rules.threshold
        let subRadius = min(radius / 16, 16)
        let workers = ResultBox(count: threads)
        let failure = FailureBox()
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            do {
                var found: [Int64] = []
                let left = try (0..<(1 << Self.blockBits)).map { try EntryFile(path: "\(folder)/w\(worker)-l\($0)") }
                let right = try (0..<(1 << Self.blockBits)).map { try EntryFile(path: "\(folder)/w\(worker)-r\($0)") }
                var table = worker
                while table < 16 {
                    try scatter(wholes, table: table, into: left)
                    try search(left, left, selfJoin: true, table: table, radius: radius, subRadius: subRadius, into: &found)
                    if centres.count > 0 {
                        try scatter(centres, table: table, into: right)
                        try search(left, right, selfJoin: false, table: table, radius: radius, subRadius: subRadius, into: &found)
                    }
                    table += threads
                }
                workers.store(found, at: worker)
            } catch {
                failure.store(error)
            }
        }
        if let error = failure.error { throw error }
        var ids = workers.all()
        if !windowed.isEmpty {
            for pair in DuplicateFinder.linkedPairs(windowed, rules: rules, threads: threads) {
                ids.append(windowedIDs[pair.a])
                ids.append(windowedIDs[pair.b])
            }
        }
        ids.sort()
        var unique: [Int] = []
        for id in ids where unique.last != Int(id) { unique.append(Int(id)) }
        return unique
    }

    /// The block of a hash in `table`: the top bits of its substring.
    @inline(__always)
    static func block(_ hash: Hash256, _ table: Int) -> Int { Int(hash.chunk(table) >> (16 - blockBits)) }

    /// The rest of the substring, which orders a block's hashes.
    @inline(__always)
    static func low(_ hash: Hash256, _ table: Int) -> Int { Int(hash.chunk(table) & (1 << (16 - blockBits) - 1)) }

    private func scatter(_ source: EntryFile, table: Int, into blocks: [EntryFile]) throws {
        for block in blocks { try block.reset() }
        try source.forEachChunk { chunk in
            for entry in chunk { try blocks[Self.block(entry.hash, table)].append(entry) }
        }
        for block in blocks { try block.flush() }
    }

    /// Compares the blocks of `left` with those of `right` whose top bits are within
    /// `subRadius` bits, their hashes bucketed by the rest of the substring.
    private func search(
        _ left: [EntryFile], _ right: [EntryFile], selfJoin: Bool, table: Int, radius: Int, subRadius: Int, into found: inout [Int64]
    ) throws {
        let blocks = 1 << Self.blockBits
        for a in 0..<blocks {
            guard left[a].count > 0 else { continue }
            let l = Bucketed(try left[a].readAll(), table: table)
            for b in 0..<blocks {
                let apart = (a ^ b).nonzeroBitCount
                guard apart <= subRadius, !(selfJoin && b < a), right[b].count > 0 else { continue }
                let r = selfJoin && a == b ? l : Bucketed(try right[b].readAll(), table: table)
                compare(
                    l, r, selfJoin: selfJoin && a == b, lowMasks: Self.masks(upTo: subRadius - apart), table: table,
                    radius: radius, subRadius: subRadius, into: &found)
            }
        }
    }

    private func compare(
        _ l: Bucketed, _ r: Bucketed, selfJoin: Bool, lowMasks: [Int], table: Int, radius: Int, subRadius: Int,
        into found: inout [Int64]
    ) {
        let keys = 1 << (16 - Self.blockBits)
        l.offsets.withUnsafeBufferPointer { lo in
            r.offsets.withUnsafeBufferPointer { ro in
                l.entries.withUnsafeBufferPointer { le in
                    r.entries.withUnsafeBufferPointer { re in
                        for key in 0..<keys {
                            let lStart = Int(lo[key]), lEnd = Int(lo[key + 1])
                            if lStart == lEnd { continue }
                            for mask in lowMasks {
                                let other = key ^ mask
                                if selfJoin && other < key { continue }
                                let rEnd = Int(ro[other + 1])
                                for i in lStart..<lEnd {
                                    let x = le[i]
                                    var j = selfJoin && other == key ? i + 1 : Int(ro[other])
                                    while j < rEnd {
                                        let y = re[j]
                                        j += 1
                                        guard x.id != y.id, x.hash.distance(to: y.hash) <= radius,
                                            MultiIndexHash.firstQualifyingTable(x.hash, y.hash, subRadius) == table
                                        else { continue }
                                        found.append(x.id)
                                        found.append(y.id)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// All masks of the low bits with at most `count` bits set (none when `count` < 0).
    static func masks(upTo count: Int) -> [Int] {
        guard count >= 0 else { return [] }
        return (0..<(1 << (16 - blockBits))).filter { $0.nonzeroBitCount <= count }
    }

    /// A block's hashes sorted by the rest of the table's substring, with bucket offsets.
    struct Bucketed {
        var offsets: [Int32]
        var entries: [Entry]

        init(_ raw: [Entry], table: Int) {
            let keys = 1 << (16 - NearDuplicateScreen.blockBits)
            var offsets = [Int32](repeating: 0, count: keys + 1)
            for e in raw { offsets[NearDuplicateScreen.low(e.hash, table) + 1] += 1 }
            for key in 0..<keys { offsets[key + 1] += offsets[key] }
            var cursor = offsets
            var sorted = raw
            for e in raw {
                let key = NearDuplicateScreen.low(e.hash, table)
                sorted[Int(cursor[key])] = e
                cursor[key] += 1
            }
            self.offsets = offsets
            entries = sorted
        }
    }
}

/// A file of ``NearDuplicateScreen/Entry`` values written through a small buffer and read
/// back whole or in chunks; removed when it goes.
final class EntryFile {
    typealias Entry = NearDuplicateScreen.Entry
    let path: String
    private let fd: Int32
    private var buffer: [Entry] = []
    private(set) var count = 0
    /// Entries buffered before a write (40 KB).
    static let bufferSize = 1024

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ImgedaError(.ioFailed, "cannot write the temporary file \(path): \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit {
        close(fd)
        unlink(path)
    }

    func append(_ entry: Entry) throws {
        buffer.append(entry)
        count += 1
        if buffer.count >= Self.bufferSize { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                guard written > 0 else {
                    throw ImgedaError(.ioFailed, "cannot write the temporary file \(path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Empties the file.
    func reset() throws {
        buffer.removeAll(keepingCapacity: true)
        count = 0
        guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
            throw ImgedaError(.ioFailed, "cannot empty the temporary file \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Reads `count` entries from entry `start` into `into`.
    private func read(from start: Int, count wanted: Int, into entries: inout [Entry]) throws {
        let stride = MemoryLayout<Entry>.stride
        entries = [Entry](repeating: Entry(id: 0, hash: Hash256(0, 0, 0, 0)), count: wanted)
        try entries.withUnsafeMutableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let got = pread(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset, off_t(start * stride + offset))
                guard got > 0 else {
                    throw ImgedaError(.ioFailed, "cannot read the temporary file \(path): \(String(cString: strerror(errno)))")
                }
                offset += got
            }
        }
    }

    /// Every entry, in the order written (call ``flush()`` first).
    func readAll() throws -> [Entry] {
        var entries: [Entry] = []
        try read(from: 0, count: count, into: &entries)
        return entries
    }

    /// Every entry, a chunk at a time (call ``flush()`` first).
    func forEachChunk(_ body: ([Entry]) throws -> Void) throws {
        var entries: [Entry] = []
        var start = 0
        while start < count {
            let n = min(16_384, count - start)
            try read(from: start, count: n, into: &entries)
            try body(entries)
            start += n
        }
    }
}

/// One result list per worker of `concurrentPerform`.
///
/// `@unchecked Sendable`: every slot is written under `lock`, and read after the workers end.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [[Int64]]

    init(count: Int) { slots = Array(repeating: [], count: count) }

    func store(_ values: [Int64], at index: Int) { lock.withLock { slots[index] = values } }

    func all() -> [Int64] { lock.withLock { slots.flatMap { $0 } } }
}

/// The first error of the workers of `concurrentPerform`.
///
/// `@unchecked Sendable`: `stored` is read and written only under `lock`.
final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (any Error)?

    func store(_ error: any Error) { lock.withLock { if stored == nil { stored = error } } }

    var error: (any Error)? { lock.withLock { stored } }
}
