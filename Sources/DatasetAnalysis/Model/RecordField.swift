/// The one list of an ``ImageRecord``'s fields: every field's JSON key, the object it is
/// nested in, its type, whether it may be null, its column names in CSV and Parquet exports,
/// and how to read and set it.
///
/// The manifest writer, the fast manifest parser, `ImageRecord`'s `Codable` conformance and
/// the CSV and Parquet columns all read this table, so a field added here appears in each of
/// them (and a test checks that it does). Cases are declared in the manifest's order: the
/// reference implementation's (Python `imgeda` 0.1.0) fields first, then ours.
///
/// Accessors are `switch`es rather than key paths or closures: a manifest of a million
/// records passes through them fifty million times, and a switch over a trivial enum costs
/// next to nothing and allocates nothing.
///
/// ```swift
/// for field in RecordField.manifestOrder {
///     print(field.jsonKey, field.value(in: record))
/// }
/// ```
public enum RecordField: Int, CaseIterable, Sendable {
    // The reference's fields, in its order.
    case path, filename, fileSizeBytes, mtime
    case width, height, format, colorMode, numChannels, aspectRatio
    case cameraMake, cameraModel, lensModel, focalLengthMM, focalLength35mm, isoSpeed, fNumber
    case exposureTimeSec, datetimeOriginal, orientationTag, hasGPSData, distortionRisk
    case meanR, meanG, meanB, stdR, stdG, stdB, meanBrightness, minVal, maxVal
    case cornerMean, centerMean, borderMean, delta
    case phash, dhash, blurScore, isBlurry
    case isCorrupt, isDark, isOverexposed, hasBorderArtifact
    case analyzedAt, analyzerVersion
    // Ours.
    case corruptReason, sha256, phashCenter, frameCount, pathRaw, split, className
    // The URL an image was downloaded from (`imgeda download`).
    case sourceURL
    // The object's ETag, for a scan of S3 (its resume key is the key, size and ETag).
    case etag
    case offsetTimeOriginal
    // The window hashes of robust duplicate search (WindowHashes).
    case windowHashes

    /// Where a field lives: in the record itself, or in one of its nested objects.
    public enum Group: Sendable, Hashable, CaseIterable {
        case record, pixelStats, cornerStats

        /// The key of the nested object in the manifest (`pixel_stats`); empty for the record.
        @inlinable public var jsonKey: StaticString {
            switch self {
            case .record: ""
            case .pixelStats: "pixel_stats"
            case .cornerStats: "corner_stats"
            }
        }

        /// Whether the record holds this object (the record itself is always there).
        @inlinable public func isPresent(in r: ImageRecord) -> Bool {
            switch self {
            case .record: true
            case .pixelStats: r.pixelStats != nil
            case .cornerStats: r.cornerStats != nil
            }
        }
    }

    /// A field's type, as JSON, CSV and Parquet see it.
    public enum Kind: Sendable, Hashable {
        case int, double, bool, string
    }

    /// A field's value, typed; `.null` for an absent optional.
    public enum Value: Sendable, Hashable {
        case int(Int)
        case double(Double)
        case bool(Bool)
        case string(String)
        case null
    }

    /// What the table says about one field.
    public struct Spec: Sendable {
        /// The key in the manifest's JSON (inside ``group``'s object for a nested field).
        public var jsonKey: StaticString
        public var group: Group
        public var kind: Kind
        /// Whether the record's property is optional (JSON null allowed). Nested fields are
        /// required inside their object, as the reference's `PixelStats(**fields)` requires them.
        public var isOptional: Bool
        /// Decimals the manifest writer rounds to (as the reference does), or nil for all.
        public var decimals: Int?
        /// Whether the writer leaves the key out when the value is null (fields that most
        /// records do not have), rather than writing `null`.
        public var omittedWhenNull: Bool

        @usableFromInline init(
            _ jsonKey: StaticString, _ kind: Kind, in group: Group = .record, optional: Bool = false,
            decimals: Int? = nil, omittedWhenNull: Bool = false
        ) {
            self.jsonKey = jsonKey
            self.group = group
            self.kind = kind
            self.isOptional = optional
            self.decimals = decimals
            self.omittedWhenNull = omittedWhenNull
        }
    }

    /// The table.
    @inlinable public var spec: Spec {
        switch self {
        case .path: Spec("path", .string)
        case .filename: Spec("filename", .string)
        case .fileSizeBytes: Spec("file_size_bytes", .int)
        case .mtime: Spec("mtime", .double)
        case .width: Spec("width", .int)
        case .height: Spec("height", .int)
        case .format: Spec("format", .string)
        case .colorMode: Spec("color_mode", .string)
        case .numChannels: Spec("num_channels", .int)
        case .aspectRatio: Spec("aspect_ratio", .double, decimals: 4)
        case .cameraMake: Spec("camera_make", .string, optional: true)
        case .cameraModel: Spec("camera_model", .string, optional: true)
        case .lensModel: Spec("lens_model", .string, optional: true)
        case .focalLengthMM: Spec("focal_length_mm", .double, optional: true)
        case .focalLength35mm: Spec("focal_length_35mm", .int, optional: true)
        case .isoSpeed: Spec("iso_speed", .int, optional: true)
        case .fNumber: Spec("f_number", .double, optional: true)
        case .exposureTimeSec: Spec("exposure_time_sec", .double, optional: true)
        case .datetimeOriginal: Spec("datetime_original", .string, optional: true)
        case .orientationTag: Spec("orientation_tag", .int, optional: true)
        case .hasGPSData: Spec("has_gps_data", .bool)
        case .distortionRisk: Spec("distortion_risk", .string, optional: true)
        case .meanR: Spec("mean_r", .double, in: .pixelStats, decimals: 3)
        case .meanG: Spec("mean_g", .double, in: .pixelStats, decimals: 3)
        case .meanB: Spec("mean_b", .double, in: .pixelStats, decimals: 3)
        case .stdR: Spec("std_r", .double, in: .pixelStats, decimals: 3)
        case .stdG: Spec("std_g", .double, in: .pixelStats, decimals: 3)
        case .stdB: Spec("std_b", .double, in: .pixelStats, decimals: 3)
        case .meanBrightness: Spec("mean_brightness", .double, in: .pixelStats, decimals: 3)
        case .minVal: Spec("min_val", .int, in: .pixelStats)
        case .maxVal: Spec("max_val", .int, in: .pixelStats)
        case .cornerMean: Spec("corner_mean", .double, in: .cornerStats, decimals: 3)
        case .centerMean: Spec("center_mean", .double, in: .cornerStats, decimals: 3)
        case .borderMean: Spec("border_mean", .double, in: .cornerStats, decimals: 3)
        case .delta: Spec("delta", .double, in: .cornerStats, decimals: 3)
        case .phash: Spec("phash", .string, optional: true)
        case .dhash: Spec("dhash", .string, optional: true)
        case .blurScore: Spec("blur_score", .double, optional: true, decimals: 2)
        case .isBlurry: Spec("is_blurry", .bool)
        case .isCorrupt: Spec("is_corrupt", .bool)
        case .isDark: Spec("is_dark", .bool)
        case .isOverexposed: Spec("is_overexposed", .bool)
        case .hasBorderArtifact: Spec("has_border_artifact", .bool)
        case .analyzedAt: Spec("analyzed_at", .string)
        case .analyzerVersion: Spec("analyzer_version", .string)
        case .corruptReason: Spec("corrupt_reason", .string, optional: true)
        case .sha256: Spec("sha256", .string, optional: true)
        case .phashCenter: Spec("phash_center", .string, optional: true)
        case .frameCount: Spec("frame_count", .int, optional: true, omittedWhenNull: true)
        case .pathRaw: Spec("path_raw", .string, optional: true, omittedWhenNull: true)
        case .split: Spec("split", .string, optional: true, omittedWhenNull: true)
        case .className: Spec("class_name", .string, optional: true, omittedWhenNull: true)
        case .sourceURL: Spec("source_url", .string, optional: true, omittedWhenNull: true)
        case .etag: Spec("etag", .string, optional: true, omittedWhenNull: true)
        case .offsetTimeOriginal: Spec("offset_time_original", .string, optional: true, omittedWhenNull: true)
        case .windowHashes: Spec("window_hashes", .string, optional: true, omittedWhenNull: true)
        }
    }

    @inlinable public var jsonKey: StaticString { spec.jsonKey }
    /// Whether a record cannot be without the field: only `path`, which identifies it.
    /// Readers reject a record without it (or with a null), and take defaults for the rest.
    @inlinable public var isRequired: Bool { self == .path }
    @inlinable public var group: Group { spec.group }
    @inlinable public var kind: Kind { spec.kind }

    /// Fields in the manifest's order, stored once (the synthesized `allCases` builds a new
    /// array on every call).
    public static let manifestOrder: [RecordField] = allCases

    /// The fields of one nested object, in the manifest's order.
    public static func fields(of group: Group) -> [RecordField] {
        switch group {
        case .record: recordFields
        case .pixelStats: pixelStatsFields
        case .cornerStats: cornerStatsFields
        }
    }

    private static let recordFields = allCases.filter { $0.group == .record }
    private static let pixelStatsFields = allCases.filter { $0.group == .pixelStats }
    private static let cornerStatsFields = allCases.filter { $0.group == .cornerStats }

    // MARK: - Export columns

    /// The column's name in a CSV export, as the reference names it: nested fields flattened
    /// to their own key (`mean_r`, `corner_mean`), except the corners' `delta`, which the
    /// reference calls `corner_delta`.
    public var csvName: String {
        self == .delta ? "corner_delta" : "\(jsonKey)"
    }

    /// The column's name in a Parquet export, as the reference names it: nested fields keep
    /// their object's key (`pixel_stats.mean_r`, `corner_stats.delta`).
    public var parquetName: String {
        group == .record ? "\(jsonKey)" : "\(group.jsonKey).\(jsonKey)"
    }

    /// The reference's CSV columns, in its order (`imgeda/io/csv_io.py`). It leaves out
    /// `orientation_tag`, `min_val`, `max_val` and `analyzer_version`; ``csvOrder`` puts them,
    /// and our additions, after these.
    public static let referenceCSVColumns: [RecordField] = [
        .path, .filename, .fileSizeBytes, .mtime, .width, .height, .format, .colorMode, .numChannels, .aspectRatio,
        .cameraMake, .cameraModel, .lensModel, .focalLengthMM, .focalLength35mm, .isoSpeed, .fNumber,
        .exposureTimeSec, .datetimeOriginal, .hasGPSData, .distortionRisk, .blurScore, .isBlurry, .phash, .dhash,
        .isCorrupt, .isDark, .isOverexposed, .hasBorderArtifact, .analyzedAt,
        .meanR, .meanG, .meanB, .stdR, .stdG, .stdB, .meanBrightness,
        .cornerMean, .centerMean, .borderMean, .delta,
    ]

    /// The reference's Parquet columns, in its order (`imgeda/io/parquet_io.py`). It leaves
    /// out `analyzer_version`.
    public static let referenceParquetColumns: [RecordField] = [
        .path, .filename, .fileSizeBytes, .mtime, .width, .height, .format, .colorMode, .numChannels, .aspectRatio,
        .cameraMake, .cameraModel, .lensModel, .focalLengthMM, .focalLength35mm, .isoSpeed, .fNumber,
        .exposureTimeSec, .datetimeOriginal, .orientationTag, .hasGPSData, .distortionRisk, .blurScore, .isBlurry,
        .phash, .dhash, .isCorrupt, .isDark, .isOverexposed, .hasBorderArtifact, .analyzedAt,
        .meanR, .meanG, .meanB, .stdR, .stdG, .stdB, .meanBrightness, .minVal, .maxVal,
        .cornerMean, .centerMean, .borderMean, .delta,
    ]

    /// Every field, in a CSV export's column order: the reference's columns, then the rest in
    /// the manifest's order.
    public static let csvOrder: [RecordField] = referenceCSVColumns + allCases.filter { !referenceCSVColumns.contains($0) }

    /// Every field, in a Parquet export's column order: the reference's columns, then the rest
    /// in the manifest's order.
    public static let parquetOrder: [RecordField] = referenceParquetColumns + allCases.filter { !referenceParquetColumns.contains($0) }

    // MARK: - Accessors

    /// The field's value in a record; `.null` for an absent optional or a field of an absent
    /// nested object.
    @inlinable public func value(in r: ImageRecord) -> Value {
        switch self {
        case .path: .string(r.path)
        case .filename: .string(r.filename)
        case .fileSizeBytes: .int(r.fileSizeBytes)
        case .mtime: .double(r.mtime)
        case .width: .int(r.width)
        case .height: .int(r.height)
        case .format: .string(r.format)
        case .colorMode: .string(r.colorMode)
        case .numChannels: .int(r.numChannels)
        case .aspectRatio: .double(r.aspectRatio)
        case .cameraMake: Value(r.cameraMake)
        case .cameraModel: Value(r.cameraModel)
        case .lensModel: Value(r.lensModel)
        case .focalLengthMM: Value(r.focalLengthMM)
        case .focalLength35mm: Value(r.focalLength35mm)
        case .isoSpeed: Value(r.isoSpeed)
        case .fNumber: Value(r.fNumber)
        case .exposureTimeSec: Value(r.exposureTimeSec)
        case .datetimeOriginal: Value(r.datetimeOriginal)
        case .orientationTag: Value(r.orientationTag)
        case .hasGPSData: .bool(r.hasGPSData)
        case .distortionRisk: Value(r.distortionRisk)
        case .meanR, .meanG, .meanB, .stdR, .stdG, .stdB, .meanBrightness, .minVal, .maxVal:
            r.pixelStats.map { value(in: $0) } ?? .null
        case .cornerMean, .centerMean, .borderMean, .delta:
            r.cornerStats.map { value(in: $0) } ?? .null
        case .phash: Value(r.phash)
        case .dhash: Value(r.dhash)
        case .blurScore: Value(r.blurScore)
        case .isBlurry: .bool(r.isBlurry)
        case .isCorrupt: .bool(r.isCorrupt)
        case .isDark: .bool(r.isDark)
        case .isOverexposed: .bool(r.isOverexposed)
        case .hasBorderArtifact: .bool(r.hasBorderArtifact)
        case .analyzedAt: .string(r.analyzedAt)
        case .analyzerVersion: .string(r.analyzerVersion)
        case .corruptReason: Value(r.corruptReason)
        case .sha256: Value(r.sha256)
        case .phashCenter: Value(r.phashCenter)
        case .frameCount: Value(r.frameCount)
        case .pathRaw: Value(r.pathRaw)
        case .split: Value(r.split)
        case .className: Value(r.className)
        case .sourceURL: Value(r.sourceURL)
        case .etag: Value(r.etag)
        case .offsetTimeOriginal: Value(r.offsetTimeOriginal)
        case .windowHashes: Value(r.windowHashes)
        }
    }

    /// Sets the field in a record. `.null` clears an optional and sets a required field to
    /// its default (0, false, ""), as the reference's defaults do. Returns false, changing
    /// nothing, when the value's type is not the field's (an integer is accepted for a
    /// double) or the field is nested (set those on ``PixelStats`` or ``CornerStats``).
    @inlinable @discardableResult
    public func set(_ v: Value, in r: inout ImageRecord) -> Bool {
        switch self {
        case .path: guard let x = v.asString else { return false }; r.path = x ?? ""
        case .filename: guard let x = v.asString else { return false }; r.filename = x ?? ""
        case .fileSizeBytes: guard let x = v.asInt else { return false }; r.fileSizeBytes = x ?? 0
        case .mtime: guard let x = v.asDouble else { return false }; r.mtime = x ?? 0
        case .width: guard let x = v.asInt else { return false }; r.width = x ?? 0
        case .height: guard let x = v.asInt else { return false }; r.height = x ?? 0
        case .format: guard let x = v.asString else { return false }; r.format = x ?? ""
        case .colorMode: guard let x = v.asString else { return false }; r.colorMode = x ?? ""
        case .numChannels: guard let x = v.asInt else { return false }; r.numChannels = x ?? 0
        case .aspectRatio: guard let x = v.asDouble else { return false }; r.aspectRatio = x ?? 0
        case .cameraMake: guard let x = v.asString else { return false }; r.cameraMake = x
        case .cameraModel: guard let x = v.asString else { return false }; r.cameraModel = x
        case .lensModel: guard let x = v.asString else { return false }; r.lensModel = x
        case .focalLengthMM: guard let x = v.asDouble else { return false }; r.focalLengthMM = x
        case .focalLength35mm: guard let x = v.asInt else { return false }; r.focalLength35mm = x
        case .isoSpeed: guard let x = v.asInt else { return false }; r.isoSpeed = x
        case .fNumber: guard let x = v.asDouble else { return false }; r.fNumber = x
        case .exposureTimeSec: guard let x = v.asDouble else { return false }; r.exposureTimeSec = x
        case .datetimeOriginal: guard let x = v.asString else { return false }; r.datetimeOriginal = x
        case .orientationTag: guard let x = v.asInt else { return false }; r.orientationTag = x
        case .hasGPSData: guard let x = v.asBool else { return false }; r.hasGPSData = x ?? false
        case .distortionRisk: guard let x = v.asString else { return false }; r.distortionRisk = x
        case .meanR, .meanG, .meanB, .stdR, .stdG, .stdB, .meanBrightness, .minVal, .maxVal,
            .cornerMean, .centerMean, .borderMean, .delta:
            return false
        case .phash: guard let x = v.asString else { return false }; r.phash = x
        case .dhash: guard let x = v.asString else { return false }; r.dhash = x
        case .blurScore: guard let x = v.asDouble else { return false }; r.blurScore = x
        case .isBlurry: guard let x = v.asBool else { return false }; r.isBlurry = x ?? false
        case .isCorrupt: guard let x = v.asBool else { return false }; r.isCorrupt = x ?? false
        case .isDark: guard let x = v.asBool else { return false }; r.isDark = x ?? false
        case .isOverexposed: guard let x = v.asBool else { return false }; r.isOverexposed = x ?? false
        case .hasBorderArtifact: guard let x = v.asBool else { return false }; r.hasBorderArtifact = x ?? false
        case .analyzedAt: guard let x = v.asString else { return false }; r.analyzedAt = x ?? ""
        case .analyzerVersion: guard let x = v.asString else { return false }; r.analyzerVersion = x ?? ""
        case .corruptReason: guard let x = v.asString else { return false }; r.corruptReason = x
        case .sha256: guard let x = v.asString else { return false }; r.sha256 = x
        case .phashCenter: guard let x = v.asString else { return false }; r.phashCenter = x
        case .frameCount: guard let x = v.asInt else { return false }; r.frameCount = x
        case .pathRaw: guard let x = v.asString else { return false }; r.pathRaw = x
        case .split: guard let x = v.asString else { return false }; r.split = x
        case .className: guard let x = v.asString else { return false }; r.className = x
        case .sourceURL: guard let x = v.asString else { return false }; r.sourceURL = x
        case .etag: guard let x = v.asString else { return false }; r.etag = x
        case .offsetTimeOriginal: guard let x = v.asString else { return false }; r.offsetTimeOriginal = x
        case .windowHashes: guard let x = v.asString else { return false }; r.windowHashes = x
        }
        return true
    }

    /// The field's value in pixel statistics; `.null` for a field of another group.
    @inlinable public func value(in p: PixelStats) -> Value {
        switch self {
        case .meanR: .double(p.meanR)
        case .meanG: .double(p.meanG)
        case .meanB: .double(p.meanB)
        case .stdR: .double(p.stdR)
        case .stdG: .double(p.stdG)
        case .stdB: .double(p.stdB)
        case .meanBrightness: .double(p.meanBrightness)
        case .minVal: .int(p.minVal)
        case .maxVal: .int(p.maxVal)
        default: .null
        }
    }

    /// Sets a field of pixel statistics; false, changing nothing, for a value of another
    /// type, a null (these fields are required) or a field of another group.
    @inlinable @discardableResult
    public func set(_ v: Value, in p: inout PixelStats) -> Bool {
        switch self {
        case .meanR: guard let x = v.asDouble ?? nil else { return false }; p.meanR = x
        case .meanG: guard let x = v.asDouble ?? nil else { return false }; p.meanG = x
        case .meanB: guard let x = v.asDouble ?? nil else { return false }; p.meanB = x
        case .stdR: guard let x = v.asDouble ?? nil else { return false }; p.stdR = x
        case .stdG: guard let x = v.asDouble ?? nil else { return false }; p.stdG = x
        case .stdB: guard let x = v.asDouble ?? nil else { return false }; p.stdB = x
        case .meanBrightness: guard let x = v.asDouble ?? nil else { return false }; p.meanBrightness = x
        case .minVal: guard let x = v.asInt ?? nil else { return false }; p.minVal = x
        case .maxVal: guard let x = v.asInt ?? nil else { return false }; p.maxVal = x
        default: return false
        }
        return true
    }

    /// The field's value in corner statistics; `.null` for a field of another group.
    @inlinable public func value(in c: CornerStats) -> Value {
        switch self {
        case .cornerMean: .double(c.cornerMean)
        case .centerMean: .double(c.centerMean)
        case .borderMean: .double(c.borderMean)
        case .delta: .double(c.delta)
        default: .null
        }
    }

    /// Sets a field of corner statistics; false, changing nothing, for a value of another
    /// type, a null (these fields are required) or a field of another group.
    @inlinable @discardableResult
    public func set(_ v: Value, in c: inout CornerStats) -> Bool {
        switch self {
        case .cornerMean: guard let x = v.asDouble ?? nil else { return false }; c.cornerMean = x
        case .centerMean: guard let x = v.asDouble ?? nil else { return false }; c.centerMean = x
        case .borderMean: guard let x = v.asDouble ?? nil else { return false }; c.borderMean = x
        case .delta: guard let x = v.asDouble ?? nil else { return false }; c.delta = x
        default: return false
        }
        return true
    }
}

extension RecordField.Value {
    @inlinable init(_ v: String?) { self = v.map(Self.string) ?? .null }
    @inlinable init(_ v: Int?) { self = v.map(Self.int) ?? .null }
    @inlinable init(_ v: Double?) { self = v.map(Self.double) ?? .null }

    /// The value as a string field takes it: `.some(nil)` for null, nil for another type.
    @inlinable var asString: String?? {
        switch self {
        case .string(let s): .some(s)
        case .null: .some(nil)
        default: nil
        }
    }

    /// The value as an integer field takes it: `.some(nil)` for null, nil for another type.
    @inlinable var asInt: Int?? {
        switch self {
        case .int(let x): .some(x)
        case .null: .some(nil)
        default: nil
        }
    }

    /// The value as a double field takes it (an integer too): `.some(nil)` for null, nil for
    /// another type.
    @inlinable var asDouble: Double?? {
        switch self {
        case .double(let x): .some(x)
        case .int(let x): .some(Double(x))
        case .null: .some(nil)
        default: nil
        }
    }

    /// The value as a Boolean field takes it: `.some(nil)` for null, nil for another type.
    @inlinable var asBool: Bool?? {
        switch self {
        case .bool(let x): .some(x)
        case .null: .some(nil)
        default: nil
        }
    }
}

// MARK: - Codable, from the table

/// A coding key made from a field's JSON key, so `Codable` reads the same table.
struct RecordFieldKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
    init(_ key: StaticString) { stringValue = "\(key)" }
}

extension KeyedDecodingContainer where Key == RecordFieldKey {
    /// A field's value as `JSONDecoder` reads it: absent or null is `.null`; a value of
    /// another type throws.
    func decodeValue(_ field: RecordField) throws -> RecordField.Value {
        let key = RecordFieldKey(field.jsonKey)
        switch field.kind {
        case .int: return RecordField.Value(try decodeIfPresent(Int.self, forKey: key))
        case .double: return RecordField.Value(try decodeIfPresent(Double.self, forKey: key))
        case .bool: return try decodeIfPresent(Bool.self, forKey: key).map(RecordField.Value.bool) ?? .null
        case .string: return RecordField.Value(try decodeIfPresent(String.self, forKey: key))
        }
    }

    /// A required field: throws when it is absent or null.
    func decodeRequired(_ field: RecordField) throws -> RecordField.Value {
        let key = RecordFieldKey(field.jsonKey)
        switch field.kind {
        case .int: return .int(try decode(Int.self, forKey: key))
        case .double: return .double(try decode(Double.self, forKey: key))
        case .bool: return .bool(try decode(Bool.self, forKey: key))
        case .string: return .string(try decode(String.self, forKey: key))
        }
    }
}

extension KeyedEncodingContainer where Key == RecordFieldKey {
    /// Encodes a field's value; a null is left out, as synthesized `Codable` leaves out nil.
    mutating func encode(_ value: RecordField.Value, for field: RecordField) throws {
        let key = RecordFieldKey(field.jsonKey)
        switch value {
        case .int(let x): try encode(x, forKey: key)
        case .double(let x): try encode(x, forKey: key)
        case .bool(let x): try encode(x, forKey: key)
        case .string(let x): try encode(x, forKey: key)
        case .null: break
        }
    }
}

extension RecordField {
    /// Decodes the required fields of `group` into `value` through `set` (one Codable for
    /// every nested object of the table).
    static func decodeGroup<T>(
        _ group: Group, from decoder: any Decoder, into value: inout T, set: (RecordField, Value, inout T) -> Bool
    ) throws {
        let c = try decoder.container(keyedBy: RecordFieldKey.self)
        for field in fields(of: group) {
            guard set(field, try c.decodeRequired(field), &value) else {
                throw DecodingError.dataCorruptedError(
                    forKey: RecordFieldKey(field.jsonKey), in: c, debugDescription: "not a \(field.kind)")
            }
        }
    }

    /// Encodes the fields of `group` read by `value(of:)`.
    static func encodeGroup(_ group: Group, to encoder: any Encoder, value: (RecordField) -> Value) throws {
        var c = encoder.container(keyedBy: RecordFieldKey.self)
        for field in fields(of: group) { try c.encode(value(field), for: field) }
    }
}

extension PixelStats {
    public init(from decoder: any Decoder) throws {
        self.init()
        try RecordField.decodeGroup(.pixelStats, from: decoder, into: &self) { $0.set($1, in: &$2) }
    }

    public func encode(to encoder: any Encoder) throws {
        try RecordField.encodeGroup(.pixelStats, to: encoder) { $0.value(in: self) }
    }
}

extension CornerStats {
    public init(from decoder: any Decoder) throws {
        self.init()
        try RecordField.decodeGroup(.cornerStats, from: decoder, into: &self) { $0.set($1, in: &$2) }
    }

    public func encode(to encoder: any Encoder) throws {
        try RecordField.encodeGroup(.cornerStats, to: encoder) { $0.value(in: self) }
    }
}

extension ImageRecord {
    /// Decodes leniently: every field but `path` may be missing (records written by other
    /// tools or older versions), and missing values take the reference's defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RecordFieldKey.self)
        self.init(path: "", filename: "")
        analyzerVersion = ""
        for field in RecordField.fields(of: .record) {
            let value = field.isRequired ? try c.decodeRequired(field) : try c.decodeValue(field)
            guard field.set(value, in: &self) else {
                throw DecodingError.dataCorruptedError(
                    forKey: RecordFieldKey(field.jsonKey), in: c, debugDescription: "not a \(field.kind)")
            }
        }
        pixelStats = try c.decodeIfPresent(PixelStats.self, forKey: RecordFieldKey(RecordField.Group.pixelStats.jsonKey))
        cornerStats = try c.decodeIfPresent(CornerStats.self, forKey: RecordFieldKey(RecordField.Group.cornerStats.jsonKey))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: RecordFieldKey.self)
        for field in RecordField.fields(of: .record) { try c.encode(field.value(in: self), for: field) }
        try c.encodeIfPresent(pixelStats, forKey: RecordFieldKey(RecordField.Group.pixelStats.jsonKey))
        try c.encodeIfPresent(cornerStats, forKey: RecordFieldKey(RecordField.Group.cornerStats.jsonKey))
    }
}
