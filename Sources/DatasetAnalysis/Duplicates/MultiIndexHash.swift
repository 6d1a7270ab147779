import Dispatch

/// Finds every pair of 256-bit hashes within a Hamming distance, without comparing all
/// pairs: multi-index hashing (Norouzi, Punjani and Fleet, 2012).
///
/// The hash is cut into 16 substrings of 16 bits, each indexed in its own table. If two hashes
/// differ in at most `r` bits, then by the pigeonhole principle at least one of the 16
/// substrings differs in at most ⌊r / 16⌋ bits. So probing, in each table, every key within
/// ⌊r / 16⌋ bits of the query's substring finds every pair within `r` — nothing is sampled,
/// no bucket is capped — and each candidate is then checked on all 256 bits.
///
/// - Complexity: building is O(n). A query probes 16 · Σ_{i ≤ ⌊r/16⌋} C(16, i) keys; with
///   random hashes each key holds n / 65,536 entries, so all pairs cost about
///   n² · 16 · Σ C(16, i) / 65,536 checks: for r < 32, 17 · n² / 4,096 — 4 billion popcounts
///   for a million hashes, spread over all cores. Memory: 16 · n · 4 bytes of postings.
public struct MultiIndexHash: Sendable {
    public let hashes: [Hash256]
    /// Postings of table `t`, key `k`: `ids[t * n + offsets[t * 65_537 + k] ..< … + offsets[t * 65_537 + k + 1]]`.
    private let offsets: [UInt32]
    private let ids: [UInt32]

    public init(_ hashes: [Hash256]) {
        self.hashes = hashes
        let n = hashes.count
        var offsets = [UInt32](repeating: 0, count: 16 * 65_537)
        var ids = [UInt32](repeating: 0, count: 16 * n)
        for table in 0..<16 {
            let base = table * 65_537
            for h in hashes { offsets[base + Int(h.chunk(table)) + 1] += 1 }
            for key in 0..<65_536 { offsets[base + key + 1] += offsets[base + key] }
            var cursor = Array(offsets[base..<(base + 65_536)])
            for (id, h) in hashes.enumerated() {
                let key = Int(h.chunk(table))
                ids[table * n + Int(cursor[key])] = UInt32(id)
                cursor[key] += 1
            }
        }
        self.offsets = offsets
        self.ids = ids
    }

    /// A pair of hash indices (`a < b`) and their distance.
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

    /// Every pair within `radius` bits (each pair once), computed on `threads` threads.
    public func pairs(within radius: Int, threads: Int = 2) -> [Pair] {
        pairs(queries: hashes, within: radius, threads: threads, onlyLaterIDs: true)
    }

    /// For each query hash (an index `q` into `queries`), every indexed hash within `radius`.
    /// With `onlyLaterIDs`, queries are this index's own hashes and only pairs `q < id` are
    /// returned, so each pair appears once.
    public func pairs(queries: [Hash256], within radius: Int, threads: Int = 2, onlyLaterIDs: Bool = false) -> [Pair] {
        guard !queries.isEmpty, !hashes.isEmpty, radius >= 0 else { return [] }
        let subRadius = min(radius / 16, 16)
        let masks = Self.masks(bits: 16, upTo: subRadius)
        let threadCount = max(1, min(threads, queries.count))
        let results = ResultSlots<Pair>(count: threadCount)
        let n = hashes.count
        offsets.withUnsafeBufferPointer { offsetBuffer in
            ids.withUnsafeBufferPointer { idBuffer in
                hashes.withUnsafeBufferPointer { hashBuffer in
                    let tables = SharedReadOnly(offsets: offsetBuffer, ids: idBuffer, hashes: hashBuffer)
                    DispatchQueue.concurrentPerform(iterations: threadCount) { worker in
                        var found: [Pair] = []
                        // "Seen by query q" stamps: a candidate found in several tables is checked once.
                        var stamp = [Int32](repeating: -1, count: n)
                        var q = worker
                        while q < queries.count {
                            let query = queries[q]
                            let mark = Int32(truncatingIfNeeded: q)
                            for table in 0..<16 {
                                let key = query.chunk(table)
                                let tableOffsets = table * 65_537, tableIDs = table * n
                                for mask in masks {
                                    let probe = tableOffsets + Int(key ^ mask)
                                    var p = tableIDs + Int(tables.offsets[probe])
                                    let end = tableIDs + Int(tables.offsets[probe + 1])
                                    while p < end {
                                        let id = Int(tables.ids[p])
                                        p += 1
                                        if onlyLaterIDs && id <= q { continue }
                                        if stamp[id] == mark { continue }
                                        stamp[id] = mark
                                        let d = query.distance(to: tables.hashes[id])
                                        if d <= radius { found.append(Pair(a: q, b: id, distance: d)) }
                                    }
                                }
                            }
                            q += threadCount
                        }
                        results.store(found, at: worker)
                    }
                }
            }
        }
        return results.all()
    }

    /// All `bits`-bit masks with at most `upTo` bits set.
    static func masks(bits: Int, upTo count: Int) -> [UInt16] {
        var out: [UInt16] = []
        for value in 0..<(1 << bits) where value.nonzeroBitCount <= count { out.append(UInt16(value)) }
        return out
    }
}

/// Read-only views of the index's arrays for the worker threads. `@unchecked Sendable` is
/// sound: the buffers are only read, and they outlive the `concurrentPerform` that uses them
/// (it returns before the enclosing `withUnsafeBufferPointer` calls end).
struct SharedReadOnly: @unchecked Sendable {
    let offsets: UnsafeBufferPointer<UInt32>
    let ids: UnsafeBufferPointer<UInt32>
    let hashes: UnsafeBufferPointer<Hash256>
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
