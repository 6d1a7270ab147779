import Testing

@testable import DatasetAnalysis

@Suite struct ExifReaderTests {
    /// A camera-like EXIF block: make/model/orientation/GPS pointer in IFD0, shot data in the ExifIFD.
    static func cameraExif(bigEndian: Bool) -> [UInt8] {
        TIFFFixture.make(
            bigEndian: bigEndian,
            ifd0: [
                .init(0x010F, .ascii("Canon")),
                .init(0x0110, .ascii("Canon EOS 5D Mark IV")),
                .init(0x0112, .short([6])),
                .init(0x8825, .long([0])),
            ],
            exif: [
                .init(0x829A, .rational([(1, 250)])),
                .init(0x829D, .rational([(28, 10)])),
                .init(0x8827, .short([400])),
                .init(0x9003, .ascii("2021:05:01 12:00:00")),
                .init(0x920A, .rational([(35, 1)])),
                .init(0xA405, .short([16])),
                .init(0xA434, .ascii("EF16-35mm f/2.8L III USM")),
            ]
        )
    }

    static func parse(_ bytes: [UInt8]) -> ExifSummary? {
        bytes.withUnsafeBytes { ExifReader.parse($0) }
    }

    @Test(arguments: [false, true])
    func readsEveryFieldInBothByteOrders(bigEndian: Bool) throws {
        let exif = try #require(Self.parse(Self.cameraExif(bigEndian: bigEndian)))
        #expect(exif.cameraMake == "Canon")
        #expect(exif.cameraModel == "Canon EOS 5D Mark IV")
        #expect(exif.orientation == 6)
        #expect(exif.hasGPS)
        #expect(exif.exposureTimeSec == 1.0 / 250)
        #expect(exif.fNumber == 2.8)
        #expect(exif.isoSpeed == 400)
        #expect(exif.datetimeOriginal == "2021:05:01 12:00:00")
        #expect(exif.focalLengthMM == 35)
        #expect(exif.focalLength35mm == 16)
        #expect(exif.lensModel == "EF16-35mm f/2.8L III USM")
        #expect(exif.distortionRisk == "high")
    }

    @Test func bigEndianExifReadsMakeAndModel() throws {
        let bytes = TIFFFixture.make(bigEndian: true, ifd0: [.init(0x010F, .ascii("NIKON")), .init(0x0110, .ascii("D850"))])
        #expect(Array(bytes.prefix(4)) == [0x4D, 0x4D, 0x00, 0x2A])
        let exif = try #require(Self.parse(bytes))
        #expect(exif.cameraMake == "NIKON")
        #expect(exif.cameraModel == "D850")
        #expect(!exif.hasGPS)
        #expect(exif.distortionRisk == nil)
    }

    @Test func acceptsOneOrTwoExifPrefixes() throws {
        let tiff = Self.cameraExif(bigEndian: false)
        let exifHeader: [UInt8] = Array("Exif".utf8) + [0, 0]
        #expect(try #require(Self.parse(exifHeader + tiff)).cameraMake == "Canon")
        #expect(try #require(Self.parse(exifHeader + exifHeader + tiff)).cameraMake == "Canon")
    }

    @Test func shotFieldsInIFD0WinOverTheExifIFD() throws {
        let bytes = TIFFFixture.make(
            bigEndian: false,
            ifd0: [.init(0x920A, .rational([(50, 1)])), .init(0x8827, .long([100]))],
            exif: [.init(0x920A, .rational([(24, 1)])), .init(0x8827, .short([3200])), .init(0x829D, .rational([(4, 1)]))]
        )
        let exif = try #require(Self.parse(bytes))
        #expect(exif.focalLengthMM == 50)
        #expect(exif.isoSpeed == 100)
        #expect(exif.fNumber == 4)  // only in the ExifIFD
    }

    @Test func stringsAreTrimmedOfSpacesAndNULs() throws {
        let bytes = TIFFFixture.make(
            bigEndian: false,
            ifd0: [
                .init(0x010F, .raw(type: 2, count: 12, bytes: Array("  Canon\0\0\0\0\0".utf8))),
                .init(0x0110, .raw(type: 2, count: 9, bytes: Array("OLYMPUS \0".utf8))),
            ])
        let exif = try #require(Self.parse(bytes))
        #expect(exif.cameraMake == "Canon")
        #expect(exif.cameraModel == "OLYMPUS")
    }

    @Test func blankStringsAreAbsent() throws {
        let bytes = TIFFFixture.make(
            bigEndian: false,
            ifd0: [
                .init(0x010F, .raw(type: 2, count: 4, bytes: [0x20, 0x20, 0, 0])),
                .init(0x0110, .raw(type: 2, count: 1, bytes: [0])),
            ])
        let exif = try #require(Self.parse(bytes))
        #expect(exif.cameraMake == nil)
        #expect(exif.cameraModel == nil)
    }

    @Test func invalidUTF8DecodesAsLatin1AndValidUTF8AsUTF8() throws {
        let bytes = TIFFFixture.make(
            bigEndian: false,
            ifd0: [
                .init(0x010F, .raw(type: 2, count: 6, bytes: [0x43, 0x61, 0x66, 0xE9, 0xFF, 0])),  // "Caf\u{E9}\u{FF}"
                .init(0x0110, .raw(type: 2, count: 6, bytes: Array("Café".utf8) + [0])),
            ])
        let exif = try #require(Self.parse(bytes))
        #expect(exif.cameraMake == "Caf\u{E9}\u{FF}")
        #expect(exif.cameraModel == "Café")
    }

    @Test func nonPositiveOrUndefinedNumbersAreAbsent() throws {
        let bytes = TIFFFixture.make(
            bigEndian: false, ifd0: [],
            exif: [
                .init(0x829A, .rational([(0, 1)])),  // zero
                .init(0x829D, .rational([(28, 0)])),  // zero denominator
                .init(0x920A, .srational([(-35, 1)])),  // negative
            ])
        let exif = try #require(Self.parse(bytes))
        #expect(exif.exposureTimeSec == nil)
        #expect(exif.fNumber == nil)
        #expect(exif.focalLengthMM == nil)
    }

    @Test func multiValuedEntriesFollowTheReference() throws {
        let bytes = TIFFFixture.make(
            bigEndian: true, ifd0: [.init(0x0112, .short([3, 6]))],
            exif: [
                .init(0x8827, .short([800, 1600])),  // ISO: the first value
                .init(0xA405, .short([24, 28])),  // one value expected: absent
                .init(0x829D, .rational([(2, 1), (4, 1)])),
            ])
        let exif = try #require(Self.parse(bytes))
        #expect(exif.orientation == 3)  // Pillow keeps the first of IFD0's Orientation values
        #expect(exif.isoSpeed == 800)
        #expect(exif.focalLength35mm == nil)
        #expect(exif.fNumber == nil)
    }

    @Test func integerFieldsTruncateRationalsLikePythonInt() throws {
        let bytes = TIFFFixture.make(
            bigEndian: false, ifd0: [],
            exif: [
                .init(0x8827, .rational([(13, 2)])),
                .init(0xA405, .srational([(-13, 2)])),
            ])
        let exif = try #require(Self.parse(bytes))
        #expect(exif.isoSpeed == 6)
        #expect(exif.focalLength35mm == -6)
    }

    @Test(arguments: [(10, "high"), (17, "high"), (18, "medium"), (23, "medium"), (24, "low"), (200, "low")])
    func distortionRiskFollowsThe35mmFocalLength(focal: Int, risk: String) {
        var exif = ExifSummary()
        exif.focalLength35mm = focal
        #expect(exif.distortionRisk == risk)
    }

    @Test func repeatedTagKeepsItsFirstEntry() throws {
        let bytes = TIFFFixture.make(
            bigEndian: false,
            ifd0: [
                .init(0x010F, .ascii("First")), .init(0x010F, .ascii("Second")),
            ], sorted: false)
        #expect(try #require(Self.parse(bytes)).cameraMake == "First")
    }

    @Test func unknownTypesAndEmptyEntriesAreSkipped() throws {
        let bytes = TIFFFixture.make(
            bigEndian: false,
            ifd0: [
                .init(0x010F, .raw(type: 129, count: 4, bytes: Array("UTF8".utf8))),  // EXIF 3.0 UTF-8: Pillow skips it
                .init(0x0110, .raw(type: 2, count: 0, bytes: [])),
                .init(0x0112, .raw(type: 99, count: 1, bytes: [6, 0])),
                .init(0x0131, .ascii("kept so IFD0 is not empty")),
            ])
        let exif = try #require(Self.parse(bytes))
        #expect(exif.cameraMake == nil)
        #expect(exif.cameraModel == nil)
        #expect(exif.orientation == nil)
    }

    @Test func notATIFFOrAnEmptyIFD0GivesNil() {
        #expect(Self.parse([]) == nil)
        #expect(Self.parse(Array("Exif\0\0".utf8)) == nil)
        #expect(Self.parse(Array("not a tiff at all".utf8)) == nil)
        #expect(Self.parse([0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]) == nil)  // zero entries
        #expect(Self.parse([0x49, 0x49, 0x2A, 0x00, 0xFF, 0xFF, 0xFF, 0xFF]) == nil)  // IFD0 outside
    }

    @Test func exifIFDPointingToIFD0Terminates() throws {
        // IFD0 at 8 holds one entry: the ExifIFD pointer, pointing back at IFD0.
        var bytes = ByteWriter(bigEndian: false)
        bytes.header(firstIFD: 8)
        bytes.u16(2)
        bytes.entry(tag: 0x010F, type: 2, count: 4, value: Array("Sony".utf8))
        bytes.entry(tag: 0x8769, type: 4, count: 1, value: [8, 0, 0, 0])
        bytes.u32(8)  // next IFD: itself as well
        let exif = try #require(Self.parse(bytes.data))
        #expect(exif.cameraMake == "Sony")
    }

    @Test func exifIFDOutsideTheBufferIsIgnored() throws {
        var bytes = ByteWriter(bigEndian: true)
        bytes.header(firstIFD: 8)
        bytes.u16(2)
        bytes.entry(tag: 0x010F, type: 2, count: 4, value: Array("Sony".utf8))
        bytes.entry(tag: 0x8769, type: 4, count: 1, value: [0xFF, 0xFF, 0xFF, 0xF0])
        bytes.u32(0)
        let exif = try #require(Self.parse(bytes.data))
        #expect(exif.cameraMake == "Sony")
        #expect(exif.focalLengthMM == nil)
    }

    @Test func hugeCountsAndOutsideOffsetsDoNotCrash() throws {
        var bytes = ByteWriter(bigEndian: false)
        bytes.header(firstIFD: 8)
        bytes.u16(0xFFFF)  // far more entries than the buffer holds
        bytes.entry(tag: 0x010F, type: 2, count: 4, value: Array("Leic".utf8))
        bytes.entry(tag: 0x920A, type: 5, count: 0xFFFF_FFFF, value: [16, 0, 0, 0])  // 34 GB of rationals
        bytes.entry(tag: 0x0110, type: 2, count: 0x2000_0000, value: [0xF0, 0xFF, 0xFF, 0xFF])
        let exif = try #require(Self.parse(bytes.data))
        #expect(exif.cameraMake == "Leic")
        #expect(exif.focalLengthMM == nil)
        #expect(exif.cameraModel == nil)
    }

    @Test func valueOutsideTheBufferEndsTheDirectoryAsInPillow() throws {
        var bytes = ByteWriter(bigEndian: false)
        bytes.header(firstIFD: 8)
        bytes.u16(3)
        bytes.entry(tag: 0x010F, type: 2, count: 4, value: Array("Fuji".utf8))
        bytes.entry(tag: 0x0110, type: 2, count: 40, value: [0x00, 0x10, 0, 0])  // past the end
        bytes.entry(tag: 0x0112, type: 3, count: 1, value: [1, 0, 0, 0])  // never read
        bytes.u32(0)
        let exif = try #require(Self.parse(bytes.data))
        #expect(exif.cameraMake == "Fuji")
        #expect(exif.cameraModel == nil)
        #expect(exif.orientation == nil)
    }

    @Test(arguments: [false, true])
    func everyTruncationYieldsASubsetOfTheFullSummary(bigEndian: Bool) throws {
        let full = Self.cameraExif(bigEndian: bigEndian)
        let expected = try #require(Self.parse(full))
        for length in 0...full.count {
            guard let exif = Self.parse(Array(full.prefix(length))) else { continue }
            #expect(exif.cameraMake == nil || exif.cameraMake == expected.cameraMake)
            #expect(exif.cameraModel == nil || exif.cameraModel == expected.cameraModel)
            #expect(exif.lensModel == nil || exif.lensModel == expected.lensModel)
            #expect(exif.focalLengthMM == nil || exif.focalLengthMM == expected.focalLengthMM)
            #expect(exif.focalLength35mm == nil || exif.focalLength35mm == expected.focalLength35mm)
            #expect(exif.isoSpeed == nil || exif.isoSpeed == expected.isoSpeed)
            #expect(exif.fNumber == nil || exif.fNumber == expected.fNumber)
            #expect(exif.exposureTimeSec == nil || exif.exposureTimeSec == expected.exposureTimeSec)
            #expect(exif.datetimeOriginal == nil || exif.datetimeOriginal == expected.datetimeOriginal)
            #expect(exif.orientation == nil || exif.orientation == expected.orientation)
        }
    }

    @Test func randomAndMutatedBytesNeverCrash() {
        var rng = SplitMix64(seed: 0xE11F)
        let valid = Self.cameraExif(bigEndian: false)
        for _ in 0..<3000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            _ = Self.parse(bytes)
            let noise = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = Self.parse([0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8] + noise)
            _ = Self.parse([0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0] + noise)
        }
    }

    // MARK: JPEG payload

    @Test func jpegPayloadIsTheExifAPP1AfterOtherSegments() throws {
        let tiff = Self.cameraExif(bigEndian: true)
        let jpeg = JPEGFixture.make(segments: [
            (0xE0, Array("JFIF\0".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0]),
            (0xE1, Array("http://ns.adobe.com/xap/1.0/\0".utf8) + Array("<x/>".utf8)),
            (0xE1, Array("Exif\0\0".utf8) + tiff),
        ])
        let payload = try #require(jpeg.withUnsafeBytes { ExifReader.jpegExifPayload(in: $0).map { Array($0) } })
        #expect(payload == tiff)
        let exif = try #require(Self.parse(payload))
        #expect(exif.cameraMake == "Canon")
    }

    @Test func jpegFillBytesAndStandaloneMarkersAreSkipped() throws {
        let tiff = Self.cameraExif(bigEndian: false)
        var jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xFF, 0xFF, 0xD0]  // fill bytes, then RST0
        jpeg += [0xFF, 0xE1] + ByteWriter.be16(2 + 6 + tiff.count) + Array("Exif\0\0".utf8) + tiff
        let payload = jpeg.withUnsafeBytes { ExifReader.jpegExifPayload(in: $0).map { Array($0) } }
        #expect(payload == tiff)
    }

    @Test func jpegWithoutExifBeforeTheScanGivesNil() {
        let tiff = Self.cameraExif(bigEndian: false)
        var afterScan = JPEGFixture.make(segments: [(0xE0, Array("JFIF\0".utf8))])
        afterScan.removeLast(2)  // drop EOI, append an Exif APP1 after the scan
        afterScan += [0xFF, 0xE1] + ByteWriter.be16(2 + 6 + tiff.count) + Array("Exif\0\0".utf8) + tiff
        #expect(afterScan.withUnsafeBytes { ExifReader.jpegExifPayload(in: $0) } == nil)
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        #expect(png.withUnsafeBytes { ExifReader.jpegExifPayload(in: $0) } == nil)
    }

    @Test func jpegSegmentLongerThanTheFileGivesNil() {
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xF0] + Array("Exif\0\0II*\0".utf8)
        #expect(jpeg.withUnsafeBytes { ExifReader.jpegExifPayload(in: $0) } == nil)
    }

    @Test func jpegPayloadOfEveryTruncationIsNilOrAPrefixOfTheExif() {
        let tiff = Self.cameraExif(bigEndian: false)
        let jpeg = JPEGFixture.make(segments: [(0xE1, Array("Exif\0\0".utf8) + tiff)])
        for length in 0...jpeg.count {
            let prefix = Array(jpeg.prefix(length))
            let payload = prefix.withUnsafeBytes { ExifReader.jpegExifPayload(in: $0).map { Array($0) } }
            #expect(payload == nil || payload == tiff)
        }
    }
}

// MARK: - Fixture builders (shared with ImageHeaderTests)

/// Appends integers in one byte order, plus TIFF header and directory-entry helpers.
struct ByteWriter {
    var bigEndian: Bool
    var data: [UInt8] = []

    init(bigEndian: Bool) {
        self.bigEndian = bigEndian
    }

    static func be16(_ value: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)] }
    static func be32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32($0))) } }
    static func le16(_ value: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)] }
    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) } }

    mutating func u16(_ value: UInt16) {
        data += bigEndian ? Self.be16(Int(value)) : Self.le16(Int(value))
    }

    mutating func u32(_ value: UInt32) {
        data += bigEndian ? Self.be32(value) : Self.le32(value)
    }

    mutating func header(firstIFD: UInt32) {
        data += bigEndian ? [0x4D, 0x4D, 0x00, 0x2A] : [0x49, 0x49, 0x2A, 0x00]
        u32(firstIFD)
    }

    /// A 12-byte entry; `value` is the 4-byte field as stored (inline data or an offset).
    mutating func entry(tag: UInt16, type: UInt16, count: UInt32, value: [UInt8]) {
        u16(tag)
        u16(type)
        u32(count)
        data += Array((value + [0, 0, 0, 0]).prefix(4))
    }
}

/// Builds TIFF structures: IFD0 (optionally repeated as a chain of pages) and an ExifIFD,
/// each directory followed by its out-of-line values.
enum TIFFFixture {
    enum Value {
        case ascii(String)
        case short([UInt16])
        case long([UInt32])
        case rational([(UInt32, UInt32)])
        case srational([(Int32, Int32)])
        /// Any type and count with the given value bytes (already in the file's byte order
        /// for multi-byte types).
        case raw(type: UInt16, count: UInt32, bytes: [UInt8])
    }

    struct Entry {
        var tag: UInt16
        var value: Value
        init(_ tag: UInt16, _ value: Value) {
            self.tag = tag
            self.value = value
        }
    }

    static func make(bigEndian: Bool, ifd0: [Entry], exif: [Entry]? = nil, pages: Int = 1, sorted: Bool = true) -> [UInt8] {
        var first = ifd0
        if exif != nil { first.append(Entry(0x8769, .long([0]))) }  // patched below
        if sorted { first.sort { $0.tag < $1.tag } }
        var out = ByteWriter(bigEndian: bigEndian)
        out.header(firstIFD: 8)
        var pageOffsets: [Int] = []
        for page in 0..<pages {
            pageOffsets.append(out.data.count)
            let isLast = page == pages - 1
            let size = directorySize(first, bigEndian: bigEndian)
            let next = isLast ? 0 : UInt32(out.data.count + size)
            out.data += directory(first, at: out.data.count, next: next, bigEndian: bigEndian)
        }
        if let exif {
            let exifOffset = UInt32(out.data.count)
            let sortedExif = sorted ? exif.sorted { $0.tag < $1.tag } : exif
            out.data += directory(sortedExif, at: out.data.count, next: 0, bigEndian: bigEndian)
            // Patch every page's ExifIFD pointer.
            if let index = first.firstIndex(where: { $0.tag == 0x8769 }) {
                for start in pageOffsets {
                    let at = start + 2 + 12 * index + 8
                    let bytes = bigEndian ? ByteWriter.be32(exifOffset) : ByteWriter.le32(exifOffset)
                    out.data.replaceSubrange(at..<(at + 4), with: bytes)
                }
            }
        }
        return out.data
    }

    private static func encode(_ value: Value, bigEndian: Bool) -> (type: UInt16, count: UInt32, bytes: [UInt8]) {
        var w = ByteWriter(bigEndian: bigEndian)
        switch value {
        case .ascii(let text):
            let bytes = Array(text.utf8) + [0]
            return (2, UInt32(bytes.count), bytes)
        case .short(let values):
            for value in values { w.u16(value) }
            return (3, UInt32(values.count), w.data)
        case .long(let values):
            for value in values { w.u32(value) }
            return (4, UInt32(values.count), w.data)
        case .rational(let values):
            for value in values {
                w.u32(value.0); w.u32(value.1)
            }
            return (5, UInt32(values.count), w.data)
        case .srational(let values):
            for value in values {
                w.u32(UInt32(bitPattern: value.0)); w.u32(UInt32(bitPattern: value.1))
            }
            return (10, UInt32(values.count), w.data)
        case .raw(let type, let count, let bytes):
            return (type, count, bytes)
        }
    }

    private static func directorySize(_ entries: [Entry], bigEndian: Bool) -> Int {
        2 + 12 * entries.count + 4
            + entries.reduce(0) { total, entry in
                let size = encode(entry.value, bigEndian: bigEndian).bytes.count
                return total + (size > 4 ? size + size % 2 : 0)
            }
    }

    private static func directory(_ entries: [Entry], at offset: Int, next: UInt32, bigEndian: Bool) -> [UInt8] {
        var w = ByteWriter(bigEndian: bigEndian)
        var extra: [UInt8] = []
        let extraStart = offset + 2 + 12 * entries.count + 4
        w.u16(UInt16(entries.count))
        for entry in entries {
            let (type, count, bytes) = encode(entry.value, bigEndian: bigEndian)
            if bytes.count > 4 {
                let at = UInt32(extraStart + extra.count)
                w.entry(tag: entry.tag, type: type, count: count, value: bigEndian ? ByteWriter.be32(at) : ByteWriter.le32(at))
                extra += bytes + (bytes.count % 2 == 1 ? [0] : [])
            } else {
                w.entry(tag: entry.tag, type: type, count: count, value: bytes)
            }
        }
        w.u32(next)
        return w.data + extra
    }
}

/// Builds a JPEG: SOI, the given marker segments, a minimal scan, EOI.
enum JPEGFixture {
    static func make(segments: [(marker: UInt8, payload: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = [0xFF, 0xD8]
        for (marker, payload) in segments {
            out += [0xFF, marker] + ByteWriter.be16(payload.count + 2) + payload
        }
        // SOS with one component, then a few bytes of "entropy-coded data" and EOI.
        out += [0xFF, 0xDA] + ByteWriter.be16(8) + [1, 1, 0, 0, 63, 0]
        out += [0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9]
        return out
    }

    /// A baseline (SOF0) or other frame header segment.
    static func frame(width: Int, height: Int, components: UInt8, precision: UInt8 = 8) -> [UInt8] {
        var payload: [UInt8] = [precision] + ByteWriter.be16(height) + ByteWriter.be16(width) + [components]
        for id in 0..<components { payload += [id + 1, 0x11, 0] }
        return payload
    }
}

/// A small deterministic generator, so the random-input tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
