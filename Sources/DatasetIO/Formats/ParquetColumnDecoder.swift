/// Decodes one column chunk of a flat column into strings: its pages (dictionary, data v1
/// and v2), decompressed, definition levels applied, values rendered as text.
enum ParquetColumnDecoder {
    typealias Leaf = ParquetReader.SchemaColumn.Leaf

    /// A page header: the fields of `PageHeader` and of its data or dictionary header that
    /// a flat column needs.
    struct PageHeader {
        var type: Int32 = -1
        var uncompressedSize: Int32 = -1
        var compressedSize: Int32 = -1
        var valueCount: Int32 = -1
        var encoding: Int32 = 0
        var levelEncoding: Int32 = ParquetFormat.Encoding.rle.rawValue
        // Data page v2 only.
        var definitionBytes: Int32 = 0
        var repetitionBytes: Int32 = 0
        var isCompressed = true

        static func parse(_ r: inout ThriftCompactReader) throws(ThriftCompactReader.Malformed) -> PageHeader {
            var h = PageHeader()
            try r.readStruct { id, type, r throws(ThriftCompactReader.Malformed) in
                switch (id, type) {
                case (1, .i32): h.type = try r.readInt32()
                case (2, .i32): h.uncompressedSize = try r.readInt32()
                case (3, .i32): h.compressedSize = try r.readInt32()
                case (5, .structure):  // DataPageHeader
                    try r.readStruct { id, type, r throws(ThriftCompactReader.Malformed) in
                        switch (id, type) {
                        case (1, .i32): h.valueCount = try r.readInt32()
                        case (2, .i32): h.encoding = try r.readInt32()
                        case (3, .i32): h.levelEncoding = try r.readInt32()
                        default: try r.skip(type)
                        }
                    }
                case (7, .structure):  // DictionaryPageHeader
                    try r.readStruct { id, type, r throws(ThriftCompactReader.Malformed) in
                        switch (id, type) {
                        case (1, .i32): h.valueCount = try r.readInt32()
                        case (2, .i32): h.encoding = try r.readInt32()
                        default: try r.skip(type)
                        }
                    }
                case (8, .structure):  // DataPageHeaderV2
                    try r.readStruct { id, type, r throws(ThriftCompactReader.Malformed) in
                        switch (id, type) {
                        case (1, .i32): h.valueCount = try r.readInt32()
                        case (4, .i32): h.encoding = try r.readInt32()
                        case (5, .i32): h.definitionBytes = try r.readInt32()
                        case (6, .i32): h.repetitionBytes = try r.readInt32()
                        case (7, .boolTrue): h.isCompressed = true
                        case (7, .boolFalse): h.isCompressed = false
                        default: try r.skip(type)
                        }
                    }
                default: try r.skip(type)
                }
            }
            return h
        }
    }

    /// The values of one data page (nulls as nil), given its header and its body as stored.
    static func dataPage(
        _ header: PageHeader, body: UnsafeRawBufferPointer, count: Int, codec: Int32, leaf: Leaf, dictionary: [String]?
    ) throws(ParquetMalformed) -> [String?] {
        var out: [String?] = []
        out.reserveCapacity(count)
        if header.type == ParquetFormat.PageType.dataPage.rawValue {
            let data = try decompress(codec, body, size: header.uncompressedSize)
            try data.withMalformedBytes { (d: UnsafeRawBufferPointer) throws(ParquetMalformed) in
                var cursor = Cursor(d)
                var levels: [UInt8]?
                if leaf.optional {
                    guard header.levelEncoding == ParquetFormat.Encoding.rle.rawValue else {
                        throw ParquetMalformed(
                            "has definition levels in \(ParquetFormat.Encoding.name(header.levelEncoding)), which imgeda does not read")
                    }
                    let length = Int(try cursor.uint32())
                    levels = try RLEHybrid.decode(try cursor.take(length), bitWidth: 1, count: count).map { UInt8($0) }
                }
                try appendValues(&cursor, levels: levels, count: count, header: header, leaf: leaf, dictionary: dictionary, to: &out)
            }
            return out
        }
        // Data page v2: levels first and never compressed, then the values, compressed or not.
        let levelBytes = Int(header.definitionBytes) + Int(header.repetitionBytes)
        guard header.definitionBytes >= 0, header.repetitionBytes >= 0, levelBytes <= body.count,
            levelBytes <= Int(header.uncompressedSize)
        else { throw ParquetMalformed("has a v2 page whose levels do not fit in it") }
        var cursor = Cursor(body)
        _ = try cursor.take(Int(header.repetitionBytes))  // none in a flat column
        let definitions = try cursor.take(Int(header.definitionBytes))
        var levels: [UInt8]?
        if leaf.optional {
            levels = try RLEHybrid.decode(definitions, bitWidth: 1, count: count).map { UInt8($0) }
        }
        let rest = try cursor.take(cursor.remaining)
        let valueSize = header.uncompressedSize - Int32(levelBytes)
        let data = try decompress(header.isCompressed ? codec : ParquetFormat.Codec.uncompressed.rawValue, rest, size: valueSize)
        try data.withMalformedBytes { (d: UnsafeRawBufferPointer) throws(ParquetMalformed) in
            var values = Cursor(d)
            try appendValues(&values, levels: levels, count: count, header: header, leaf: leaf, dictionary: dictionary, to: &out)
        }
        return out
    }

    static func dictionaryPage(_ header: PageHeader, body: UnsafeRawBufferPointer, codec: Int32, leaf: Leaf) throws(ParquetMalformed)
        -> [String]
    {
        guard header.valueCount >= 0 else { throw ParquetMalformed("has a dictionary of \(header.valueCount) values") }
        let data = try decompress(codec, body, size: header.uncompressedSize)
        return try data.withMalformedBytes { (d: UnsafeRawBufferPointer) throws(ParquetMalformed) in
            var cursor = Cursor(d)
            return try plain(&cursor, count: Int(header.valueCount), leaf: leaf)
        }
    }

    static func pageValueCount(_ header: PageHeader, done: Int, rows: Int) throws(ParquetMalformed) -> Int {
        guard header.valueCount >= 0, Int(header.valueCount) <= rows - done else {
            throw ParquetMalformed("has a page of \(header.valueCount) values where \(rows - done) remain")
        }
        return Int(header.valueCount)
    }

    /// Decompresses a page after checking its declared size against ``ParquetReader/Limits``.
    private static func decompress(_ codec: Int32, _ body: UnsafeRawBufferPointer, size: Int32) throws(ParquetMalformed) -> [UInt8] {
        let limits = ParquetReader.Limits.self
        guard size >= 0, Int(size) <= limits.pageBytes,
            Int(size) <= 1 << 20 || Int(size) / limits.compressionRatio <= body.count
        else {
            throw ParquetMalformed(
                "has a page that claims to decompress from \(body.count) to \(size) bytes (a decompression bomb?)")
        }
        do throws(ParquetCodecs.Failure) {
            return try ParquetCodecs.decompress(codec, body, size: Int(size))
        } catch {
            throw ParquetMalformed("has \(error.reason)")
        }
    }

    /// Decodes `count` values (nulls included, as `levels` say) and appends them to `out`.
    private static func appendValues(
        _ cursor: inout Cursor, levels: [UInt8]?, count: Int, header: PageHeader, leaf: Leaf, dictionary: [String]?,
        to out: inout [String?]
    ) throws(ParquetMalformed) {
        var present = count
        if let levels {
            present = 0
            for level in levels {
                guard level <= 1 else { throw ParquetMalformed("has a definition level of \(level) in a flat column") }
                present += Int(level)
            }
        }
        let values: [String]
        switch ParquetFormat.Encoding(rawValue: header.encoding) {
        case .plain:
            values = try plain(&cursor, count: present, leaf: leaf)
        case .plainDictionary, .rleDictionary:
            guard let dictionary else { throw ParquetMalformed("has a dictionary-encoded page but no dictionary page") }
            let width = Int(try cursor.byte())
            guard width <= 32 else { throw ParquetMalformed("has dictionary indexes of \(width) bits") }
            let indexes = try RLEHybrid.decode(try cursor.take(cursor.remaining), bitWidth: width, count: present)
            var decoded: [String] = []
            decoded.reserveCapacity(present)
            for index in indexes {
                guard Int(index) < dictionary.count else {
                    throw ParquetMalformed("refers to entry \(index) of a dictionary of \(dictionary.count)")
                }
                decoded.append(dictionary[Int(index)])
            }
            values = decoded
        case .rle where leaf.type == .boolean:
            let length = Int(try cursor.uint32())
            values = try RLEHybrid.decode(try cursor.take(length), bitWidth: 1, count: present).map { $0 == 1 ? "true" : "false" }
        case .deltaBinaryPacked where leaf.type == .int32:
            values = try DeltaEncoding.integers(&cursor, count: present).map { String(Int32(truncatingIfNeeded: $0)) }
        case .deltaBinaryPacked where leaf.type == .int64:
            values = try DeltaEncoding.integers(&cursor, count: present).map { String($0) }
        case .deltaLengthByteArray where leaf.type == .byteArray:
            values = try DeltaEncoding.lengthPrefixed(&cursor, count: present).map { String(decoding: $0, as: UTF8.self) }
        case .deltaByteArray where leaf.type == .byteArray || leaf.type == .fixedLenByteArray:
            let raw = try DeltaEncoding.prefixShared(&cursor, count: present)
            values = leaf.type == .byteArray ? raw.map { String(decoding: $0, as: UTF8.self) } : raw.map { $0.withUnsafeBytes(hex) }
        default:
            throw ParquetMalformed(
                "has \(leaf.type) values in \(ParquetFormat.Encoding.name(header.encoding)) encoding, which imgeda does not read (it reads PLAIN, dictionary, RLE booleans and the DELTA encodings)"
            )
        }
        if let levels {
            var next = 0
            for level in levels {
                if level == 1 {
                    out.append(values[next])
                    next += 1
                } else {
                    out.append(nil)
                }
            }
        } else {
            for value in values { out.append(value) }
        }
    }

    /// `count` PLAIN-encoded values of the leaf's type, as text.
    static func plain(_ cursor: inout Cursor, count: Int, leaf: Leaf) throws(ParquetMalformed) -> [String] {
        // Each value takes at least one byte (booleans one bit), so a count the data cannot
        // hold fails here, before anything is allocated for it.
        let minimum = leaf.type == .boolean ? (count + 7) / 8 : count
        guard minimum <= cursor.remaining else {
            throw ParquetMalformed("declares \(count) values in \(cursor.remaining) bytes")
        }
        var out: [String] = []
        out.reserveCapacity(count)
        switch leaf.type {
        case .boolean:
            let bytes = try cursor.take((count + 7) / 8)
            for i in 0..<count { out.append(bytes[i >> 3] >> UInt8(i & 7) & 1 == 1 ? "true" : "false") }
        case .int32:
            for _ in 0..<count { out.append(String(Int32(bitPattern: try cursor.uint32()))) }
        case .int64:
            for _ in 0..<count { out.append(String(Int64(bitPattern: try cursor.uint64()))) }
        case .float:
            for _ in 0..<count { out.append(Float(bitPattern: try cursor.uint32()).description) }
        case .double:
            for _ in 0..<count { out.append(Double(bitPattern: try cursor.uint64()).description) }
        case .byteArray:
            for _ in 0..<count {
                let length = Int(try cursor.uint32())
                out.append(String(decoding: try cursor.take(length), as: UTF8.self))
            }
        case .fixedLenByteArray:
            for _ in 0..<count { out.append(hex(try cursor.take(leaf.typeLength))) }
        case .int96:
            // Legacy timestamps (Spark, Hive): nanoseconds of the day, then the Julian day.
            for _ in 0..<count {
                let nanos = try cursor.uint64()
                let day = Int64(try cursor.uint32())
                out.append(int96Timestamp(julianDay: day, nanosOfDay: nanos))
            }
        }
        return out
    }

    /// An INT96 timestamp as ISO 8601 in UTC: `2021-03-04T05:06:07Z`, with a fraction of a
    /// second only when there is one (`…:07.25Z`).
    static func int96Timestamp(julianDay: Int64, nanosOfDay: UInt64) -> String {
        // Days since 1970-01-01 (Julian day 2,440,588) to a civil date (Howard Hinnant's
        // civil_from_days, exact for every day an Int64 holds here).
        let z = julianDay - 2_440_588 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let nanos = nanosOfDay % 86_400_000_000_000
        let seconds = nanos / 1_000_000_000
        func two(_ v: some BinaryInteger) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var text = "\(year)-\(two(month))-\(two(day))T\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
        if nanos % 1_000_000_000 != 0 {
            var fraction = String(nanos % 1_000_000_000)
            fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }

    static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Reads little-endian values from a buffer, every read checked against what remains.
struct Cursor {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - position }

    mutating func take(_ count: Int) throws(ParquetMalformed) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else {
            throw ParquetMalformed("has a value of \(count) bytes where \(remaining) remain in its page")
        }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
    }

    mutating func byte() throws(ParquetMalformed) -> UInt8 { try take(1)[0] }

    mutating func uint32() throws(ParquetMalformed) -> UInt32 {
        let b = try take(4)
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }

    mutating func uint64() throws(ParquetMalformed) -> UInt64 {
        let b = try take(8)
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(b[i]) << UInt64(i * 8) }
        return v
    }
}

/// Parquet's RLE/bit-packed hybrid encoding (definition levels, dictionary indexes, RLE
/// booleans): runs of `varint(count << 1)` and one value, or `varint(groups << 1 | 1)` and
/// groups of eight values packed least-significant bit first.
enum RLEHybrid {
    /// The first `count` values; fewer in the data is an error, more are ignored.
    ///
    /// - Complexity: O(count + bytes).
    static func decode(_ bytes: UnsafeRawBufferPointer, bitWidth: Int, count: Int) throws(ParquetMalformed) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(count)
        var cursor = Cursor(bytes)
        let valueBytes = (bitWidth + 7) / 8
        let mask: UInt64 = bitWidth == 32 ? 0xFFFF_FFFF : (1 << UInt64(bitWidth)) - 1
        while out.count < count {
            guard cursor.remaining > 0 else {
                throw ParquetMalformed("has run-length data that ends after \(out.count) of \(count) values")
            }
            var header: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let byte = try cursor.byte()
                guard shift < 64 else { throw ParquetMalformed("has a run-length header longer than ten bytes") }
                header |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { break }
                shift += 7
            }
            if header & 1 == 0 {
                let run = min(Int(clamping: header >> 1), count - out.count)
                var value: UInt32 = 0
                let raw = try cursor.take(valueBytes)
                for i in 0..<valueBytes { value |= UInt32(raw[i]) << UInt32(i * 8) }
                guard UInt64(value) <= mask else { throw ParquetMalformed("has a run value wider than \(bitWidth) bits") }
                out.append(contentsOf: repeatElement(value, count: run))
            } else {
                let groups = Int(clamping: header >> 1)
                // A last group may be cut short by the end of the page's data.
                let (needed, overflow) = groups.multipliedReportingOverflow(by: bitWidth)
                let packed = try cursor.take(overflow ? cursor.remaining : min(needed, cursor.remaining))
                let values = min(groups > Int.max / 8 ? Int.max : groups * 8, count - out.count)
                var bit = 0
                for _ in 0..<values {
                    var value: UInt64 = 0
                    var got = 0
                    while got < bitWidth {
                        let byteIndex = (bit + got) >> 3
                        guard byteIndex < packed.count else {
                            throw ParquetMalformed("has bit-packed data that ends after \(out.count) of \(count) values")
                        }
                        let offset = (bit + got) & 7
                        let take = min(8 - offset, bitWidth - got)
                        let chunk = (UInt64(packed[byteIndex]) >> UInt64(offset)) & ((1 << UInt64(take)) - 1)
                        value |= chunk << UInt64(got)
                        got += take
                    }
                    bit += bitWidth
                    out.append(UInt32(truncatingIfNeeded: value & mask))
                }
            }
        }
        return out
    }
}

extension [UInt8] {
    /// `withUnsafeBytes` for a body that throws ``ParquetMalformed`` (the standard library's
    /// is not typed-throws here).
    func withMalformedBytes<R>(_ body: (UnsafeRawBufferPointer) throws(ParquetMalformed) -> R) throws(ParquetMalformed) -> R {
        let result: Result<R, ParquetMalformed> = withUnsafeBytes { raw in
            Result { () throws(ParquetMalformed) in try body(raw) }
        }
        return try result.get()
    }
}

/// The pages of one column chunk, read from the file one at a time: memory holds one page
/// (and the column's dictionary), however large the row group.
struct ColumnPages {
    typealias Leaf = ParquetReader.SchemaColumn.Leaf
    let file: ParquetReader
    let chunk: ParquetReader.ChunkMeta
    let leaf: Leaf
    let rows: Int
    private var position: Int
    private let end: Int
    private var dictionary: [String]?
    /// Values returned so far.
    private(set) var done = 0

    /// Bytes read at first for a page header; headers are tens of bytes, more only with
    /// statistics of long values, for which the window grows.
    static let headerWindow = 1024

    init(file: ParquetReader, chunk: ParquetReader.ChunkMeta, leaf: Leaf, rows: Int) {
        self.file = file
        self.chunk = chunk
        self.leaf = leaf
        self.rows = rows
        position = Int(chunk.startOffset)
        end = position + Int(chunk.compressedSize)  // bounded by the file in ParquetReader.validate()
    }

    /// The values of the next data page, or nil once the chunk's rows are all returned.
    mutating func next() throws(ParquetMalformed) -> [String?]? {
        while done < rows {
            guard position < end else { throw ParquetMalformed("ends after \(done) of its \(rows) values") }
            let header = try readHeader()
            guard header.compressedSize >= 0, Int(header.compressedSize) <= end - position else {
                throw ParquetMalformed("has a page that runs past the end of its column chunk")
            }
            let body = try file.read(offset: position, count: Int(header.compressedSize))
            position += Int(header.compressedSize)
            switch ParquetFormat.PageType(rawValue: header.type) {
            case .dictionaryPage:
                dictionary = try body.withMalformedBytes { (raw: UnsafeRawBufferPointer) throws(ParquetMalformed) in
                    try ParquetColumnDecoder.dictionaryPage(header, body: raw, codec: chunk.codec, leaf: leaf)
                }
            case .dataPage, .dataPageV2:
                let count = try ParquetColumnDecoder.pageValueCount(header, done: done, rows: rows)
                let values = try body.withMalformedBytes { (raw: UnsafeRawBufferPointer) throws(ParquetMalformed) in
                    try ParquetColumnDecoder.dataPage(
                        header, body: raw, count: count, codec: chunk.codec, leaf: leaf, dictionary: dictionary)
                }
                done += values.count
                return values
            default:
                continue  // an index page, or a type from a newer format: not values
            }
        }
        return nil
    }

    /// Parses the page header at ``position`` and moves past it.
    private mutating func readHeader() throws(ParquetMalformed) -> ParquetColumnDecoder.PageHeader {
        var window = min(Self.headerWindow, end - position)
        while true {
            let bytes = try file.read(offset: position, count: window)
            let parsed: Result<(ParquetColumnDecoder.PageHeader, Int), ThriftCompactReader.Malformed> = bytes.withUnsafeBytes { raw in
                var reader = ThriftCompactReader(raw)
                return Result { () throws(ThriftCompactReader.Malformed) in
                    (try ParquetColumnDecoder.PageHeader.parse(&reader), reader.position)
                }
            }
            switch parsed {
            case .success(let (header, length)):
                position += length
                return header
            case .failure(let error):
                // Cut off by the window, or corrupt: only the whole rest of the chunk tells.
                guard window < end - position else { throw ParquetMalformed("has a corrupt page header: it \(error.reason)") }
                window = min(window * 8, end - position)
            }
        }
    }
}

/// The DELTA encodings of Parquet: DELTA_BINARY_PACKED integers (blocks of bit-packed
/// differences from a running value), DELTA_LENGTH_BYTE_ARRAY (the lengths so encoded, then
/// the bytes) and DELTA_BYTE_ARRAY (the length of the prefix shared with the previous value,
/// then the rest). parquet-mr's v2 writer uses them for strings; pyarrow on request.
enum DeltaEncoding {
    /// `count` integers, wrapping as the format does (the sums are modulo 2^64).
    ///
    /// - Complexity: O(count + bytes).
    static func integers(_ cursor: inout Cursor, count: Int) throws(ParquetMalformed) -> [Int64] {
        func uleb() throws(ParquetMalformed) -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let byte = try cursor.byte()
                guard shift < 64 else { throw ParquetMalformed("has a DELTA varint longer than ten bytes") }
                result |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
        }
        func zigzag() throws(ParquetMalformed) -> Int64 {
            let raw = try uleb()
            return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
        }
        let blockSize = try uleb(), miniblocks = try uleb(), total = try uleb()
        // The format requires blocks of a multiple of 128 values and miniblocks of a multiple
        // of 32; anything else is damage, and would let a tiny page claim endless work.
        guard blockSize > 0, blockSize % 128 == 0, blockSize <= 1 << 20, miniblocks > 0, blockSize % miniblocks == 0,
            (blockSize / miniblocks) % 32 == 0
        else { throw ParquetMalformed("has a DELTA_BINARY_PACKED header of \(blockSize) values in \(miniblocks) miniblocks") }
        guard total >= UInt64(count) else {
            throw ParquetMalformed("has DELTA_BINARY_PACKED data of \(total) values where \(count) are needed")
        }
        var out: [Int64] = []
        out.reserveCapacity(count)
        guard count > 0 else {
            _ = try zigzag()
            return out
        }
        var value = try zigzag()
        out.append(value)
        let perMiniblock = Int(blockSize / miniblocks)
        while out.count < count {
            let minDelta = try zigzag()
            let widths = try cursor.take(Int(miniblocks))
            for m in 0..<Int(miniblocks) where out.count < count {
                let width = Int(widths[m])
                guard width <= 64 else { throw ParquetMalformed("has a DELTA miniblock of \(width) bits") }
                let packed = try cursor.take(perMiniblock * width / 8)
                var bit = 0
                for _ in 0..<perMiniblock where out.count < count {
                    var delta: UInt64 = 0
                    var got = 0
                    while got < width {
                        let offset = (bit + got) & 7
                        let take = min(8 - offset, width - got)
                        let chunk = (UInt64(packed[(bit + got) >> 3]) >> UInt64(offset)) & ((1 << UInt64(take)) - 1)
                        delta |= chunk << UInt64(got)
                        got += take
                    }
                    bit += width
                    value = value &+ minDelta &+ Int64(bitPattern: delta)
                    out.append(value)
                }
            }
        }
        return out
    }

    /// `count` byte strings: their lengths as DELTA_BINARY_PACKED, then their bytes.
    static func lengthPrefixed(_ cursor: inout Cursor, count: Int) throws(ParquetMalformed) -> [[UInt8]] {
        let lengths = try integers(&cursor, count: count)
        var out: [[UInt8]] = []
        out.reserveCapacity(count)
        for length in lengths {
            guard let n = Int(exactly: length) else { throw ParquetMalformed("has a value of \(length) bytes") }
            out.append(Array(try cursor.take(n)))
        }
        return out
    }

    /// `count` byte strings, each the first `prefix` bytes of the previous one and a suffix.
    static func prefixShared(_ cursor: inout Cursor, count: Int) throws(ParquetMalformed) -> [[UInt8]] {
        let prefixes = try integers(&cursor, count: count)
        let suffixes = try lengthPrefixed(&cursor, count: count)
        var out: [[UInt8]] = []
        out.reserveCapacity(count)
        var previous: [UInt8] = []
        for (prefix, suffix) in zip(prefixes, suffixes) {
            guard prefix >= 0, prefix <= Int64(previous.count) else {
                throw ParquetMalformed("shares a prefix of \(prefix) bytes with a value of \(previous.count)")
            }
            previous = Array(previous[0..<Int(prefix)]) + suffix
            out.append(previous)
        }
        return out
    }
}
