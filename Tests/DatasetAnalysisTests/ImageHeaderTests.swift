import Testing

@testable import DatasetAnalysis

@Suite struct ImageHeaderTests {
    static func sniff(_ bytes: [UInt8]) -> ImageHeader? {
        bytes.withUnsafeBytes { ImageHeaderSniffer.sniff($0) }
    }

    /// Every prefix of a valid file either is not recognised yet or reports only values the
    /// whole file reports (a JPEG may read as `JPEG` until its MPF segment says `MPO`).
    static func expectPrefixesAgree(with bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        guard let full = sniff(bytes) else {
            Issue.record("fixture not recognised", sourceLocation: sourceLocation)
            return
        }
        for length in 0..<bytes.count {
            guard let header = sniff(Array(bytes.prefix(length))) else { continue }
            let format = header.format == full.format || (header.format == "JPEG" && full.format == "MPO")
            #expect(format, "format at \(length)", sourceLocation: sourceLocation)
            #expect(header.width == nil || header.width == full.width, "width at \(length)", sourceLocation: sourceLocation)
            #expect(header.height == nil || header.height == full.height, "height at \(length)", sourceLocation: sourceLocation)
            #expect(header.colorMode == nil || header.colorMode == full.colorMode, "mode at \(length)", sourceLocation: sourceLocation)
            #expect(header.frameCount == nil || header.frameCount == full.frameCount, "frames at \(length)", sourceLocation: sourceLocation)
        }
    }

    // MARK: PNG

    static func png(width: UInt32, height: UInt32, depth: UInt8, colorType: UInt8, chunks: [(String, [UInt8])] = []) -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        func chunk(_ type: String, _ data: [UInt8]) {
            out += ByteWriter.be32(UInt32(data.count)) + Array(type.utf8) + data + [0, 0, 0, 0]  // CRC not checked
        }
        chunk("IHDR", ByteWriter.be32(width) + ByteWriter.be32(height) + [depth, colorType, 0, 0, 0])
        for (type, data) in chunks { chunk(type, data) }
        chunk("IDAT", [0x78, 0x9C, 0x03, 0x00])
        chunk("IEND", [])
        return out
    }

    @Test(
        arguments: [
            (0, 1, "1", 1), (0, 2, "L", 1), (0, 4, "L", 1), (0, 8, "L", 1), (0, 16, "I;16", 1),
            (2, 8, "RGB", 3), (2, 16, "RGB", 3), (3, 1, "P", 1), (3, 8, "P", 1),
            (4, 8, "LA", 2), (4, 16, "RGBA", 4), (6, 8, "RGBA", 4), (6, 16, "RGBA", 4),
        ] as [(UInt8, UInt8, String, Int)])
    func pngModeFollowsPillowForColourTypeAndDepth(colorType: UInt8, depth: UInt8, mode: String, channels: Int) throws {
        let header = try #require(Self.sniff(Self.png(width: 640, height: 480, depth: depth, colorType: colorType)))
        #expect(header.format == "PNG")
        #expect(header.colorMode == mode)
        #expect(header.channels == channels)
        #expect(header.width == 640 && header.height == 480)
        #expect(header.frameCount == 1)
    }

    @Test func pngWithInvalidDepthHasSizeButNoMode() throws {
        let header = try #require(Self.sniff(Self.png(width: 3, height: 2, depth: 16, colorType: 3)))
        #expect(header.colorMode == nil && header.channels == nil)
        #expect(header.width == 3)
    }

    @Test func apngCountsFramesLikePillow() throws {
        let acTL = ByteWriter.be32(4) + ByteWriter.be32(0)
        let fcTL = [UInt8](repeating: 0, count: 26)
        let animated = Self.png(width: 8, height: 8, depth: 8, colorType: 6, chunks: [("acTL", acTL), ("fcTL", fcTL)])
        #expect(Self.sniff(animated)?.frameCount == 4)
        // No fcTL before IDAT: the default image is an extra frame.
        let withDefault = Self.png(width: 8, height: 8, depth: 8, colorType: 6, chunks: [("acTL", acTL)])
        #expect(Self.sniff(withDefault)?.frameCount == 5)
        // Pillow ignores a frame count of 0.
        let zero = Self.png(width: 8, height: 8, depth: 8, colorType: 6, chunks: [("acTL", [UInt8](repeating: 0, count: 8))])
        #expect(Self.sniff(zero)?.frameCount == 1)
    }

    @Test func pngSideAbove31BitsIsUnknown() throws {
        let header = try #require(Self.sniff(Self.png(width: 0x8000_0000, height: 5, depth: 8, colorType: 2)))
        #expect(header.width == nil)
        #expect(header.height == 5)
    }

    @Test func pngPrefixesNeverContradictTheFile() {
        let acTL = ByteWriter.be32(3) + ByteWriter.be32(0)
        Self.expectPrefixesAgree(with: Self.png(width: 300, height: 200, depth: 8, colorType: 3, chunks: [("acTL", acTL)]))
    }

    // MARK: JPEG

    static func jpeg(
        width: Int = 4000, height: Int = 3000, components: UInt8 = 3, sof: UInt8 = 0xC0,
        extra: [(marker: UInt8, payload: [UInt8])] = []
    ) -> [UInt8] {
        let dqt: (marker: UInt8, payload: [UInt8]) = (0xDB, [0] + [UInt8](repeating: 1, count: 64))
        let dht: (marker: UInt8, payload: [UInt8]) = (0xC4, [0] + [UInt8](repeating: 0, count: 16))
        return JPEGFixture.make(
            segments: extra + [dqt, dht, (sof, JPEGFixture.frame(width: width, height: height, components: components))])
    }

    @Test(arguments: [(1, "L", 1), (3, "RGB", 3), (4, "CMYK", 4)] as [(UInt8, String, Int)])
    func jpegModeComesFromTheFrameComponents(components: UInt8, mode: String, channels: Int) throws {
        let header = try #require(Self.sniff(Self.jpeg(components: components)))
        #expect(header.format == "JPEG")
        #expect(header.colorMode == mode && header.channels == channels)
        #expect(header.jpegComponents == Int(components))
        #expect(header.width == 4000 && header.height == 3000)
        #expect(header.frameCount == 1)
    }

    @Test func progressiveJPEGReadsItsSOF2AndNotTheDHT() throws {
        let header = try #require(Self.sniff(Self.jpeg(width: 37, height: 23, sof: 0xC2)))
        #expect(header.width == 37 && header.height == 23)
        #expect(header.colorMode == "RGB")
    }

    @Test func twelveBitJPEGHasNoPillowMode() throws {
        let frame = JPEGFixture.frame(width: 10, height: 10, components: 3, precision: 12)
        let header = try #require(Self.sniff(JPEGFixture.make(segments: [(0xC1, frame)])))
        #expect(header.width == 10)
        #expect(header.colorMode == nil)
    }

    @Test func adobeSegmentGivesTheColourTransform() throws {
        let adobe: [UInt8] = Array("Adobe".utf8) + [0, 100, 0, 0, 0, 0, 2]
        let header = try #require(Self.sniff(Self.jpeg(components: 4, extra: [(0xEE, adobe)])))
        #expect(header.colorMode == "CMYK")
        #expect(header.jpegAdobeTransform == 2)
        #expect(try #require(Self.sniff(Self.jpeg())).jpegAdobeTransform == nil)
    }

    /// An MPF APP2 segment listing `images` JPEG images.
    static func mpf(images: UInt32, bigEndian: Bool = true) -> [UInt8] {
        var entries = ByteWriter(bigEndian: bigEndian)
        for _ in 0..<images {
            entries.u32(0x0003_0000)  // attribute: baseline primary, data format 0 (JPEG)
            entries.u32(1000)
            entries.u32(0)
            entries.u16(0)
            entries.u16(0)
        }
        let index = TIFFFixture.make(
            bigEndian: bigEndian,
            ifd0: [
                .init(0xB000, .raw(type: 7, count: 4, bytes: Array("0100".utf8))),
                .init(0xB001, .long([images])),
                .init(0xB002, .raw(type: 7, count: UInt32(entries.data.count), bytes: entries.data)),
            ])
        return Array("MPF\0".utf8) + index
    }

    @Test func jpegWithAMultiPictureIndexIsMPO() throws {
        let header = try #require(Self.sniff(Self.jpeg(extra: [(0xE2, Self.mpf(images: 2))])))
        #expect(header.format == "MPO")
        #expect(header.frameCount == 2)
        #expect(header.colorMode == "RGB")
        let little = try #require(Self.sniff(Self.jpeg(extra: [(0xE2, Self.mpf(images: 3, bigEndian: false))])))
        #expect(little.format == "MPO" && little.frameCount == 3)
        let single = try #require(Self.sniff(Self.jpeg(extra: [(0xE2, Self.mpf(images: 1))])))
        #expect(single.format == "JPEG")
    }

    @Test func ultraHDRJPEGStaysJPEG() throws {
        let xmp = Array("http://ns.adobe.com/xap/1.0/\0<rdf:Description hdrgm:Version=\"1.0\"/>".utf8)
        let header = try #require(Self.sniff(Self.jpeg(extra: [(0xE1, xmp), (0xE2, Self.mpf(images: 2))])))
        #expect(header.format == "JPEG")
    }

    @Test func jpegPrefixesNeverContradictTheFile() {
        Self.expectPrefixesAgree(with: Self.jpeg(extra: [(0xE2, Self.mpf(images: 2))]))
        Self.expectPrefixesAgree(with: Self.jpeg(components: 1, sof: 0xC2))
    }

    // MARK: GIF

    static func gif(
        width: UInt16 = 10, height: UInt16 = 8, global: [UInt8]?, frames: [(x: UInt16, y: UInt16, w: UInt16, h: UInt16, local: [UInt8]?)],
        trailer: Bool = true
    ) -> [UInt8] {
        func paletteFlags(_ palette: [UInt8]) -> UInt8 {
            let entries = palette.count / 3
            return 0x80 | UInt8(entries.trailingZeroBitCount - 1)
        }
        var out = Array("GIF89a".utf8) + ByteWriter.le16(Int(width)) + ByteWriter.le16(Int(height))
        out += [global.map(paletteFlags) ?? 0, 0, 0] + (global ?? [])
        for frame in frames {
            out += [0x21, 0xF9, 4, 0, 10, 0, 0, 0]  // graphic control extension
            out += [0x2C] + ByteWriter.le16(Int(frame.x)) + ByteWriter.le16(Int(frame.y))
            out += ByteWriter.le16(Int(frame.w)) + ByteWriter.le16(Int(frame.h)) + [frame.local.map(paletteFlags) ?? 0]
            out += (frame.local ?? []) + [2, 2, 0x44, 0x01, 0]  // LZW code size, one data block, terminator
        }
        if trailer { out += [0x3B] }
        return out
    }

    static func greyRamp(_ entries: Int) -> [UInt8] { (0..<entries).flatMap { [UInt8($0), UInt8($0), UInt8($0)] } }
    static func colours(_ entries: Int) -> [UInt8] { (0..<entries).flatMap { [UInt8($0), 255 - UInt8($0), 7] } }

    @Test func gifWithAColourPaletteIsP() throws {
        let header = try #require(Self.sniff(Self.gif(global: Self.colours(4), frames: [(0, 0, 10, 8, nil)])))
        #expect(header.format == "GIF")
        #expect(header.colorMode == "P" && header.channels == 1)
        #expect(header.width == 10 && header.height == 8)
        #expect(header.frameCount == 1)
    }

    @Test func gifWithAGreyRampOrNoPaletteIsL() throws {
        #expect(Self.sniff(Self.gif(global: Self.greyRamp(256), frames: [(0, 0, 10, 8, nil)]))?.colorMode == "L")
        #expect(Self.sniff(Self.gif(global: nil, frames: [(0, 0, 10, 8, nil)]))?.colorMode == "L")
        // A local grey ramp replaces a colour global palette.
        #expect(Self.sniff(Self.gif(global: Self.colours(4), frames: [(0, 0, 10, 8, Self.greyRamp(4))]))?.colorMode == "L")
        #expect(Self.sniff(Self.gif(global: nil, frames: [(0, 0, 10, 8, Self.colours(8))]))?.colorMode == "P")
    }

    @Test func gifFirstFrameOutsideTheScreenEnlargesTheSize() throws {
        let header = try #require(Self.sniff(Self.gif(global: Self.colours(4), frames: [(5, 3, 20, 30, nil)])))
        #expect(header.width == 25 && header.height == 33)
    }

    @Test func gifFramesAreCountedUpToTheTrailer() throws {
        let frames = [(x: UInt16(0), y: UInt16(0), w: UInt16(10), h: UInt16(8), local: [UInt8]?.none)]
        #expect(Self.sniff(Self.gif(global: Self.colours(4), frames: frames + frames + frames))?.frameCount == 3)
        #expect(Self.sniff(Self.gif(global: Self.colours(4), frames: frames + frames, trailer: false))?.frameCount == nil)
    }

    @Test func gifPrefixesNeverContradictTheFile() {
        Self.expectPrefixesAgree(with: Self.gif(global: Self.colours(8), frames: [(2, 2, 20, 9, nil), (0, 0, 5, 5, Self.greyRamp(2))]))
    }

    // MARK: WebP

    static func riff(_ chunks: [(String, [UInt8])]) -> [UInt8] {
        var body = Array("WEBP".utf8)
        for (fourCC, data) in chunks {
            body += Array(fourCC.utf8) + ByteWriter.le32(UInt32(data.count)) + data + (data.count % 2 == 1 ? [0] : [])
        }
        return Array("RIFF".utf8) + ByteWriter.le32(UInt32(body.count)) + body
    }

    @Test func lossyWebPIsRGB() throws {
        let vp8: [UInt8] = [0x50, 0x01, 0x00, 0x9D, 0x01, 0x2A] + ByteWriter.le16(1920) + ByteWriter.le16(1080) + [0, 0]
        let header = try #require(Self.sniff(Self.riff([("VP8 ", vp8)])))
        #expect(header.format == "WEBP")
        #expect(header.colorMode == "RGB" && header.channels == 3)
        #expect(header.width == 1920 && header.height == 1080)
        #expect(header.frameCount == 1)
    }

    @Test(arguments: [(false, "RGB"), (true, "RGBA")])
    func losslessWebPAlphaBitDecidesTheMode(alpha: Bool, mode: String) throws {
        let bits = UInt32(37 - 1) | UInt32(23 - 1) << 14 | (alpha ? 1 << 28 : 0)
        let header = try #require(Self.sniff(Self.riff([("VP8L", [0x2F] + ByteWriter.le32(bits) + [0, 0, 0])])))
        #expect(header.colorMode == mode)
        #expect(header.width == 37 && header.height == 23)
    }

    @Test func extendedWebPReadsCanvasAlphaAndAnimationFrames() throws {
        let canvas: [UInt8] = [0x12, 0x0F, 0x00, 0x27, 0x04, 0x00]  // width − 1, height − 1: 24-bit little-endian
        let flags: UInt8 = 0x10 | 0x02  // alpha, animation
        let vp8x = [flags, 0, 0, 0] + canvas
        let frame = [UInt8](repeating: 0, count: 16)
        let header = try #require(Self.sniff(Self.riff([("VP8X", vp8x), ("ANIM", [0, 0, 0, 0, 0, 0]), ("ANMF", frame), ("ANMF", frame)])))
        #expect(header.colorMode == "RGBA")
        #expect(header.width == 0x0F12 + 1 && header.height == 0x0427 + 1)
        #expect(header.frameCount == 2)
        let still = try #require(Self.sniff(Self.riff([("VP8X", [0, 0, 0, 0] + canvas)])))
        #expect(still.colorMode == "RGB" && still.frameCount == 1)
    }

    @Test func webPPrefixesNeverContradictTheFile() {
        let vp8x: [UInt8] = [0x12, 0, 0, 0, 9, 0, 0, 4, 0, 0]
        Self.expectPrefixesAgree(with: Self.riff([("VP8X", vp8x), ("ANMF", [1, 2, 3]), ("ANMF", [4, 5, 6, 7])]))
    }

    // MARK: BMP

    static func bmp(
        headerSize: Int = 40, width: Int32, height: Int32, bits: UInt16, compression: UInt32 = 0,
        colors: UInt32 = 0, masks: [UInt32] = [], palette: [UInt8] = []
    ) -> [UInt8] {
        var dib = ByteWriter(bigEndian: false)
        if headerSize == 12 {
            dib.u32(12)
            dib.u16(UInt16(width))
            dib.u16(UInt16(height))
            dib.u16(1)
            dib.u16(bits)
        } else {
            dib.u32(UInt32(headerSize))
            dib.u32(UInt32(bitPattern: width))
            dib.u32(UInt32(bitPattern: height))
            dib.u16(1)
            dib.u16(bits)
            dib.u32(compression)
            dib.u32(0)
            dib.u32(2835)
            dib.u32(2835)
            dib.u32(colors)
            dib.u32(0)
            for mask in masks { dib.u32(mask) }  // inside a V2+ header, or after a 40-byte one
            dib.data += [UInt8](repeating: 0, count: max(0, headerSize - dib.data.count))
        }
        let body = dib.data + palette
        let pixels = [UInt8](repeating: 0, count: 16)
        return Array("BM".utf8) + ByteWriter.le32(UInt32(14 + body.count + pixels.count)) + [0, 0, 0, 0]
            + ByteWriter.le32(UInt32(14 + body.count)) + body + pixels
    }

    static func bgrx(_ colours: [(UInt8, UInt8, UInt8)]) -> [UInt8] { colours.flatMap { [$0.2, $0.1, $0.0, 0] } }

    @Test func bmp24And32BitAreRGB() throws {
        let rgb24 = try #require(Self.sniff(Self.bmp(width: 9, height: 5, bits: 24)))
        #expect(rgb24.format == "BMP" && rgb24.colorMode == "RGB" && rgb24.channels == 3)
        #expect(rgb24.width == 9 && rgb24.height == 5)
        // Pillow reads plain 32-bit BMPs as RGB (the fourth byte is padding).
        #expect(Self.sniff(Self.bmp(width: 9, height: 5, bits: 32))?.colorMode == "RGB")
    }

    @Test func bmpBitfieldsWithAlphaMaskAreRGBA() throws {
        let bgra = Self.bmp(
            headerSize: 124, width: 9, height: 5, bits: 32, compression: 3,
            masks: [0xFF_0000, 0xFF00, 0xFF, 0xFF00_0000])
        #expect(Self.sniff(bgra)?.colorMode == "RGBA")
        let bgrx = Self.bmp(headerSize: 40, width: 9, height: 5, bits: 32, compression: 3, masks: [0xFF_0000, 0xFF00, 0xFF])
        #expect(Self.sniff(bgrx)?.colorMode == "RGB")
        let unsupported = Self.bmp(headerSize: 124, width: 9, height: 5, bits: 32, compression: 3, masks: [0xF00, 0xF0, 0xF, 0xF000])
        #expect(Self.sniff(unsupported)?.colorMode == nil)
    }

    @Test func bmpPalettesBecome1LOrP() throws {
        let blackWhite = Self.bgrx([(0, 0, 0), (255, 255, 255)])
        #expect(Self.sniff(Self.bmp(width: 9, height: 5, bits: 1, colors: 2, palette: blackWhite))?.colorMode == "1")
        let grey = Self.bgrx((0..<256).map { (UInt8($0), UInt8($0), UInt8($0)) })
        #expect(Self.sniff(Self.bmp(width: 9, height: 5, bits: 8, palette: grey))?.colorMode == "L")
        let colour = Self.bgrx([(0, 0, 0), (255, 0, 0)])
        #expect(Self.sniff(Self.bmp(width: 9, height: 5, bits: 1, colors: 2, palette: colour))?.colorMode == "P")
    }

    @Test func bmpTopDownHeightIsPositiveAndCoreHeadersAreRead() throws {
        let topDown = try #require(Self.sniff(Self.bmp(width: 9, height: -5, bits: 24)))
        #expect(topDown.height == 5)
        let core = try #require(Self.sniff(Self.bmp(headerSize: 12, width: 300, height: 200, bits: 24)))
        #expect(core.width == 300 && core.height == 200 && core.colorMode == "RGB")
    }

    @Test func bmpWithUnsupportedCompressionHasNoMode() throws {
        let header = try #require(Self.sniff(Self.bmp(width: 9, height: 5, bits: 24, compression: 4)))
        #expect(header.colorMode == nil)
        #expect(header.width == 9)
    }

    @Test func bmpPrefixesNeverContradictTheFile() {
        Self.expectPrefixesAgree(
            with: Self.bmp(width: 9, height: -5, bits: 8, palette: Self.bgrx((0..<256).map { (UInt8($0), UInt8($0), UInt8($0)) })))
        Self.expectPrefixesAgree(
            with: Self.bmp(
                headerSize: 124, width: 9, height: 5, bits: 32, compression: 3,
                masks: [0xFF_0000, 0xFF00, 0xFF, 0xFF00_0000]))
    }

    // MARK: TIFF

    static func tiff(
        bigEndian: Bool = false, extra: [TIFFFixture.Entry] = [], bits: [UInt16] = [8, 8, 8],
        photometric: UInt16 = 2, pages: Int = 1
    ) -> [UInt8] {
        TIFFFixture.make(
            bigEndian: bigEndian,
            ifd0: [
                .init(256, .long([640])), .init(257, .short([480])), .init(258, .short(bits)),
                .init(259, .short([1])), .init(262, .short([photometric])), .init(277, .short([UInt16(bits.count)])),
            ] + extra, pages: pages)
    }

    @Test func tiffReadsSizeAndModeFromIFD0() throws {
        let header = try #require(Self.sniff(Self.tiff()))
        #expect(header.format == "TIFF")
        #expect(header.colorMode == "RGB" && header.channels == 3)
        #expect(header.width == 640 && header.height == 480)
        #expect(header.frameCount == 1)
    }

    @Test func tiffModesFollowPillow() throws {
        #expect(Self.sniff(Self.tiff(bigEndian: true, bits: [16], photometric: 1))?.colorMode == "I;16B")
        #expect(Self.sniff(Self.tiff(bits: [16], photometric: 1))?.colorMode == "I;16")
        #expect(Self.sniff(Self.tiff(bits: [1], photometric: 0))?.colorMode == "1")
        #expect(Self.sniff(Self.tiff(bits: [8, 8, 8, 8], photometric: 5))?.colorMode == "CMYK")
        #expect(Self.sniff(Self.tiff(extra: [.init(338, .short([2]))], bits: [8, 8, 8, 8]))?.colorMode == "RGBA")
        #expect(Self.sniff(Self.tiff(extra: [.init(338, .short([0]))], bits: [8, 8, 8, 8]))?.colorMode == "RGB")
        #expect(Self.sniff(Self.tiff(extra: [.init(339, .short([3]))], bits: [32], photometric: 1))?.colorMode == "F")
        // YCbCr stays YCbCr uncompressed; libtiff turns compressed YCbCr into RGB.
        #expect(Self.sniff(Self.tiff(bits: [8, 8, 8], photometric: 6))?.colorMode == "YCbCr")
        let jpegCompressed = TIFFFixture.make(
            bigEndian: false,
            ifd0: [
                .init(256, .long([8])), .init(257, .long([8])), .init(258, .short([8, 8, 8])), .init(259, .short([7])),
                .init(262, .short([6])), .init(277, .short([3])),
            ])
        #expect(Self.sniff(jpegCompressed)?.colorMode == "RGB")
        // A layout Pillow has no mode for.
        #expect(Self.sniff(Self.tiff(bits: [8, 16, 8]))?.colorMode == nil)
    }

    @Test func tiffOrientation5To8SwapsTheSizeLikePillow() throws {
        let header = try #require(Self.sniff(Self.tiff(extra: [.init(274, .short([6]))])))
        #expect(header.width == 480 && header.height == 640)
    }

    @Test func tiffPagesAreCountedAndLoopsEnd() throws {
        #expect(Self.sniff(Self.tiff(pages: 3))?.frameCount == 3)
        // Make the last directory point back to the first.
        var looped = Self.tiff(pages: 2)
        let second = try #require(looped.withUnsafeBytes { TIFFStructure($0)?.nextDirectoryOffset(after: 8) })
        let entries = Int(looped[second]) | Int(looped[second + 1]) << 8
        let nextField = second + 2 + 12 * entries
        looped.replaceSubrange(nextField..<(nextField + 4), with: ByteWriter.le32(8))
        #expect(Self.sniff(looped)?.frameCount == 2)
    }

    @Test func tiffWithoutDimensionsIsOnlyRecognised() throws {
        let header = try #require(Self.sniff(TIFFFixture.make(bigEndian: false, ifd0: [.init(262, .short([2]))])))
        #expect(header.format == "TIFF")
        #expect(header.width == nil && header.colorMode == nil)
        #expect(Self.sniff([0x49, 0x49, 0x2B, 0x00, 8, 0, 0, 0])?.format == "TIFF")  // BigTIFF
    }

    @Test func tiffPrefixesNeverContradictTheFile() {
        Self.expectPrefixesAgree(with: Self.tiff(extra: [.init(274, .short([8]))], pages: 2))
        Self.expectPrefixesAgree(with: Self.tiff(bigEndian: true, bits: [16], photometric: 1))
    }

    // MARK: HEIF and AVIF

    static func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        ByteWriter.be32(UInt32(8 + payload.count)) + Array(type.utf8) + payload
    }

    static func fullBox(_ type: String, version: UInt8 = 0, flags: UInt8 = 0, _ payload: [UInt8]) -> [UInt8] {
        box(type, [version, 0, 0, flags] + payload)
    }

    /// `ftyp`, then `meta` with a primary item 1 whose `ispe` is width × height (property 2;
    /// property 1 is a decoy `ispe` of a thumbnail), and optionally an alpha `auxC`.
    static func isoImage(
        major: String, compatible: [String], width: UInt32 = 4032, height: UInt32 = 3024,
        alphaURN: String? = nil
    ) -> [UInt8] {
        let ftyp = box("ftyp", Array(major.utf8) + [0, 0, 0, 0] + compatible.flatMap { Array($0.utf8) })
        var properties = fullBox("ispe", ByteWriter.be32(160) + ByteWriter.be32(120))
        properties += fullBox("ispe", ByteWriter.be32(width) + ByteWriter.be32(height))
        if let alphaURN { properties += fullBox("auxC", Array(alphaURN.utf8) + [0]) }
        // ipma: two items; item 2 (thumbnail) → property 1, item 1 (primary) → property 2 (essential bit set).
        let ipma = fullBox("ipma", ByteWriter.be32(2) + ByteWriter.be16(2) + [1, 0x01] + ByteWriter.be16(1) + [1, 0x82])
        let meta = fullBox(
            "meta",
            fullBox("hdlr", [0, 0, 0, 0] + Array("pict".utf8) + [UInt8](repeating: 0, count: 13))
                + fullBox("pitm", ByteWriter.be16(1)) + box("iprp", box("ipco", properties) + ipma))
        return ftyp + meta + box("mdat", [1, 2, 3, 4])
    }

    @Test func heicBrandsAreHEIFWithThePrimaryImageSize() throws {
        let header = try #require(Self.sniff(Self.isoImage(major: "heic", compatible: ["mif1", "heic"])))
        #expect(header.format == "HEIF")
        #expect(header.width == 4032 && header.height == 3024)
        #expect(header.colorMode == "RGB")
        #expect(Self.sniff(Self.isoImage(major: "mif1", compatible: ["mif1", "heic"]))?.format == "HEIF")
    }

    @Test func avifBrandsAreAVIFAndAlphaMakesRGBA() throws {
        let header = try #require(
            Self.sniff(
                Self.isoImage(
                    major: "avif", compatible: ["avif", "mif1"], width: 37, height: 23,
                    alphaURN: "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha")))
        #expect(header.format == "AVIF")
        #expect(header.colorMode == "RGBA" && header.channels == 4)
        #expect(header.width == 37 && header.height == 23)
        #expect(Self.sniff(Self.isoImage(major: "mif1", compatible: ["mif1", "avif"]))?.format == "AVIF")
        #expect(Self.sniff(Self.isoImage(major: "avis", compatible: ["avis"]))?.format == "AVIF")
    }

    @Test func otherISOMediaFilesAreNotImages() {
        #expect(Self.sniff(Self.box("ftyp", Array("isom".utf8) + [0, 0, 2, 0] + Array("isomiso2mp41".utf8))) == nil)
    }

    @Test func isoMediaPrefixesNeverContradictTheFile() {
        Self.expectPrefixesAgree(with: Self.isoImage(major: "avif", compatible: ["avif"], alphaURN: "urn:mpeg:hevc:2015:auxid:1"))
        Self.expectPrefixesAgree(with: Self.isoImage(major: "heic", compatible: ["mif1"]))
    }

    // MARK: JPEG XL

    /// Writes bits least-significant first, as JPEG XL reads them.
    struct BitWriter {
        var bytes: [UInt8] = []
        var count = 0

        mutating func write(_ value: Int, bits: Int) {
            for i in 0..<bits {
                if count % 8 == 0 { bytes.append(0) }
                if value >> i & 1 == 1 { bytes[bytes.count - 1] |= 1 << UInt8(count % 8) }
                count += 1
            }
        }
    }

    /// A codestream whose SizeHeader is built field by field, then padding.
    static func jxlCodestream(_ fields: [(value: Int, bits: Int)]) -> [UInt8] {
        var bits = BitWriter()
        for field in fields { bits.write(field.value, bits: field.bits) }
        return [0xFF, 0x0A] + bits.bytes + [0, 0, 0, 0]
    }

    @Test func jxlCodestreamSizeHeaderIsDecoded() throws {
        // small: height (5 + 1) × 8, ratio 0, width (7 + 1) × 8
        let small = Self.jxlCodestream([(1, 1), (5, 5), (0, 3), (7, 5)])
        let header = try #require(Self.sniff(small))
        #expect(header.format == "JXL")
        #expect(header.width == 64 && header.height == 48)
        #expect(header.colorMode == nil)
        // height 1080 through the 13-bit selector, ratio 16:9
        let ratio = Self.jxlCodestream([(0, 1), (1, 2), (1079, 13), (5, 3)])
        #expect(Self.sniff(ratio)?.width == 1920)
        #expect(Self.sniff(ratio)?.height == 1080)
        // explicit 9-bit height 315 and width 507
        let explicit = Self.jxlCodestream([(0, 1), (0, 2), (314, 9), (0, 3), (0, 2), (506, 9)])
        #expect(Self.sniff(explicit)?.width == 507)
        #expect(Self.sniff(explicit)?.height == 315)
    }

    @Test func jxlContainerCodestreamIsFound() throws {
        let codestream = Self.jxlCodestream([(1, 1), (5, 5), (0, 3), (7, 5)])
        let signature: [UInt8] = [0, 0, 0, 0x0C, 0x4A, 0x58, 0x4C, 0x20, 0x0D, 0x0A, 0x87, 0x0A]
        let ftyp = Self.box("ftyp", Array("jxl ".utf8) + [0, 0, 0, 0] + Array("jxl ".utf8))
        let whole = try #require(Self.sniff(signature + ftyp + Self.box("jxlc", codestream)))
        #expect(whole.format == "JXL" && whole.width == 64 && whole.height == 48)
        let split = try #require(Self.sniff(signature + ftyp + Self.box("jxlp", [0, 0, 0, 0] + codestream)))
        #expect(split.width == 64)
        Self.expectPrefixesAgree(with: signature + ftyp + Self.box("jxlc", codestream))
    }

    // MARK: Hostile input

    @Test func unknownOrIncompleteMagicIsNil() {
        #expect(Self.sniff([]) == nil)
        #expect(Self.sniff([0xFF, 0xD8]) == nil)
        #expect(Self.sniff(Array("GIF8".utf8)) == nil)
        #expect(Self.sniff(Array("RIFF\0\0\0\0WAVE".utf8)) == nil)
        #expect(Self.sniff(Array("BMxxxxxxxxxxxxxx".utf8)) == nil)  // no valid DIB header size
        #expect(Self.sniff(Array("plain text, not an image".utf8)) == nil)
    }

    @Test func randomAndMutatedHeadersNeverCrash() {
        var rng = SplitMix64(seed: 0x5EED)
        let fixtures: [[UInt8]] = [
            Self.png(width: 9, height: 9, depth: 8, colorType: 2, chunks: [("acTL", ByteWriter.be32(2) + ByteWriter.be32(0))]),
            Self.jpeg(extra: [(0xE2, Self.mpf(images: 2)), (0xEE, Array("Adobe".utf8) + [0, 1, 0, 0, 0, 0, 1])]),
            Self.gif(global: Self.colours(4), frames: [(0, 0, 10, 8, Self.colours(2))]),
            Self.riff([("VP8X", [0x12, 0, 0, 0, 9, 0, 0, 4, 0, 0]), ("ANMF", [1, 2, 3])]),
            Self.bmp(width: 9, height: 5, bits: 8, palette: Self.bgrx([(1, 2, 3)])),
            Self.tiff(pages: 2),
            Self.isoImage(major: "avif", compatible: ["avif"], alphaURN: "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha"),
            Self.jxlCodestream([(0, 1), (3, 2), (1 << 29, 30), (0, 3), (3, 2), (12345, 30)]),
        ]
        for fixture in fixtures {
            for _ in 0..<1500 {
                var bytes = fixture
                for _ in 0..<Int.random(in: 1...6, using: &rng) {
                    let i = Int.random(in: 0..<bytes.count, using: &rng)
                    bytes[i] = [0, 0xFF, UInt8.random(in: 0...255, using: &rng)][Int.random(in: 0..<3, using: &rng)]
                }
                if Bool.random(using: &rng) { bytes.removeLast(Int.random(in: 0..<bytes.count, using: &rng)) }
                _ = Self.sniff(bytes)
            }
        }
        for _ in 0..<2000 {
            _ = Self.sniff((0..<Int.random(in: 0...96, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
    }

    @Test func reportedSidesAlwaysFitIn31Bits() {
        var rng = SplitMix64(seed: 31)
        for _ in 0..<2000 {
            var bytes = Self.tiff()
            for i in 8..<bytes.count where Int.random(in: 0..<10, using: &rng) == 0 { bytes[i] = 0xFF }
            let header = Self.sniff(bytes)
            #expect((header?.width ?? 0) <= Int(Int32.max) && (header?.height ?? 0) <= Int(Int32.max))
        }
    }
}
