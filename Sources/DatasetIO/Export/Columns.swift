public import DatasetAnalysis

/// A manifest record flattened into typed columns for CSV and Parquet. Nested objects become
/// prefixed columns: `pixel_stats.mean_r` → `pixel_stats_mean_r`, `corner_stats.delta` →
/// `corner_stats_delta`.
public enum ExportColumns {
    public enum Kind: Sendable {
        case int64, double, bool, string
    }

    public enum Value: Sendable, Hashable {
        case int(Int)
        case double(Double)
        case bool(Bool)
        case string(String)
        case null
    }

    public struct Column: Sendable {
        public var name: String
        public var kind: Kind
        public var value: @Sendable (ImageRecord) -> Value
    }

    private static func s(_ v: String?) -> Value { v.map(Value.string) ?? .null }
    private static func i(_ v: Int?) -> Value { v.map(Value.int) ?? .null }
    private static func d(_ v: Double?) -> Value { v.map(Value.double) ?? .null }

    /// Every field of a record, in manifest order.
    public static let all: [Column] = [
        Column(name: "path", kind: .string) { .string($0.path) },
        Column(name: "filename", kind: .string) { .string($0.filename) },
        Column(name: "file_size_bytes", kind: .int64) { .int($0.fileSizeBytes) },
        Column(name: "mtime", kind: .double) { .double($0.mtime) },
        Column(name: "width", kind: .int64) { .int($0.width) },
        Column(name: "height", kind: .int64) { .int($0.height) },
        Column(name: "format", kind: .string) { .string($0.format) },
        Column(name: "color_mode", kind: .string) { .string($0.colorMode) },
        Column(name: "num_channels", kind: .int64) { .int($0.numChannels) },
        Column(name: "aspect_ratio", kind: .double) { .double($0.aspectRatio) },
        Column(name: "frame_count", kind: .int64) { i($0.frameCount) },
        Column(name: "camera_make", kind: .string) { s($0.cameraMake) },
        Column(name: "camera_model", kind: .string) { s($0.cameraModel) },
        Column(name: "lens_model", kind: .string) { s($0.lensModel) },
        Column(name: "focal_length_mm", kind: .double) { d($0.focalLengthMM) },
        Column(name: "focal_length_35mm", kind: .int64) { i($0.focalLength35mm) },
        Column(name: "iso_speed", kind: .int64) { i($0.isoSpeed) },
        Column(name: "f_number", kind: .double) { d($0.fNumber) },
        Column(name: "exposure_time_sec", kind: .double) { d($0.exposureTimeSec) },
        Column(name: "datetime_original", kind: .string) { s($0.datetimeOriginal) },
        Column(name: "orientation_tag", kind: .int64) { i($0.orientationTag) },
        Column(name: "has_gps_data", kind: .bool) { .bool($0.hasGPSData) },
        Column(name: "distortion_risk", kind: .string) { s($0.distortionRisk) },
        Column(name: "pixel_stats_mean_r", kind: .double) { d($0.pixelStats?.meanR) },
        Column(name: "pixel_stats_mean_g", kind: .double) { d($0.pixelStats?.meanG) },
        Column(name: "pixel_stats_mean_b", kind: .double) { d($0.pixelStats?.meanB) },
        Column(name: "pixel_stats_std_r", kind: .double) { d($0.pixelStats?.stdR) },
        Column(name: "pixel_stats_std_g", kind: .double) { d($0.pixelStats?.stdG) },
        Column(name: "pixel_stats_std_b", kind: .double) { d($0.pixelStats?.stdB) },
        Column(name: "pixel_stats_mean_brightness", kind: .double) { d($0.pixelStats?.meanBrightness) },
        Column(name: "pixel_stats_min_val", kind: .int64) { i($0.pixelStats?.minVal) },
        Column(name: "pixel_stats_max_val", kind: .int64) { i($0.pixelStats?.maxVal) },
        Column(name: "corner_stats_corner_mean", kind: .double) { d($0.cornerStats?.cornerMean) },
        Column(name: "corner_stats_center_mean", kind: .double) { d($0.cornerStats?.centerMean) },
        Column(name: "corner_stats_border_mean", kind: .double) { d($0.cornerStats?.borderMean) },
        Column(name: "corner_stats_delta", kind: .double) { d($0.cornerStats?.delta) },
        Column(name: "phash", kind: .string) { s($0.phash) },
        Column(name: "phash_center", kind: .string) { s($0.phashCenter) },
        Column(name: "dhash", kind: .string) { s($0.dhash) },
        Column(name: "blur_score", kind: .double) { d($0.blurScore) },
        Column(name: "is_blurry", kind: .bool) { .bool($0.isBlurry) },
        Column(name: "is_corrupt", kind: .bool) { .bool($0.isCorrupt) },
        Column(name: "corrupt_reason", kind: .string) { s($0.corruptReason) },
        Column(name: "is_dark", kind: .bool) { .bool($0.isDark) },
        Column(name: "is_overexposed", kind: .bool) { .bool($0.isOverexposed) },
        Column(name: "has_border_artifact", kind: .bool) { .bool($0.hasBorderArtifact) },
        Column(name: "sha256", kind: .string) { s($0.sha256) },
        Column(name: "analyzed_at", kind: .string) { .string($0.analyzedAt) },
        Column(name: "analyzer_version", kind: .string) { .string($0.analyzerVersion) },
        Column(name: "path_raw", kind: .string) { s($0.pathRaw) },
    ]
}

/// Writes records as CSV (RFC 4180): a header row, text cells as ``Escape/csvCell(_:into:)``
/// writes them (quoted when needed, formulas neutralised), nulls as empty fields, numbers in
/// their shortest round-trip form.
public struct CSVWriter {
    private let columns = ExportColumns.all
    private var buffer: [UInt8] = []
    private let sink: ([UInt8]) throws -> Void

    public init(sink: @escaping ([UInt8]) throws -> Void) throws {
        self.sink = sink
        buffer.reserveCapacity(1 << 20)
        buffer.append(contentsOf: columns.map(\.name).joined(separator: ",").utf8)
        buffer.append(0x0A)
    }

    public mutating func append(_ record: ImageRecord) throws {
        for (n, column) in columns.enumerated() {
            if n > 0 { buffer.append(UInt8(ascii: ",")) }
            switch column.value(record) {
            case .null: break
            case .int(let v): buffer.append(contentsOf: String(v).utf8)
            case .double(let v): if v.isFinite { buffer.append(contentsOf: v.description.utf8) }
            case .bool(let v): buffer.append(contentsOf: (v ? "true" : "false").utf8)
            case .string(let v): Escape.csvCell(v, into: &buffer)
            }
        }
        buffer.append(0x0A)
        if buffer.count >= 1 << 20 { try flush() }
    }

    public mutating func flush() throws {
        try sink(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
