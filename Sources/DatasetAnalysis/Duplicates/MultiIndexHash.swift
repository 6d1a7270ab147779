import CImgedaSupport
import Dispatch

/// Finds every pair of 256-bit hashes within a Hamming distance, without comparing all
/// pairs: multi-index hashing (Norouzi, Punjani and Fleet, 2012), evaluated bucket by bucket.
///
/// The hash is cut into 16 substrings of 16 bits. If two hashes differ in at most `r` bits,
/// then by the pigeonhole principle at least one of the 16 substrings differs in at most
/// ⌊r / 16⌋ bits — more exactly, substring i differs in at most t_i bits for some i, for any
/// t_i whose Σ (t_i + 1) is r + 1 (``subRadii(within:)``). So for each substring position
/// (a "table"), the hashes are bucketed by that substring, and every bucket is compared with
/// every bucket whose key is within t_i bits of its own — which finds every pair within
/// `r`: nothing is sampled, no bucket is capped. A pair found in several tables is reported only from the first table
/// in which it qualifies, so no "seen" set is needed.
///
/// Tables are processed one at a time (and spread over threads), each from a copy of the
/// hashes sorted by that table's substring, so the comparisons read memory sequentially.
///
/// - Complexity: O(n) per table to bucket; the comparisons number about
///   16 · n² · Σ_{i ≤ ⌊r/16⌋} C(16, i) / 131,072 for random hashes — for r < 32 and a
///   million hashes, about 2 · 10⁹ popcounts. Memory: one sorted copy of the hashes per
///   thread (32 bytes each) and the pairs found.
public enum MultiIndexHash {
    /// A pair of hash indices and their distance. For a self-join `a < b`; for a join of
    /// two lists, `a` indexes the left list and `b` the right one.
    public struct Pair: Sendable, Hashable {
        public var a: Int
        public var b: Int
        public var distance: Int

        public init(a: Int, b: Int, distance: Int) {
            self.a = a
            self.b = b
            self.distance = distance
        }
    }

    /// Every pair of `hashes` within `radius` bits, each pair once (`a < b`).
    public static func pairs(_ hashes: [Hash256], within radius: Int, threads: Int = 2) -> [Pair] {
        join(hashes, nil, within: radius, threads: threads)
    }

    /// Every pair (left[a], right[b]) within `radius` bits, including `a == b`.
    public static func pairs(_ left: [Hash256], _ right: [Hash256], within radius: Int, threads: Int = 2) -> [Pair] {
        join(left, right, within: radius, threads: threads)
    }

    private static func join<H: SubstringHash>(_ left: [H], _ right: [H]?, within radius: Int, threads: Int) -> [Pair] {
        guard !left.isEmpty, !(right?.isEmpty ?? false), radius >= 0 else { return [] }
        let radii = H.subRadii(within: radius)
        let masksByRadius = (0...(radii.max() ?? 0)).map { masks(upTo: $0) }
        let threadCount = max(1, min(threads, H.tableCount))
        // Each worker takes its tables in turn; a table's work grows with its masks, so the
        // tables are dealt out largest first, each to the worker with the least so far.
        var load = [Int](repeating: 0, count: threadCount)
        var tables = [[Int]](repeating: [], count: threadCount)
        for table in (0..<H.tableCount).filter({ radii[$0] >= 0 }).sorted(by: { radii[$0] > radii[$1] }) {
            let worker = load.indices.min { load[$0] < load[$1] } ?? 0
            tables[worker].append(table)
            load[worker] += masksByRadius[radii[table]].count + 1
        }
        let plan = tables
        let results = ResultSlots<Pair>(count: threadCount)
        DispatchQueue.concurrentPerform(iterations: threadCount) { worker in
            var found: [Pair] = []
            for table in plan[worker] {
                let l = Buckets(left, table: table)
                let r = right.map { Buckets($0, table: table) }
                compare(
                    l, r ?? l, selfJoin: right == nil, table: table, radius: radius, subRadii: radii,
                    masks: masksByRadius[radii[table]], into: &found)
            }
            results.store(found, at: worker)
        }
        return results.all()
    }

    /// The most bits each of the 16 substrings may differ by in its table's search (-1: the
    /// table is not searched), chosen so that any two hashes within `radius` bits agree that
    /// closely on at least one substring: if every substring i differed by more than t_i,
    /// the hashes would differ by at least Σ (t_i + 1) bits, and the t_i are chosen so that
    /// this sum is `radius + 1` (the pigeonhole principle, generalized: Qin et al., 2018).
    /// Spreading the bits as evenly as possible keeps the searches cheapest — at 24 bits,
    /// nine tables at 1 bit and seven exact ones instead of sixteen at 1: 160 bucket pairs a
    /// bucket instead of 272; at 15 bits or fewer, `radius + 1` exact tables.
    package static func subRadii(within radius: Int) -> [Int] {
        let total = radius + 1
        let (base, rest) = total.quotientAndRemainder(dividingBy: 16)
        return (0..<16).map { min($0 < rest ? base : base - 1, 16) }
    }

    /// The hashes sorted by one table's substring, with bucket offsets.
    struct Buckets<H: SubstringHash> {
        var offsets: [Int32]  // 65,537
        var ids: [Int32]
        /// The sorted hashes, `H.wordCount` words each (the layout the C kernels read).
        var words: [UInt64]
        /// The size of the largest bucket.
        var largest: Int

        init(_ source: [H], table: Int) {
            var offsets = [Int32](repeating: 0, count: 65_537)
            for h in source { offsets[h.substring(table) + 1] += 1 }
            var largest: Int32 = 0
            for key in 0..<65_536 {
                largest = max(largest, offsets[key + 1])
                offsets[key + 1] += offsets[key]
            }
            var cursor = offsets
            // Every slot is written below (the buckets are a permutation of the source).
            let width = H.wordCount
            var ids = [Int32](unsafeUninitializedCapacity: source.count) { $1 = source.count }
            let words = [UInt64](unsafeUninitializedCapacity: width * source.count) { buffer, initialized in
                guard let base = buffer.baseAddress else { return }
                for (id, h) in source.enumerated() {
                    let key = h.substring(table)
                    let slot = Int(cursor[key])
                    ids[slot] = Int32(id)
                    h.store(base + width * slot)
                    cursor[key] += 1
                }
                initialized = width * source.count
            }
            self.offsets = offsets
            self.ids = ids
            self.words = words
            self.largest = Int(largest)
        }
    }

    /// Compares the buckets of one table: each bucket of `l` with the buckets of `r` whose
    /// keys are within the table's sub-radius of its own (`masks`), a bucket against a bucket
    /// per call of the C kernel (which counts bits with the CPU's `popcnt` where it has one).
    /// Both sides are sorted by the substring, so the right buckets a left bucket reads are
    /// read again, from cache, by the left buckets next to it.
    private static func compare<H: SubstringHash>(
        _ l: Buckets<H>, _ r: Buckets<H>, selfJoin: Bool, table: Int, radius: Int, subRadii: [Int],
        masks: [UInt16], into found: inout [Pair]
    ) {
        let capacity = max(4096, r.largest)
        let width = H.wordCount
        var hits = [UInt32](repeating: 0, count: 2 * capacity)
        hits.withUnsafeMutableBufferPointer { hitBuffer in
            l.offsets.withUnsafeBufferPointer { lo in
                r.offsets.withUnsafeBufferPointer { ro in
                    l.words.withUnsafeBufferPointer { lw in
                        r.words.withUnsafeBufferPointer { rw in
                            guard let lBase = lw.baseAddress, let rBase = rw.baseAddress, let hit = hitBuffer.baseAddress
                            else { return }
                            for key in 0..<65_536 {
                                let lStart = Int(lo[key]), lEnd = Int(lo[key + 1])
                                if lStart == lEnd { continue }
                                for mask in masks {
                                    let other = key ^ Int(mask)
                                    // In a self-join, each pair of buckets is compared once.
                                    if selfJoin && other < key { continue }
                                    let rStart = Int(ro[other]), rEnd = Int(ro[other + 1])
                                    if rStart == rEnd { continue }
                                    var next = 0
                                    while next < lEnd - lStart {
                                        let count = cimgeda_hamming_block(
                                            lBase + width * lStart, lEnd - lStart, rBase + width * rStart, rEnd - rStart,
                                            Int32(width), selfJoin && other == key ? 1 : 0, Int32(clamping: radius), hit,
                                            capacity, &next, 0)
                                        for h in 0..<count {
                                            let i = lStart + Int(hit[2 * h]), j = rStart + Int(hit[2 * h + 1])
                                            let a = H(words: lBase + width * i), b = H(words: rBase + width * j)
                                            guard firstQualifyingTable(a, b, subRadii) == table else { continue }
                                            var x = Int(l.ids[i]), y = Int(r.ids[j])
                                            if selfJoin && x > y { swap(&x, &y) }
                                            found.append(Pair(a: x, b: y, distance: a.differingBits(b)))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The first table whose substrings of the pair differ in at most its sub-radius (see
    /// ``subRadii(within:)``): the one table that reports the pair.
    @inline(__always)
    static func firstQualifyingTable<H: SubstringHash>(_ a: H, _ b: H, _ subRadii: [Int]) -> Int {
        for t in 0..<H.tableCount where (a.substring(t) ^ b.substring(t)).nonzeroBitCount <= subRadii[t] { return t }
        return H.tableCount
    }

    /// The first table in which the pair's substrings differ in at most `subRadius` bits:
    /// the one table that reports the pair (for searches with one sub-radius in every table).
    @inline(__always)
    package static func firstQualifyingTable(_ a: Hash256, _ b: Hash256, _ subRadius: Int) -> Int {
        for t in 0..<16 where (a.chunk(t) ^ b.chunk(t)).nonzeroBitCount <= subRadius { return t }
        return 16
    }

    /// All 16-bit masks with at most `upTo` bits set.
    static func masks(upTo count: Int) -> [UInt16] {
        (0..<65_536).filter { $0.nonzeroBitCount <= count }.map { UInt16($0) }
    }
}

extension MultiIndexHash {
    /// Every pair (left[a], right[b]) of 64-bit hashes within `radius` bits, including
    /// `a == b` — the same multi-index search on four 16-bit substrings: a pair within `r`
    /// bits agrees within ⌊r / 4⌋ bits on at least one of them, so each left hash is compared
    /// with the right hashes whose substring is within ⌊r / 4⌋ bits of its own, and the pair
    /// is reported from the first substring that qualifies.
    ///
    /// - Complexity: O(n + m) per table to bucket; about 4 · n · m · Σ_{i ≤ ⌊r/4⌋} C(16, i) /
    ///   65,536 comparisons for random hashes. Memory: one sorted copy of each list per
    ///   thread (12 bytes a hash) and the pairs found.
    public static func pairs(_ left: [UInt64], _ right: [UInt64], within radius: Int, threads: Int = 2) -> [Pair] {
        join(left, right, within: radius, threads: threads)
    }
}

/// A hash multi-index hashing cuts into 16-bit substrings, one a table, kept as
/// ``wordCount`` 64-bit words in the layout the C kernels (`cimgeda_hamming_block`) read.
package protocol SubstringHash: Sendable {
    /// 64-bit words a hash.
    static var wordCount: Int { get }
    /// 16-bit substrings a hash: the tables of the search.
    static var tableCount: Int { get }
    /// The most bits each substring may differ by in its table's search (-1: not searched)
    /// so that every pair within `radius` bits is found in some table.
    static func subRadii(within radius: Int) -> [Int]
    /// The substring `table`, most significant first.
    func substring(_ table: Int) -> Int
    /// Writes the hash's ``wordCount`` words at `words`.
    func store(_ words: UnsafeMutablePointer<UInt64>)
    /// The hash whose ``wordCount`` words are at `words`.
    init(words: UnsafePointer<UInt64>)
    /// The Hamming distance to `other`.
    func differingBits(_ other: Self) -> Int
}

extension Hash256: SubstringHash {
    package static var wordCount: Int { 4 }
    package static var tableCount: Int { 16 }
    package static func subRadii(within radius: Int) -> [Int] { MultiIndexHash.subRadii(within: radius) }
    @inline(__always) package func substring(_ table: Int) -> Int { Int(chunk(table)) }
    @inline(__always) package func store(_ words: UnsafeMutablePointer<UInt64>) {
        words[0] = w0
        words[1] = w1
        words[2] = w2
        words[3] = w3
    }
    @inline(__always) package init(words: UnsafePointer<UInt64>) { self.init(words[0], words[1], words[2], words[3]) }
    @inline(__always) package func differingBits(_ other: Hash256) -> Int { distance(to: other) }
}

extension UInt64: SubstringHash {
    package static var wordCount: Int { 1 }
    package static var tableCount: Int { 4 }
    /// ⌊r / 4⌋ in each of the four tables.
    package static func subRadii(within radius: Int) -> [Int] { Array(repeating: Swift.min(radius / 4, 16), count: 4) }
    @inline(__always) package func substring(_ table: Int) -> Int {
        Int(truncatingIfNeeded: (self >> UInt64(48 - 16 * table)) & 0xFFFF)
    }
    @inline(__always) package func store(_ words: UnsafeMutablePointer<UInt64>) { words[0] = self }
    @inline(__always) package init(words: UnsafePointer<UInt64>) { self = words[0] }
    @inline(__always) package func differingBits(_ other: UInt64) -> Int { (self ^ other).nonzeroBitCount }
}

/// One result array per worker thread. `@unchecked Sendable` is sound: each slot is
/// written by exactly one iteration of `concurrentPerform`, through its own pointer (no
/// shared array value is mutated), and all are read only after `concurrentPerform` returns.
final class ResultSlots<Element>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<[Element]>
    private let count: Int

    init(count: Int) {
        self.count = count
        slots = UnsafeMutablePointer<[Element]>.allocate(capacity: count)
        slots.initialize(repeating: [], count: count)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    func store(_ values: [Element], at index: Int) {
        slots[index] = values
    }

    func all() -> [Element] {
        (0..<count).flatMap { slots[$0] }
    }
}
