public import DatasetAnalysis
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads the flat columns of a Parquet file — the URL lists LAION, DataComp and COYO ship,
/// as pyarrow writes them — as rows of strings, streamed page by page.
///
/// It reads what those files use: data pages v1 and v2 and dictionary pages; PLAIN,
/// PLAIN_DICTIONARY/RLE_DICTIONARY (the RLE/bit-packed hybrid), RLE booleans and the DELTA
/// encodings of parquet-mr's v2 writer; definition levels of nullable columns; BOOLEAN,
/// INT32, INT64, FLOAT, DOUBLE, BYTE_ARRAY (as UTF-8), FIXED_LEN_BYTE_ARRAY (as hex) and
/// INT96 (legacy timestamps, as ISO 8601); UNCOMPRESSED, SNAPPY, ZSTD and GZIP pages. Other
/// logical types are shown as their physical values (a DATE as its day number). A nested
/// column (list, map, struct) is listed in ``columns`` but refused when selected.
///
/// Any file may be hostile: a bad magic, a truncated footer, lengths past the end, a page
/// that claims to decompress to gigabytes — each becomes an ``ImgedaError`` naming the file
/// and the problem, never a crash. Allocations are bounded by the file's size and the sizes
/// the file declares, and those are checked against ``Limits`` first.
///
/// ```swift
/// let reader = try ParquetReader(path: "laion-part-00000.parquet")
/// var rows = try reader.rows(columns: ["url", "caption"])
/// while let row = try rows.next() { print(row[0] ?? "null") }
/// ```
///
/// - Complexity: O(file size) time; memory O(one page of each selected column, and its
///   dictionary), however large the row groups: a file written with pyarrow's old default
///   of one row group for the whole table streams as well as any.
public final class ParquetReader: @unchecked Sendable {
    // @unchecked Sendable: every stored property is a `let` set in `init`, and reads use
    // `pread`, which shares no file offset between threads.

    /// Bounds a hostile file cannot push past.
    public enum Limits {
        /// Largest page accepted after decompression. Writers cut pages at about 1 MiB
        /// (pyarrow's `data_page_size`); a page holds more only for a single huge value.
        public static let pageBytes = 256 << 20
        /// Largest decompression ratio accepted for a page above 1 MiB: real pages (URLs,
        /// captions, dictionary indices) compress 2–20×; a bomb claims thousands.
        public static let compressionRatio = 1024
        /// Largest footer accepted: the metadata of a file with thousands of row groups
        /// and columns is a few MiB.
        public static let footerBytes = 64 << 20
        /// Rows a row group may declare per byte of the file (with a floor of 2^20): a
        /// dictionary-encoded column can run-length encode a million equal values in a few
        /// bytes, so this is generous, but it keeps a tiny file from claiming 2^40 rows.
        public static let rowsPerFileByte = 8
    }

    public let path: String
    /// Every top-level column, in the file's order (nested ones included).
    public let columns: [String]
    /// The columns this reader can return: those that are not nested.
    public let flatColumns: [String]
    /// Rows in the file, as its footer declares them.
    public let rowCount: Int
    public var rowGroupCount: Int { rowGroups.count }

    let fd: Int32
    let fileSize: Int
    let schema: [SchemaColumn]
    let rowGroups: [RowGroupMeta]
    let createdBy: String?

    struct SchemaColumn {
        var name: String
        /// nil for a nested column.
        var leaf: Leaf?

        struct Leaf {
            var type: ParquetFormat.PhysicalType
            var typeLength: Int
            var optional: Bool
            /// Position among the file's leaf columns, which is its column chunk's position
            /// in every row group.
            var chunkIndex: Int
        }
    }

    struct ChunkMeta {
        var type: Int32 = -1
        var codec: Int32 = 0
        var valueCount: Int64 = -1
        var compressedSize: Int64 = -1
        var dataPageOffset: Int64 = -1
        var dictionaryPageOffset: Int64?
    }

    struct RowGroupMeta {
        var chunks: [ChunkMeta] = []
        var rowCount: Int64 = -1
    }

    /// Opens `path` and reads its footer.
    public init(path: String) throws(ImgedaError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw ImgedaError(.notFound, "cannot open \(path): \(reason)", remedy: "check the path and that it is readable")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw ImgedaError(.invalidFormat, "\(path) is not a regular file", remedy: "give the path of a .parquet file")
        }
        self.fd = fd
        fileSize = Int(info.st_size)
        do {
            let footer = try Self.readFooter(fd: fd, size: fileSize)
            let parsed = try footer.withMalformedBytes { bytes throws(ParquetMalformed) in try Self.parseFileMetaData(bytes) }
            let (schema, names) = try Self.columns(of: parsed.elements)
            self.schema = schema
            columns = names
            flatColumns = schema.filter { $0.leaf != nil }.map(\.name)
            rowGroups = parsed.rowGroups
            createdBy = parsed.createdBy
            guard parsed.rowCount >= 0, let rows = Int(exactly: parsed.rowCount) else {
                throw ParquetMalformed("declares \(parsed.rowCount) rows")
            }
            rowCount = rows
            try validate()
        } catch {
            close(fd)
            throw Self.error(path, error)
        }
    }

    deinit { close(fd) }

    /// The rows of `columns` (every flat column when nil), one `[String?]` per row in the
    /// order of the names given; null values are nil.
    public func rows(columns names: [String]? = nil) throws(ImgedaError) -> Rows {
        Rows(reader: self, selection: try select(names ?? flatColumns), names: names ?? flatColumns)
    }

    /// Calls `body` with every row of `columns` (every flat column when nil).
    public func forEachRow(columns names: [String]? = nil, _ body: ([String?]) throws -> Void) throws {
        var rows = try rows(columns: names)
        while let row = try rows.next() { try body(row) }
    }

    /// The rows of a Parquet file, read page by page: memory holds one page of each selected
    /// column (and its dictionary), whatever the size of the row groups.
    public struct Rows {
        let reader: ParquetReader
        let selection: [Int]
        /// The names of the columns each row holds, in order.
        public let columns: [String]
        private var group = -1
        private var row = 0
        private var rowsInGroup = 0
        private var cursors: [ColumnPages] = []
        private var pages: [[String?]] = []
        private var offsets: [Int] = []

        init(reader: ParquetReader, selection: [Int], names: [String]) {
            self.reader = reader
            self.selection = selection
            columns = names
        }

        public mutating func next() throws(ImgedaError) -> [String?]? {
            while row >= rowsInGroup {
                group += 1
                guard group < reader.rowGroups.count else { return nil }
                let meta = reader.rowGroups[group]
                rowsInGroup = Int(meta.rowCount)
                row = 0
                cursors = selection.compactMap { index in
                    reader.schema[index].leaf.map {
                        ColumnPages(file: reader, chunk: meta.chunks[$0.chunkIndex], leaf: $0, rows: rowsInGroup)
                    }
                }
                pages = Array(repeating: [], count: cursors.count)
                offsets = Array(repeating: 0, count: cursors.count)
            }
            var out: [String?] = []
            out.reserveCapacity(cursors.count)
            for c in cursors.indices {
                while offsets[c] >= pages[c].count {
                    do throws(ParquetMalformed) {
                        guard let page = try cursors[c].next() else {
                            throw ParquetMalformed("ends after \(row) of its \(rowsInGroup) values")
                        }
                        pages[c] = page
                        offsets[c] = 0
                    } catch {
                        throw reader.columnError(selection[c], group: group, error)
                    }
                }
                out.append(pages[c][offsets[c]])
                offsets[c] += 1
            }
            row += 1
            return out
        }
    }

    /// Indexes in ``schema`` of the named columns; an unknown or nested name is an error.
    func select(_ names: [String]) throws(ImgedaError) -> [Int] {
        var indexes: [Int] = []
        for name in names {
            guard let index = schema.firstIndex(where: { $0.name == name }) else {
                throw ImgedaError(
                    .notFound, "\(path) has no column '\(name)'",
                    remedy: "its columns are: \(columns.joined(separator: ", "))")
            }
            guard schema[index].leaf != nil else {
                throw ImgedaError(
                    .invalidFormat, "column '\(name)' of \(path) is nested (a list, map or struct), and imgeda reads flat columns only",
                    remedy: "select flat columns: \(flatColumns.joined(separator: ", "))")
            }
            indexes.append(index)
        }
        return indexes
    }

    /// What is wrong with column `index` (in ``schema``) of row group `group`, as an error.
    func columnError(_ index: Int, group: Int, _ error: ParquetMalformed) -> ImgedaError {
        ImgedaError(
            .invalidFormat, "\(path) cannot be read as Parquet: column '\(schema[index].name)' in row group \(group) \(error.reason)",
            remedy: Self.damagedRemedy)
    }

    /// Reads `count` bytes at `offset`, which ``validate()`` or the caller has bounded.
    func read(offset: Int, count: Int) throws(ParquetMalformed) -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= fileSize, count <= fileSize - offset else {
            throw ParquetMalformed("points past the end of the file")
        }
        return try Self.pread(fd: fd, offset: offset, count: count)
    }

    // MARK: - Footer

    private static func pread(fd: Int32, offset: Int, count: Int) throws(ParquetMalformed) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { raw in
                Glibc.pread(fd, raw.baseAddress.map { $0 + done }, count - done, off_t(offset + done))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw ParquetMalformed(n == 0 ? "ends early (truncated?)" : "cannot be read: \(String(cString: strerror(errno)))")
            }
            done += n
        }
        return buffer
    }

    private static func readFooter(fd: Int32, size: Int) throws(ParquetMalformed) -> [UInt8] {
        let magic = ParquetFormat.magic
        guard size >= 12 else { throw ParquetMalformed("is too short to be a Parquet file (\(size) bytes)") }
        guard try pread(fd: fd, offset: 0, count: 4) == magic else {
            throw ParquetMalformed("is not a Parquet file (it does not start with PAR1)")
        }
        let tail = try pread(fd: fd, offset: size - 8, count: 8)
        guard Array(tail[4...]) == magic else {
            throw ParquetMalformed("is truncated or not a Parquet file (it does not end with PAR1)")
        }
        let length = Int(tail[0]) | Int(tail[1]) << 8 | Int(tail[2]) << 16 | Int(tail[3]) << 24
        guard length > 0, length <= size - 12, length <= Limits.footerBytes else {
            throw ParquetMalformed("declares a footer of \(length) bytes in a file of \(size) bytes (truncated?)")
        }
        return try pread(fd: fd, offset: size - 8 - length, count: length)
    }

    struct SchemaElement {
        var type: Int32?
        var typeLength: Int32 = 0
        var repetition: Int32?
        var name = ""
        var childCount: Int32 = 0
    }

    struct FileMetaData {
        var elements: [SchemaElement] = []
        var rowCount: Int64 = -1
        var rowGroups: [RowGroupMeta] = []
        var createdBy: String?
    }

    static func parseFileMetaData(_ bytes: UnsafeRawBufferPointer) throws(ParquetMalformed) -> FileMetaData {
        var meta = FileMetaData()
        var reader = ThriftCompactReader(bytes)
        do throws(ThriftCompactReader.Malformed) {
            try reader.readStruct { id, type, r throws(ThriftCompactReader.Malformed) in
                switch (id, type) {
                case (2, .list):
                    try r.readList { _, r throws(ThriftCompactReader.Malformed) in
                        var element = SchemaElement()
                        try r.readStruct { id, type, r throws(ThriftCompactReader.Malformed) in
                            switch (id, type) {
                            case (1, .i32): element.type = try r.readInt32()
                            case (2, .i32): element.typeLength = try r.readInt32()
                            case (3, .i32): element.repetition = try r.readInt32()
                            case (4, .binary): element.name = try r.readString()
                            case (5, .i32): element.childCount = try r.readInt32()
                            default: try r.skip(type)
                            }
                        }
                        meta.elements.append(element)
                    }
                case (3, .i64): meta.rowCount = try r.readInt()
                case (4, .list):
                    try r.readList { _, r throws(ThriftCompactReader.Malformed) in
                        meta.rowGroups.append(try parseRowGroup(&r))
                    }
                case (6, .binary): meta.createdBy = try r.readString()
                default: try r.skip(type)
                }
            }
        } catch {
            throw ParquetMalformed("has a corrupt footer: it \(error.reason)")
        }
        return meta
    }

    private static func parseRowGroup(_ r: inout ThriftCompactReader) throws(ThriftCompactReader.Malformed) -> RowGroupMeta {
        var group = RowGroupMeta()
        try r.readStruct { id, type, r throws(ThriftCompactReader.Malformed) in
            switch (id, type) {
            case (1, .list):
                try r.readList { _, r throws(ThriftCompactReader.Malformed) in
                    var chunk = ChunkMeta()
                    try r.readStruct { id, type, r throws(ThriftCompactReader.Malformed) in
                        guard id == 3, type == .structure else { return try r.skip(type) }
                        try r.readStruct { id, type, r throws(ThriftCompactReader.Malformed) in
                            switch (id, type) {
                            case (1, .i32): chunk.type = try r.readInt32()
                            case (4, .i32): chunk.codec = try r.readInt32()
                            case (5, .i64): chunk.valueCount = try r.readInt()
                            case (7, .i64): chunk.compressedSize = try r.readInt()
                            case (9, .i64): chunk.dataPageOffset = try r.readInt()
                            case (11, .i64): chunk.dictionaryPageOffset = try r.readInt()
                            default: try r.skip(type)
                            }
                        }
                    }
                    group.chunks.append(chunk)
                }
            case (3, .i64): group.rowCount = try r.readInt()
            default: try r.skip(type)
            }
        }
        return group
    }

    /// The top-level columns of a schema (its elements in depth-first order): a leaf child of
    /// the root is a flat column; a group, or a repeated leaf, is nested.
    static func columns(of elements: [SchemaElement]) throws(ParquetMalformed) -> ([SchemaColumn], [String]) {
        guard let root = elements.first, root.childCount >= 0 else { throw ParquetMalformed("has an empty schema") }
        var columns: [SchemaColumn] = []
        var position = 1
        var leaves = 0
        /// Skips the subtree at `position`, counting its leaves.
        func skipSubtree() throws(ParquetMalformed) {
            var pending = 1
            while pending > 0 {
                guard position < elements.count else { throw ParquetMalformed("has a schema that ends early") }
                let element = elements[position]
                position += 1
                pending -= 1
                guard element.childCount >= 0, element.childCount <= elements.count else {
                    throw ParquetMalformed("has a schema element with \(element.childCount) children")
                }
                if element.childCount == 0 { leaves += 1 } else { pending += Int(element.childCount) }
            }
        }
        for _ in 0..<Int(root.childCount) {
            guard position < elements.count else { throw ParquetMalformed("has a schema that ends early") }
            let element = elements[position]
            let repetition = element.repetition.flatMap(ParquetFormat.Repetition.init(rawValue:)) ?? .required
            if element.childCount == 0, repetition != .repeated {
                guard let raw = element.type, let type = ParquetFormat.PhysicalType(rawValue: raw) else {
                    throw ParquetMalformed("column '\(element.name)' has an unknown physical type")
                }
                guard type != .fixedLenByteArray || element.typeLength > 0 else {
                    throw ParquetMalformed("column '\(element.name)' is FIXED_LEN_BYTE_ARRAY without a length")
                }
                let leaf = SchemaColumn.Leaf(
                    type: type, typeLength: Int(element.typeLength), optional: repetition == .optional, chunkIndex: leaves)
                columns.append(SchemaColumn(name: element.name, leaf: leaf))
                position += 1
                leaves += 1
            } else {
                columns.append(SchemaColumn(name: element.name, leaf: nil))
                try skipSubtree()
            }
        }
        return (columns, columns.map(\.name))
    }

    /// Checks the row groups against the schema and the file's size before any is read.
    private func validate() throws(ParquetMalformed) {
        let dataEnd = fileSize - 8
        let maxRows = max(1 << 20, fileSize.multipliedReportingOverflow(by: Limits.rowsPerFileByte).partialValue)
        var total: Int64 = 0
        for (n, group) in rowGroups.enumerated() {
            guard group.rowCount >= 0, group.rowCount <= Int64(maxRows) else {
                throw ParquetMalformed("row group \(n) declares \(group.rowCount) rows, implausible for a file of \(fileSize) bytes")
            }
            // An empty row group (pyarrow writes one for an empty table) holds no pages to read.
            for column in schema where group.rowCount > 0 {
                guard let leaf = column.leaf else { continue }
                guard leaf.chunkIndex < group.chunks.count else {
                    throw ParquetMalformed("row group \(n) has no column chunk for '\(column.name)'")
                }
                let chunk = group.chunks[leaf.chunkIndex]
                guard chunk.type == leaf.type.rawValue else {
                    throw ParquetMalformed("column '\(column.name)' in row group \(n) has a type that differs from the schema's")
                }
                let start = chunk.startOffset
                guard start >= 4, chunk.compressedSize >= 0, chunk.compressedSize <= Int64(dataEnd) - start else {
                    throw ParquetMalformed("column '\(column.name)' in row group \(n) lies outside the file (truncated?)")
                }
                guard chunk.valueCount == group.rowCount else {
                    throw ParquetMalformed(
                        "column '\(column.name)' in row group \(n) holds \(chunk.valueCount) values for \(group.rowCount) rows")
                }
            }
            total += group.rowCount
        }
        guard rowGroups.isEmpty || total == Int64(rowCount) else {
            throw ParquetMalformed("declares \(rowCount) rows but its row groups hold \(total)")
        }
    }

    static let damagedRemedy = "check that the file is complete and was written by a Parquet writer such as pyarrow"

    static func error(_ path: String, _ error: any Error) -> ImgedaError {
        if let error = error as? ImgedaError { return error }
        let reason = (error as? ParquetMalformed)?.reason ?? "\(error)"
        return ImgedaError(
            .invalidFormat, "\(path) cannot be read as Parquet: it \(reason)",
            remedy: damagedRemedy)
    }
}

extension ParquetReader.ChunkMeta {
    /// Where the chunk's first page starts: its dictionary page when it has one.
    var startOffset: Int64 {
        if let dictionary = dictionaryPageOffset, dictionary > 0, dictionary < dataPageOffset || dataPageOffset <= 0 { return dictionary }
        return dataPageOffset
    }
}

/// What is wrong with a Parquet file, as the end of a sentence beginning "it …".
struct ParquetMalformed: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
