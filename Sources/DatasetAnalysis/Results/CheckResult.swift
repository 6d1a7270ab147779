/// One kind of flagged image (corrupt, dark, overexposed, artifacts, blurry) as a check
/// reports it: how many, their share, each with its measurement, and the threshold used.
///
/// Encoded as `{"count", "percent", "items": [{"path", "<valueKey>": …}], "threshold"}`,
/// the keys `imgeda check` has always written.
public struct FlaggedSection: Sendable, Encodable {
    public var items: [CheckCollector.Flagged]
    public var total: Int
    /// The key of each item's measurement: `mean_brightness`, `delta`, `blur_score`, or
    /// `reason` (for corrupt images, whose item carries the reason instead).
    public var valueKey: String
    public var threshold: Double?
    /// All thresholds of the run, for a single check's own output.
    public var thresholds: QualityThresholds?

    public init(
        _ items: [CheckCollector.Flagged], total: Int, valueKey: String, threshold: Double? = nil,
        thresholds: QualityThresholds? = nil
    ) {
        self.items = items
        self.total = total
        self.valueKey = valueKey
        self.threshold = threshold
        self.thresholds = thresholds
    }

    public var count: Int { items.count }
    public var percent: Double { CheckResult.percent(items.count, total) }

    /// The kinds of flagged image, each with the list it comes from, the key of its
    /// measurement in JSON, the word for it in text, and its threshold: one table for every
    /// check that lists them.
    public enum Kind: Sendable, CaseIterable {
        case corrupt, dark, overexposed, artifacts, blur

        public var list: KeyPath<CheckCollector, [CheckCollector.Flagged]> {
            switch self {
            case .corrupt: return \.corrupt
            case .dark: return \.dark
            case .overexposed: return \.overexposed
            case .artifacts: return \.artifacts
            case .blur: return \.blurry
            }
        }

        /// The JSON key of an item's measurement (`reason` for corrupt images).
        public var valueKey: String {
            switch self {
            case .corrupt: return "reason"
            case .dark, .overexposed: return "mean_brightness"
            case .artifacts: return "delta"
            case .blur: return "blur_score"
            }
        }

        /// The measurement in words, for text; nil where items carry a reason instead.
        public var unit: String? {
            switch self {
            case .corrupt: return nil
            case .dark, .overexposed: return "brightness"
            case .artifacts: return "delta"
            case .blur: return "score"
            }
        }

        public func threshold(_ t: QualityThresholds) -> Double? {
            switch self {
            case .corrupt: return nil
            case .dark: return t.dark
            case .overexposed: return t.overexposed
            case .artifacts: return t.artifact
            case .blur: return t.blur
            }
        }
    }

    /// The images of one kind that `c` flagged; `thresholds`, when given, are written too
    /// (a single check's own output names all of them).
    public init(_ kind: Kind, of c: CheckCollector, thresholds: QualityThresholds? = nil) {
        self.init(
            c[keyPath: kind.list], total: c.total, valueKey: kind.valueKey, threshold: kind.threshold(c.thresholds),
            thresholds: thresholds)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode(count, forKey: DynamicKey("count"))
        try c.encode(percent, forKey: DynamicKey("percent"))
        try c.encodeIfPresent(threshold, forKey: DynamicKey("threshold"))
        try c.encodeIfPresent(thresholds, forKey: DynamicKey("thresholds"))
        var list = c.nestedUnkeyedContainer(forKey: DynamicKey("items"))
        for item in items {
            var o = list.nestedContainer(keyedBy: DynamicKey.self)
            try o.encode(item.path, forKey: DynamicKey("path"))
            // Three decimals: measurements are estimates, and long fractions are noise.
            if let v = item.value { try o.encode((v * 1000).rounded() / 1000, forKey: DynamicKey(valueKey)) }
            if valueKey == "reason" { try o.encode(item.detail, forKey: DynamicKey("reason")) }
        }
    }
}

/// Why a member of a near-duplicate group is a copy, as `check duplicates --json` and the
/// report say it: `{"kind": "crop", "window": "top_left_80", "window_of": "keeper",
/// "distance": 6, "border_removed": false, "transform": "identity", "words": "…"}`.
public struct MatchExplanation: Sendable, Encodable, Hashable {
    /// `whole`, `centre`, `crop`, `rotated` or `same_windows`.
    public var kind: MatchKind
    /// The window that matched the other picture's whole (or, for `same_windows`, the
    /// closest agreeing corner); nil for `whole` and `centre`.
    public var window: HashWindow?
    /// Whose window it is: `keeper` (the member is a crop of the keeper) or `member` (the
    /// keeper is a crop of the member).
    public var windowOf: String?
    public var distance: Int
    public var borderRemoved: Bool
    public var transform: HashTransform
    public var agreeingWindows: Int?
    /// The group member this one matched, when not the keeper (a chain of crops).
    public var matchedWith: String?
    public var words: String

    public init(_ m: DuplicateFinder.Match, partner: String? = nil) {
        kind = m.kind
        if let a = m.windowA, a != .whole {
            window = a
            windowOf = "keeper"
        } else if let b = m.windowB, b != .whole {
            window = b
            windowOf = "member"
        }
        distance = m.distance
        borderRemoved = m.borderRemoved
        transform = m.transform
        agreeingWindows = m.agreeingWindows
        matchedWith = partner
        words = m.words
    }

    enum CodingKeys: String, CodingKey {
        case kind, window, distance, transform, words
        case windowOf = "window_of"
        case borderRemoved = "border_removed"
        case agreeingWindows = "agreeing_windows"
        case matchedWith = "matched_with"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(window?.name, forKey: .window)
        try c.encodeIfPresent(windowOf, forKey: .windowOf)
        try c.encode(distance, forKey: .distance)
        try c.encode(borderRemoved, forKey: .borderRemoved)
        try c.encode(transform.name, forKey: .transform)
        try c.encodeIfPresent(agreeingWindows, forKey: .agreeingWindows)
        try c.encodeIfPresent(matchedWith, forKey: .matchedWith)
        try c.encode(words, forKey: .words)
    }
}

/// Duplicate groups with paths instead of candidate indices: what `check duplicates` writes.
public struct DuplicateListing: Sendable, Encodable {
    public struct Member: Sendable, Encodable {
        public var path: String
        public var width: Int
        public var height: Int
        public var distance: Int?
        public var transform: String?
        /// The transform as people say it ("rotated 90° clockwise"), for terminal text.
        public var transformWords: String?
        /// How the member matched the keeper (or, when a crop of the keeper's crop, the group
        /// member it matched): the rule, the windows, the distance, what was undone.
        public var match: MatchExplanation?

        enum CodingKeys: String, CodingKey { case path, width, height, distance, transform, match }
    }

    public struct Group: Sendable, Encodable {
        public var keeper: String
        public var removeCandidates: [String]
        public var size: Int
        /// Near groups only: every member with its distance from the keeper.
        public var members: [Member]?
        public var maxDistance: Int?

        enum CodingKeys: String, CodingKey {
            case keeper, size, members
            case removeCandidates = "remove_candidates"
            case maxDistance = "max_distance"
        }
    }

    public var threshold: Int
    public var transforms: Bool
    /// The window and verification thresholds (see ``MatchRules``).
    public var windowThreshold: Int
    public var dhashThreshold: Int
    public var exactGroups: [Group]
    public var nearGroups: [Group]
    public var exactDuplicateFiles: Int
    public var nearBlank: [String]
    public var removeCandidateCount: Int
    public var recordsWithoutHash: Int
    public var recordsWithoutChecksum: Int

    public init(_ report: DuplicateReport, _ c: [DuplicateCandidate]) {
        func group(_ g: DuplicateGroup, exact: Bool) -> Group {
            var out = Group(keeper: c[g.keeper].path, removeCandidates: g.removable.map { c[$0].path }, size: g.members.count)
            if !exact {
                out.members = g.members.map { m in
                    var member = Member(path: c[m].path, width: c[m].width, height: c[m].height)
                    guard m != g.keeper else {
                        member.distance = 0
                        return member
                    }
                    // The keeper first; a member linked only through another (two crops of
                    // one picture) is explained by the member it matched.
                    let partners = [g.keeper] + g.members.filter { $0 != m && $0 != g.keeper }
                    for p in partners {
                        guard let match = DuplicateFinder.explain(c[p], c[m], rules: report.rules) else { continue }
                        member.distance = match.distance
                        if match.transform != .identity {
                            member.transform = match.transform.name
                            member.transformWords = match.transform.words
                        }
                        member.match = MatchExplanation(match, partner: p == g.keeper ? nil : c[p].path)
                        break
                    }
                    return member
                }
                out.maxDistance = g.maxDistance
            }
            return out
        }
        threshold = report.threshold
        transforms = report.transforms
        windowThreshold = report.rules.windowThreshold
        dhashThreshold = report.rules.dhashThreshold
        exactGroups = report.exactGroups.map { group($0, exact: true) }
        nearGroups = report.nearGroups.map { group($0, exact: false) }
        exactDuplicateFiles = report.exactGroups.reduce(0) { $0 + $1.members.count }
        nearBlank = report.nearBlank.map { c[$0].path }
        removeCandidateCount =
            report.exactGroups.reduce(0) { $0 + $1.members.count - 1 }
            + report.nearGroups.reduce(0) { $0 + $1.members.count - 1 }
        recordsWithoutHash = report.withoutHash
        recordsWithoutChecksum = report.withoutChecksum
    }

    enum CodingKeys: String, CodingKey {
        case threshold, transforms
        case windowThreshold = "window_threshold"
        case dhashThreshold = "dhash_threshold"
        case exactGroups = "exact_groups"
        case exactGroupCount = "exact_group_count"
        case exactDuplicateFiles = "exact_duplicate_files"
        case nearGroups = "near_groups"
        case nearGroupCount = "near_group_count"
        case nearBlank = "near_blank"
        case removeCandidateCount = "remove_candidate_count"
        case recordsWithoutHash = "records_without_hash"
        case recordsWithoutChecksum = "records_without_checksum"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(transforms, forKey: .transforms)
        try c.encode(windowThreshold, forKey: .windowThreshold)
        try c.encode(dhashThreshold, forKey: .dhashThreshold)
        try c.encode(exactGroups, forKey: .exactGroups)
        try c.encode(exactGroups.count, forKey: .exactGroupCount)
        try c.encode(exactDuplicateFiles, forKey: .exactDuplicateFiles)
        try c.encode(nearGroups, forKey: .nearGroups)
        try c.encode(nearGroups.count, forKey: .nearGroupCount)
        try c.encode(nearBlank, forKey: .nearBlank)
        try c.encode(removeCandidateCount, forKey: .removeCandidateCount)
        try c.encode(recordsWithoutHash, forKey: .recordsWithoutHash)
        try c.encode(recordsWithoutChecksum, forKey: .recordsWithoutChecksum)
    }
}

/// Leakage across splits with paths instead of candidate indices: what `check leakage` writes.
public struct LeakageListing: Sendable, Encodable {
    public struct Split: Sendable, Encodable {
        public var name: String
        public var images: Int
    }

    public struct Example: Sendable, Encodable {
        public var earlier: String
        public var later: String
        public var distance: Int
    }

    public struct Pair: Sendable, Encodable {
        public var earlier: String
        public var later: String
        public var exactPairs: Int
        public var nearPairs: Int
        public var leakedImages: Int
        public var laterImages: Int
        public var leakedPercent: Double
        public var examples: [Example]

        enum CodingKeys: String, CodingKey {
            case earlier, later, examples
            case exactPairs = "exact_pairs"
            case nearPairs = "near_pairs"
            case leakedImages = "leaked_images"
            case laterImages = "later_images"
            case leakedPercent = "leaked_percent"
        }
    }

    public var threshold: Int
    public var transforms: Bool
    public var splits: [Split]
    public var splitPairs: [Pair]

    public init(_ report: LeakageReport, _ c: [DuplicateCandidate]) {
        threshold = report.threshold
        transforms = report.transforms
        splits = report.splits.map { Split(name: $0.name, images: $0.size) }
        splitPairs = report.pairs.map { p in
            Pair(
                earlier: p.earlier, later: p.later, exactPairs: p.exactPairs, nearPairs: p.nearPairs,
                leakedImages: p.leakedImages, laterImages: p.laterSize,
                leakedPercent: (p.leakedFraction * 10000).rounded() / 100,
                examples: p.examples.map { Example(earlier: c[$0.earlier].path, later: c[$0.later].path, distance: $0.distance) })
        }
    }

    enum CodingKeys: String, CodingKey {
        case threshold, transforms, splits
        case splitPairs = "split_pairs"
    }
}

/// Label conflicts as `check labels` writes them: the groups and the duplicate search's settings.
public struct LabelConflictListing: Sendable, Encodable {
    public var groups: [LabelConflict]
    public var threshold: Int
    public var transforms: Bool

    public init(_ conflicts: [LabelConflict], duplicates report: DuplicateReport) {
        groups = conflicts
        threshold = report.threshold
        transforms = report.transforms
    }

    enum CodingKeys: String, CodingKey { case count, groups, threshold, transforms }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(groups.count, forKey: .count)
        try c.encode(groups, forKey: .groups)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(transforms, forKey: .transforms)
    }
}

/// Files whose extension names another format, as `check extensions` writes them.
public struct ExtensionListing: Sendable, Encodable {
    public var items: [ExtensionMismatch]
    public var count: Int
    public var total: Int

    public init(_ c: CheckCollector) {
        items = c.extensionMismatch
        count = c.counts.extensionMismatch
        total = c.total
    }

    enum CodingKeys: String, CodingKey { case count, percent, items }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(count, forKey: .count)
        try c.encode(CheckResult.percent(count, total), forKey: .percent)
        try c.encode(items, forKey: .items)
    }
}

/// Everything `imgeda check all` found in one pass, with the thresholds it used: built from
/// a ``CheckCollector`` and the duplicate, label and leakage searches, and encoded with the
/// keys the command has always written.
public struct CheckResult: Sendable, Encodable {
    public var totalImages: Int
    public var corrupt: FlaggedSection
    public var dark: FlaggedSection
    public var overexposed: FlaggedSection
    public var artifacts: FlaggedSection
    public var blur: FlaggedSection
    public var duplicates: DuplicateListing
    public var extensionMismatch: ExtensionListing
    public var labelConflicts: LabelConflictListing
    public var leakage: LeakageListing?
    public var thresholds: QualityThresholds

    public init(_ c: CheckCollector, duplicates: DuplicateReport, labelConflicts: [LabelConflict], leakage: LeakageReport?) {
        let t = c.thresholds
        totalImages = c.total
        corrupt = FlaggedSection(.corrupt, of: c)
        dark = FlaggedSection(.dark, of: c)
        overexposed = FlaggedSection(.overexposed, of: c)
        artifacts = FlaggedSection(.artifacts, of: c)
        blur = FlaggedSection(.blur, of: c)
        self.duplicates = DuplicateListing(duplicates, c.candidates)
        extensionMismatch = ExtensionListing(c)
        self.labelConflicts = LabelConflictListing(labelConflicts, duplicates: duplicates)
        self.leakage = leakage.map { LeakageListing($0, c.candidates) }
        var used = t
        used.duplicate = duplicates.threshold
        thresholds = used
    }

    enum CodingKeys: String, CodingKey {
        case corrupt, dark, overexposed, artifacts, blur, duplicates, leakage, thresholds
        case totalImages = "total_images"
        case extensionMismatch = "extension_mismatch"
        case labelConflicts = "label_conflicts"
    }

    /// A share in percent with two decimals, as every check writes it.
    public static func percent(_ part: Int, _ whole: Int) -> Double {
        whole > 0 ? (Double(part) * 10000 / Double(whole)).rounded() / 100 : 0
    }
}

/// What `check exposure` writes: the dark and the overexposed images, and the thresholds.
public struct ExposureResult: Sendable, Encodable {
    public var dark: FlaggedSection
    public var overexposed: FlaggedSection
    public var thresholds: QualityThresholds

    public init(dark: FlaggedSection, overexposed: FlaggedSection, thresholds: QualityThresholds) {
        self.dark = dark
        self.overexposed = overexposed
        self.thresholds = thresholds
    }
}
