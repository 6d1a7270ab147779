public import DatasetAnalysis

/// A manifest record flattened into typed columns for CSV and Parquet: one column for every
/// field of ``RecordField``, named and ordered as the reference names and orders it in that
/// format (CSV `mean_r`, `corner_delta`; Parquet `pixel_stats.mean_r`,
/// `corner_stats.delta`), our additions after the reference's columns.
public enum ExportColumns {
    public typealias Kind = RecordField.Kind
    public typealias Value = RecordField.Value

    public struct Column: Sendable {
        public var name: String
        public var field: RecordField
        public var kind: Kind { field.kind }

        public func value(_ record: ImageRecord) -> Value { field.value(in: record) }
    }

    /// The columns of a CSV export.
    public static let csv: [Column] = RecordField.csvOrder.map { Column(name: $0.csvName, field: $0) }

    /// The columns of a Parquet export.
    public static let parquet: [Column] = RecordField.parquetOrder.map { Column(name: $0.parquetName, field: $0) }
}

/// Writes records as CSV (RFC 4180): a header row, text cells as ``Escape/csvCell(_:into:)``
/// writes them (quoted when needed, formulas neutralised), nulls as empty fields, numbers in
/// their shortest round-trip form.
public struct CSVWriter {
    private let columns = ExportColumns.csv
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
