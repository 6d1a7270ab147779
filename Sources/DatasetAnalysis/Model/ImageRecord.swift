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
    /// EXIF `OffsetTimeOriginal` (`-05:00`): the UTC offset of ``datetimeOriginal``, when the
    /// camera recorded it. Ours; the library's capture date reads it.
    public var offsetTimeOriginal: String?
    public var orientationTag: Int?
    public var hasGPSData: Bool
    public var distortionRisk: String?

    /// The camera as people name it: the model with its maker ("Canon EOS R5"), without
    /// repeating a maker the model already names ("NIKON D750", not "NIKON CORPORATION NIKON D750").
    public var cameraName: String? {
        func trimmed(_ s: String?) -> String {
            guard let s else { return "" }
            // Most names have no space at either end: nothing to trim (the general trim walks
            // characters, which costs more than the rest of a library's index row).
            guard s.utf8.first == 0x20 || s.utf8.last == 0x20 else { return s }
            return String(s.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
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
    /// The hashes of the picture's fixed windows inside its content box, base64 (see
    /// ``WindowHashes``): what finds crops, added borders, captions and small rotations.
    public var windowHashes: String?
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
    /// The URL the image was downloaded from (`imgeda download`), after redirects.
    public var sourceURL: String?
    /// The S3 object's ETag (a scan of `s3://…`): with the key and size, what resume compares.
    public var etag: String?

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
    /// reused after a failure), so resume analyses them again. Window hashes (`scan --window-hashes`)
    /// are a setting, not a version: a scan with other settings than its manifest's says so.
    public static let currentAnalyzerVersion = "swift-3"

    // Field names, `Codable` and the manifest's JSON are defined once, in ``RecordField``.
}
