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
public enum LeakageFinder {
    /// - Parameter order: the split names in order (earlier splits are the ones trained on).
    /// - Complexity: as ``MultiIndexHash`` over all hashed candidates.
    public static func find(
        _ candidates: [DuplicateCandidate], order: [String], threshold: Int = DuplicateFinder.defaultThreshold,
        transforms: Bool = false, threads: Int = 2
    ) -> LeakageReport {
        var report = LeakageReport()
        report.threshold = threshold
        report.transforms = transforms
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var sizes = [Int](repeating: 0, count: order.count)
        for c in candidates { if let r = rank[c.split] { sizes[r] += 1 } }
        report.splits = order.enumerated().map { ($1, sizes[$0]) }

        // Pairs (i, j) in different splits, from checksums and from hashes.
        var exact = Set<PairKey>()
        var bySum: [String: [Int]] = [:]
        for (i, c) in candidates.enumerated() { if let s = c.sha256 { bySum[s, default: []].append(i) } }
        for (_, members) in bySum where members.count > 1 {
            for x in 0..<members.count {
                for y in (x + 1)..<members.count where candidates[members[x]].split != candidates[members[y]].split {
                    exact.insert(PairKey(members[x], members[y]))
                }
            }
        }
        var ids: [Int] = []
        var hashes: [Hash256] = []
        var centres: [Hash256?] = []
        for (i, c) in candidates.enumerated() where !c.isCorrupt && !c.isNearBlank {
            if let h = c.phash {
                ids.append(i)
                hashes.append(h)
                centres.append(c.phashCenter)
            }
        }
        var near: [PairKey: Int] = [:]
        for p in DuplicateFinder.nearPairs(hashes, centres: centres, threshold: threshold, transforms: transforms, threads: threads) {
            let a = ids[p.a], b = ids[p.b]
            guard candidates[a].split != candidates[b].split else { continue }
            let key = PairKey(a, b)
            if !exact.contains(key) { near[key] = p.distance }
        }

        // Tally per ordered split pair.
        var tallies: [PairKey: LeakageReport.SplitPair] = [:]
        var leaked: [PairKey: Set<Int>] = [:]
        func record(_ a: Int, _ b: Int, distance: Int, isExact: Bool) {
            guard let ra = rank[candidates[a].split], let rb = rank[candidates[b].split], ra != rb else { return }
            let (e, l) = ra < rb ? (a, b) : (b, a)
            let key = PairKey(min(ra, rb), max(ra, rb))
            // Mutated in place: copying the tally (and its examples) out and back for every
            // pair cost an allocation per pair, which dominated on sets with many copies.
            let blank = LeakageReport.SplitPair(earlier: order[key.a], later: order[key.b])
            if isExact { tallies[key, default: blank].exactPairs += 1 } else { tallies[key, default: blank].nearPairs += 1 }
            if tallies[key, default: blank].examples.count < 20 { tallies[key, default: blank].examples.append((e, l, distance)) }
            leaked[key, default: []].insert(l)
        }
        for key in exact.sorted(by: { ($0.a, $0.b) < ($1.a, $1.b) }) { record(key.a, key.b, distance: 0, isExact: true) }
        for (key, d) in near.sorted(by: { ($0.key.a, $0.key.b) < ($1.key.a, $1.key.b) }) {
            record(key.a, key.b, distance: d, isExact: false)
        }
        for x in 0..<order.count {
            for y in (x + 1)..<order.count {
                let key = PairKey(x, y)
                var tally = tallies[key] ?? LeakageReport.SplitPair(earlier: order[x], later: order[y])
                tally.leakedImages = leaked[key]?.count ?? 0
                tally.laterSize = sizes[y]
                report.pairs.append(tally)
            }
        }
        return report
    }
}
