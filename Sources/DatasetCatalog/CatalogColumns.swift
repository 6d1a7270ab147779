public import DatasetAnalysis

/// The index's image columns, from the one field table (``RecordField``): every backend
/// names a record field's column, and reads it back, here. A field added to the table
/// becomes a column without another list to edit (the stores add missing columns when they
/// open an index).
public enum CatalogColumns {
    /// The column of a record field: its CSV name (nested fields flattened, `mean_r`,
    /// `corner_delta`), so the index reads like a CSV export.
    public static func name(_ field: RecordField) -> String { field.csvName }

    /// The record fields stored as columns, in the manifest's order.
    public static let recordFields: [RecordField] = RecordField.manifestOrder

    /// The value of every record field of `record`, in ``recordFields``' order.
    public static func values(of record: ImageRecord) -> [RecordField.Value] {
        recordFields.map { field in
            switch field.group {
            case .record: field.value(in: record)
            case .pixelStats: record.pixelStats.map { field.value(in: $0) } ?? .null
            case .cornerStats: record.cornerStats.map { field.value(in: $0) } ?? .null
            }
        }
    }

    /// A record from column values in ``recordFields``' order (missing nested objects stay nil).
    public static func record(from values: [RecordField.Value]) -> ImageRecord {
        record(from: values, fields: recordFields)
    }

    /// A record from the values of `fields`, in that order (every other field at its default;
    /// missing nested objects stay nil).
    public static func record(from values: [RecordField.Value], fields: [RecordField]) -> ImageRecord {
        var record = ImageRecord(path: "", filename: "")
        var pixels = PixelStats()
        var corners = CornerStats()
        var hasPixels = false
        var hasCorners = false
        for (field, value) in zip(fields, values) {
            switch field.group {
            case .record: _ = field.set(value, in: &record)
            case .pixelStats:
                if value != .null { hasPixels = field.set(value, in: &pixels) || hasPixels }
            case .cornerStats:
                if value != .null { hasCorners = field.set(value, in: &corners) || hasCorners }
            }
        }
        if hasPixels { record.pixelStats = pixels }
        if hasCorners { record.cornerStats = corners }
        return record
    }
}
