/// A data-quality policy for `imgeda gate`: the reference's keys and defaults, plus limits on
/// near duplicates and leakage across splits.
public struct Policy: Sendable, Hashable {
    public var minImagesTotal = 100
    public var maxCorruptPct = 1.0
    public var maxOverexposedPct = 5.0
    public var maxUnderexposedPct = 5.0
    /// Byte-identical copies (files beyond the first of each group), as a share of all images.
    public var maxDuplicatePct = 10.0
    /// 100 disables the check, as in the reference.
    public var maxBlurryPct = 100.0
    public var maxArtifactPct = 100.0
    /// 0 disables.
    public var minWidth = 0
    public var minHeight = 0
    /// Empty allows every format.
    public var allowedFormats: [String] = []
    /// Longer side over shorter side; 0 disables.
    public var maxAspectRatio = 0.0
    /// Near-duplicate copies (beyond the keeper of each group), as a share; nil disables.
    public var maxNearDuplicatePct: Double?
    /// The largest share of a later split's images with a copy in an earlier split; nil disables.
    public var maxLeakagePct: Double?
    /// The near-duplicate threshold in bits for the two checks above.
    public var nearDuplicateThreshold = DuplicateFinder.defaultThreshold

    public init() {}

    /// What a key accepts, for validation with messages that name the key.
    public enum Kind: Sendable {
        case count, percent, number, formats, bits
    }

    /// Every key a policy file may contain, with what it accepts.
    public static let keys: [(name: String, kind: Kind)] = [
        ("min_images_total", .count), ("max_corrupt_pct", .percent), ("max_overexposed_pct", .percent),
        ("max_underexposed_pct", .percent), ("max_duplicate_pct", .percent), ("max_blurry_pct", .percent),
        ("max_artifact_pct", .percent), ("min_width", .count), ("min_height", .count),
        ("allowed_formats", .formats), ("max_aspect_ratio", .number),
        ("max_near_duplicate_pct", .percent), ("max_leakage_pct", .percent), ("near_duplicate_threshold", .bits),
    ]

    /// Sets a validated value by key name.
    public mutating func set(_ key: String, number: Double) {
        switch key {
        case "min_images_total": minImagesTotal = Int(number)
        case "max_corrupt_pct": maxCorruptPct = number
        case "max_overexposed_pct": maxOverexposedPct = number
        case "max_underexposed_pct": maxUnderexposedPct = number
        case "max_duplicate_pct": maxDuplicatePct = number
        case "max_blurry_pct": maxBlurryPct = number
        case "max_artifact_pct": maxArtifactPct = number
        case "min_width": minWidth = Int(number)
        case "min_height": minHeight = Int(number)
        case "max_aspect_ratio": maxAspectRatio = number
        case "max_near_duplicate_pct": maxNearDuplicatePct = number
        case "max_leakage_pct": maxLeakagePct = number
        case "near_duplicate_threshold": nearDuplicateThreshold = Int(number)
        default: break
        }
    }

    /// The valid key closest to `key` by edit distance, for "did you mean" hints.
    public static func nearestKey(to key: String) -> String {
        keys.map(\.name).min { editDistance($0, key) < editDistance($1, key) } ?? ""
    }

    package static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        var previous = Array(0...y.count)
        for i in 1...max(1, x.count) where !x.isEmpty {
            var current = [i] + [Int](repeating: 0, count: y.count)
            for j in 1...max(1, y.count) where !y.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return x.isEmpty ? y.count : previous[y.count]
    }
}

/// One check of a gate: what was required, what was observed, and examples of offenders.
public struct GateCheck: Sendable, Hashable, Encodable {
    public var name: String
    public var threshold: Double
    public var observed: Double
    public var passed: Bool
    public var samplePaths: [String]
    /// What the numbers mean, for people reading CI output.
    public var detail: String

    enum CodingKeys: String, CodingKey {
        case name, threshold, observed, passed, detail
        case samplePaths = "sample_paths"
    }
}

/// Evaluates a policy over records streamed one at a time (memory: flagged paths and compact
/// duplicate candidates only).
public struct PolicyEvaluator: Sendable {
    public let policy: Policy
    /// The thresholds that decide which images count as dark, overexposed, blurry or bordered.
    public let thresholds: QualityThresholds
    private var total = 0
    private var corrupt: [String] = [], corruptCount = 0
    private var dark: [String] = [], darkCount = 0
    private var over: [String] = [], overCount = 0
    private var blurry: [String] = [], blurryCount = 0
    private var artifact: [String] = [], artifactCount = 0
    private var narrow: [String] = [], minSeenWidth: Int?
    private var short: [String] = [], minSeenHeight: Int?
    private var badFormat: [String] = [], badFormatCount = 0
    private var stretched: [String] = [], maxSeenRatio = 0.0
    private var candidates: [DuplicateCandidate] = []
    private var splits: [String] = []

    public init(policy: Policy, thresholds: QualityThresholds = QualityThresholds()) {
        self.policy = policy
        self.thresholds = thresholds
    }

    private static func sample(_ list: inout [String], _ path: String) {
        if list.count < 10 { list.append(path) }
    }

    public mutating func add(_ r: ImageRecord, split: String = "") {
        total += 1
        if !splits.contains(split) { splits.append(split) }
        if r.isCorrupt { corruptCount += 1; Self.sample(&corrupt, r.path) }
        if thresholds.isDark(r) { darkCount += 1; Self.sample(&dark, r.path) }
        if thresholds.isOverexposed(r) { overCount += 1; Self.sample(&over, r.path) }
        if thresholds.isBlurry(r) { blurryCount += 1; Self.sample(&blurry, r.path) }
        if thresholds.hasBorderArtifact(r) { artifactCount += 1; Self.sample(&artifact, r.path) }
        if !r.isCorrupt {
            minSeenWidth = min(minSeenWidth ?? r.width, r.width)
            minSeenHeight = min(minSeenHeight ?? r.height, r.height)
            if r.width < policy.minWidth { Self.sample(&narrow, r.path) }
            if r.height < policy.minHeight { Self.sample(&short, r.path) }
            let ratio = Double(max(r.width, r.height)) / Double(max(1, min(r.width, r.height)))
            maxSeenRatio = max(maxSeenRatio, ratio)
            if policy.maxAspectRatio > 0 && ratio > policy.maxAspectRatio { Self.sample(&stretched, r.path) }
            let allowed = policy.allowedFormats.map { $0.uppercased() }
            if !allowed.isEmpty && !allowed.contains(r.format.uppercased()) {
                badFormatCount += 1
                Self.sample(&badFormat, "\(r.path) (\(r.format))")
            }
        }
        candidates.append(DuplicateCandidate(record: r, split: split))
    }

    /// The gate's verdict on everything added: every check the policy enables, and the
    /// thresholds that decided which images count as dark, blurry….
    public func result(policyName: String, manifests: [String], thresholdsSource: String, threads: Int = 2) -> GateResult {
        GateResult(
            policy: policyName, manifests: manifests, checks: checks(threads: threads),
            thresholds: thresholds, thresholdsSource: thresholdsSource)
    }

    /// All checks the policy enables, in a fixed order.
    public func checks(threads: Int = 2) -> [GateCheck] {
        let p = policy
        func pct(_ n: Int) -> Double { total > 0 ? (Double(n) * 10_000 / Double(total)).rounded() / 100 : 0 }
        var out: [GateCheck] = []
        out.append(
            GateCheck(
                name: "min_images_total", threshold: Double(p.minImagesTotal), observed: Double(total),
                passed: total >= p.minImagesTotal, samplePaths: [], detail: "images in the manifest"))
        func limit(_ name: String, _ max: Double, _ count: Int, _ samples: [String], _ what: String) {
            out.append(
                GateCheck(
                    name: name, threshold: max, observed: pct(count), passed: pct(count) <= max,
                    samplePaths: samples, detail: "% of images \(what)"))
        }
        limit("max_corrupt_pct", p.maxCorruptPct, corruptCount, corrupt, "corrupt")
        let t = thresholds
        limit(
            "max_overexposed_pct", p.maxOverexposedPct, overCount, over,
            "overexposed (mean brightness > \(QualityThresholds.number(t.overexposed)))")
        limit("max_underexposed_pct", p.maxUnderexposedPct, darkCount, dark, "dark (mean brightness < \(QualityThresholds.number(t.dark)))")
        let duplicates = DuplicateFinder.find(candidates, threshold: p.nearDuplicateThreshold, threads: threads)
        let exactCopies = duplicates.exactGroups.reduce(0) { $0 + $1.members.count - 1 }
        let exactSamples = duplicates.exactGroups.flatMap { $0.removable }.prefix(10).map { candidates[$0].path }
        limit("max_duplicate_pct", p.maxDuplicatePct, exactCopies, Array(exactSamples), "that are byte-identical copies of another")
        if p.maxBlurryPct < 100 {
            limit("max_blurry_pct", p.maxBlurryPct, blurryCount, blurry, "blurry (blur score < \(QualityThresholds.number(t.blur)))")
        }
        if p.maxArtifactPct < 100 {
            limit(
                "max_artifact_pct", p.maxArtifactPct, artifactCount, artifact,
                "with border artifacts (corner–centre delta > \(QualityThresholds.number(t.artifact)))")
        }
        if p.minWidth > 0 {
            out.append(
                GateCheck(
                    name: "min_width", threshold: Double(p.minWidth), observed: Double(minSeenWidth ?? 0),
                    passed: narrow.isEmpty, samplePaths: narrow, detail: "smallest width of a readable image"))
        }
        if p.minHeight > 0 {
            out.append(
                GateCheck(
                    name: "min_height", threshold: Double(p.minHeight), observed: Double(minSeenHeight ?? 0),
                    passed: short.isEmpty, samplePaths: short, detail: "smallest height of a readable image"))
        }
        if !p.allowedFormats.isEmpty {
            out.append(
                GateCheck(
                    name: "allowed_formats", threshold: 0, observed: Double(badFormatCount),
                    passed: badFormatCount == 0, samplePaths: badFormat,
                    detail: "images in formats other than \(p.allowedFormats.joined(separator: ", "))"))
        }
        if p.maxAspectRatio > 0 {
            out.append(
                GateCheck(
                    name: "max_aspect_ratio", threshold: p.maxAspectRatio, observed: (maxSeenRatio * 100).rounded() / 100,
                    passed: stretched.isEmpty, samplePaths: stretched, detail: "largest longer-to-shorter side ratio"))
        }
        if let max = p.maxNearDuplicatePct {
            let copies = duplicates.nearGroups.reduce(0) { $0 + $1.members.count - 1 }
            let samples = duplicates.nearGroups.flatMap { $0.removable }.prefix(10).map { candidates[$0].path }
            limit(
                "max_near_duplicate_pct", max, copies, Array(samples),
                "that are near copies of another (within \(p.nearDuplicateThreshold) bits)")
        }
        if let max = p.maxLeakagePct {
            let report = LeakageFinder.find(candidates, order: splits, duplicates: duplicates, threads: threads)
            let worst = report.pairs.max { $0.leakedFraction < $1.leakedFraction }
            let observed = ((worst?.leakedFraction ?? 0) * 10_000).rounded() / 100
            let samples =
                worst.map { w in w.examples.prefix(10).map { "\(candidates[$0.later].path) ≈ \(candidates[$0.earlier].path)" } } ?? []
            out.append(
                GateCheck(
                    name: "max_leakage_pct", threshold: max, observed: observed, passed: observed <= max,
                    samplePaths: samples,
                    detail: splits.count < 2
                        ? "needs two or more manifests, one per split"
                        : "% of the worst split's images with a copy in an earlier split (\(worst.map { "\($0.later) ← \($0.earlier)" } ?? "-"))"
                ))
        }
        return out
    }
}
