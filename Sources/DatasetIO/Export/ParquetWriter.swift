public import DatasetAnalysis

/// A Parquet writer of our own (no Swift Parquet library exists here) for flat, typed,
/// nullable columns: INT64, DOUBLE, BOOLEAN and UTF-8 strings (BYTE_ARRAY with the STRING
/// logical type).
///
/// Records are buffered per row group (``rowGroupSize`` rows) and written column by column,
/// one uncompressed v1 data page per column chunk, PLAIN values, and definition levels in
/// the RLE/bit-packed hybrid encoding (bit width 1). The footer is the Thrift compact
/// encoding of `FileMetaData`. Memory stays flat: one row group of values at a time.
///
/// - Complexity: O(rows × columns) time; O(rowGroupSize × columns) memory.
public struct ParquetWriter {
    public static let rowGroupSize = 100_000

    private let columns = ExportColumns.parquet
    private let sink: ([UInt8]) throws -> Void
    private var offset = 0
    private var rows: [[ExportColumns.Value]]  // per column, the current row group's values
    private var buffered = 0
    private var rowGroups: [RowGroupMeta] = []
    private var totalRows = 0

    struct ChunkMeta {
        var offset: Int
        var size: Int
        var values: Int
    }

    struct RowGroupMeta {
        var chunks: [ChunkMeta]
        var rows: Int
        var bytes: Int
    }

    public init(sink: @escaping ([UInt8]) throws -> Void) throws {
        self.sink = sink
        rows = Array(repeating: [], count: columns.count)
        try write(ParquetFormat.magic)
    }

    public mutating func append(_ record: ImageRecord) throws {
        for (n, column) in columns.enumerated() { rows[n].append(column.value(record)) }
        buffered += 1
        if buffered >= Self.rowGroupSize { try flushRowGroup() }
    }

    /// Writes the last row group and the footer.
    public mutating func finish() throws {
        if buffered > 0 || rowGroups.isEmpty { try flushRowGroup() }
        var footer = ThriftCompact()
        footer.structBegin()
        footer.field(1, .i32); footer.int(1)  // version
        footer.field(2, .list); footer.listHeader(count: columns.count + 1, type: .structure)
        // The root of the schema, then one element per column.
        footer.structBegin()
        footer.field(4, .binary); footer.string("schema")
        footer.field(5, .i32); footer.int(Int64(columns.count))
        footer.structEnd()
        for column in columns {
            footer.structBegin()
            footer.field(1, .i32); footer.int(Int64(Self.physicalType(column.kind)))
            footer.field(3, .i32); footer.int(1)  // OPTIONAL
            footer.field(4, .binary); footer.string(column.name)
            if column.kind == .string {
                footer.field(6, .i32); footer.int(0)  // converted type UTF8
                footer.field(10, .structure)  // logical type: a union holding STRING
                footer.structBegin()
                footer.field(1, .structure)
                footer.structBegin()
                footer.structEnd()
                footer.structEnd()
            }
            footer.structEnd()
        }
        footer.field(3, .i64); footer.int(Int64(totalRows))
        footer.field(4, .list); footer.listHeader(count: rowGroups.count, type: .structure)
        for group in rowGroups {
            footer.structBegin()
            footer.field(1, .list); footer.listHeader(count: group.chunks.count, type: .structure)
            for (n, chunk) in group.chunks.enumerated() {
                footer.structBegin()
                footer.field(2, .i64); footer.int(Int64(chunk.offset))
                footer.field(3, .structure)
                footer.structBegin()
                footer.field(1, .i32); footer.int(Int64(Self.physicalType(columns[n].kind)))
                footer.field(2, .list); footer.listHeader(count: 2, type: .i32)
                footer.int(0); footer.int(3)  // PLAIN, RLE
                footer.field(3, .list); footer.listHeader(count: 1, type: .binary); footer.string(columns[n].name)
                footer.field(4, .i32); footer.int(0)  // UNCOMPRESSED
                footer.field(5, .i64); footer.int(Int64(chunk.values))
                footer.field(6, .i64); footer.int(Int64(chunk.size))
                footer.field(7, .i64); footer.int(Int64(chunk.size))
                footer.field(9, .i64); footer.int(Int64(chunk.offset))
                footer.structEnd()
                footer.structEnd()
            }
            footer.field(2, .i64); footer.int(Int64(group.bytes))
            footer.field(3, .i64); footer.int(Int64(group.rows))
            footer.structEnd()
        }
        footer.field(6, .binary); footer.string("imgeda-swift")
        footer.structEnd()
        let length = footer.bytes.count
        try write(footer.bytes)
        try write((0..<4).map { UInt8(truncatingIfNeeded: length >> ($0 * 8)) })
        try write(ParquetFormat.magic)
    }

    private mutating func flushRowGroup() throws {
        var chunks: [ChunkMeta] = []
        var groupBytes = 0
        for (n, column) in columns.enumerated() {
            let values = rows[n]
            // Definition levels: 1 for a value, 0 for null; bit-packed groups of eight.
            var levels: [UInt8] = []
            let groups = (values.count + 7) / 8
            levels.append(contentsOf: ThriftCompact.uleb(UInt64(groups << 1 | 1)))
            var byte: UInt8 = 0
            for (i, v) in values.enumerated() {
                if v != .null { byte |= 1 << UInt8(i % 8) }
                if i % 8 == 7 { levels.append(byte); byte = 0 }
            }
            if values.count % 8 != 0 { levels.append(byte) }
            var page: [UInt8] = []
            page.append(contentsOf: (0..<4).map { UInt8(truncatingIfNeeded: levels.count >> ($0 * 8)) })
            page.append(contentsOf: levels)
            Self.plain(values, kind: column.kind, into: &page)

            var header = ThriftCompact()
            header.structBegin()
            header.field(1, .i32); header.int(0)  // DATA_PAGE
            header.field(2, .i32); header.int(Int64(page.count))
            header.field(3, .i32); header.int(Int64(page.count))
            header.field(5, .structure)
            header.structBegin()
            header.field(1, .i32); header.int(Int64(values.count))
            header.field(2, .i32); header.int(0)  // PLAIN
            header.field(3, .i32); header.int(3)  // RLE
            header.field(4, .i32); header.int(3)  // RLE
            header.structEnd()
            header.structEnd()

            let start = offset
            try write(header.bytes)
            try write(page)
            chunks.append(ChunkMeta(offset: start, size: offset - start, values: values.count))
            groupBytes += offset - start
            rows[n].removeAll(keepingCapacity: true)
        }
        rowGroups.append(RowGroupMeta(chunks: chunks, rows: buffered, bytes: groupBytes))
        totalRows += buffered
        buffered = 0
    }

    private mutating func write(_ bytes: [UInt8]) throws {
        try sink(bytes)
        offset += bytes.count
    }

    static func physicalType(_ kind: ExportColumns.Kind) -> Int32 {
        switch kind {
        case .bool: return ParquetFormat.PhysicalType.boolean.rawValue
        case .int: return ParquetFormat.PhysicalType.int64.rawValue
        case .double: return ParquetFormat.PhysicalType.double.rawValue
        case .string: return ParquetFormat.PhysicalType.byteArray.rawValue
        }
    }

    /// PLAIN encoding of the non-null values.
    static func plain(_ values: [ExportColumns.Value], kind: ExportColumns.Kind, into out: inout [UInt8]) {
        switch kind {
        case .bool:
            var byte: UInt8 = 0, count = 0
            for case .bool(let b) in values {
                if b { byte |= 1 << UInt8(count % 8) }
                count += 1
                if count % 8 == 0 { out.append(byte); byte = 0 }
            }
            if count % 8 != 0 { out.append(byte) }
        case .int:
            for case .int(let v) in values { out.append(contentsOf: (0..<8).map { UInt8(truncatingIfNeeded: v >> ($0 * 8)) }) }
        case .double:
            for case .double(let v) in values {
                let bits = v.bitPattern
                out.append(contentsOf: (0..<8).map { UInt8(truncatingIfNeeded: bits >> UInt64($0 * 8)) })
            }
        case .string:
            for case .string(let s) in values {
                let bytes = Array(s.utf8)
                out.append(contentsOf: (0..<4).map { UInt8(truncatingIfNeeded: bytes.count >> ($0 * 8)) })
                out.append(contentsOf: bytes)
            }
        }
    }
}
