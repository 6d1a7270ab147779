/// How two pictures were found to be copies, for reports: which hashes matched, at what
/// distance, and what had to be undone (a border, a mirror, a rotation).
public enum MatchKind: String, Sendable, Hashable, Codable {
    /// The whole pictures' pHashes (inside their content boxes).
    case whole
    /// One picture's whole against the other's centre 89% (`phash_center`): a 5% crop.
    case centre
    /// One picture's whole against a window of the other: a crop.
    case crop
    /// One picture's whole against the other rotated by a few degrees.
    case rotated
    /// The same windows of both agree (two or more of the 50% corners): a caption band or a
    /// logo covers the rest.
    case sameWindows = "same_windows"
}

/// The thresholds of near-duplicate matching (see ``DuplicateFinder``).
public struct MatchRules: Sendable, Hashable {
    /// Bits of the whole pictures' 256-bit pHashes.
    public var threshold: Int
    /// Bits of a window's pHash against a whole's or the same window's (below 16, so the
    /// multi-index search needs exact substring matches only; see ``MultiIndexHash``).
    public var windowThreshold: Int
    /// Bits of the 64-bit dHashes of the matched windows: the verification of a crop match.
    public var dhashThreshold: Int
    /// Bits of the 64 lowest-frequency bits (``Hash256/lowFrequencies``) of a crop window
    /// (or a whole) against a whole: a crop or rotation match that is further than
    /// `windowThreshold` on the full pHash, or a whole match further than `threshold`, is
    /// still accepted when these agree within this and the full pHashes within
    /// `lowFullThreshold` (and the dHash verifies). -1 turns the rule off (as does a
    /// `windowThreshold` of -1, which turns off all window matching).
    public var lowThreshold: Int
    /// Bits of the full 256-bit pHashes allowed with the low-frequency rule.
    public var lowFullThreshold: Int
    /// Also match mirrored and rotated (90°, 180°) copies.
    public var transforms: Bool

    public init(
        threshold: Int = DuplicateFinder.defaultThreshold, windowThreshold: Int = DuplicateFinder.defaultWindowThreshold,
        dhashThreshold: Int = DuplicateFinder.defaultDHashThreshold, transforms: Bool = false,
        lowThreshold: Int = DuplicateFinder.defaultLowThreshold, lowFullThreshold: Int = DuplicateFinder.defaultLowFullThreshold
    ) {
        self.threshold = threshold
        self.windowThreshold = windowThreshold
        self.dhashThreshold = dhashThreshold
        self.lowThreshold = lowThreshold
        self.lowFullThreshold = lowFullThreshold
        self.transforms = transforms
    }

    var orientations: [HashTransform] { transforms ? HashTransform.allCases : [.identity] }
}

/// The hashes of one picture that near-duplicate matching reads.
struct MatchHashes: Sendable {
    /// The whole picture (the content box's pHash when the record has window hashes, else
    /// the manifest's `phash`).
    var whole: Hash256
    /// `phash_center`, when present.
    var centre: Hash256?
    var windows: WindowHashes?

    init?(_ c: DuplicateCandidate) {
        guard let whole = c.windows?[.whole] ?? c.phash else { return nil }
        self.whole = whole
        centre = c.phashCenter
        windows = c.windows
    }
}

extension HashTransform {
    /// The 64-bit dHash (8 rows of 8 left-to-right steps) of the image transformed by
    /// `self`, for the transforms that keep rows rows (identity, the two mirrors, 180°); nil
    /// for those that turn rows into columns (a dHash has no vertical steps to give).
    func applyDHash(_ h: UInt64) -> UInt64? {
        func reverseRows(_ v: UInt64) -> UInt64 {
            var out: UInt64 = 0
            for r in 0..<8 { out |= ((v >> UInt64(8 * r)) & 0xFF) << UInt64(8 * (7 - r)) }
            return out
        }
        // Mirrored left–right, each step reverses its position and its direction.
        func mirrorRows(_ v: UInt64) -> UInt64 {
            var out: UInt64 = 0
            for r in 0..<8 {
                let row = UInt8(truncatingIfNeeded: v >> UInt64(8 * r))
                out |= UInt64(~row.bitReversed) << UInt64(8 * r)
            }
            return out
        }
        switch self {
        case .identity: return h
        case .flipHorizontal: return mirrorRows(h)
        case .flipVertical: return reverseRows(h)
        case .rotate180: return reverseRows(mirrorRows(h))
        default: return nil
        }
    }
}

extension UInt8 {
    fileprivate var bitReversed: UInt8 {
        var v = self, out: UInt8 = 0
        for _ in 0..<8 {
            out = out << 1 | (v & 1)
            v >>= 1
        }
        return out
    }
}

extension DuplicateFinder {
    /// The default window threshold, in bits of a window's 256-bit pHash. Measured on the
    /// ground truth (`make bench`): windows matched to their crops, bordered, captioned and
    /// rotated copies lie at a median of 4–10 bits, while windows of unrelated pictures —
    /// including neighbouring tiles of one photo and burst-like shots overlapping by half —
    /// stay above 60. 15 is the largest value for which the search needs only exact
    /// substring matches (⌊15 / 16⌋ = 0), which keeps the window search fast.
    public static let defaultWindowThreshold = 15

    /// The default verification threshold, in bits of the 64-bit dHash of matched windows
    /// (see ``MatchRules/dhashThreshold``).
    public static let defaultDHashThreshold = 16

    /// The default low-frequency threshold, in bits of the 64 lowest-frequency bits of a
    /// crop window against a whole (see ``MatchRules/lowThreshold``). Measured on the ground
    /// truth (`make bench`): 10% crops, corner crops and 3–5° rotations lie at a median of
    /// 0–2 bits (90th percentile 2–5), unrelated pictures' windows rarely within 8. 7 recalls
    /// as much as 8 there (within 0.01 on every edit kind) and keeps the search to one bit
    /// of difference per 16-bit substring (⌊7 / 4⌋ = 1: 17 buckets a table, not 137).
    public static let defaultLowThreshold = 7

    /// The default full-pHash bound of the low-frequency rule (see
    /// ``MatchRules/lowFullThreshold``): the rotated copies' 90th percentile is 34 bits.
    /// The rule also links wholes to wholes, for smooth, low-contrast pictures (a sky, a
    /// blurred backdrop) whose higher frequencies are noise that any edit, even a
    /// re-encode, reshuffles: their pHashes move 30–130 bits while the low frequencies and
    /// the dHash stay put. Measured on the ground truth (`make bench`): 40 → 48 raises the
    /// recall over all non-geometric edits from 0.950 to 0.953 with no new false pair and
    /// no burst-like pair grouped; 56 and 64 add no more.
    public static let defaultLowFullThreshold = 48

    /// The distance of a crop window (already turned by `t`) to a whole when the two match,
    /// verified; nil when they do not. Close means within `windowThreshold` on the full pHash
    /// or by the low-frequency rule, and the match is verified by the dHashes `dx`, `dy` of
    /// the two (within `dhashThreshold`).
    ///
    /// Orientations that swap rows and columns (90° and 270° rotations, the diagonal
    /// mirrors) have no dHash to compare — a dHash holds horizontal steps only — so for them
    /// the low-frequency rule, whose looser full-pHash bound leans on that verification, is
    /// off, and a match within `windowThreshold` must also agree on the 64 lowest
    /// frequencies (within `lowThreshold`, when that rule is on): a second check in place of
    /// the dHash. Measured on the ground truth (`make bench`; chosen by replaying the grouping
    /// on the stored hashes, `Benchmarks/dup_replay_transforms.py`): unverified
    /// low-frequency matches in these orientations were what merged tiles of one photo into
    /// one group — precision with transforms 0.987 → 0.994 (as many false pairs as upright
    /// grouping's), recall on mirrored-and-cropped copies 0.921 → 0.905, on all
    /// non-geometric edits unchanged.
    @inline(__always)
    static func windowMatch(
        _ x: Hash256, _ y: Hash256, dhash dx: UInt64, _ dy: UInt64, _ t: HashTransform, rules: MatchRules
    ) -> Int? {
        guard dx != 0 || dy != 0 else { return nil }
        let d = x.distance(to: y)
        guard let turned = t.applyDHash(dx) else {
            guard d <= rules.windowThreshold else { return nil }
            if rules.lowThreshold >= 0 && (x.lowFrequencies ^ y.lowFrequencies).nonzeroBitCount > rules.lowThreshold {
                return nil
            }
            return d
        }
        guard (turned ^ dy).nonzeroBitCount <= rules.dhashThreshold else { return nil }
        if d <= rules.windowThreshold { return d }
        return lowClose(x, y, distance: d, rules: rules) ? d : nil
    }

    /// The low-frequency rule's hash comparison: within `lowThreshold` on the 64 lowest
    /// frequencies and `lowFullThreshold` on the full pHash (`d`, their distance).
    @inline(__always)
    static func lowClose(_ x: Hash256, _ y: Hash256, distance d: Int, rules: MatchRules) -> Bool {
        rules.windowThreshold >= 0 && rules.lowThreshold >= 0 && d <= rules.lowFullThreshold
            && (x.lowFrequencies ^ y.lowFrequencies).nonzeroBitCount <= rules.lowThreshold
    }

    /// The best match of `b` to `a` under `rules`, or nil when no rule links them. The
    /// whole pictures are tried first (the smallest distance over orientations wins); then,
    /// with window hashes on both sides: the wholes by the low-frequency rule and each crop
    /// window of one against the other's whole (verified by the dHash of the two, or where
    /// the orientation leaves no dHash, by the low frequencies: see
    /// ``windowMatch(_:_:dhash:_:_:rules:)``); then the 50% corners against the same corners
    /// (two must agree).
    ///
    /// - Complexity: O(1): at most about 200 comparisons of 256-bit hashes.
    static func bestMatch(_ a: MatchHashes, _ b: MatchHashes, rules: MatchRules) -> Match? {
        var best: Match?
        func consider(_ m: Match) {
            if let current = best, current.distance <= m.distance { return }
            best = m
        }
        let border = (a.windows?.borderRemoved ?? false) || (b.windows?.borderRemoved ?? false)
        for t in rules.orientations {
            let d = t.apply(a.whole).distance(to: b.whole)
            if d <= rules.threshold {
                consider(Match(distance: d, transform: t, kind: .whole, borderRemoved: border))
            }
        }
        if let ca = a.centre {
            let d = ca.distance(to: b.whole)
            if d <= rules.threshold { consider(Match(distance: d, transform: .identity, kind: .centre)) }
        }
        if let cb = b.centre {
            let d = a.whole.distance(to: cb)
            if d <= rules.threshold { consider(Match(distance: d, transform: .identity, kind: .centre)) }
        }
        if best != nil { return best }
        guard let wa = a.windows, let wb = b.windows else { return nil }
        for t in rules.orientations {
            // A smooth picture whose higher frequencies moved: the wholes by the low
            // frequencies (marked by the whole windows, for the words).
            if let x = wa[.whole], let y = wb[.whole] {
                let turned = t.apply(x)
                let d = turned.distance(to: y)
                if lowClose(turned, y, distance: d, rules: rules),
                    verified(wa.dhash(of: .whole), wb.dhash(of: .whole), t, rules)
                {
                    consider(Match(distance: d, transform: t, kind: .whole, windowA: .whole, windowB: .whole, borderRemoved: border))
                }
            }
            // b is a crop (or a rotation) of a: a's window, turned, against b's whole.
            for w in HashWindow.cropWindows {
                if let x = wa[w], let y = wb[.whole] {
                    if let d = windowMatch(t.apply(x), y, dhash: wa.dhash(of: w), wb.dhash(of: .whole), t, rules: rules) {
                        consider(
                            Match(
                                distance: d, transform: t, kind: w.rawValue >= HashWindow.rotatedLeft.rawValue ? .rotated : .crop,
                                windowA: w, windowB: .whole, borderRemoved: border))
                    }
                }
                // a is a crop of b: a turned back, against b's window (in b's own frame).
                if let x = wa[.whole], let y = wb[w] {
                    if let d = windowMatch(t.apply(x), y, dhash: wa.dhash(of: .whole), wb.dhash(of: w), t, rules: rules) {
                        consider(
                            Match(
                                distance: d, transform: t, kind: w.rawValue >= HashWindow.rotatedLeft.rawValue ? .rotated : .crop,
                                windowA: .whole, windowB: w, borderRemoved: border))
                    }
                }
            }
            // The same corners: at least two must agree.
            var agreeing = 0
            var closest: (Int, HashWindow)?
            for w in HashWindow.sameWindows {
                guard let x = wa[w], let y = wb[w.moved(by: t)] else { continue }
                let d = t.apply(x).distance(to: y)
                if d <= rules.windowThreshold {
                    agreeing += 1
                    if closest == nil || d < closest?.0 ?? Int.max { closest = (d, w) }
                }
            }
            if agreeing >= 2, let (d, w) = closest {
                consider(
                    Match(
                        distance: d, transform: t, kind: .sameWindows, windowA: w, windowB: w.moved(by: t),
                        borderRemoved: border, agreeingWindows: agreeing))
            }
        }
        return best
    }

    /// The dHash check of the low-frequency rule on wholes. Orientations that swap rows and
    /// columns have no dHash to compare (a dHash holds horizontal steps only), so the rule,
    /// which stands on that check, does not link them (see ``windowMatch(_:_:dhash:_:_:rules:)``).
    static func verified(_ x: UInt64, _ y: UInt64, _ t: HashTransform, _ rules: MatchRules) -> Bool {
        guard x != 0 || y != 0, let turned = t.applyDHash(x) else { return false }
        return (turned ^ y).nonzeroBitCount <= rules.dhashThreshold
    }

    /// The best match between two candidates under `rules` (nil when none links them): what
    /// the search and the reports use, so a report explains exactly why a pair was grouped.
    public static func explain(_ a: DuplicateCandidate, _ b: DuplicateCandidate, rules: MatchRules) -> Match? {
        guard let x = MatchHashes(a), let y = MatchHashes(b) else { return nil }
        return bestMatch(x, y, rules: rules)
    }

    /// A pair of candidates that a matching rule links, and how.
    public struct LinkedPair: Sendable, Hashable {
        /// Indices into the candidates, `a < b`.
        public var a: Int
        public var b: Int
        /// How `b` matches `a`.
        public var match: Match

        public init(a: Int, b: Int, match: Match) {
            self.a = a
            self.b = b
            self.match = match
        }
    }

    /// Every pair of `candidates` that ``explain(_:_:rules:)`` links (exact: the same pairs
    /// as trying every pair, found without trying every pair), sorted by `(a, b)`. Corrupt
    /// and near-blank candidates and those without hashes take no part. Byte-identical
    /// copies are linked like any other pair (``find(_:rules:threads:)`` keeps one of each).
    ///
    /// - Complexity: as ``links(_:rules:threads:)``.
    public static func linkedPairs(_ candidates: [DuplicateCandidate], rules: MatchRules, threads: Int = 2) -> [LinkedPair] {
        var ids: [Int] = []
        var hashes: [MatchHashes] = []
        for (i, c) in candidates.enumerated() where !c.isCorrupt && !c.isNearBlank {
            guard let h = MatchHashes(c) else { continue }
            ids.append(i)
            hashes.append(h)
        }
        return links(hashes, rules: rules, threads: threads)
            .map { LinkedPair(a: ids[$0.key.a], b: ids[$0.key.b], match: $0.value) }
            .sorted { ($0.a, $0.b) < ($1.a, $1.b) }
    }

    /// Every pair of `hashes` that ``bestMatch(_:_:rules:)`` links, with its match.
    ///
    /// Candidates come from exact multi-index searches, one per rule: wholes against wholes
    /// and centres within `threshold` (``nearPairs(_:centres:threshold:transforms:threads:)``),
    /// wholes (turned, with transforms) against every crop window within `windowThreshold`,
    /// and each 50% corner against the corner it maps to. Every pair a rule accepts is
    /// within one of these radii on the hashes that rule compares, so no pair is missed;
    /// each candidate is then checked with ``bestMatch(_:_:rules:)``.
    ///
    /// - Complexity: the whole search as ``MultiIndexHash`` at `threshold`; the window
    ///   searches at a radius under 16 compare only hashes that share a 16-bit substring —
    ///   about 16 · n · m / 65,536 comparisons for lists of n and m random hashes, per
    ///   orientation. Memory: the candidate pairs and one sorted copy of each list.
    static func links(_ hashes: [MatchHashes], rules: MatchRules, threads: Int) -> [PairKey: Match] {
        var candidates = Set<PairKey>()
        let wholes = hashes.map(\.whole)
        for p in nearPairs(
            wholes, centres: hashes.map(\.centre), threshold: rules.threshold, transforms: rules.transforms, threads: threads)
        where p.a != p.b {
            candidates.insert(PairKey(p.a, p.b))
        }
        let windowed = hashes.indices.filter { hashes[$0].windows != nil }
        if !windowed.isEmpty && rules.windowThreshold >= 0 {
            // Crop windows of every picture, in one list.
            var cropOwner: [Int] = []
            var cropHashes: [Hash256] = []
            for i in windowed {
                guard let w = hashes[i].windows else { continue }
                for kind in HashWindow.cropWindows {
                    if let h = w[kind] {
                        cropOwner.append(i)
                        cropHashes.append(h)
                    }
                }
            }
            let windowWholes = windowed.compactMap { hashes[$0].windows?[.whole] }
            let wholeOwner = windowed.filter { hashes[$0].windows?[.whole] != nil }
            for t in rules.orientations {
                let turned = t == .identity ? windowWholes : windowWholes.map(t.apply)
                for p in MultiIndexHash.pairs(turned, cropHashes, within: rules.windowThreshold, threads: threads) {
                    let a = wholeOwner[p.a], b = cropOwner[p.b]
                    if a != b { candidates.insert(PairKey(a, b)) }
                }
            }
            // The same, on the low frequencies (the second window rule), where the wholes
            // stand among the crop windows (that rule links wholes to wholes too).
            if rules.lowThreshold >= 0 {
                let lowList = cropHashes.map(\.lowFrequencies) + windowWholes.map(\.lowFrequencies)
                let lowOwner = cropOwner + wholeOwner
                for t in rules.orientations {
                    let turned = windowWholes.map { t.apply($0).lowFrequencies }
                    for p in MultiIndexHash.pairs(turned, lowList, within: rules.lowThreshold, threads: threads) {
                        let a = wholeOwner[p.a], b = lowOwner[p.b]
                        if a != b { candidates.insert(PairKey(a, b)) }
                    }
                }
            }
            // The 50% corners against the corners they map to.
            for w in HashWindow.sameWindows {
                let owners = windowed.filter { hashes[$0].windows?[w] != nil }
                let list = owners.compactMap { hashes[$0].windows?[w] }
                for t in rules.orientations {
                    let target = w.moved(by: t)
                    if t == .identity {
                        for p in MultiIndexHash.pairs(list, within: rules.windowThreshold, threads: threads) {
                            candidates.insert(PairKey(owners[p.a], owners[p.b]))
                        }
                    } else {
                        let targetOwners = windowed.filter { hashes[$0].windows?[target] != nil }
                        let targetList = targetOwners.compactMap { hashes[$0].windows?[target] }
                        for p in MultiIndexHash.pairs(list.map(t.apply), targetList, within: rules.windowThreshold, threads: threads) {
                            let a = owners[p.a], b = targetOwners[p.b]
                            if a != b { candidates.insert(PairKey(a, b)) }
                        }
                    }
                }
            }
        }
        var out: [PairKey: Match] = [:]
        out.reserveCapacity(candidates.count)
        // Every rule reads both directions (and the orientations are closed under inverse),
        // so one call per pair decides it.
        for key in candidates {
            if let m = bestMatch(hashes[key.a], hashes[key.b], rules: rules) { out[key] = m }
        }
        return out
    }
}
