/// The thresholds that decide whether an image is dark, overexposed, bordered, blurry or a
/// near duplicate, with the rules that apply them: the one definition every command uses.
///
/// A scan stores them in the manifest header's `settings` (the reference's keys
/// `dark_threshold`, `overexposed_threshold`, `artifact_threshold`, `blur_threshold`), and
/// every command after it reads them from there, so `info`, `check`, `gate`, `plot` and
/// `report` count the same images. An option may override one for a single run.
///
/// ```swift
/// var t = QualityThresholds()
/// t.dark = 100
/// t.isDark(meanBrightness: 70)   // true
/// t.isDark(record)               // from the record's measurement, else its stored flag
/// ```
public struct QualityThresholds: Sendable, Hashable, Codable {
    /// Mean brightness (0–255) below which an image is dark.
    public var dark: Double = 40
    /// Mean brightness (0–255) above which an image is overexposed.
    public var overexposed: Double = 220
    /// Corner–centre brightness difference above which an image has a border artifact.
    public var artifact: Double = 50
    /// Blur score below which an image is blurry (see ``BlurMeasure``).
    public var blur: Double = BlurMeasure.defaultThreshold
    /// Differing bits of the 256-bit pHash within which two images are near duplicates.
    public var duplicate: Int = DuplicateFinder.defaultThreshold

    public init() {}

    public init(
        dark: Double, overexposed: Double, artifact: Double, blur: Double,
        duplicate: Int = DuplicateFinder.defaultThreshold
    ) {
        self.dark = dark
        self.overexposed = overexposed
        self.artifact = artifact
        self.blur = blur
        self.duplicate = duplicate
    }

    public static let defaults = QualityThresholds()

    enum CodingKeys: String, CodingKey {
        case dark = "dark_threshold"
        case overexposed = "overexposed_threshold"
        case artifact = "artifact_threshold"
        case blur = "blur_threshold"
        case duplicate = "duplicate_threshold"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = QualityThresholds.defaults
        dark = try c.decodeIfPresent(Double.self, forKey: .dark) ?? d.dark
        overexposed = try c.decodeIfPresent(Double.self, forKey: .overexposed) ?? d.overexposed
        artifact = try c.decodeIfPresent(Double.self, forKey: .artifact) ?? d.artifact
        blur = try c.decodeIfPresent(Double.self, forKey: .blur) ?? d.blur
        duplicate = try c.decodeIfPresent(Int.self, forKey: .duplicate) ?? d.duplicate
    }

    // MARK: The rules, on measurements

    public func isDark(meanBrightness: Double) -> Bool { meanBrightness < dark }
    public func isOverexposed(meanBrightness: Double) -> Bool { meanBrightness > overexposed }
    public func hasBorderArtifact(cornerDelta: Double) -> Bool { cornerDelta > artifact }
    public func isBlurry(blurScore: Double) -> Bool { blurScore < blur }

    // MARK: The rules, on records

    // A record is judged by its measurement under these thresholds, so a check can try
    // another threshold without a new scan; a record without the measurement (a reference
    // manifest with stats skipped, say) keeps the flag its scan wrote.

    public func isDark(_ r: ImageRecord) -> Bool {
        r.pixelStats.map { isDark(meanBrightness: $0.meanBrightness) } ?? r.isDark
    }

    public func isOverexposed(_ r: ImageRecord) -> Bool {
        r.pixelStats.map { isOverexposed(meanBrightness: $0.meanBrightness) } ?? r.isOverexposed
    }

    public func hasBorderArtifact(_ r: ImageRecord) -> Bool {
        r.cornerStats.map { hasBorderArtifact(cornerDelta: $0.delta) } ?? r.hasBorderArtifact
    }

    public func isBlurry(_ r: ImageRecord) -> Bool {
        r.blurScore.map { isBlurry(blurScore: $0) } ?? r.isBlurry
    }

    // MARK: How outputs name them

    /// "dark < 100, overexposed > 220, border artifact > 50, blurry < 100": what every
    /// output names, so a reader knows which thresholds counted. (Outputs that find
    /// duplicates name their bit threshold beside the duplicates.)
    public var summary: String {
        "dark < \(Self.number(dark)), overexposed > \(Self.number(overexposed)), border artifact > \(Self.number(artifact)), "
            + "blurry < \(Self.number(blur))"
    }

    /// "Thresholds: dark < 100, … (from the scan settings of m.jsonl)": how outputs name the
    /// thresholds they used and where those came from.
    public func line(source: String) -> String { "Thresholds: \(summary) (\(source))" }

    /// 100 → "100", 12.5 → "12.5": thresholds as a person typed them.
    public static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }
}
