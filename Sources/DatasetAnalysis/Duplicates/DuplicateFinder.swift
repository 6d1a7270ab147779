/// What duplicate detection needs of one record: a compact copy, so that millions fit in
/// memory (a full `ImageRecord` is ten times larger).
public struct DuplicateCandidate: Sendable, Hashable {
    public var path: String
    public var sha256: String?
    public var phash: Hash256?
    /// The centre pHash (central 89%), when the scan stored one.
    public var phashCenter: Hash256?
    /// The window hashes (content box, crops, corners, small rotations), when the scan
    /// stored them (`window_hashes`).
    public var windows: WindowHashes?
    public var width: Int
    public var height: Int
    public var blurScore: Double?
    public var fileSize: Int
    public var isCorrupt: Bool
    /// How many quality flags the record has (dark, overexposed, blurry, border artifact).
    public var problemCount: Int
    /// A grey picture: a grey colour mode, or three channels with the same statistics.
    public var isGrayscale: Bool
    /// Too little content for a perceptual hash to mean anything (see ``DuplicateFinder/isNearBlank(_:)``).
    public var isNearBlank: Bool
    /// Which split (manifest or dataset split) the record belongs to, for leakage.
    public var split: String
    /// The class the dataset gives the image, for label conflicts.
    public var className: String?

    /// The pixels of the picture inside its uniform borders (all pixels when the scan stored
    /// no window hashes): a letterboxed copy has more pixels but no more picture.
    public var contentPixels: Int {
        let all = width * height
        guard let w = windows, w.borderRemoved else { return all }
        let t = (0..<4).map { w.trimmed(side: $0) }
        return Int((Double(all) * max(0, 1 - t[0] - t[2]) * max(0, 1 - t[1] - t[3])).rounded())
    }

    public init(record: ImageRecord, split: String = "") {
        path = record.path
        sha256 = record.sha256
        phash = record.phash.flatMap(Hash256.init(hex:))
        phashCenter = record.phashCenter.flatMap(Hash256.init(hex:))
        windows = record.windowHashes.flatMap(WindowHashes.init(encoded:))
        width = record.width
        height = record.height
        blurScore = record.blurScore
        fileSize = record.fileSizeBytes
        isCorrupt = record.isCorrupt
        problemCount = [record.isDark, record.isOverexposed, record.isBlurry, record.hasBorderArtifact].filter { $0 }.count
        if ["L", "LA", "1", "I", "I;16", "F"].contains(record.colorMode) {
            isGrayscale = true
        } else if let p = record.pixelStats {
            isGrayscale =
                abs(p.meanR - p.meanG) < 0.5 && abs(p.meanG - p.meanB) < 0.5
                && abs(p.stdR - p.stdG) < 0.5 && abs(p.stdG - p.stdB) < 0.5
        } else {
            isGrayscale = false
        }
        isNearBlank = DuplicateFinder.isNearBlank(record)
        self.split = split
        className = record.className
    }
}

/// A set of copies of one picture, with the copy to keep first.
public struct DuplicateGroup: Sendable, Hashable {
    /// Indices into the candidates; `members[0]` is the keeper.
    public var members: [Int]
    /// The largest distance from the keeper (0 for byte-identical groups).
    public var maxDistance: Int
    public var keeper: Int { members[0] }
    /// The copies that could be removed (never removed by imgeda).
    public var removable: ArraySlice<Int> { members.dropFirst() }
}

/// The outcome of duplicate detection.
public struct DuplicateReport: Sendable {
    /// Byte-identical files (same SHA-256), each group with its keeper first.
    public var exactGroups: [DuplicateGroup] = []
    /// Perceptually near copies among distinct files (one representative per exact group).
    public var nearGroups: [DuplicateGroup] = []
    /// Near-blank pictures (flat colour, almost no content), reported on their own: their
    /// hashes all look alike, so they would otherwise form one giant false group.
    public var nearBlank: [Int] = []
    /// Records without a usable perceptual hash (corrupt, or scanned with `--no-hashes`).
    public var withoutHash = 0
    /// Records without a checksum (written by another tool): not part of exact detection.
    public var withoutChecksum = 0
    public var threshold = 0
    public var transforms = false
    /// Every pair the near search linked (any rule: whole, centre, windows), as candidate indices
    /// (`a < b`) with their distance: representatives only (one per exact group, without
    /// near-blank, corrupt or unhashed records). ``LeakageFinder`` reuses them instead of
    /// searching again.
    public var nearPairs: [MultiIndexHash.Pair] = []
    /// All the thresholds the search used (whole, window, dHash verification, transforms).
    public var rules = MatchRules()
}

/// Finds exact and near duplicates.
///
/// **Exact**: same SHA-256 of the bytes — not the same perceptual hash, which is what the
/// reference calls "exact" and which also matches re-encoded or resized copies.
///
/// **Near**: 256-bit pHashes within `threshold` bits, found with ``MultiIndexHash`` (every
/// pair within the threshold, no sampling, no bucket caps). A picture's centre pHash (its
/// middle 89%) is compared with the other's full pHash too, so a copy cropped by about 5%
/// on every side is found. Optionally also mirrored and rotated copies, by searching with
/// the derived hashes of ``HashTransform``.
///
/// **Groups without chaining**: pairs are joined with union-find into connected components;
/// each component is then split into stars — the member with the most neighbours takes
/// every remaining member within the threshold of itself, and so on. Every member of a
/// group is therefore within the threshold of its centre, and a chain A≈B≈C of unrelated A
/// and C cannot make one group. The keeper of each group follows ``keeperOrder(_:_:)``,
/// preferring the most central copy among equals.
public enum DuplicateFinder {
    /// The default near-duplicate threshold in bits of a 256-bit pHash. Measured distances
    /// between real photos and their edits (FACTS: 90th percentiles 2–16 bits for blur,
    /// JPEG quality 40, 50% resize, grayscale, +15% brightness and watermark) against
    /// unrelated photos (minimum 96, 1st percentile 108) leave a wide gap; 24 catches the
    /// edits' tails with a margin of 70 bits to the closest unrelated pair.
    public static let defaultThreshold = 24

    /// A picture whose every channel's standard deviation is under 6 grey levels is near
    /// blank: its pHash is decided by noise, and all such pictures collide.
    public static func isNearBlank(_ record: ImageRecord) -> Bool {
        guard let stats = record.pixelStats else { return false }
        return max(stats.stdR, max(stats.stdG, stats.stdB)) < 6
    }

    /// The order of preference for the copy to keep: readable before corrupt, colour before
    /// grey, more pixels (inside uniform borders: ``DuplicateCandidate/contentPixels``); then — in near-duplicate groups — the most central copy (the
    /// smallest total distance to the others: the original rather than its watermarked,
    /// brightened or recompressed edits); then fewer quality flags, sharper (higher blur
    /// score), the larger file, the shorter path, and the path alphabetically (so the choice
    /// is deterministic).
    public static func keeperOrder(_ a: DuplicateCandidate, _ b: DuplicateCandidate) -> Bool {
        if a.isCorrupt != b.isCorrupt { return !a.isCorrupt }
        if a.isGrayscale != b.isGrayscale { return !a.isGrayscale }
        let pa = a.contentPixels, pb = b.contentPixels
        if pa != pb { return pa > pb }
        if a.problemCount != b.problemCount { return a.problemCount < b.problemCount }
        let ba = a.blurScore ?? -1, bb = b.blurScore ?? -1
        if ba != bb { return ba > bb }
        if a.fileSize != b.fileSize { return a.fileSize > b.fileSize }
        if a.path.utf8.count != b.path.utf8.count { return a.path.utf8.count < b.path.utf8.count }
        return a.path < b.path
    }

    /// The keeper order within a near-duplicate group: ``keeperOrder(_:_:)``, except that
    /// among copies that tie on readability, colour and pixel count, a much larger file
    /// (more than 1.5×: the other was recompressed harder) wins, and otherwise the more
    /// central copy (smaller total distance to the others) does.
    static func nearKeeperOrder(_ a: DuplicateCandidate, _ b: DuplicateCandidate, centralityA: Int, centralityB: Int) -> Bool {
        if a.isCorrupt == b.isCorrupt && a.isGrayscale == b.isGrayscale && a.contentPixels == b.contentPixels {
            let larger = max(a.fileSize, b.fileSize), smaller = max(1, min(a.fileSize, b.fileSize))
            if Double(larger) > 1.5 * Double(smaller) { return a.fileSize > b.fileSize }
            if centralityA != centralityB { return centralityA < centralityB }
        }
        return keeperOrder(a, b)
    }

    /// Finds exact and near duplicate groups among `candidates`.
    ///
    /// - Complexity: O(n log n) for exact groups; near search as ``MultiIndexHash``; the
    ///   split of components is quadratic in the size of each component only.
    public static func find(
        _ candidates: [DuplicateCandidate], threshold: Int = defaultThreshold, transforms: Bool = false, threads: Int = 2
    ) -> DuplicateReport {
        find(candidates, rules: MatchRules(threshold: threshold, transforms: transforms), threads: threads)
    }

    /// Finds exact and near duplicate groups among `candidates` under `rules` (the whole,
    /// window and verification thresholds; see ``explain(_:_:rules:)``).
    ///
    /// - Complexity: as ``find(_:threshold:transforms:threads:)``, plus the window searches
    ///   of ``links(_:rules:threads:)``.
    public static func find(_ candidates: [DuplicateCandidate], rules: MatchRules, threads: Int = 2) -> DuplicateReport {
        let threshold = rules.threshold, transforms = rules.transforms
        var report = DuplicateReport()
        report.threshold = threshold
        report.transforms = transforms
        report.rules = rules
        let better = { (i: Int, j: Int) in keeperOrder(candidates[i], candidates[j]) }

        // Exact groups by checksum.
        var bySum: [String: [Int]] = [:]
        for (i, c) in candidates.enumerated() {
            if let sum = c.sha256 { bySum[sum, default: []].append(i) } else { report.withoutChecksum += 1 }
        }
        var representative = [Bool](repeating: true, count: candidates.count)
        for (_, members) in bySum where members.count > 1 {
            let sorted = members.sorted(by: better)
            report.exactGroups.append(DuplicateGroup(members: sorted, maxDistance: 0))
            for m in sorted.dropFirst() { representative[m] = false }
        }
        report.exactGroups.sort { candidates[$0.keeper].path < candidates[$1.keeper].path }

        // Near search over one representative per distinct file.
        var ids: [Int] = []
        var hashes: [MatchHashes] = []
        for (i, c) in candidates.enumerated() where representative[i] {
            guard !c.isCorrupt, let h = MatchHashes(c) else {
                report.withoutHash += 1
                continue
            }
            if c.isNearBlank {
                report.nearBlank.append(i)
                continue
            }
            ids.append(i)
            hashes.append(h)
        }
        let linked = links(hashes, rules: rules, threads: threads)
        report.nearGroups = groups(
            links: linked, count: hashes.count,
            better: { a, b in better(ids[a], ids[b]) },
            keeperFirst: { a, b, ca, cb in nearKeeperOrder(candidates[ids[a]], candidates[ids[b]], centralityA: ca, centralityB: cb) }
        ).map { group in
            DuplicateGroup(members: group.members.map { ids[$0] }, maxDistance: group.maxDistance)
        }
        report.nearGroups.sort { candidates[$0.keeper].path < candidates[$1.keeper].path }
        report.nearPairs = linked.map { MultiIndexHash.Pair(a: ids[$0.key.a], b: ids[$0.key.b], distance: $0.value.distance) }
        return report
    }

    /// Every pair within `threshold`: full hashes against each other, full hashes against
    /// centre hashes (one picture a crop of the other), and — with `transforms` — the
    /// derived hashes of the seven other orientations against the originals. The distance
    /// of a pair is the smallest of these.
    static func nearPairs(
        _ hashes: [Hash256], centres: [Hash256?], threshold: Int, transforms: Bool, threads: Int
    ) -> [MultiIndexHash.Pair] {
        let direct = MultiIndexHash.pairs(hashes, within: threshold, threads: threads)
        let centreIDs = centres.indices.filter { centres[$0] != nil }
        guard transforms || !centreIDs.isEmpty else { return direct }
        var best: [PairKey: Int] = [:]
        func note(_ a: Int, _ b: Int, _ d: Int) {
            guard a != b else { return }
            let key = PairKey(a, b)
            best[key] = min(best[key] ?? Int.max, d)
        }
        for p in direct { note(p.a, p.b, p.distance) }
        if !centreIDs.isEmpty {
            let centreHashes = centreIDs.compactMap { centres[$0] }
            for p in MultiIndexHash.pairs(hashes, centreHashes, within: threshold, threads: threads) {
                note(p.a, centreIDs[p.b], p.distance)
            }
        }
        if transforms {
            for transform in HashTransform.allCases where transform != .identity {
                let transformed = hashes.map(transform.apply)
                for p in MultiIndexHash.pairs(transformed, hashes, within: threshold, threads: threads) {
                    note(p.a, p.b, p.distance)
                }
            }
        }
        return best.map { MultiIndexHash.Pair(a: $0.key.a, b: $0.key.b, distance: $0.value) }
    }

    /// The distance used for grouping: the smallest of full–full (over orientations with
    /// `transforms`), centre–full and full–centre.
    static func distance(_ a: Int, _ b: Int, hashes: [Hash256], centres: [Hash256?], transforms: Bool) -> Int {
        pairDistance(hashes[a], centres[a], hashes[b], centres[b], transforms: transforms)
    }

    /// The distance between two candidates by the same measure the grouping uses (nil when
    /// either has no pHash), for reports that show how close group members are.
    public static func distance(_ a: DuplicateCandidate, _ b: DuplicateCandidate, transforms: Bool) -> Int? {
        match(a, b, transforms: transforms)?.distance
    }

    /// How `b` relates to `a` by the grouping's measure: the distance, and which orientation
    /// of `a` (with `transforms`) it matched — so a report can say "mirrored" or "rotated 90°".
    public struct Match: Sendable, Hashable {
        /// Bits between the matched pHashes (of 256).
        public var distance: Int
        /// `b` looks like `a` transformed by this (``HashTransform/identity`` when upright).
        public var transform: HashTransform
        /// Which rule matched: the wholes, a centre, a crop window, a rotation, same windows.
        public var kind: MatchKind = .whole
        /// The window of `a` that matched (nil for the wholes and the centre rule; `.whole`
        /// on both sides for wholes linked by the low-frequency rule).
        public var windowA: HashWindow? = nil
        /// The window of `b` that matched.
        public var windowB: HashWindow? = nil
        /// Whether either picture's uniform border was removed before hashing.
        public var borderRemoved = false
        /// For ``MatchKind/sameWindows``: how many of the four 50% corners agree.
        public var agreeingWindows: Int? = nil

        /// In words, for terminal text and the report: "b is the top-left 80% of a, 6 bits,
        /// border removed, mirrored left–right".
        public var words: String {
            var parts: [String] = []
            switch kind {
            case .whole: parts.append(windowA == .whole ? "whole picture, by its low frequencies" : "whole picture")
            case .centre: parts.append("centre 89% (a small crop)")
            case .crop, .rotated:
                if let w = windowA, w != .whole {
                    parts.append(kind == .rotated ? "\(w.words)" : "crop: \(w.words) of the keeper")
                } else if let w = windowB {
                    parts.append(kind == .rotated ? "keeper \(w.words)" : "the keeper is \(w.words) of it")
                }
            case .sameWindows:
                parts.append("\(agreeingWindows ?? 2) of 4 corner windows agree (the rest covered)")
            }
            parts.append("\(distance) bits")
            if borderRemoved { parts.append("border removed") }
            if transform != .identity { parts.append(transform.words) }
            return parts.joined(separator: ", ")
        }
    }

    /// The closest match of `b` to `a` (nil when either has no pHash); on equal distances the
    /// upright reading wins.
    public static func match(_ a: DuplicateCandidate, _ b: DuplicateCandidate, transforms: Bool) -> Match? {
        guard let x = a.phash, let y = b.phash else { return nil }
        var best = Match(distance: pairDistance(x, a.phashCenter, y, b.phashCenter, transforms: false), transform: .identity)
        if transforms {
            for t in HashTransform.allCases where t != .identity {
                let d = t.apply(x).distance(to: y)
                if d < best.distance { best = Match(distance: d, transform: t) }
            }
        }
        return best
    }

    static func pairDistance(_ a: Hash256, _ ca: Hash256?, _ b: Hash256, _ cb: Hash256?, transforms: Bool) -> Int {
        var d = a.distance(to: b)
        if transforms {
            for t in HashTransform.allCases where t != .identity { d = min(d, t.apply(a).distance(to: b)) }
        }
        if let ca { d = min(d, ca.distance(to: b)) }
        if let cb { d = min(d, a.distance(to: cb)) }
        return d
    }
}

extension DuplicateFinder {
    /// Union-find components of the linked pairs ("linked": a matching rule accepted the
    /// pair, see ``explain(_:_:rules:)``), each split into stars (see the type's
    /// documentation): the member with the most links among those left is a group's centre,
    /// and the group is every remaining member linked to it. The keeper is then chosen
    /// within the group by ``keeperOrder(_:_:)``, with the most central copy (smallest total
    /// distance to the others) preferred among copies of the same size and flags — the
    /// original rather than its watermarked or brightened edit. `better(i, j)` ranks `i`
    /// before `j` for choosing centres; `keeperFirst(i, j, ci, cj)` orders a group's members
    /// given their centralities (total distances).
    static func groups(
        links: [PairKey: Match], count: Int, better: (Int, Int) -> Bool, keeperFirst: (Int, Int, Int, Int) -> Bool
    ) -> [DuplicateGroup] {
        var sets = UnionFind(count: count)
        var neighbours: [Int: [Int]] = [:]
        for key in links.keys.sorted(by: { ($0.a, $0.b) < ($1.a, $1.b) }) {
            sets.union(key.a, key.b)
            neighbours[key.a, default: []].append(key.b)
            neighbours[key.b, default: []].append(key.a)
        }
        func distance(_ a: Int, _ b: Int) -> Int? { a == b ? 0 : links[PairKey(a, b)]?.distance }
        var components: [Int: [Int]] = [:]
        for i in neighbours.keys.sorted() { components[sets.root(i), default: []].append(i) }

        var result: [DuplicateGroup] = []
        for root in components.keys.sorted() {
            guard let members = components[root], members.count > 1 else { continue }
            var remaining = Set(members)
            while remaining.count > 1 {
                let centre =
                    remaining.max { a, b in
                        let da = neighbours[a, default: []].filter(remaining.contains).count
                        let db = neighbours[b, default: []].filter(remaining.contains).count
                        return da != db ? da < db : better(b, a)
                    } ?? members[0]
                var group = [centre]
                for m in remaining.sorted() where m != centre && distance(centre, m) != nil { group.append(m) }
                remaining.subtract(group)
                guard group.count > 1 else { continue }
                // Centrality: total distance to the linked members (an unlinked member counts
                // as far as the window threshold allows, so the centre of a star ranks first).
                var total = [Int: Int]()
                for a in group {
                    total[a] = group.reduce(0) { $0 + (distance(a, $1) ?? 256) }
                }
                group.sort { a, b in keeperFirst(a, b, total[a] ?? 0, total[b] ?? 0) }
                let keeper = group[0]
                let maxDistance = group.dropFirst().compactMap { distance(keeper, $0) }.max() ?? 0
                result.append(DuplicateGroup(members: group, maxDistance: maxDistance))
            }
        }
        return result
    }
}

struct PairKey: Hashable {
    var a: Int
    var b: Int
    init(_ x: Int, _ y: Int) {
        a = min(x, y)
        b = max(x, y)
    }
}
