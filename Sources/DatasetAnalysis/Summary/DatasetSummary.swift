/// Dataset-level totals, built one record at a time so that any number of records fits in
/// constant memory (apart from the per-category counts).
///
/// The fields mirror the reference's `DatasetSummary`; `info` prints them.
public struct DatasetSummary: Sendable, Hashable {
    public var totalImages = 0
    public var totalSizeBytes = 0
    public var corruptCount = 0
    public var darkCount = 0
    public var overexposedCount = 0
    public var artifactCount = 0
    public var blurryCount = 0
    /// Dimension ranges over readable (not corrupt) images; nil when there are none.
    public var minWidth: Int?
    public var maxWidth: Int?
    public var minHeight: Int?
    public var maxHeight: Int?
    public var formatCounts: [String: Int] = [:]
    public var modeCounts: [String: Int] = [:]
    public var extensionCounts: [String: Int] = [:]
    public var cameraMakeCounts: [String: Int] = [:]
    public var cameraModelCounts: [String: Int] = [:]
    /// Images per camera as people name it (maker and model, ``ImageRecord/cameraName``).
    public var cameraCounts: [String: Int] = [:]
    /// Images whose 35 mm-equivalent focal length is below
    /// ``ExifSummary/highDistortionBelowMM`` (`high`) or ``ExifSummary/mediumDistortionBelowMM``.
    public var highDistortionRiskCount = 0
    public var mediumDistortionRiskCount = 0
    public var gpsTaggedCount = 0
    /// Images whose EXIF orientation asks a viewer to rotate or mirror them (tag ≠ 1).
    public var rotatedCount = 0
    public var exifPresentCount = 0
    /// Images per split and per class, for dataset layouts.
    public var splitCounts: [String: Int] = [:]
    public var classCounts: [String: Int] = [:]
    /// The thresholds that decide the dark, overexposed, artifact and blurry counts.
    public var thresholds = QualityThresholds()

    public init(thresholds: QualityThresholds = QualityThresholds()) {
        self.thresholds = thresholds
    }

    /// Adds one record.
    ///
    /// - Complexity: O(1) amortised.
    public mutating func add(_ r: ImageRecord) {
        totalImages += 1
        totalSizeBytes += r.fileSizeBytes
        if r.isCorrupt { corruptCount += 1 }
        if thresholds.isDark(r) { darkCount += 1 }
        if thresholds.isOverexposed(r) { overexposedCount += 1 }
        if thresholds.hasBorderArtifact(r) { artifactCount += 1 }
        if thresholds.isBlurry(r) { blurryCount += 1 }
        if !r.format.isEmpty { formatCounts[r.format, default: 0] += 1 }
        if !r.colorMode.isEmpty { modeCounts[r.colorMode, default: 0] += 1 }
        if let dot = r.filename.lastIndex(of: "."), r.filename.index(after: dot) < r.filename.endIndex {
            extensionCounts[r.filename[r.filename.index(after: dot)...].lowercased(), default: 0] += 1
        }
        if let make = r.cameraMake {
            cameraMakeCounts[make, default: 0] += 1
            exifPresentCount += 1
        }
        if let model = r.cameraModel { cameraModelCounts[model, default: 0] += 1 }
        if let camera = r.cameraName { cameraCounts[camera, default: 0] += 1 }
        if r.distortionRisk == "high" { highDistortionRiskCount += 1 }
        if r.distortionRisk == "medium" { mediumDistortionRiskCount += 1 }
        if r.hasGPSData { gpsTaggedCount += 1 }
        if let o = r.orientationTag, o != 1 { rotatedCount += 1 }
        if let split = r.split { splitCounts[split, default: 0] += 1 }
        if let className = r.className { classCounts[className, default: 0] += 1 }
        if !r.isCorrupt {
            minWidth = min(minWidth ?? r.width, r.width)
            maxWidth = max(maxWidth ?? r.width, r.width)
            minHeight = min(minHeight ?? r.height, r.height)
            maxHeight = max(maxHeight ?? r.height, r.height)
        }
    }

    /// Counts sorted by count (descending), then name, for display.
    public static func ranked(_ counts: [String: Int]) -> [(key: String, value: Int)] {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
    }
}
