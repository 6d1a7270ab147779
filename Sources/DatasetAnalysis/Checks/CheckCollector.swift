/// Thresholds for the `check` commands; defaults are the scan's.
public struct CheckThresholds: Sendable {
    public var dark: Double = 40
    public var overexposed: Double = 220
    public var artifact: Double = 50
    public var blur: Double = BlurMeasure.defaultThreshold
    public var duplicate: Int = DuplicateFinder.defaultThreshold
    public var transforms = false

    public init() {}
}

/// Gathers what the checks need in one pass over a manifest, keeping only flagged items and
/// compact duplicate candidates, so a manifest of millions of records fits in memory.
///
/// Flags are re-evaluated from the stored measurements with the given thresholds (so a
/// check can try another threshold without a new scan); records without measurements keep
/// the flags the scan wrote.
public struct CheckCollector: Sendable {
    public struct Flagged: Sendable {
        public var path: String
        public var value: Double?
        public var detail: String
    }

    public var thresholds: CheckThresholds
    public var collectCandidates: Bool
    public private(set) var total = 0
    public private(set) var corrupt: [Flagged] = []
    public private(set) var dark: [Flagged] = []
    public private(set) var overexposed: [Flagged] = []
    public private(set) var artifacts: [Flagged] = []
    public private(set) var blurry: [Flagged] = []
    public private(set) var candidates: [DuplicateCandidate] = []
    /// Split names in the order first seen.
    public private(set) var splitOrder: [String] = []

    public init(thresholds: CheckThresholds, collectCandidates: Bool) {
        self.thresholds = thresholds
        self.collectCandidates = collectCandidates
    }

    public mutating func add(_ r: ImageRecord, split: String = "") {
        total += 1
        if !splitOrder.contains(split) { splitOrder.append(split) }
        if r.isCorrupt {
            corrupt.append(Flagged(path: r.path, value: nil, detail: r.corruptReason ?? "unreadable"))
        }
        if let stats = r.pixelStats {
            let b = stats.meanBrightness
            if b < thresholds.dark { dark.append(Flagged(path: r.path, value: b, detail: "dark")) }
            if b > thresholds.overexposed { overexposed.append(Flagged(path: r.path, value: b, detail: "overexposed")) }
        } else {
            if r.isDark { dark.append(Flagged(path: r.path, value: nil, detail: "dark")) }
            if r.isOverexposed { overexposed.append(Flagged(path: r.path, value: nil, detail: "overexposed")) }
        }
        if let corners = r.cornerStats {
            if corners.delta > thresholds.artifact {
                artifacts.append(Flagged(path: r.path, value: corners.delta, detail: "border artifact"))
            }
        } else if r.hasBorderArtifact {
            artifacts.append(Flagged(path: r.path, value: nil, detail: "border artifact"))
        }
        if let score = r.blurScore {
            if score < thresholds.blur { blurry.append(Flagged(path: r.path, value: score, detail: "blurry")) }
        } else if r.isBlurry {
            blurry.append(Flagged(path: r.path, value: nil, detail: "blurry"))
        }
        if collectCandidates { candidates.append(DuplicateCandidate(record: r, split: split)) }
    }
}
