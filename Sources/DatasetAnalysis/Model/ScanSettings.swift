/// The analysis settings of a scan: thresholds and what to compute.
///
/// Defaults match the reference implementation where it has the same setting. The header of
/// every manifest records the settings its records were made with.
public struct ScanSettings: Sendable, Hashable, Codable {
    /// The dark, overexposed, border and blur thresholds (stored under the reference's keys
    /// `dark_threshold`…); the flags a scan writes are these rules' verdicts.
    public var quality = QualityThresholds()
    /// Mean brightness (0–255) below which an image is dark.
    public var darkThreshold: Double {
        get { quality.dark }
        set { quality.dark = newValue }
    }
    /// Mean brightness (0–255) above which an image is overexposed.
    public var overexposedThreshold: Double {
        get { quality.overexposed }
        set { quality.overexposed = newValue }
    }
    /// Corner–centre brightness difference above which an image has a border artifact.
    public var artifactThreshold: Double {
        get { quality.artifact }
        set { quality.artifact = newValue }
    }
    /// Blur score (variance of the Laplacian on the 256-pixel blur preview) below which an
    /// image is blurry. See `BlurMeasure` for the definition and how the default was chosen.
    public var blurThreshold: Double {
        get { quality.blur }
        set { quality.blur = newValue }
    }
    /// Fraction of width and height that the corner and border patches cover.
    public var cornerPatchFraction: Double = 0.1
    /// Side of the perceptual hashes' bit grid: 16 gives 256-bit hashes, as the reference.
    public var hashSize: Int = 16
    public var includeHashes: Bool = true
    /// Also hash a fixed set of windows of each picture (``WindowHashes``: content box,
    /// centre and corner crops, small rotations) so duplicates survive crops, borders,
    /// captions and small rotations. On by default: it adds about 8% to an image's analysis
    /// (2.3 million instructions against 27 million in a release scan) and 648 bytes to each
    /// record. A manifest header without the key was written without them (older builds, or
    /// this setting off: the header names it only when on).
    public var windowHashes: Bool = true
    public var skipPixelStats: Bool = false
    public var skipExif: Bool = false
    public var skipBlur: Bool = false
    /// The longest side of the preview that statistics are computed on. Images are decoded
    /// at the smallest scale (JPEG DCT scaling, libvips shrink-on-load) that is at least
    /// this large; nothing is decoded at full size unless the image is small.
    public var maxImageDimension: Int = 256
    /// Images with more pixels than this are not decoded (decompression-bomb guard) and are
    /// flagged corrupt with the reason.
    public var maxPixels: Int = 250_000_000

    public init() {}

    /// The other settings' keys; the thresholds sit beside them under ``QualityThresholds``'
    /// own keys (`dark_threshold`…), encoded and decoded by it.
    enum CodingKeys: String, CodingKey {
        case cornerPatchFraction = "corner_patch_fraction"
        case hashSize = "hash_size"
        case includeHashes = "include_hashes"
        case windowHashes = "window_hashes"
        case skipPixelStats = "skip_pixel_stats"
        case skipExif = "skip_exif"
        case skipBlur = "skip_blur"
        case maxImageDimension = "max_image_dimension"
        case maxPixels = "max_pixels"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ScanSettings.defaults
        quality = try QualityThresholds(from: decoder)
        cornerPatchFraction = try c.decodeIfPresent(Double.self, forKey: .cornerPatchFraction) ?? d.cornerPatchFraction
        hashSize = try c.decodeIfPresent(Int.self, forKey: .hashSize) ?? d.hashSize
        includeHashes = try c.decodeIfPresent(Bool.self, forKey: .includeHashes) ?? d.includeHashes
        windowHashes = try c.decodeIfPresent(Bool.self, forKey: .windowHashes) ?? false
        skipPixelStats = try c.decodeIfPresent(Bool.self, forKey: .skipPixelStats) ?? d.skipPixelStats
        skipExif = try c.decodeIfPresent(Bool.self, forKey: .skipExif) ?? d.skipExif
        skipBlur = try c.decodeIfPresent(Bool.self, forKey: .skipBlur) ?? d.skipBlur
        maxImageDimension = try c.decodeIfPresent(Int.self, forKey: .maxImageDimension) ?? d.maxImageDimension
        maxPixels = try c.decodeIfPresent(Int.self, forKey: .maxPixels) ?? d.maxPixels
    }

    public func encode(to encoder: any Encoder) throws {
        try quality.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(cornerPatchFraction, forKey: .cornerPatchFraction)
        try c.encode(hashSize, forKey: .hashSize)
        try c.encode(includeHashes, forKey: .includeHashes)
        try c.encode(windowHashes, forKey: .windowHashes)
        try c.encode(skipPixelStats, forKey: .skipPixelStats)
        try c.encode(skipExif, forKey: .skipExif)
        try c.encode(skipBlur, forKey: .skipBlur)
        try c.encode(maxImageDimension, forKey: .maxImageDimension)
        try c.encode(maxPixels, forKey: .maxPixels)
    }

    private static let defaults = ScanSettings()
}

/// The first line of a manifest.
public struct ManifestHeader: Sendable, Hashable {
    /// The first scanned folder (the reference's field); `inputDirs` lists all of them.
    public var inputDir: String
    public var inputDirs: [String]
    /// The absolute folder the scan ran in: record paths that are relative are relative to
    /// it (empty in manifests that do not say, such as the reference's).
    public var workingDir: String = ""
    public var schemaVersion: Int
    public var settings: ScanSettings
    public var totalFiles: Int
    /// ISO 8601 time the scan started.
    public var createdAt: String
    public var tool: String
    public var toolVersion: String
    /// The part of the input this manifest covers, when the scan or download ran with
    /// `--shard I/N` (nil for a whole scan); `imgeda merge` joins the parts.
    public var shard: Shard?

    public init(
        inputDir: String = "", inputDirs: [String] = [], schemaVersion: Int = 1,
        settings: ScanSettings = ScanSettings(), totalFiles: Int = 0, createdAt: String = "",
        tool: String = "", toolVersion: String = ""
    ) {
        self.inputDir = inputDir
        self.inputDirs = inputDirs
        self.schemaVersion = schemaVersion
        self.settings = settings
        self.totalFiles = totalFiles
        self.createdAt = createdAt
        self.tool = tool
        self.toolVersion = toolVersion
    }
}
