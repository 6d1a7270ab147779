/// Per-channel pixel statistics of an image's RGB preview.
///
/// Field names and meanings follow the reference implementation (Python `imgeda` 0.1.0), so
/// that either tool reads the other's manifests. Only these fields may appear in the
/// `pixel_stats` object: the reference builds it with `PixelStats(**fields)`, which rejects
/// unknown keys.
public struct PixelStats: Sendable, Hashable, Codable {
    public var meanR: Double
    public var meanG: Double
    public var meanB: Double
    public var stdR: Double
    public var stdG: Double
    public var stdB: Double
    /// Mean of (R + G + B) / 3 over all pixels, 0–255.
    public var meanBrightness: Double
    /// Smallest channel value in the preview.
    public var minVal: Int
    /// Largest channel value in the preview.
    public var maxVal: Int

    public init(
        meanR: Double = 0, meanG: Double = 0, meanB: Double = 0,
        stdR: Double = 0, stdG: Double = 0, stdB: Double = 0,
        meanBrightness: Double = 0, minVal: Int = 0, maxVal: Int = 255
    ) {
        self.meanR = meanR
        self.meanG = meanG
        self.meanB = meanB
        self.stdR = stdR
        self.stdG = stdG
        self.stdB = stdB
        self.meanBrightness = meanBrightness
        self.minVal = minVal
        self.maxVal = maxVal
    }

    enum CodingKeys: String, CodingKey {
        case meanR = "mean_r", meanG = "mean_g", meanB = "mean_b"
        case stdR = "std_r", stdG = "std_g", stdB = "std_b"
        case meanBrightness = "mean_brightness", minVal = "min_val", maxVal = "max_val"
    }
}

/// Brightness of the corners, the centre and the border of an image, for detecting
/// letterboxing, padding and vignettes. Only the reference's four fields may appear.
public struct CornerStats: Sendable, Hashable, Codable {
    /// Mean of the four corner patches (each `patch_fraction` of width and height).
    public var cornerMean: Double
    /// Mean of the central region (the middle half in each direction).
    public var centerMean: Double
    /// Mean of the four border strips (`patch_fraction` wide).
    public var borderMean: Double
    /// |cornerMean − centerMean|; the border-artifact flag compares it with a threshold.
    public var delta: Double

    public init(cornerMean: Double = 0, centerMean: Double = 0, borderMean: Double = 0, delta: Double = 0) {
        self.cornerMean = cornerMean
        self.centerMean = centerMean
        self.borderMean = borderMean
        self.delta = delta
    }

    enum CodingKeys: String, CodingKey {
        case cornerMean = "corner_mean", centerMean = "center_mean"
        case borderMean = "border_mean", delta
    }
}

/// Everything a scan learns about one file: one line of the manifest.
///
/// The field names are the reference implementation's, plus our additions (`sha256`,
/// `corrupt_reason`, `path_raw`, `frame_count`, `phash_center`). Readers ignore fields they do not know.
public struct ImageRecord: Sendable, Hashable, Codable {
    // Identity
    /// The path as discovered (the scan root as given, joined with the relative path). For a
    /// name that is not valid UTF-8, invalid bytes are replaced by U+FFFD and `pathRaw` holds
    /// the exact bytes.
    public var path: String
    public var filename: String
    public var fileSizeBytes: Int
    /// Modification time in seconds since the epoch (nanosecond precision where available).
    public var mtime: Double
    /// The exact bytes of `path`, base64-encoded, only when the name is not valid UTF-8.
    public var pathRaw: String?

    // Metadata
    public var width: Int
    public var height: Int
    /// Container format, in the reference's vocabulary: `JPEG`, `PNG`, `WEBP`, `GIF`, …
    public var format: String
    /// Pixel layout, in the reference's vocabulary: `RGB`, `RGBA`, `L`, `LA`, `P`, `CMYK`, `I;16`, …
    public var colorMode: String
    public var numChannels: Int
    public var aspectRatio: Double
    /// Number of frames of an animated image (GIF, WebP, PNG); nil for still images.
    public var frameCount: Int?

    // EXIF
    public var cameraMake: String?
    public var cameraModel: String?
    public var lensModel: String?
    public var focalLengthMM: Double?
    public var focalLength35mm: Int?
    public var isoSpeed: Int?
    public var fNumber: Double?
    public var exposureTimeSec: Double?
    public var datetimeOriginal: String?
    public var orientationTag: Int?
    public var hasGPSData: Bool
    public var distortionRisk: String?

    /// The camera as people name it: the model with its maker ("Canon EOS R5"), without
    /// repeating a maker the model already names ("NIKON D750", not "NIKON CORPORATION NIKON D750").
    public var cameraName: String? {
        func trimmed(_ s: String?) -> String {
            String((s ?? "").drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        }
        let make = trimmed(cameraMake), model = trimmed(cameraModel)
        if model.isEmpty { return make.isEmpty ? nil : make }
        guard let brand = make.split(separator: " ").first, !brand.isEmpty else { return model }
        if model.lowercased().hasPrefix(brand.lowercased()) { return model }
        return "\(brand) \(model)"
    }

    // Analysis
    public var pixelStats: PixelStats?
    public var cornerStats: CornerStats?
    public var phash: String?
    /// pHash of the central 89% of the picture (see ``PerceptualHash/hashes(_:hashSize:)``):
    /// matches a copy cropped by about 5% on every side.
    public var phashCenter: String?
    public var dhash: String?
    public var blurScore: Double?
    public var isBlurry: Bool

    // Flags
    public var isCorrupt: Bool
    /// Why the file is flagged corrupt, in words a person can act on.
    public var corruptReason: String?
    public var isDark: Bool
    public var isOverexposed: Bool
    public var hasBorderArtifact: Bool

    /// SHA-256 of the file's bytes, lowercase hex (what `sha256sum` prints).
    public var sha256: String?

    /// The dataset split (`train`, `val`, `test`, …) the image belongs to, when the scanned
    /// folder is a dataset layout with splits.
    public var split: String?
    /// The class of the image in a classification layout (its class folder).
    public var className: String?

    // Meta
    public var analyzedAt: String
    public var analyzerVersion: String

    public init(path: String, filename: String) {
        self.path = path
        self.filename = filename
        self.fileSizeBytes = 0
        self.mtime = 0
        self.width = 0
        self.height = 0
        self.format = ""
        self.colorMode = ""
        self.numChannels = 0
        self.aspectRatio = 0
        self.hasGPSData = false
        self.isBlurry = false
        self.isCorrupt = false
        self.isDark = false
        self.isOverexposed = false
        self.hasBorderArtifact = false
        self.analyzedAt = ""
        self.analyzerVersion = ImageRecord.currentAnalyzerVersion
    }

    /// The analyzer version this build writes. The reference writes "1". "swift-3": records
    /// of "swift-2" may carry a wrong "damaged JPEG header" verdict (a TurboJPEG handle was
    /// reused after a failure), so resume analyses them again.
    public static let currentAnalyzerVersion = "swift-3"

    enum CodingKeys: String, CodingKey {
        case path, filename
        case fileSizeBytes = "file_size_bytes"
        case mtime
        case pathRaw = "path_raw"
        case width, height, format
        case colorMode = "color_mode"
        case numChannels = "num_channels"
        case aspectRatio = "aspect_ratio"
        case frameCount = "frame_count"
        case cameraMake = "camera_make"
        case cameraModel = "camera_model"
        case lensModel = "lens_model"
        case focalLengthMM = "focal_length_mm"
        case focalLength35mm = "focal_length_35mm"
        case isoSpeed = "iso_speed"
        case fNumber = "f_number"
        case exposureTimeSec = "exposure_time_sec"
        case datetimeOriginal = "datetime_original"
        case orientationTag = "orientation_tag"
        case hasGPSData = "has_gps_data"
        case distortionRisk = "distortion_risk"
        case pixelStats = "pixel_stats"
        case cornerStats = "corner_stats"
        case phash, dhash
        case phashCenter = "phash_center"
        case blurScore = "blur_score"
        case isBlurry = "is_blurry"
        case isCorrupt = "is_corrupt"
        case corruptReason = "corrupt_reason"
        case isDark = "is_dark"
        case isOverexposed = "is_overexposed"
        case hasBorderArtifact = "has_border_artifact"
        case sha256
        case split
        case className = "class_name"
        case analyzedAt = "analyzed_at"
        case analyzerVersion = "analyzer_version"
    }

    /// Decodes leniently: every field but `path` may be missing (records written by other
    /// tools or older versions), and missing values take the reference's defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        filename = try c.decodeIfPresent(String.self, forKey: .filename) ?? ""
        fileSizeBytes = try c.decodeIfPresent(Int.self, forKey: .fileSizeBytes) ?? 0
        mtime = try c.decodeIfPresent(Double.self, forKey: .mtime) ?? 0
        pathRaw = try c.decodeIfPresent(String.self, forKey: .pathRaw)
        width = try c.decodeIfPresent(Int.self, forKey: .width) ?? 0
        height = try c.decodeIfPresent(Int.self, forKey: .height) ?? 0
        format = try c.decodeIfPresent(String.self, forKey: .format) ?? ""
        colorMode = try c.decodeIfPresent(String.self, forKey: .colorMode) ?? ""
        numChannels = try c.decodeIfPresent(Int.self, forKey: .numChannels) ?? 0
        aspectRatio = try c.decodeIfPresent(Double.self, forKey: .aspectRatio) ?? 0
        frameCount = try c.decodeIfPresent(Int.self, forKey: .frameCount)
        cameraMake = try c.decodeIfPresent(String.self, forKey: .cameraMake)
        cameraModel = try c.decodeIfPresent(String.self, forKey: .cameraModel)
        lensModel = try c.decodeIfPresent(String.self, forKey: .lensModel)
        focalLengthMM = try c.decodeIfPresent(Double.self, forKey: .focalLengthMM)
        focalLength35mm = try c.decodeIfPresent(Int.self, forKey: .focalLength35mm)
        isoSpeed = try c.decodeIfPresent(Int.self, forKey: .isoSpeed)
        fNumber = try c.decodeIfPresent(Double.self, forKey: .fNumber)
        exposureTimeSec = try c.decodeIfPresent(Double.self, forKey: .exposureTimeSec)
        datetimeOriginal = try c.decodeIfPresent(String.self, forKey: .datetimeOriginal)
        orientationTag = try c.decodeIfPresent(Int.self, forKey: .orientationTag)
        hasGPSData = try c.decodeIfPresent(Bool.self, forKey: .hasGPSData) ?? false
        distortionRisk = try c.decodeIfPresent(String.self, forKey: .distortionRisk)
        pixelStats = try c.decodeIfPresent(PixelStats.self, forKey: .pixelStats)
        cornerStats = try c.decodeIfPresent(CornerStats.self, forKey: .cornerStats)
        phash = try c.decodeIfPresent(String.self, forKey: .phash)
        dhash = try c.decodeIfPresent(String.self, forKey: .dhash)
        phashCenter = try c.decodeIfPresent(String.self, forKey: .phashCenter)
        blurScore = try c.decodeIfPresent(Double.self, forKey: .blurScore)
        isBlurry = try c.decodeIfPresent(Bool.self, forKey: .isBlurry) ?? false
        isCorrupt = try c.decodeIfPresent(Bool.self, forKey: .isCorrupt) ?? false
        corruptReason = try c.decodeIfPresent(String.self, forKey: .corruptReason)
        isDark = try c.decodeIfPresent(Bool.self, forKey: .isDark) ?? false
        isOverexposed = try c.decodeIfPresent(Bool.self, forKey: .isOverexposed) ?? false
        hasBorderArtifact = try c.decodeIfPresent(Bool.self, forKey: .hasBorderArtifact) ?? false
        sha256 = try c.decodeIfPresent(String.self, forKey: .sha256)
        split = try c.decodeIfPresent(String.self, forKey: .split)
        className = try c.decodeIfPresent(String.self, forKey: .className)
        analyzedAt = try c.decodeIfPresent(String.self, forKey: .analyzedAt) ?? ""
        analyzerVersion = try c.decodeIfPresent(String.self, forKey: .analyzerVersion) ?? ""
    }
}
