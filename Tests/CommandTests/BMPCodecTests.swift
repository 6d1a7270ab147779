import DatasetAnalysis
import ExampleData
import Foundation
import ImageDecoding
import Testing

/// BMP is read by our own codec (libvips would need ImageMagick, which is blocked): every
/// layout users meet decodes to the exact pixels, and damaged files get a reason.
@Suite("BMP codec")
struct BMPCodecTests {
    /// A bitmap built byte by byte: `rows` are the stored rows (bottom row first unless
    /// `topDown`), already packed for `bits`.
    static func bitmap(
        headerSize: Int = 40, width: Int, height: Int, bits: Int, compression: Int = 0, topDown: Bool = false,
        palette: [(UInt8, UInt8, UInt8)] = [], masks: [UInt32] = [], rows: [[UInt8]]
    ) -> [UInt8] {
        var out: [UInt8] = []
        func u16(_ v: Int) { out += [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8)] }
        func u32(_ v: Int) { u16(v & 0xFFFF); u16((v >> 16) & 0xFFFF) }
        let stride = (bits * width + 31) / 32 * 4
        let maskBytes = headerSize == 40 && compression == 3 ? masks.count * 4 : 0
        let offset = 14 + headerSize + maskBytes + palette.count * 4
        out += Array("BM".utf8)
        u32(offset + stride * height); u32(0); u32(offset)
        u32(headerSize); u32(width); u32(topDown ? -height : height); u16(1); u16(bits); u32(compression)
        u32(stride * height); u32(2835); u32(2835); u32(palette.count); u32(0)
        if compression == 3 || headerSize > 40 {
            for m in masks { u32(Int(m)) }
        }
        while out.count < 14 + headerSize + maskBytes { out.append(0) }
        for (r, g, b) in palette { out += [b, g, r, 0] }
        for row in rows { out += row + [UInt8](repeating: 0, count: stride - row.count) }
        return out
    }

    static func decode(_ bytes: [UInt8]) throws -> DecodedImage {
        // libvips must be started in this process before a BMP it reads (RLE) reaches it;
        // without this the test crashed whenever it ran before any other test had started it.
        _ = Fixtures.libvipsStarted
        return try bytes.withUnsafeBytes { try ImageDecoder().decode($0, options: DecodeOptions(previewSide: 64)) }
    }

    /// The colour of pixel (x, y) (y from the top) in every test picture.
    static func colour(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
        (UInt8(x * 40 + 10), UInt8(y * 60 + 5), UInt8((x * 7 + y * 13) % 256))
    }

    static func expected(width: Int, height: Int, _ pixel: (Int, Int) -> (UInt8, UInt8, UInt8) = colour) -> [UInt8] {
        var out: [UInt8] = []
        for y in 0..<height { for x in 0..<width { let c = pixel(x, y); out += [c.0, c.1, c.2] } }
        return out
    }

    @Test(arguments: [false, true])
    func twentyFourBitRowsDecodeExactly(topDown: Bool) throws {
        let (w, h) = (5, 3)
        let order = topDown ? Array(0..<h) : Array((0..<h).reversed())
        let rows = order.map { y in
            (0..<w).flatMap { x -> [UInt8] in
                let c = Self.colour(x, y); return [c.2, c.1, c.0]
            }
        }
        let decoded = try Self.decode(Self.bitmap(width: w, height: h, bits: 24, topDown: topDown, rows: rows))
        #expect(decoded.format == "BMP" && decoded.colorMode == "RGB" && decoded.decoder == "bmp")
        #expect(decoded.width == w && decoded.height == h)
        #expect(decoded.preview.pixels == Self.expected(width: w, height: h))
    }

    @Test(arguments: [1, 4, 8])
    func paletteImagesDecodeExactly(bits: Int) throws {
        let (w, h) = (9, 4)
        let colours = 1 << bits
        let palette: [(UInt8, UInt8, UInt8)] = (0..<colours).map { (i: Int) -> (UInt8, UInt8, UInt8) in
            let r = UInt8(i * 37 % 256), g = UInt8((i * 91 + 3) % 256), b = UInt8((i * 53 + 7) % 256)
            return (r, g, b)
        }
        func index(_ x: Int, _ y: Int) -> Int { (x * 3 + y * 5) % colours }
        let rows = (0..<h).reversed().map { y -> [UInt8] in
            var row = [UInt8](repeating: 0, count: (bits * w + 7) / 8)
            for x in 0..<w {
                let bit = x * bits
                row[bit / 8] |= UInt8(index(x, y) << (8 - bits - bit % 8))
            }
            return row
        }
        let decoded = try Self.decode(Self.bitmap(width: w, height: h, bits: bits, palette: palette, rows: rows))
        #expect(decoded.colorMode == "P")
        #expect(decoded.preview.pixels == Self.expected(width: w, height: h) { x, y in palette[index(x, y)] })
    }

    @Test func sixteenBitFiveFiveFiveAndBitfieldsFiveSixFive() throws {
        let (w, h) = (3, 2)
        // 5-5-5: full-scale channels map to 255, zero to 0.
        let values: [[UInt16]] = [[0x7C00, 0x03E0, 0x001F], [0x7FFF, 0x0000, 0x4210]]
        let rows555 = values.reversed().map { row in row.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
        let d555 = try Self.decode(Self.bitmap(width: w, height: h, bits: 16, rows: rows555))
        #expect(d555.preview.pixels == [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 132, 132, 132])
        let values565: [[UInt16]] = [[0xF800, 0x07E0, 0x001F], [0xFFFF, 0x0000, 0x0400]]
        let rows565 = values565.reversed().map { row in row.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
        let d565 = try Self.decode(
            Self.bitmap(
                width: w, height: h, bits: 16, compression: 3,
                masks: [0xF800, 0x07E0, 0x001F], rows: rows565))
        #expect(d565.preview.pixels == [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 130, 0])
    }

    @Test func thirtyTwoBitPlainAndWithAlphaMasks() throws {
        let (w, h) = (4, 3)
        let rows = (0..<h).reversed().map { y in
            (0..<w).flatMap { x -> [UInt8] in
                let c = Self.colour(x, y); return [c.2, c.1, c.0, 77]
            }
        }
        let plain = try Self.decode(Self.bitmap(width: w, height: h, bits: 32, rows: rows))
        #expect(plain.preview.pixels == Self.expected(width: w, height: h))
        let v5 = try Self.decode(
            Self.bitmap(
                headerSize: 124, width: w, height: h, bits: 32, compression: 3,
                masks: [0xFF_0000, 0xFF00, 0xFF, 0xFF00_0000], rows: rows))
        #expect(v5.colorMode == "RGBA")
        #expect(v5.preview.pixels == Self.expected(width: w, height: h))
    }

    /// The encoder the fixtures use round-trips through the decoder.
    @Test(arguments: [1, 3, 4])
    func encoderRoundTrips(bands: Int) throws {
        let scene = Fixtures.scene(8, width: 33, height: 21)
        var pixels: [UInt8] = []
        for i in 0..<(33 * 21) {
            let p = Array(scene.pixels[(3 * i)..<(3 * i + 3)])
            pixels += bands == 1 ? [p[1]] : bands == 3 ? p : p + [200]
        }
        let bytes = try ImageEncoder.encode(pixels: pixels, width: 33, height: 21, bands: bands, suffix: ".bmp")
        let decoded = try Self.decode(bytes)
        #expect(decoded.width == 33 && decoded.height == 21)
        let expected = bands == 1 ? pixels.flatMap { [$0, $0, $0] } : scene.pixels
        #expect(decoded.preview.pixels == expected)
    }

    /// A 4 × 2 run-length (RLE8) bitmap: the bottom row red, the top row blue.
    static func rle8() -> [UInt8] {
        var bytes = bitmap(width: 4, height: 2, bits: 8, compression: 1, palette: [(255, 0, 0), (0, 0, 255)], rows: [])
        // Runs: 4 × index 0, end of line; 4 × index 1, end of bitmap.
        let data: [UInt8] = [4, 0, 0, 0, 4, 1, 0, 1]
        bytes += data
        let size = bytes.count
        for (offset, value) in [(2, size), (34, data.count)] {
            for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
        }
        return bytes
    }

    /// Run-length bitmaps are read only by ImageMagick: off by default with a reason that
    /// says how to turn it on, read when asked.
    @Test func runLengthBitmapsNeedTheUntrustedLoadersAndSaySo() throws {
        let ws = try Workspace()
        try ws.write(Self.rle8(), to: "data/rle.bmp")
        let blocked = try Imgeda.run(["scan", ws.file("data"), "-o", ws.file("b.jsonl"), "--quiet"])
        #expect(blocked.status == 0, "\(blocked.stderr)")
        let record = try #require(try records(ws.file("b.jsonl")).first)
        #expect(record.isCorrupt)
        #expect(
            record.corruptReason?.contains("BMP with run-length compression (RLE8) is read only through ImageMagick") == true,
            "\(record.corruptReason ?? "")")
        // The record says what would read it in plain words; the scan names its flag.
        #expect(record.corruptReason.flatMap(Remedy.named(in:)) == .allowUntrustedLoaders, "\(record.corruptReason ?? "")")
        let told = try Imgeda.run(["scan", ws.file("data"), "-o", ws.file("t.jsonl")])
        #expect(
            told.stdout.contains("1 file can be read only by ImageMagick, which is off; scan with --allow-untrusted-loaders"),
            "\(told.stdout)")
        let allowed = try Imgeda.run(["scan", ws.file("data"), "-o", ws.file("a.jsonl"), "--quiet", "--allow-untrusted-loaders"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        let read = try #require(try records(ws.file("a.jsonl")).first)
        #expect(!read.isCorrupt, "\(read.corruptReason ?? "")")
        #expect(read.format == "BMP" && read.width == 4 && read.height == 2)
    }

    @Test func truncatedAndRunLengthInThisProcessGetReasons() throws {
        let rows = (0..<4).map { _ in [UInt8](repeating: 9, count: 12) }
        let whole = Self.bitmap(width: 4, height: 4, bits: 24, rows: rows)
        let truncated = Array(whole.prefix(whole.count - 20))
        let error = try #require(throws: DecodeError.self) { try Self.decode(truncated) }
        #expect(error.reason.contains("truncated BMP"))
        #expect(error.partial?.width == 4)
        let rleError = try #require(throws: DecodeError.self) { try Self.decode(Self.rle8()) }
        #expect(rleError.reason.contains("RLE8"))
    }
}
