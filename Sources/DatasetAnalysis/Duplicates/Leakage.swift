/// Copies of the same picture in different splits (train/val/test): the evaluation then
/// measures memory, not generalisation.
public struct LeakageReport: Sendable {
    /// How much split `later` leaks from split `earlier` (splits in the order given).
    public struct SplitPair: Sendable {
        public var earlier: String
        public var later: String
        /// Cross-split pairs of byte-identical files.
        public var exactPairs = 0
        /// Cross-split pairs of perceptual near copies (not byte-identical).
        public var nearPairs = 0
        /// Images of `later` with at least one copy in `earlier`.
        public var leakedImages = 0
        public var laterSize = 0
        /// Up to 20 example pairs: (index in earlier, index in later, distance; 0 when exact).
        public var examples: [(earlier: Int, later: Int, distance: Int)] = []

        public var leakedFraction: Double { laterSize > 0 ? Double(leakedImages) / Double(laterSize) : 0 }
    }

    public var splits: [(name: String, size: Int)] = []
    public var pairs: [SplitPair] = []
    public var threshold = 0
    public var transforms = false
}

/// Finds exact and near copies across splits.
///
/// The counts are those of comparing every two images of different splits: a pair is
/// *exact* when both files have the same SHA-256, *near* when their pHashes are within the
/// threshold (by ``DuplicateFinder``'s distance) and they are not byte-identical; an image
/// of a later split *leaks* when it has at least one such pair with an earlier split. The
/// examples are the first 20 pairs of each pair of splits, exact pairs first, each kind in
/// the order of the images' indices.
///
/// The pairs are not searched again and never stored one by one: copies of one file share
/// their hashes, so the near pairs between images are the near pairs that the duplicate
/// search found between its representatives (one per exact group), multiplied out per
/// split; the counts are taken per group of copies and per image.
public enum LeakageFinder {
    /// How many example pairs each pair of splits keeps.
    static let exampleLimit = 20

    /// Leakage between the splits `order` (earlier splits are the ones trained on), from a
    /// duplicate search that already ran on the same `candidates` — its exact groups and
    /// ``DuplicateReport/nearPairs`` — with its threshold and transforms.
    ///
    /// Only when copies of one file carry different hashes (manifests written by different
    /// scanners) are the pictures searched again, once, with one representative per
    /// distinct hash.
    ///
    /// - Complexity: O(n + p) for n candidates and the search's p near pairs, times the
    ///   number of splits present in each group of copies. Memory O(n), whatever the number
    ///   of cross-split pairs.
    public static func find(
        _ candidates: [DuplicateCandidate], order: [String], duplicates: DuplicateReport, threads: Int = 2
    ) -> LeakageReport {
        var report = LeakageReport()
        report.threshold = duplicates.threshold
        report.transforms = duplicates.transforms
        let splitCount = order.count
        let rankOf = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var rank = [Int32](repeating: -1, count: candidates.count)
        var sizes = [Int](repeating: 0, count: splitCount)
        for (i, c) in candidates.enumerated() {
            if let r = rankOf[c.split] {
                rank[i] = Int32(r)
                sizes[r] += 1
            }
        }
        report.splits = order.enumerated().map { ($1, sizes[$0]) }

        // Groups of byte-identical copies (every other file is a group of its own).
        var groupOf = [Int32](repeating: -1, count: candidates.count)
        var groupCount = 0
        var consistent = true
        for g in duplicates.exactGroups {
            let keeper = candidates[g.keeper]
            for m in g.members {
                groupOf[m] = Int32(groupCount)
                if consistent && !sameHashes(keeper, candidates[m]) { consistent = false }
            }
            groupCount += 1
        }
        for i in groupOf.indices where groupOf[i] < 0 {
            groupOf[i] = Int32(groupCount)
            groupCount += 1
        }
        let groups = Members(of: groupOf, parts: groupCount, rank: rank)

        // Nodes of the near-pair graph: the exact groups themselves when copies share their
        // hashes (the search's representatives), else one node per distinct hash in a group.
        var tally = Tally(splits: splitCount)
        if consistent {
            tally.count(
                exact: groups, nodes: groups, nodeOf: groupOf, rank: rank,
                pairs: duplicates.nearPairs.lazy.map { (Int(groupOf[$0.a]), Int(groupOf[$0.b]), $0.distance) })
        } else {
            var nodeOf = [Int32](repeating: -1, count: candidates.count)
            var nodeGroup: [Int32] = []
            var hashes: [Hash256] = []
            var centres: [Hash256?] = []
            var index: [NodeKey: Int32] = [:]
            for (i, c) in candidates.enumerated() where isSearched(c) {
                guard let h = c.phash else { continue }
                let key = NodeKey(group: groupOf[i], hash: h, centre: c.phashCenter)
                if let node = index[key] {
                    nodeOf[i] = node
                } else {
                    let node = Int32(hashes.count)
                    index[key] = node
                    nodeOf[i] = node
                    nodeGroup.append(groupOf[i])
                    hashes.append(h)
                    centres.append(c.phashCenter)
                }
            }
            index = [:]
            let found = DuplicateFinder.nearPairs(
                hashes, centres: centres, threshold: duplicates.threshold, transforms: duplicates.transforms, threads: threads)
            // Two nodes of one exact group are byte-identical copies: exact, not near.
            tally.count(
                exact: groups, nodes: Members(of: nodeOf, parts: hashes.count, rank: rank), nodeOf: nodeOf, rank: rank,
                pairs: found.lazy.filter { nodeGroup[$0.a] != nodeGroup[$0.b] }.map { ($0.a, $0.b, $0.distance) })
        }

        for x in 0..<splitCount {
            for y in (x + 1)..<splitCount {
                let key = x * splitCount + y
                var pair = LeakageReport.SplitPair(earlier: order[x], later: order[y])
                pair.exactPairs = tally.exact[key]
                pair.nearPairs = tally.near[key]
                pair.leakedImages = tally.leaked[key]
                pair.laterSize = sizes[y]
                let exact = tally.exactExamples[key]?.sorted() ?? []
                let near = tally.nearExamples[key]?.sorted() ?? []
                pair.examples = (exact + near).prefix(exampleLimit).map { ($0.earlier, $0.later, $0.distance) }
                report.pairs.append(pair)
            }
        }
        return report
    }

    /// Leakage with a duplicate search of its own; when the command also reports
    /// duplicates, pass that search's report instead (one search per command).
    public static func find(
        _ candidates: [DuplicateCandidate], order: [String], threshold: Int = DuplicateFinder.defaultThreshold,
        transforms: Bool = false, threads: Int = 2
    ) -> LeakageReport {
        let duplicates = DuplicateFinder.find(candidates, threshold: threshold, transforms: transforms, threads: threads)
        return find(candidates, order: order, duplicates: duplicates, threads: threads)
    }

    /// Whether the near search takes the candidate, as ``DuplicateFinder`` decides it.
    static func isSearched(_ c: DuplicateCandidate) -> Bool {
        !c.isCorrupt && !c.isNearBlank && c.phash != nil
    }

    /// Whether two copies of one file would meet the same near pairs.
    static func sameHashes(_ a: DuplicateCandidate, _ b: DuplicateCandidate) -> Bool {
        let searched = isSearched(a)
        return searched == isSearched(b) && (!searched || (a.phash == b.phash && a.phashCenter == b.phashCenter))
    }

    struct NodeKey: Hashable {
        var group: Int32
        var hash: Hash256
        var centre: Hash256?
    }
}

/// The candidates of each part (an exact group, or a node of the near-pair graph) that
/// belong to a split of the order, sorted by split and then by index: one split's members
/// of a part are one run.
struct Members {
    var start: [Int32]
    var members: [Int32]

    /// - Parameter partOf: each candidate's part, or -1 for none.
    init(of partOf: [Int32], parts: Int, rank: [Int32]) {
        var start = [Int32](repeating: 0, count: parts + 1)
        for i in partOf.indices where partOf[i] >= 0 && rank[i] >= 0 { start[Int(partOf[i]) + 1] += 1 }
        for p in 0..<parts { start[p + 1] += start[p] }
        var cursor = start
        var members = [Int32](repeating: 0, count: Int(start[parts]))
        for i in partOf.indices where partOf[i] >= 0 && rank[i] >= 0 {
            let p = Int(partOf[i])
            members[Int(cursor[p])] = Int32(i)
            cursor[p] += 1
        }
        for p in 0..<parts where start[p + 1] - start[p] > 1 {
            members[Int(start[p])..<Int(start[p + 1])].sort { (rank[Int($0)], $0) < (rank[Int($1)], $1) }
        }
        self.start = start
        self.members = members
    }

    var count: Int { start.count - 1 }

    /// The runs of part `p`: each split's rank and its members' range in `members`.
    func runs(_ p: Int, rank: [Int32], into runs: inout [(rank: Int, range: Range<Int>)]) {
        runs.removeAll(keepingCapacity: true)
        var i = Int(start[p])
        let end = Int(start[p + 1])
        while i < end {
            let r = rank[Int(members[i])]
            var j = i + 1
            while j < end && rank[Int(members[j])] == r { j += 1 }
            runs.append((Int(r), i..<j))
            i = j
        }
    }
}

/// The counts per pair of splits (flat, `earlier * splits + later`).
struct Tally {
    let splits: Int
    var exact: [Int]
    var near: [Int]
    var leaked: [Int]
    var exactExamples: [Int: FirstPairs] = [:]
    var nearExamples: [Int: FirstPairs] = [:]

    init(splits: Int) {
        self.splits = splits
        exact = [Int](repeating: 0, count: splits * splits)
        near = exact
        leaked = exact
    }

    /// Counts exact pairs within `exact`'s groups, near pairs between the nodes of each of
    /// `pairs` (node, node, distance), and each image whose group or neighbouring nodes
    /// reach an earlier split.
    mutating func count(
        exact groups: Members, nodes: Members, nodeOf: [Int32], rank: [Int32], pairs: some Sequence<(Int, Int, Int)>
    ) {
        let words = (splits + 63) / 64
        var runsA: [(rank: Int, range: Range<Int>)] = []
        var runsB: [(rank: Int, range: Range<Int>)] = []

        // The splits present in each node, then the splits each node's neighbours reach.
        var present = [UInt64](repeating: 0, count: nodes.count * words)
        for u in 0..<nodes.count where nodes.start[u + 1] > nodes.start[u] {
            nodes.runs(u, rank: rank, into: &runsA)
            for run in runsA { present[u * words + run.rank / 64] |= 1 << UInt64(run.rank % 64) }
        }
        var reached = [UInt64](repeating: 0, count: nodes.count * words)
        for (u, v, distance) in pairs {
            for w in 0..<words {
                reached[u * words + w] |= present[v * words + w]
                reached[v * words + w] |= present[u * words + w]
            }
            nodes.runs(u, rank: rank, into: &runsA)
            nodes.runs(v, rank: rank, into: &runsB)
            for a in runsA {
                for b in runsB where a.rank != b.rank {
                    let key = min(a.rank, b.rank) * splits + max(a.rank, b.rank)
                    near[key] += a.range.count * b.range.count
                    let (earlier, later) = a.rank < b.rank ? (a.range, b.range) : (b.range, a.range)
                    nearExamples[key, default: FirstPairs()].offer(
                        earlier: nodes.members[earlier], later: nodes.members[later], distance: distance)
                }
            }
        }

        // Exact pairs, and leaked images, group by group.
        var reach = [UInt64](repeating: 0, count: words)
        for g in 0..<groups.count where groups.start[g + 1] > groups.start[g] {
            groups.runs(g, rank: rank, into: &runsA)
            for x in runsA.indices {
                for y in (x + 1)..<runsA.count {
                    let a = runsA[x], b = runsA[y]
                    let key = a.rank * splits + b.rank
                    exact[key] += a.range.count * b.range.count
                    exactExamples[key, default: FirstPairs()].offer(
                        earlier: groups.members[a.range], later: groups.members[b.range], distance: 0)
                }
            }
            for w in 0..<words { reach[w] = 0 }
            for run in runsA { reach[run.rank / 64] |= 1 << UInt64(run.rank % 64) }
            for run in runsA {
                for m in groups.members[run.range] {
                    let node = Int(nodeOf[Int(m)])
                    for w in 0..<(run.rank / 64 + 1) {
                        var bits = reach[w] | (node >= 0 ? reached[node * words + w] : 0)
                        if w == run.rank / 64 { bits &= (1 << UInt64(run.rank % 64)) &- 1 }
                        while bits != 0 {
                            let x = w * 64 + bits.trailingZeroBitCount
                            leaked[x * splits + run.rank] += 1
                            bits &= bits &- 1
                        }
                    }
                }
            }
        }
    }
}

/// The first ``LeakageFinder/exampleLimit`` pairs of images in the order of their indices
/// (the smaller index first, then the larger), kept without storing the others.
struct FirstPairs {
    struct Pair: Comparable {
        var low: Int32
        var high: Int32
        var earlier: Int
        var later: Int
        var distance: Int
        static func < (a: Pair, b: Pair) -> Bool { (a.low, a.high) < (b.low, b.high) }
        static func == (a: Pair, b: Pair) -> Bool { (a.low, a.high) == (b.low, b.high) }
    }

    private var kept: [Pair] = []
    private var last = 0

    func sorted() -> [Pair] { kept.sorted() }

    /// Keeps the pair if it is among the first; false when it is not (so no later pair is).
    mutating func offer(_ pair: Pair) -> Bool {
        if kept.count < LeakageFinder.exampleLimit {
            kept.append(pair)
            if kept.count == 1 || kept[last] < pair { last = kept.count - 1 }
            return true
        }
        guard pair < kept[last] else { return false }
        kept[last] = pair
        last = kept.indices.max { kept[$0] < kept[$1] } ?? 0
        return true
    }

    /// Offers the pairs of `earlier` × `later` (disjoint lists of indices, each ascending) in
    /// ascending order until one is refused: no later pair of the product could enter.
    ///
    /// The smallest index left of either list pairs with every index left of the other list
    /// (all larger), in ascending order; so the product is walked as a merge of the two.
    mutating func offer(earlier: ArraySlice<Int32>, later: ArraySlice<Int32>, distance: Int) {
        var i = earlier.startIndex, j = later.startIndex
        while i < earlier.endIndex && j < later.endIndex {
            let lowIsEarlier = earlier[i] < later[j]
            let low = lowIsEarlier ? earlier[i] : later[j]
            let partners = lowIsEarlier ? later[j...] : earlier[i...]
            for (k, high) in zip(partners.indices, partners) {
                let (e, l) = lowIsEarlier ? (low, high) : (high, low)
                let taken = offer(Pair(low: low, high: high, earlier: Int(e), later: Int(l), distance: distance))
                if !taken {
                    if k == partners.startIndex { return }
                    break
                }
            }
            if lowIsEarlier { i += 1 } else { j += 1 }
        }
    }
}
