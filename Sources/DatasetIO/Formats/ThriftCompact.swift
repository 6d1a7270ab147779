/// The Thrift compact protocol, as far as Parquet's metadata (`FileMetaData`, `PageHeader`)
/// needs it: one implementation for the writer (``ParquetWriter``) and the reader
/// (``ParquetReader``).
///
/// The encoding: integers are zigzag varints (ULEB128), a field header is one byte holding
/// the delta from the previous field id and the type (or the type and a zigzag id), a struct
/// ends with a zero byte, a list header holds its size (in the high nibble when below 15) and
/// its element type, binary values are a varint length and the bytes, and a boolean field
/// carries its value in the type nibble.
struct ThriftCompact {
    enum FieldType: UInt8 {
        case boolTrue = 1
        case boolFalse = 2
        case byte = 3
        case i16 = 4
        case i32 = 5
        case i64 = 6
        case double = 7
        case binary = 8
        case list = 9
        case set = 10
        case map = 11
        case structure = 12
    }

    var bytes: [UInt8] = []
    private var lastField: [Int] = []

    mutating func structBegin() { lastField.append(0) }

    mutating func structEnd() {
        bytes.append(0)  // stop
        lastField.removeLast()
    }

    mutating func field(_ id: Int, _ type: FieldType) {
        let last = lastField.last ?? 0
        let delta = id - last
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta << 4) | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            bytes.append(contentsOf: Self.uleb(Self.zigzag(Int64(id))))
        }
        if !lastField.isEmpty { lastField[lastField.count - 1] = id }
    }

    mutating func varint(_ v: UInt64) { bytes.append(contentsOf: Self.uleb(v)) }

    /// A signed integer field value (i16, i32, i64): zigzag, then varint.
    mutating func int(_ v: Int64) { varint(Self.zigzag(v)) }

    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        bytes.append(contentsOf: Self.uleb(UInt64(utf8.count)))
        bytes.append(contentsOf: utf8)
    }

    mutating func listHeader(count: Int, type: FieldType) {
        if count < 15 {
            bytes.append(UInt8(count << 4) | type.rawValue)
        } else {
            bytes.append(0xF0 | type.rawValue)
            bytes.append(contentsOf: Self.uleb(UInt64(count)))
        }
    }

    static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

    static func uleb(_ v: UInt64) -> [UInt8] {
        var v = v
        var out: [UInt8] = []
        repeat {
            var byte = UInt8(v & 0x7F)
            v >>= 7
            if v != 0 { byte |= 0x80 }
            out.append(byte)
        } while v != 0
        return out
    }
}

/// Reads the Thrift compact protocol from bytes that may be hostile: every length is checked
/// against the bytes that remain, varints are at most ten bytes, nesting is bounded, and any
/// violation throws ``ThriftCompactReader/Malformed`` instead of trapping.
///
/// ```swift
/// var reader = ThriftCompactReader(bytes)
/// try reader.readStruct { id, type, reader in
///     if id == 1, type == .i32 { version = try reader.readInt() } else { try reader.skip(type) }
/// }
/// ```
struct ThriftCompactReader {
    typealias FieldType = ThriftCompact.FieldType

    /// What was wrong, in words for an error message.
    struct Malformed: Error {
        var reason: String
    }

    /// Nested structs and lists deeper than this are refused: Parquet's metadata nests about
    /// six levels (FileMetaData → RowGroup → ColumnChunk → ColumnMetaData → Statistics), so 64
    /// leaves room and stops a file that would recurse the stack away.
    static let maximumDepth = 64

    private let bytes: UnsafeRawBufferPointer
    private(set) var position: Int
    private var depth = 0

    /// Reads from `bytes[start...]`; the buffer must outlive the reader.
    init(_ bytes: UnsafeRawBufferPointer, start: Int = 0) {
        self.bytes = bytes
        position = start
    }

    var remaining: Int { bytes.count - position }

    mutating func readByte() throws(Malformed) -> UInt8 {
        guard position < bytes.count else { throw Malformed(reason: "ends in the middle of a value") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func readVarint() throws(Malformed) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            guard shift < 64 else { throw Malformed(reason: "holds a varint longer than ten bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// An i16, i32 or i64 value.
    mutating func readInt() throws(Malformed) -> Int64 {
        let raw = try readVarint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// An i32 value that must fit in an `Int32`.
    mutating func readInt32() throws(Malformed) -> Int32 {
        let v = try readInt()
        guard let narrow = Int32(exactly: v) else { throw Malformed(reason: "holds an i32 out of range (\(v))") }
        return narrow
    }

    mutating func readBinary() throws(Malformed) -> UnsafeRawBufferPointer {
        let length = try readVarint()
        guard length <= UInt64(remaining) else {
            throw Malformed(reason: "declares a string of \(length) bytes where \(remaining) remain")
        }
        let start = position
        position += Int(length)
        return UnsafeRawBufferPointer(rebasing: bytes[start..<position])
    }

    mutating func readString() throws(Malformed) -> String {
        String(decoding: try readBinary(), as: UTF8.self)
    }

    /// Calls `body` with each field's id and type until the struct's stop byte. A boolean
    /// field's value is in its type (``FieldType/boolTrue`` or ``FieldType/boolFalse``).
    mutating func readStruct(_ body: (Int, FieldType, inout ThriftCompactReader) throws(Malformed) -> Void) throws(Malformed) {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw Malformed(reason: "nests deeper than \(Self.maximumDepth) levels") }
        var last = 0
        while true {
            let header = try readByte()
            if header == 0 { return }
            guard let type = FieldType(rawValue: header & 0x0F) else {
                throw Malformed(reason: "holds an unknown field type \(header & 0x0F)")
            }
            let delta = Int(header >> 4)
            let id: Int
            if delta != 0 {
                id = last + delta
            } else {
                let wide = try readInt()
                guard let narrow = Int(exactly: wide), (-32768...32767).contains(narrow) else {
                    throw Malformed(reason: "holds a field id out of range (\(wide))")
                }
                id = narrow
            }
            last = id
            try body(id, type, &self)
        }
    }

    /// A list's element type and count, the count checked against the bytes that remain (no
    /// element takes less than one byte, except booleans and empty structs, which take one).
    mutating func readListHeader() throws(Malformed) -> (type: FieldType, count: Int) {
        let header = try readByte()
        guard let type = FieldType(rawValue: header & 0x0F) else {
            throw Malformed(reason: "holds a list of unknown element type \(header & 0x0F)")
        }
        var count = UInt64(header >> 4)
        if count == 15 { count = try readVarint() }
        guard count <= UInt64(remaining) else {
            throw Malformed(reason: "declares a list of \(count) elements where \(remaining) bytes remain")
        }
        return (type, Int(count))
    }

    /// Calls `body` for each element of a list.
    mutating func readList(_ body: (FieldType, inout ThriftCompactReader) throws(Malformed) -> Void) throws(Malformed) {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw Malformed(reason: "nests deeper than \(Self.maximumDepth) levels") }
        let (type, count) = try readListHeader()
        for _ in 0..<count { try body(type, &self) }
    }

    /// Skips a value of `type` (a field this reader does not use).
    mutating func skip(_ type: FieldType) throws(Malformed) {
        switch type {
        case .boolTrue, .boolFalse: return  // the value is in the field header
        case .byte: _ = try readByte()
        case .i16, .i32, .i64: _ = try readVarint()
        case .double:
            guard remaining >= 8 else { throw Malformed(reason: "ends in the middle of a double") }
            position += 8
        case .binary: _ = try readBinary()
        case .list, .set:
            try readList { elementType, reader throws(Malformed) in
                // Booleans inside a list take one byte each.
                if elementType == .boolTrue || elementType == .boolFalse { _ = try reader.readByte() } else { try reader.skip(elementType) }
            }
        case .map:
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maximumDepth else { throw Malformed(reason: "nests deeper than \(Self.maximumDepth) levels") }
            let count = try readVarint()
            guard count > 0 else { return }
            guard count <= UInt64(remaining) else {
                throw Malformed(reason: "declares a map of \(count) entries where \(remaining) bytes remain")
            }
            let types = try readByte()
            guard let keyType = FieldType(rawValue: types >> 4), let valueType = FieldType(rawValue: types & 0x0F) else {
                throw Malformed(reason: "holds a map of unknown types")
            }
            for _ in 0..<count {
                try skip(keyType)
                try skip(valueType)
            }
        case .structure:
            try readStruct { _, type, reader throws(Malformed) in try reader.skip(type) }
        }
    }
}
