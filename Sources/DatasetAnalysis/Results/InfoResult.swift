/// What `imgeda info` reports: the dataset summary, where the manifest came from, how many
/// damaged lines were skipped, and (inside the summary) the thresholds that counted.
public struct InfoResult: Sendable, Encodable {
    public var summary: DatasetSummary
    public var header: ManifestHeader?
    /// The manifest, as given.
    public var manifest: String
    /// Where the thresholds came from ("from the scan settings of m.jsonl").
    public var thresholdsSource: String
    /// Lines that are not records, skipped (a truncated last line not included).
    public var malformedLines: Int
    /// Of ``malformedLines``, those nested too deep to be records.
    public var nestedTooDeep: Int
    /// Whether the last line was cut short (an interrupted scan).
    public var truncatedTail: Bool

    public init(
        summary: DatasetSummary, header: ManifestHeader?, manifest: String, thresholdsSource: String,
        malformedLines: Int = 0, nestedTooDeep: Int = 0, truncatedTail: Bool = false
    ) {
        self.summary = summary
        self.header = header
        self.manifest = manifest
        self.thresholdsSource = thresholdsSource
        self.malformedLines = malformedLines
        self.nestedTooDeep = nestedTooDeep
        self.truncatedTail = truncatedTail
    }

    /// Damaged lines skipped, a truncated last line included.
    public var skippedLines: Int { malformedLines + (truncatedTail ? 1 : 0) }

    enum CodingKeys: String, CodingKey {
        case totalImages = "total_images"
        case totalSizeBytes = "total_size_bytes"
        case corruptCount = "corrupt_count"
        case darkCount = "dark_count"
        case overexposedCount = "overexposed_count"
        case blurryCount = "blurry_count"
        case artifactCount = "artifact_count"
        case minWidth = "min_width"
        case maxWidth = "max_width"
        case minHeight = "min_height"
        case maxHeight = "max_height"
        case formatCounts = "format_counts"
        case modeCounts = "mode_counts"
        case extensionCounts = "extension_counts"
        case cameraMakeCounts = "camera_make_counts"
        case cameraModelCounts = "camera_model_counts"
        case exifPresentCount = "exif_present_count"
        case gpsFlaggedCount = "gps_flagged_count"
        case rotatedCount = "rotated_count"
        case highDistortionRiskCount = "high_distortion_risk_count"
        case splitCounts = "split_counts"
        case classCounts = "class_counts"
        case skippedLines = "skipped_lines"
        case inputDir = "input_dir"
        case createdAt = "created_at"
        case thresholds
    }

    public func encode(to encoder: any Encoder) throws {
        let s = summary
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(s.totalImages, forKey: .totalImages)
        try c.encode(s.totalSizeBytes, forKey: .totalSizeBytes)
        try c.encode(s.corruptCount, forKey: .corruptCount)
        try c.encode(s.darkCount, forKey: .darkCount)
        try c.encode(s.overexposedCount, forKey: .overexposedCount)
        try c.encode(s.blurryCount, forKey: .blurryCount)
        try c.encode(s.artifactCount, forKey: .artifactCount)
        // 0 when no image is readable, as the reference writes it.
        try c.encode(s.minWidth ?? 0, forKey: .minWidth)
        try c.encode(s.maxWidth ?? 0, forKey: .maxWidth)
        try c.encode(s.minHeight ?? 0, forKey: .minHeight)
        try c.encode(s.maxHeight ?? 0, forKey: .maxHeight)
        try c.encode(s.formatCounts, forKey: .formatCounts)
        try c.encode(s.modeCounts, forKey: .modeCounts)
        try c.encode(s.extensionCounts, forKey: .extensionCounts)
        try c.encode(s.cameraMakeCounts, forKey: .cameraMakeCounts)
        try c.encode(s.cameraModelCounts, forKey: .cameraModelCounts)
        try c.encode(s.exifPresentCount, forKey: .exifPresentCount)
        try c.encode(s.gpsTaggedCount, forKey: .gpsFlaggedCount)
        try c.encode(s.rotatedCount, forKey: .rotatedCount)
        try c.encode(s.highDistortionRiskCount, forKey: .highDistortionRiskCount)
        try c.encode(s.splitCounts, forKey: .splitCounts)
        try c.encode(s.classCounts, forKey: .classCounts)
        try c.encode(skippedLines, forKey: .skippedLines)
        try c.encode(s.thresholds, forKey: .thresholds)
        if let header {
            try c.encode(header.inputDir, forKey: .inputDir)
            try c.encode(header.createdAt, forKey: .createdAt)
        }
    }
}
