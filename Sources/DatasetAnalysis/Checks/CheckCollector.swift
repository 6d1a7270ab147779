/// Gathers what the checks need in one pass over a manifest, keeping only flagged items and
/// compact duplicate candidates, so a manifest of millions of records fits in memory.
///
/// Flags are the thresholds' verdicts on each record (``QualityThresholds/isDark(_:)``…):
/// measurements re-evaluated, stored flags for records without them.
public struct CheckCollector: Sendable {
    public struct Flagged: Sendable {
        public var path: String
        public var value: Double?
        public var detail: String
    }

    public var thresholds: QualityThresholds
    public var collectCandidates: Bool
    /// How many flagged items each list keeps (all are counted): the report needs only the
    /// first few of each, and keeping millions of paths would cost memory.
    public var keep: Int
    public private(set) var total = 0
    /// Counts of flagged items, whether kept or not.
    public private(set) var counts = (corrupt: 0, dark: 0, overexposed: 0, artifacts: 0, blurry: 0, extensionMismatch: 0)
    public private(set) var corrupt: [Flagged] = []
    public private(set) var dark: [Flagged] = []
    public private(set) var overexposed: [Flagged] = []
    public private(set) var artifacts: [Flagged] = []
    public private(set) var blurry: [Flagged] = []
    /// Files whose extension names another format than their bytes hold (see ``ExtensionCheck``).
    public private(set) var extensionMismatch: [ExtensionMismatch] = []
    public private(set) var candidates: [DuplicateCandidate] = []
    /// Split names in the order first seen.
    public private(set) var splitOrder: [String] = []

    public init(thresholds: QualityThresholds, collectCandidates: Bool, keep: Int = Int.max) {
        self.thresholds = thresholds
        self.collectCandidates = collectCandidates
        self.keep = keep
    }

    private mutating func flag(_ list: WritableKeyPath<CheckCollector, [Flagged]>, _ item: Flagged) {
        if self[keyPath: list].count < keep { self[keyPath: list].append(item) }
    }

    public mutating func add(_ r: ImageRecord, split: String = "") {
        total += 1
        if !splitOrder.contains(split) { splitOrder.append(split) }
        if r.isCorrupt {
            counts.corrupt += 1
            flag(\.corrupt, Flagged(path: r.path, value: nil, detail: r.corruptReason ?? "unreadable"))
        }
        let brightness = r.pixelStats?.meanBrightness
        if thresholds.isDark(r) {
            counts.dark += 1
            flag(\.dark, Flagged(path: r.path, value: brightness, detail: "dark"))
        }
        if thresholds.isOverexposed(r) {
            counts.overexposed += 1
            flag(\.overexposed, Flagged(path: r.path, value: brightness, detail: "overexposed"))
        }
        if thresholds.hasBorderArtifact(r) {
            counts.artifacts += 1
            flag(\.artifacts, Flagged(path: r.path, value: r.cornerStats?.delta, detail: "border artifact"))
        }
        if thresholds.isBlurry(r) {
            counts.blurry += 1
            flag(\.blurry, Flagged(path: r.path, value: r.blurScore, detail: "blurry"))
        }
        if let mismatch = ExtensionCheck.mismatch(path: r.path, format: r.format) {
            counts.extensionMismatch += 1
            if extensionMismatch.count < keep { extensionMismatch.append(mismatch) }
        }
        if collectCandidates { candidates.append(DuplicateCandidate(record: r, split: split)) }
    }
}
