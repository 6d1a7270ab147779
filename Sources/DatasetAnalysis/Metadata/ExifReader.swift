/// What a photo's EXIF block says about the camera and the shot: the fields the reference
/// records.
///
/// Values follow the reference (`imgeda` 0.1.0, which reads EXIF through Pillow): make,
/// model and orientation come from IFD0; every other field is looked up in IFD0 first and
/// then in the ExifIFD; a number that is not positive counts as absent.
///
/// ```swift
/// if let payload = ExifReader.jpegExifPayload(in: bytes), let exif = ExifReader.parse(payload) {
///     record.cameraMake = exif.cameraMake
/// }
/// ```
public struct ExifSummary: Sendable, Hashable {
    /// IFD0 `Make` (0x010F), trimmed of spaces and NULs; nil when empty.
    public var cameraMake: String?
    /// IFD0 `Model` (0x0110).
    public var cameraModel: String?
    /// `LensModel` (0xA434).
    public var lensModel: String?
    /// `FocalLength` (0x920A) in millimetres.
    public var focalLengthMM: Double?
    /// `FocalLengthIn35mmFilm` (0xA405).
    public var focalLength35mm: Int?
    /// `ISOSpeedRatings` (0x8827), its first value when there are several.
    public var isoSpeed: Int?
    /// `FNumber` (0x829D).
    public var fNumber: Double?
    /// `ExposureTime` (0x829A) in seconds.
    public var exposureTimeSec: Double?
    /// `DateTimeOriginal` (0x9003) as written, e.g. `2021:05:01 12:00:00`.
    public var datetimeOriginal: String?
    /// `OffsetTimeOriginal` (0x9011), the UTC offset of `DateTimeOriginal`, e.g. `-05:00`.
    public var offsetTimeOriginal: String?
    /// IFD0 `Orientation` (0x0112), not range-checked: the reference records what it reads.
    public var orientation: Int?
    /// IFD0 holds the GPS IFD pointer (0x8825).
    public var hasGPS: Bool

    /// How strongly a lens of this 35 mm-equivalent focal length bends straight lines:
    /// `high` below 18 mm (fisheye and ultra-wide), `medium` below 24 mm, else `low`;
    /// nil without `focalLength35mm`. The thresholds are the reference's.
    public var distortionRisk: String? {
        focalLength35mm.map(Self.distortionRisk(focal35mm:))
    }

    /// 35 mm-equivalent focal lengths below this bend lines strongly (`high` risk).
    public static let highDistortionBelowMM = 18
    /// Below this (and from ``highDistortionBelowMM``) the risk is `medium`.
    public static let mediumDistortionBelowMM = 24

    /// The distortion risk of a 35 mm-equivalent focal length, in the reference's words.
    public static func distortionRisk(focal35mm focal: Int) -> String {
        if focal < highDistortionBelowMM { return "high" }
        if focal < mediumDistortionBelowMM { return "medium" }
        return "low"
    }

    public init() {
        hasGPS = false
    }
}

/// Reads an ``ExifSummary`` from EXIF bytes: a TIFF structure, as stored in a JPEG's APP1
/// segment, a PNG `eXIf` chunk, a WebP `EXIF` chunk or a TIFF file itself.
///
/// Every read is bounds-checked and each directory is read at most once, so truncated or
/// crafted input yields fewer fields, never a crash or an endless loop.
public enum ExifReader {
    /// Parses a TIFF structure (`II*\0` or `MM\0*` header) with an optional leading
    /// `Exif\0\0`. Returns nil when the header is not TIFF or IFD0 holds no readable entry
    /// (the reference then records no EXIF at all).
    ///
    /// Strings are decoded as UTF-8 when they are valid UTF-8 and as Latin-1 otherwise (what
    /// Pillow does for every string), so no byte sequence makes a field fail.
    ///
    /// - Complexity: O(entries in IFD0 and the ExifIFD), at most 2 × ``TIFFStructure/maxEntries``.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> ExifSummary? {
        var data = bytes
        // Pillow removes up to two "Exif\0\0" prefixes; some writers double it.
        for _ in 0..<2 where ByteReader(data).matches("Exif\0\0", at: 0) {
            data = UnsafeRawBufferPointer(rebasing: data[6...])
        }
        guard let tiff = TIFFStructure(data) else { return nil }
        return summary(of: tiff)
    }

    /// The summary of a TIFF structure already found (a TIFF file, an EXIF block, a RAW
    /// file's header); nil when IFD0 holds no readable entry.
    static func summary(of tiff: TIFFStructure) -> ExifSummary? {
        guard let ifd0Offset = tiff.firstIFDOffset else { return nil }
        let ifd0 = tiff.directory(at: ifd0Offset)
        guard !ifd0.isEmpty else { return nil }

        var summary = ExifSummary()
        summary.cameraMake = ifd0[Tag.make].flatMap(tiff.text)
        summary.cameraModel = ifd0[Tag.model].flatMap(tiff.text)
        // Pillow knows IFD0's Orientation as a single value and keeps the first of several.
        summary.orientation = ifd0[Tag.orientation].flatMap { tiff.number($0, index: 0)?.integer }
        summary.hasGPS = ifd0[Tag.gpsIFD] != nil

        var sources = [ifd0]
        if let pointer = ifd0[Tag.exifIFD].flatMap(tiff.firstInteger), pointer >= 0, pointer != ifd0Offset {
            let exifIFD = tiff.directory(at: pointer)
            if !exifIFD.isEmpty { sources.append(exifIFD) }
        }
        for source in sources {
            if summary.focalLengthMM == nil { summary.focalLengthMM = source[Tag.focalLength].flatMap(tiff.positiveReal) }
            if summary.focalLength35mm == nil { summary.focalLength35mm = source[Tag.focalLength35mm].flatMap(tiff.integer) }
            if summary.isoSpeed == nil {
                summary.isoSpeed = source[Tag.iso].flatMap { tiff.number($0, index: 0)?.integer }
            }
            if summary.fNumber == nil { summary.fNumber = source[Tag.fNumber].flatMap(tiff.positiveReal) }
            if summary.exposureTimeSec == nil { summary.exposureTimeSec = source[Tag.exposureTime].flatMap(tiff.positiveReal) }
            if summary.datetimeOriginal == nil { summary.datetimeOriginal = source[Tag.dateTimeOriginal].flatMap(tiff.text) }
            if summary.offsetTimeOriginal == nil { summary.offsetTimeOriginal = source[Tag.offsetTimeOriginal].flatMap(tiff.text) }
            if summary.lensModel == nil { summary.lensModel = source[Tag.lensModel].flatMap(tiff.text) }
        }
        return summary
    }

    /// The TIFF part of a JPEG's EXIF segment: the first APP1 whose payload starts with
    /// `Exif\0\0`, without that prefix. Markers are walked from SOI up to the first scan;
    /// nil when there is no such segment or the file is not a JPEG.
    ///
    /// The result points into `jpeg` and is valid as long as `jpeg` is.
    ///
    /// - Complexity: O(number of marker segments before the scan).
    public static func jpegExifPayload(in jpeg: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        // SOI and the first marker's FF, the signature Pillow requires.
        guard ByteReader(jpeg).matches([0xFF, 0xD8, 0xFF], at: 0) else { return nil }
        for segment in JPEGSegments(jpeg) where segment.marker == 0xE1 {
            if ByteReader(segment.payload).matches("Exif\0\0", at: 0) {
                return UnsafeRawBufferPointer(rebasing: segment.payload[6...])
            }
        }
        return nil
    }

    /// The EXIF tags the summary reads.
    private enum Tag {
        static let make: UInt16 = 0x010F
        static let model: UInt16 = 0x0110
        static let orientation: UInt16 = 0x0112
        static let exposureTime: UInt16 = 0x829A
        static let fNumber: UInt16 = 0x829D
        static let exifIFD: UInt16 = 0x8769
        static let gpsIFD: UInt16 = 0x8825
        static let iso: UInt16 = 0x8827
        static let dateTimeOriginal: UInt16 = 0x9003
        static let offsetTimeOriginal: UInt16 = 0x9011
        static let focalLength: UInt16 = 0x920A
        static let focalLength35mm: UInt16 = 0xA405
        static let lensModel: UInt16 = 0xA434
    }
}

// MARK: - Bounds-checked bytes

/// Reads from a byte buffer without ever leaving it: every accessor returns nil (or false)
/// instead of reading out of range, so parsers of hostile files need no other guard.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var count: Int { bytes.count }

    /// Whether `length` bytes from `offset` lie inside the buffer (false for negative values).
    func contains(_ offset: Int, length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= bytes.count && length <= bytes.count - offset
    }

    func u8(_ offset: Int) -> UInt8? {
        contains(offset, length: 1) ? bytes[offset] : nil
    }

    func u16(_ offset: Int, bigEndian: Bool) -> UInt16? {
        guard contains(offset, length: 2) else { return nil }
        let a = UInt16(bytes[offset]), b = UInt16(bytes[offset + 1])
        return bigEndian ? a << 8 | b : b << 8 | a
    }

    func u32(_ offset: Int, bigEndian: Bool) -> UInt32? {
        guard contains(offset, length: 4) else { return nil }
        var value: UInt32 = 0
        for i in 0..<4 {
            let byte = UInt32(bytes[bigEndian ? offset + i : offset + 3 - i])
            value = value << 8 | byte
        }
        return value
    }

    func u64(_ offset: Int, bigEndian: Bool) -> UInt64? {
        guard let a = u32(offset, bigEndian: bigEndian), let b = u32(offset + 4, bigEndian: bigEndian) else {
            return nil
        }
        return bigEndian ? UInt64(a) << 32 | UInt64(b) : UInt64(b) << 32 | UInt64(a)
    }

    /// Little-endian 24-bit value (WebP's canvas sizes).
    func u24le(_ offset: Int) -> UInt32? {
        guard contains(offset, length: 3) else { return nil }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
    }

    func matches(_ magic: [UInt8], at offset: Int) -> Bool {
        guard contains(offset, length: magic.count) else { return false }
        for (i, byte) in magic.enumerated() where bytes[offset + i] != byte { return false }
        return true
    }

    /// Compares with the UTF-8 bytes of `ascii` (a four-character code, a signature).
    func matches(_ ascii: StaticString, at offset: Int) -> Bool {
        ascii.withUTF8Buffer { magic in
            guard contains(offset, length: magic.count) else { return false }
            for (i, byte) in magic.enumerated() where bytes[offset + i] != byte { return false }
            return true
        }
    }

    /// The bytes in `offset ..< offset + length`, or nil when not all of them are present.
    func slice(_ offset: Int, length: Int) -> UnsafeRawBufferPointer? {
        guard contains(offset, length: length) else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
    }

    /// Whether `needle` occurs anywhere in the buffer.
    ///
    /// - Complexity: O(count × needle length) at worst, about O(count) on real data.
    func contains(_ needle: StaticString) -> Bool {
        needle.withUTF8Buffer { needle in
            guard let first = needle.first, needle.count <= count else { return false }
            var offset = 0
            while offset <= count - needle.count {
                if bytes[offset] == first && needle.indices.allSatisfy({ bytes[offset + $0] == needle[$0] }) {
                    return true
                }
                offset += 1
            }
            return false
        }
    }
}

// MARK: - TIFF structure

/// One entry of a TIFF directory whose type is known and whose value lies entirely inside
/// the buffer (``TIFFStructure/directory(at:)`` drops every other entry, as Pillow does).
struct TIFFEntry {
    var tag: UInt16
    var type: UInt16
    var count: Int
    /// Where the `count` values start, relative to the TIFF header.
    var valueOffset: Int
}

/// A value read from a TIFF entry, kept in the form it was stored in.
enum TIFFNumber {
    case integer(Int)
    case rational(numerator: Int, denominator: Int)
    case real(Double)

    /// Python's `int()` of the value: rationals and reals truncate toward zero; nil for a
    /// zero denominator, a non-finite real or one outside `Int`.
    var integer: Int? {
        switch self {
        case .integer(let value):
            return value
        case .rational(let numerator, let denominator):
            return denominator == 0 ? nil : numerator / denominator
        case .real(let value):
            // Int(_:) truncates toward zero; the range check keeps it from trapping.
            guard value.isFinite, value >= -0x1p63, value < 0x1p63 else { return nil }
            return Int(value)
        }
    }

    /// The value as a double; a rational with a zero denominator is NaN (Pillow's
    /// `IFDRational` makes it NaN too).
    var real: Double {
        switch self {
        case .integer(let value): return Double(value)
        case .rational(let numerator, let denominator):
            return denominator == 0 ? .nan : Double(numerator) / Double(denominator)
        case .real(let value): return value
        }
    }
}

/// A TIFF structure (a TIFF file or an EXIF block) in a byte buffer: its byte order and
/// directories, every read bounds-checked. Offsets are relative to the TIFF header.
struct TIFFStructure {
    let reader: ByteReader
    let bigEndian: Bool

    /// Real directories hold tens of entries (a camera's ExifIFD about 40); reading stops
    /// after this many so a crafted count cannot make a directory expensive.
    static let maxEntries = 1000

    /// Nil unless `bytes` starts with `II*\0` or `MM\0*`.
    init?(_ bytes: UnsafeRawBufferPointer) {
        let reader = ByteReader(bytes)
        if reader.matches([0x49, 0x49, 0x2A, 0x00], at: 0) {
            bigEndian = false
        } else if reader.matches([0x4D, 0x4D, 0x00, 0x2A], at: 0) {
            bigEndian = true
        } else {
            return nil
        }
        self.reader = reader
    }

    /// A structure whose header the caller has checked (a RAW format's own signature).
    init(reader: ByteReader, bigEndian: Bool) {
        self.reader = reader
        self.bigEndian = bigEndian
    }

    /// The offset of IFD0, from the header.
    var firstIFDOffset: Int? {
        reader.u32(4, bigEndian: bigEndian).map { Int($0) }
    }

    /// The entries of the directory at `offset` by tag, read by Pillow's rules
    /// (`ImageFileDirectory_v2.load`), so both agree on damaged files:
    /// - a repeated tag keeps its first entry;
    /// - entries of a type Pillow does not read, or with no values, are skipped;
    /// - an entry whose values run past the buffer ends the directory (the entries before it
    ///   are kept), as does a directory cut short;
    /// - an out-of-line entry is skipped once the out-of-line sizes declared so far exceed
    ///   the buffer, which bounds the work a crafted count can cause.
    ///
    /// - Complexity: O(min(entry count, ``maxEntries``)).
    func directory(at offset: Int) -> [UInt16: TIFFEntry] {
        readDirectory(at: offset).entries
    }

    /// ``directory(at:)`` and whether the directory ended early because the buffer did (in a
    /// file's first bytes that is truncation; in a whole file, damage).
    func readDirectory(at offset: Int) -> (entries: [UInt16: TIFFEntry], cutShort: Bool) {
        var entries: [UInt16: TIFFEntry] = [:]
        guard let declared = reader.u16(offset, bigEndian: bigEndian) else { return (entries, true) }
        var outOfLineTotal = 0
        for index in 0..<min(Int(declared), Self.maxEntries) {
            let position = offset + 2 + 12 * index
            guard let tag = reader.u16(position, bigEndian: bigEndian),
                let type = reader.u16(position + 2, bigEndian: bigEndian),
                let count = reader.u32(position + 4, bigEndian: bigEndian),
                let pointer = reader.u32(position + 8, bigEndian: bigEndian)
            else { return (entries, true) }
            guard entries[tag] == nil, let unit = Self.unitSize(ofType: type), count > 0 else { continue }
            // At most 2^32 × 8 bytes: no overflow in a 64-bit Int.
            let size = Int(count) * unit
            var valueOffset = position + 8
            if size > 4 {
                outOfLineTotal += size
                if outOfLineTotal > reader.count { continue }
                valueOffset = Int(pointer)
                guard reader.contains(valueOffset, length: size) else { return (entries, true) }
            }
            entries[tag] = TIFFEntry(tag: tag, type: type, count: Int(count), valueOffset: valueOffset)
        }
        return (entries, false)
    }

    /// The offset of the directory after the one at `offset`; nil when it is 0 (the last
    /// directory) or cannot be read.
    func nextDirectoryOffset(after offset: Int) -> Int? {
        guard let declared = reader.u16(offset, bigEndian: bigEndian),
            let next = reader.u32(offset + 2 + 12 * Int(declared), bigEndian: bigEndian),
            next != 0
        else { return nil }
        return Int(next)
    }

    /// Bytes per value of a TIFF field type; nil for types Pillow does not read (which
    /// include EXIF 3.0's UTF-8 type 129).
    static func unitSize(ofType type: UInt16) -> Int? {
        switch type {
        case 1, 2, 6, 7: 1  // BYTE, ASCII, SBYTE, UNDEFINED
        case 3, 8: 2  // SHORT, SSHORT
        case 4, 9, 11, 13: 4  // LONG, SLONG, FLOAT, IFD
        case 5, 10, 12, 16: 8  // RATIONAL, SRATIONAL, DOUBLE, LONG8
        default: nil
        }
    }

    /// Value `index` of a numeric entry; nil for an index out of range and for ASCII, BYTE
    /// and UNDEFINED entries, which Pillow hands over as text and bytes, not numbers.
    func number(_ entry: TIFFEntry, index: Int) -> TIFFNumber? {
        guard index >= 0, index < entry.count, let unit = Self.unitSize(ofType: entry.type) else { return nil }
        let at = entry.valueOffset + index * unit
        switch entry.type {
        case 6: return reader.u8(at).map { .integer(Int(Int8(bitPattern: $0))) }
        case 3: return reader.u16(at, bigEndian: bigEndian).map { .integer(Int($0)) }
        case 8: return reader.u16(at, bigEndian: bigEndian).map { .integer(Int(Int16(bitPattern: $0))) }
        case 4, 13: return reader.u32(at, bigEndian: bigEndian).map { .integer(Int($0)) }
        case 9: return reader.u32(at, bigEndian: bigEndian).map { .integer(Int(Int32(bitPattern: $0))) }
        case 16: return reader.u64(at, bigEndian: bigEndian).flatMap { Int(exactly: $0) }.map { .integer($0) }
        case 5:
            guard let n = reader.u32(at, bigEndian: bigEndian), let d = reader.u32(at + 4, bigEndian: bigEndian) else { return nil }
            return .rational(numerator: Int(n), denominator: Int(d))
        case 10:
            guard let n = reader.u32(at, bigEndian: bigEndian), let d = reader.u32(at + 4, bigEndian: bigEndian) else { return nil }
            return .rational(numerator: Int(Int32(bitPattern: n)), denominator: Int(Int32(bitPattern: d)))
        case 11: return reader.u32(at, bigEndian: bigEndian).map { .real(Double(Float(bitPattern: $0))) }
        case 12: return reader.u64(at, bigEndian: bigEndian).map { .real(Double(bitPattern: $0)) }
        default: return nil
        }
    }

    /// The first value of an entry stored as an integer type (no rationals or reals): what
    /// Pillow accepts for sizes, tags with a fixed single value, and directory pointers.
    func firstInteger(_ entry: TIFFEntry) -> Int? {
        guard case .integer(let value)? = number(entry, index: 0) else { return nil }
        return value
    }

    /// The entry's single value as an integer. An entry with several values gives nil, as
    /// in the reference (Pillow hands it over as a tuple, which `int()` rejects).
    func integer(_ entry: TIFFEntry) -> Int? {
        entry.count == 1 ? number(entry, index: 0)?.integer : nil
    }

    /// The entry's single value when it is a positive number (the reference's rule for
    /// focal length, f-number and exposure time).
    func positiveReal(_ entry: TIFFEntry) -> Double? {
        guard entry.count == 1, let value = number(entry, index: 0)?.real, value > 0 else { return nil }
        return value
    }

    /// The values of an entry stored as an integer type, at most `limit` of them; nil for
    /// other types.
    func integers(_ entry: TIFFEntry, limit: Int) -> [Int]? {
        var values: [Int] = []
        for index in 0..<min(entry.count, limit) {
            guard case .integer(let value)? = number(entry, index: index) else { return nil }
            values.append(value)
        }
        return values
    }

    /// The raw value bytes of an entry.
    func bytes(_ entry: TIFFEntry) -> UnsafeRawBufferPointer? {
        guard let unit = Self.unitSize(ofType: entry.type) else { return nil }
        return reader.slice(entry.valueOffset, length: entry.count * unit)
    }

    /// An ASCII entry as the reference cleans it: one trailing NUL dropped (Pillow), then
    /// whitespace stripped from both ends and NULs from the end (`str.strip().rstrip("\x00")`);
    /// nil when nothing is left or the entry is not ASCII.
    func text(_ entry: TIFFEntry) -> String? {
        guard entry.type == 2, var raw = bytes(entry) else { return nil }
        if raw.last == 0 { raw = UnsafeRawBufferPointer(rebasing: raw.dropLast()) }
        var scalars = Substring(Self.decode(raw)).unicodeScalars
        while let first = scalars.first, Self.isPythonWhitespace(first) { scalars.removeFirst() }
        while let last = scalars.last, Self.isPythonWhitespace(last) { scalars.removeLast() }
        while scalars.last == "\0" { scalars.removeLast() }
        return scalars.isEmpty ? nil : String(scalars)
    }

    /// Python's `str.isspace()`: Unicode White_Space plus the ASCII separators 1C–1F.
    private static func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }

    /// UTF-8 when the bytes are valid UTF-8, Latin-1 otherwise: never fails, never loses a byte.
    private static func decode(_ bytes: UnsafeRawBufferPointer) -> String {
        var scalars = String.UnicodeScalarView()
        var iterator = bytes.makeIterator()
        var codec = UTF8()
        decoding: while true {
            switch codec.decode(&iterator) {
            case .scalarValue(let scalar): scalars.append(scalar)
            case .emptyInput: break decoding
            case .error:
                return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
            }
        }
        return String(scalars)
    }
}

// MARK: - JPEG segments

/// The marker segments of a JPEG from SOI up to the first scan (SOS), as Pillow walks them:
/// bytes that are not a marker are skipped, fill bytes (`FF FF …`) are skipped, standalone
/// markers (RSTn, TEM) carry no payload, and a segment that runs past the buffer ends the
/// walk. Every step moves forward, so the walk ends on any input.
struct JPEGSegments: Sequence, IteratorProtocol {
    struct Segment {
        /// The byte after `FF`, e.g. `0xE1` for APP1, `0xC0` for SOF0.
        var marker: UInt8
        /// The segment's bytes after its two-byte length.
        var payload: UnsafeRawBufferPointer
    }

    private let reader: ByteReader
    private var position = 2
    /// Whether the walk ended at SOS or EOI, i.e. saw every header segment.
    private(set) var reachedEnd = false

    /// Walks `jpeg`, which should start with SOI (`FF D8`); the caller checks that.
    init(_ jpeg: UnsafeRawBufferPointer) {
        reader = ByteReader(jpeg)
    }

    mutating func next() -> Segment? {
        while let byte = reader.u8(position) {
            guard byte == 0xFF else {
                position += 1
                continue
            }
            var markerAt = position + 1
            while reader.u8(markerAt) == 0xFF { markerAt += 1 }
            guard let marker = reader.u8(markerAt) else { return nil }
            position = markerAt + 1
            switch marker {
            case 0x00, 0x01, 0xD0...0xD8:
                continue  // stuffed byte, TEM, RSTn, SOI: no length field
            case 0xD9, 0xDA:
                reachedEnd = true  // EOI, or SOS: entropy-coded data follows
                return nil
            default:
                guard let length = reader.u16(position, bigEndian: true), length >= 2,
                    let payload = reader.slice(position + 2, length: Int(length) - 2)
                else { return nil }
                position += Int(length)
                return Segment(marker: marker, payload: payload)
            }
        }
        return nil
    }
}
