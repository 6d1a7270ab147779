/// What the first bytes of an image file say about it, in the reference's (Pillow's)
/// vocabulary, before any pixel is decoded.
///
/// Fields are nil when the header does not tell or Pillow would refuse the file; a value
/// is never guessed. Sizes are as Pillow reports them: the stored size, except for TIFF,
/// where Pillow swaps width and height for orientations 5–8.
public struct ImageHeader: Sendable, Hashable {
    /// `JPEG`, `MPO`, `PNG`, `GIF`, `WEBP`, `TIFF`, `BMP`, `HEIF`, `AVIF` or `JXL`.
    public var format: String
    /// Pillow's mode (`RGB`, `RGBA`, `L`, `LA`, `P`, `1`, `CMYK`, `I;16`, `I`, `F`, …) when
    /// the header determines it.
    public var colorMode: String?
    /// Pillow's `len(getbands())` for ``colorMode``.
    public var channels: Int?
    public var width: Int?
    public var height: Int?
    /// Frames, where counting them is cheap: APNG (`acTL`), GIF (up to the trailer),
    /// animated WebP (`ANMF` chunks), MPO and multi-page TIFF; 1 for a file known to be a
    /// still image; nil when not known.
    public var frameCount: Int?
    /// JPEG: components in the frame header (1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK).
    public var jpegComponents: Int?
    /// JPEG: the Adobe APP14 colour transform (0 none — RGB or CMYK, 1 YCbCr, 2 YCCK); nil
    /// without an Adobe segment.
    public var jpegAdobeTransform: Int?

    public init(
        format: String, colorMode: String? = nil, width: Int? = nil, height: Int? = nil,
        frameCount: Int? = nil, jpegComponents: Int? = nil, jpegAdobeTransform: Int? = nil
    ) {
        self.format = format
        self.colorMode = colorMode
        self.channels = colorMode.flatMap(Self.bandCount)
        self.width = width
        self.height = height
        self.frameCount = frameCount
        self.jpegComponents = jpegComponents
        self.jpegAdobeTransform = jpegAdobeTransform
    }

    /// Pillow's number of bands for a mode; nil for a mode this package never reports.
    public static func bandCount(mode: String) -> Int? {
        switch mode {
        case "1", "L", "P", "I", "F", "I;16", "I;16B", "I;16L", "I;16N": 1
        case "LA", "La", "PA": 2
        case "RGB", "YCbCr", "LAB", "HSV": 3
        case "RGBA", "RGBa", "RGBX", "CMYK": 4
        default: nil
        }
    }

    /// Sets ``colorMode`` and ``channels`` together.
    mutating func setMode(_ mode: String?) {
        colorMode = mode
        channels = mode.flatMap(Self.bandCount)
    }

    /// Sets the size from stored values. No format allows a side above 2³¹ − 1, so a larger
    /// value is a damaged header and is left unknown; that also keeps `width * height`
    /// within `Int` for every caller.
    mutating func setSize<W: BinaryInteger, H: BinaryInteger>(_ w: W, _ h: H) {
        width = w <= Int32.max ? Int(w) : nil
        height = h <= Int32.max ? Int(h) : nil
    }
}

/// Identifies an image by its magic bytes (never by its file name) and reads what its
/// header tells: ``ImageHeader``.
///
/// ```swift
/// let header = data.withUnsafeBytes { ImageHeaderSniffer.sniff($0) }
/// header?.format   // "PNG"
/// header?.colorMode  // "RGBA"
/// ```
///
/// Input is treated as hostile: every read is bounds-checked, every walk over chunks,
/// boxes, blocks or directories moves forward or visits each offset once, and a file cut
/// short yields the fields read before the cut.
public enum ImageHeaderSniffer {
    /// The header of `bytes`, the start of a file or all of it; nil when the bytes are not
    /// a format listed in ``ImageHeader/format`` (or too short to tell).
    ///
    /// - Complexity: O(header size) for most formats; GIF, animated WebP and multi-page
    ///   TIFF walk their block, chunk or directory lists (not the pixel data).
    public static func sniff(_ bytes: UnsafeRawBufferPointer) -> ImageHeader? {
        let r = ByteReader(bytes)
        if r.matches([0xFF, 0xD8, 0xFF], at: 0) { return jpeg(bytes) }
        if r.matches([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], at: 0) { return png(r) }
        if r.matches("GIF87a", at: 0) || r.matches("GIF89a", at: 0) { return gif(r) }
        if r.matches("RIFF", at: 0) && r.matches("WEBP", at: 8) { return webp(r) }
        if let tiff = TIFFStructure(bytes) { return self.tiff(tiff) }
        if r.matches([0x49, 0x49, 0x2B, 0x00], at: 0) || r.matches([0x4D, 0x4D, 0x00, 0x2B], at: 0) {
            return ImageHeader(format: "TIFF")  // BigTIFF: recognised, directories not read
        }
        if r.matches("BM", at: 0), let size = r.u32(14, bigEndian: false), bmpHeaderSizes.contains(size) {
            return bmp(r, headerSize: Int(size))
        }
        if r.matches("ftyp", at: 4) { return isoMedia(r) }
        if r.matches([0xFF, 0x0A], at: 0) { return jxl(codestream: r) }
        if r.matches([0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20, 0x0D, 0x0A, 0x87, 0x0A], at: 0) {
            return jxlContainer(r)
        }
        return nil
    }

    // MARK: JPEG

    /// Walks the markers to the first scan: the last SOFn before it gives size and
    /// components (Pillow keeps the last one too); APP14 gives the Adobe transform; an MPF
    /// APP2 listing several JPEG images makes the file an `MPO`, as Pillow opens it.
    private static func jpeg(_ bytes: UnsafeRawBufferPointer) -> ImageHeader {
        var header = ImageHeader(format: "JPEG")
        var multiPicture: UnsafeRawBufferPointer?
        var ultraHDR = false
        var segments = JPEGSegments(bytes)
        while let segment = segments.next() {
            let payload = ByteReader(segment.payload)
            switch segment.marker {
            // SOF0–SOF15 without DHT (C4), JPG (C8) and DAC (CC), which share the range.
            case 0xC0...0xCF where ![0xC4, 0xC8, 0xCC].contains(segment.marker):
                guard let precision = payload.u8(0), let h = payload.u16(1, bigEndian: true),
                    let w = payload.u16(3, bigEndian: true), let components = payload.u8(5)
                else { continue }
                header.setSize(w, h)
                header.jpegComponents = Int(components)
                // Pillow opens 8-bit 1-, 3- and 4-component JPEGs only.
                let modes: [UInt8: String] = [1: "L", 3: "RGB", 4: "CMYK"]
                header.setMode(precision == 8 ? modes[components] : nil)
            case 0xEE where payload.matches("Adobe", at: 0):
                header.jpegAdobeTransform = payload.u8(11).map { Int($0) }
            case 0xE2 where payload.matches("MPF\0", at: 0):
                multiPicture = UnsafeRawBufferPointer(rebasing: segment.payload[4...])  // the last one wins
            case 0xE1:
                // Pillow leaves Ultra HDR files (gain map in an MPF second image) as JPEG.
                if payload.contains(" hdrgm:Version=\"") { ultraHDR = true }
            default:
                continue
            }
        }
        // Only a walk that reached the scan has seen every segment that decides these.
        guard segments.reachedEnd else { return header }
        header.frameCount = 1
        if !ultraHDR, let multiPicture, let images = mpoImageCount(multiPicture), images > 1 {
            header.format = "MPO"
            header.frameCount = images
        }
        return header
    }

    /// The number of images an MPF index lists, when Pillow would accept it: `NumberOfImages`
    /// (0xB001) and an `MPEntry` table (0xB002) with that many 16-byte entries, all JPEG.
    private static func mpoImageCount(_ index: UnsafeRawBufferPointer) -> Int? {
        guard let tiff = TIFFStructure(index), let first = tiff.firstIFDOffset else { return nil }
        let directory = tiff.directory(at: first)
        guard let count = directory[0xB001].flatMap(tiff.firstInteger), count >= 0,
            let entries = directory[0xB002], entries.type == 1 || entries.type == 7,
            let table = tiff.bytes(entries), count <= table.count / 16
        else { return nil }
        let reader = ByteReader(table)
        for i in 0..<count {
            // Attribute bits 24–26: image data format, 0 = JPEG.
            guard let attribute = reader.u32(16 * i, bigEndian: tiff.bigEndian), attribute >> 24 & 7 == 0 else {
                return nil
            }
        }
        return count
    }

    // MARK: PNG

    /// Pillow's PNG modes by (colour type, bit depth); 16-bit grey+alpha opens as RGBA.
    private static func pngMode(colorType: UInt8, depth: UInt8) -> String? {
        switch (colorType, depth) {
        case (0, 1): "1"
        case (0, 2), (0, 4), (0, 8): "L"
        case (0, 16): "I;16"
        case (2, 8), (2, 16): "RGB"
        case (3, 1), (3, 2), (3, 4), (3, 8): "P"
        case (4, 8): "LA"
        case (4, 16), (6, 8), (6, 16): "RGBA"
        default: nil
        }
    }

    private static func png(_ r: ByteReader) -> ImageHeader {
        var header = ImageHeader(format: "PNG")
        // IHDR must be the first chunk: length at 8, type at 12, data at 16.
        guard r.matches("IHDR", at: 12), let w = r.u32(16, bigEndian: true), let h = r.u32(20, bigEndian: true) else {
            return header
        }
        header.setSize(w, h)
        if r.contains(16, length: 13), let depth = r.u8(24), let colorType = r.u8(25) {
            header.setMode(pngMode(colorType: colorType, depth: depth))
        }
        header.frameCount = pngFrameCount(r)
        return header
    }

    /// Pillow's `n_frames` from the chunks before the first IDAT: the `acTL` frame count,
    /// plus one when the IDAT image is not itself a frame (no `fcTL` before it); 1 without
    /// (valid) `acTL`; nil when the chunks end before IDAT.
    private static func pngFrameCount(_ r: ByteReader) -> Int? {
        var position = 8
        var frames: Int?
        var frameControlBeforeData = false
        while let length = r.u32(position, bigEndian: true), r.contains(position + 4, length: 4) {
            if r.matches("IDAT", at: position + 4) {
                guard let frames else { return 1 }
                return frameControlBeforeData ? frames : frames + 1
            } else if r.matches("acTL", at: position + 4) {
                guard let declared = r.u32(position + 8, bigEndian: true) else { return nil }
                // Pillow ignores a second acTL and counts of 0 or above 2^31.
                if frames != nil {
                    frames = nil
                } else if declared > 0 && declared <= 0x8000_0000 {
                    frames = Int(declared)
                }
            } else if r.matches("fcTL", at: position + 4) {
                frameControlBeforeData = true
            }
            // length + type + data + CRC; a 32-bit length cannot overflow a 64-bit Int.
            position += 12 + Int(length)
        }
        return nil
    }

    // MARK: GIF

    /// Size from the logical screen, enlarged by the first frame when it sticks out (Pillow
    /// does this), so known once the first image descriptor is read. Mode `P`, or `L` when
    /// the frame's palette is absent or the identity grey ramp (Pillow drops such palettes).
    /// Frames are counted up to the trailer.
    private static func gif(_ r: ByteReader) -> ImageHeader {
        var header = ImageHeader(format: "GIF")
        // The size is final only at the first image descriptor, which may enlarge it.
        guard let screenWidth = r.u16(6, bigEndian: false), let screenHeight = r.u16(8, bigEndian: false),
            let flags = r.u8(10)
        else { return header }
        var position = 13
        var globalPalette: Bool?  // nil: no global palette; else whether Pillow keeps it
        if flags & 0x80 != 0 {
            let size = 3 << (Int(flags & 7) + 1)
            guard let needed = gifPaletteNeeded(r, at: position, size: size) else { return header }
            globalPalette = needed
            position += size
        }
        var frames = 0
        while let introducer = r.u8(position) {
            switch introducer {
            case 0x3B:  // trailer
                header.frameCount = frames
                return header
            case 0x21:  // extension: label, then data sub-blocks
                guard let end = gifSkipSubBlocks(r, from: position + 2) else { return header }
                position = end
            case 0x2C:  // image descriptor
                guard let x = r.u16(position + 1, bigEndian: false), let y = r.u16(position + 3, bigEndian: false),
                    let w = r.u16(position + 5, bigEndian: false), let h = r.u16(position + 7, bigEndian: false),
                    let imageFlags = r.u8(position + 9)
                else { return header }
                position += 10
                var localPalette: Bool?
                if imageFlags & 0x80 != 0 {
                    let size = 3 << (Int(imageFlags & 7) + 1)
                    guard let needed = gifPaletteNeeded(r, at: position, size: size) else { return header }
                    localPalette = needed
                    position += size
                }
                if frames == 0 {
                    header.setSize(max(Int(screenWidth), Int(x) + Int(w)), max(Int(screenHeight), Int(y) + Int(h)))
                    // A local palette replaces the global one even when Pillow drops it.
                    let palette = localPalette ?? globalPalette ?? false
                    header.setMode(palette ? "P" : "L")
                }
                frames += 1
                // LZW minimum code size, then the image data sub-blocks.
                guard let end = gifSkipSubBlocks(r, from: position + 1) else { return header }
                position = end
            default:
                position += 1  // Pillow skips stray bytes between blocks
            }
        }
        return header
    }

    /// Pillow's `_is_palette_needed`: false when entry i is (i, i, i) for every i. Nil when
    /// the palette is not all present.
    private static func gifPaletteNeeded(_ r: ByteReader, at offset: Int, size: Int) -> Bool? {
        guard let palette = r.slice(offset, length: size) else { return nil }
        for entry in 0..<(size / 3) {
            let value = UInt8(truncatingIfNeeded: entry)
            if entry > 255 || palette[3 * entry] != value || palette[3 * entry + 1] != value
                || palette[3 * entry + 2] != value
            {
                return true
            }
        }
        return false
    }

    /// The offset after a chain of GIF data sub-blocks starting at `offset`, or nil when it
    /// runs past the buffer.
    private static func gifSkipSubBlocks(_ r: ByteReader, from offset: Int) -> Int? {
        var position = offset
        while let length = r.u8(position) {
            position += 1
            if length == 0 { return position }
            position += Int(length)
        }
        return nil
    }

    // MARK: WebP

    /// The first chunk decides: `VP8 ` (lossy, never alpha), `VP8L` (lossless, alpha bit in
    /// the header) or `VP8X` (extended: canvas size, alpha and animation flags).
    private static func webp(_ r: ByteReader) -> ImageHeader {
        var header = ImageHeader(format: "WEBP")
        let data = 20
        if r.matches("VP8 ", at: 12) {
            // Frame tag (3 bytes), start code 9D 01 2A, then 14-bit width and height.
            guard r.matches([0x9D, 0x01, 0x2A], at: data + 3), let w = r.u16(data + 6, bigEndian: false),
                let h = r.u16(data + 8, bigEndian: false)
            else { return header }
            header.setSize(w & 0x3FFF, h & 0x3FFF)
            header.setMode("RGB")
            header.frameCount = 1
        } else if r.matches("VP8L", at: 12) {
            // Signature 2F, then 14 bits width − 1, 14 bits height − 1, 1 bit alpha.
            guard r.u8(data) == 0x2F, let bits = r.u32(data + 1, bigEndian: false) else { return header }
            header.setSize((bits & 0x3FFF) + 1, (bits >> 14 & 0x3FFF) + 1)
            header.setMode(bits >> 28 & 1 == 1 ? "RGBA" : "RGB")
            header.frameCount = 1
        } else if r.matches("VP8X", at: 12) {
            guard let flags = r.u8(data), let w = r.u24le(data + 4), let h = r.u24le(data + 7) else { return header }
            header.setSize(w + 1, h + 1)
            header.setMode(flags & 0x10 != 0 ? "RGBA" : "RGB")
            header.frameCount = flags & 0x02 != 0 ? webpFrameCount(r) : 1
        }
        return header
    }

    /// `ANMF` chunks of an animated WebP; nil unless the walk reaches the RIFF's end.
    private static func webpFrameCount(_ r: ByteReader) -> Int? {
        guard let riffSize = r.u32(4, bigEndian: false) else { return nil }
        let end = 8 + Int(riffSize)
        guard end <= r.count else { return nil }
        var position = 12, frames = 0
        while position + 8 <= end {
            guard let size = r.u32(position + 4, bigEndian: false) else { return nil }
            if r.matches("ANMF", at: position) { frames += 1 }
            position += 8 + Int(size) + Int(size & 1)  // chunks are padded to even sizes
        }
        return position == end ? frames : nil
    }

    // MARK: TIFF

    /// Size and mode from IFD0 by Pillow's rules (`TiffImagePlugin._setup`); frames by
    /// following the directory chain.
    private static func tiff(_ tiff: TIFFStructure) -> ImageHeader {
        var header = ImageHeader(format: "TIFF")
        guard let first = tiff.firstIFDOffset else { return header }
        let (ifd, cutShort) = tiff.readDirectory(at: first)
        // Pillow keeps the first value of single-valued tags and a tuple for the others.
        func value(_ tag: UInt16) -> Int? { ifd[tag].flatMap(tiff.firstInteger) }
        func values(_ tag: UInt16, absent: [Int]) -> [Int]? {
            guard let entry = ifd[tag] else { return absent }
            return tiff.integers(entry, limit: 16)
        }

        // Pillow refuses a TIFF without both dimensions.
        guard let w = value(256), let h = value(257), w >= 0, h >= 0 else { return header }
        // Orientations 5–8 swap the size; in a directory cut short, Orientation is known to
        // be absent only if a later tag was read (tags are stored in ascending order).
        if cutShort && ifd[274] == nil && !ifd.keys.contains(where: { $0 > 274 }) { return header }
        if let orientation = value(274), (5...8).contains(orientation) {
            header.setSize(h, w)
        } else {
            header.setSize(w, h)
        }
        // Missing tags take defaults, so a directory read only in part could give a wrong mode.
        if !cutShort, let bitsPerSample = values(258, absent: [1]), let sampleFormat = values(339, absent: [1]),
            let extraSamples = values(338, absent: [])
        {
            header.setMode(
                TIFFMode.mode(
                    bigEndian: tiff.bigEndian, compression: value(259) ?? 1, photometric: value(262) ?? 0,
                    fillOrder: value(266) ?? 1, planar: value(284) ?? 1, samplesPerPixel: value(277),
                    bitsPerSample: bitsPerSample, sampleFormat: sampleFormat, extraSamples: extraSamples
                ))
        }
        header.frameCount = tiffPageCount(tiff, first: first)
        return header
    }

    /// Directories in the chain from IFD0; nil when the chain leaves the buffer. A chain
    /// that loops back ends at the first repeated offset, so each offset is read once.
    private static func tiffPageCount(_ tiff: TIFFStructure, first: Int) -> Int? {
        var visited: Set<Int> = []
        var offset = first
        while visited.insert(offset).inserted {
            guard let count = tiff.reader.u16(offset, bigEndian: tiff.bigEndian),
                tiff.reader.contains(offset + 2 + 12 * Int(count), length: 4)
            else { return nil }
            guard let next = tiff.nextDirectoryOffset(after: offset) else { break }
            offset = next
        }
        return visited.count
    }

    // MARK: BMP

    private static let bmpHeaderSizes: Set<UInt32> = [12, 40, 52, 56, 64, 108, 124]

    /// Pillow's BMP rules (`BmpImagePlugin._bitmap`): 1/4/8-bit images are `P`, or `1`/`L`
    /// when the palette is the black-white or grey ramp; 16/24-bit `RGB`; 32-bit `RGB`
    /// unless BITFIELDS masks include alpha.
    private static func bmp(_ r: ByteReader, headerSize: Int) -> ImageHeader {
        var header = ImageHeader(format: "BMP")
        let bits: UInt16, compression: UInt32, declaredColors: UInt32, paletteEntrySize: Int
        if headerSize == 12 {
            guard let w = r.u16(18, bigEndian: false), let h = r.u16(20, bigEndian: false) else { return header }
            header.setSize(w, h)
            guard let b = r.u16(24, bigEndian: false) else { return header }
            (bits, compression, declaredColors, paletteEntrySize) = (b, 0, 0, 3)
        } else {
            guard let w = r.u32(18, bigEndian: false), let h = r.u32(22, bigEndian: false) else { return header }
            // Top-down bitmaps store a negative height; Pillow takes 2^32 − h when the top
            // byte is FF.
            header.setSize(w, h >> 24 == 0xFF ? 0 &- h : h)
            guard let b = r.u16(28, bigEndian: false), let c = r.u32(30, bigEndian: false),
                let colors = r.u32(46, bigEndian: false)
            else { return header }
            (bits, compression, declaredColors, paletteEntrySize) = (b, c, colors, 4)
        }
        header.frameCount = 1
        let colors = declaredColors != 0 ? Int(declaredColors) : 1 << min(Int(bits), 32)
        switch (bits, compression) {
        case (1, 0), (4, 0), (8, 0), (1, 1), (4, 1), (8, 1), (1, 2), (4, 2), (8, 2):
            guard (1...65536).contains(colors) else { return header }
            let palette = 14 + headerSize
            header.setMode(bmpPaletteMode(r, at: palette, colors: colors, entrySize: paletteEntrySize))
        case (16, 0), (24, 0), (32, 0), (16, 1), (24, 1), (32, 1), (16, 2), (24, 2), (32, 2):
            header.setMode("RGB")
        case (16, 3), (24, 3), (32, 3):
            // Masks follow the 40-byte header (or are inside a longer one) at offset 54;
            // the alpha mask exists only in headers of 56 bytes and more.
            guard let red = r.u32(54, bigEndian: false), let green = r.u32(58, bigEndian: false),
                let blue = r.u32(62, bigEndian: false)
            else { return header }
            let alpha = headerSize >= 56 ? r.u32(66, bigEndian: false) : 0
            guard let alpha else { return header }
            header.setMode(bmpBitfieldsMode(bits: bits, masks: [red, green, blue, alpha]))
        default:
            break  // depths and compressions Pillow does not open (JPEG, PNG, …)
        }
        return header
    }

    /// `1` or `L` for a grey-ramp palette (two entries: black and white), else `P`; nil when
    /// the palette is cut off before it decides.
    private static func bmpPaletteMode(_ r: ByteReader, at offset: Int, colors: Int, entrySize: Int) -> String? {
        for index in 0..<colors {
            let value = UInt8(truncatingIfNeeded: colors == 2 ? index * 255 : index)
            let at = offset + index * entrySize
            guard let blue = r.u8(at), let green = r.u8(at + 1), let red = r.u8(at + 2) else { return nil }
            if blue != value || green != value || red != value { return "P" }
        }
        return colors <= 2 ? "1" : "L"
    }

    /// The BITFIELDS layouts Pillow reads; the 32-bit ones with an alpha mask (and the
    /// all-zero masks, which Pillow takes as BGRA) give RGBA.
    private static func bmpBitfieldsMode(bits: UInt16, masks: [UInt32]) -> String? {
        let rgb = Array(masks.prefix(3))
        switch bits {
        case 32:
            let withAlpha: [[UInt32]] = [
                [0xFF00_0000, 0xFF_0000, 0xFF00, 0xFF], [0xFF, 0xFF00, 0xFF_0000, 0xFF00_0000],
                [0xFF_0000, 0xFF00, 0xFF, 0xFF00_0000], [0xFF00_0000, 0xFF00, 0xFF, 0xFF_0000], [0, 0, 0, 0],
            ]
            let withoutAlpha: [[UInt32]] = [
                [0xFF_0000, 0xFF00, 0xFF, 0], [0xFF00_0000, 0xFF_0000, 0xFF00, 0], [0xFF00_0000, 0xFF00, 0xFF, 0],
            ]
            if withAlpha.contains(masks) { return "RGBA" }
            return withoutAlpha.contains(masks) ? "RGB" : nil
        case 24:
            return rgb == [0xFF_0000, 0xFF00, 0xFF] ? "RGB" : nil
        case 16:
            return rgb == [0xF800, 0x7E0, 0x1F] || rgb == [0x7C00, 0x3E0, 0x1F] ? "RGB" : nil
        default:
            return nil
        }
    }

    // MARK: HEIF / AVIF (ISO base media file format)

    /// `ftyp` brands decide the format: an AVIF brand as major brand, or `mif1`/`msf1`
    /// with an AVIF compatible brand, is `AVIF`; HEIF brands are `HEIF`. The size is the
    /// primary item's `ispe` (stored, before any `irot`, as Pillow's AVIF plugin reports
    /// it); the mode is `RGBA` when an alpha auxiliary image is declared, else `RGB` (the
    /// AVIF decoder always yields colour).
    private static func isoMedia(_ r: ByteReader) -> ImageHeader? {
        guard let ftypSize = r.u32(0, bigEndian: true), ftypSize >= 16, r.contains(8, length: 4) else { return nil }
        let avif: Set<String> = ["avif", "avis"]
        let heif: Set<String> = ["heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs", "mif1", "msf1", "mif2"]
        let major = fourCC(r, at: 8)
        var compatible: [String] = []
        var position = 16
        while position + 4 <= Int(ftypSize), r.contains(position, length: 4) {
            compatible.append(fourCC(r, at: position))
            position += 4
        }
        let format: String
        if avif.contains(major) || (["mif1", "msf1"].contains(major) && compatible.contains(where: avif.contains)) {
            format = "AVIF"
        } else if heif.contains(major) || compatible.contains(where: heif.contains) {
            format = "HEIF"
        } else {
            return nil  // an MP4, a QuickTime movie, …
        }
        var header = ImageHeader(format: format)
        guard let meta = box("meta", in: r, from: 0, to: r.count)?.payload, meta.count >= 4 else { return header }
        // `meta` is a full box: version and flags come before its children.
        let children = (meta.lowerBound + 4)..<meta.upperBound
        guard let iprp = box("iprp", in: r, from: children.lowerBound, to: children.upperBound)?.payload,
            let ipco = box("ipco", in: r, from: iprp.lowerBound, to: iprp.upperBound)
        else { return header }
        let properties = boxes(in: r, from: ipco.payload.lowerBound, to: ipco.payload.upperBound)
        let alphaURNs: [StaticString] = ["urn:mpeg:mpegB:cicp:systems:auxiliary:alpha\0", "urn:mpeg:hevc:2015:auxid:1\0"]
        let hasAlpha = properties.contains { property in
            property.type == "auxC" && alphaURNs.contains { r.matches($0, at: property.payload.lowerBound + 4) }
        }
        // Without all of `ipco`, an alpha declaration may be in the part not read.
        if hasAlpha || ipco.complete { header.setMode(hasAlpha ? "RGBA" : "RGB") }
        guard let pitm = box("pitm", in: r, from: children.lowerBound, to: children.upperBound)?.payload,
            let pitmVersion = r.u8(pitm.lowerBound),
            let primary = pitmVersion == 0
                ? r.u16(pitm.lowerBound + 4, bigEndian: true).map({ UInt32($0) })
                : r.u32(pitm.lowerBound + 4, bigEndian: true),
            let ipma = box("ipma", in: r, from: iprp.lowerBound, to: iprp.upperBound)?.payload
        else { return header }
        for index in propertyIndices(of: primary, ipma: ipma, in: r) where index >= 1 && index <= properties.count {
            let property = properties[index - 1]
            if property.type == "ispe", let w = r.u32(property.payload.lowerBound + 4, bigEndian: true),
                let h = r.u32(property.payload.lowerBound + 8, bigEndian: true)
            {
                header.setSize(w, h)
            }
        }
        return header
    }

    static func fourCC(_ r: ByteReader, at offset: Int) -> String {
        guard let code = r.slice(offset, length: 4) else { return "" }
        return String(decoding: code, as: UTF8.self)
    }

    /// Item properties are few (a handful per image); a cap keeps a crafted `ipco` cheap.
    private static let maxBoxes = 4096

    /// A box's type, its payload range (clipped to the buffer) and whether the buffer holds
    /// all of it.
    typealias Box = (type: String, payload: Range<Int>, complete: Bool)

    /// The boxes in `start ..< end`. Each box is at least 8 bytes, so the walk ends.
    static func boxes(in r: ByteReader, from start: Int, to end: Int) -> [Box] {
        var result: [Box] = []
        var position = start
        let end = min(end, r.count)
        while position + 8 <= end, result.count < maxBoxes, let size32 = r.u32(position, bigEndian: true) {
            var headerSize = 8
            var size = Int(size32)
            if size32 == 1 {
                guard let large = r.u64(position + 8, bigEndian: true), large <= UInt64(Int.max) else { break }
                size = Int(large)
                headerSize = 16
            } else if size32 == 0 {
                size = end - position  // to the end of the enclosing box
            }
            guard size >= headerSize, position + headerSize <= end else { break }
            let complete = size <= end - position
            let boxEnd = complete ? position + size : end
            result.append((fourCC(r, at: position + 4), (position + headerSize)..<boxEnd, complete))
            position = boxEnd
        }
        return result
    }

    /// The first box of `type` in `start ..< end`.
    static func box(_ type: String, in r: ByteReader, from start: Int, to end: Int) -> Box? {
        boxes(in: r, from: start, to: end).first { $0.type == type }
    }

    /// The 1-based `ipco` indices the `ipma` box associates with `item`.
    private static func propertyIndices(of item: UInt32, ipma: Range<Int>, in r: ByteReader) -> [Int] {
        guard let version = r.u8(ipma.lowerBound), let flags = r.u8(ipma.lowerBound + 3),
            let entryCount = r.u32(ipma.lowerBound + 4, bigEndian: true)
        else { return [] }
        var position = ipma.lowerBound + 8
        // Every entry takes at least 3 bytes, so the buffer bounds the loop, not the count.
        for _ in 0..<entryCount {
            let id: UInt32?
            if version < 1 {
                id = r.u16(position, bigEndian: true).map { UInt32($0) }
                position += 2
            } else {
                id = r.u32(position, bigEndian: true)
                position += 4
            }
            guard let id, position < ipma.upperBound, let associations = r.u8(position) else { return [] }
            position += 1
            let wide = flags & 1 != 0
            var indices: [Int] = []
            for _ in 0..<associations {
                if wide {
                    guard let value = r.u16(position, bigEndian: true) else { return [] }
                    indices.append(Int(value & 0x7FFF))
                    position += 2
                } else {
                    guard let value = r.u8(position) else { return [] }
                    indices.append(Int(value & 0x7F))
                    position += 1
                }
            }
            if id == item { return indices }
            if position >= ipma.upperBound { return [] }
        }
        return []
    }

    // MARK: JPEG XL

    /// A bare codestream (`FF 0A`): the size from its `SizeHeader`. Pillow cannot open
    /// JPEG XL, so the mode stays unknown.
    private static func jxl(codestream r: ByteReader) -> ImageHeader {
        var header = ImageHeader(format: "JXL")
        if let (w, h) = jxlSize(r, codestreamAt: 0) { header.setSize(w, h) }
        return header
    }

    /// The ISO BMFF container: the codestream is in `jxlc`, or split over `jxlp` boxes
    /// (each starting with a 4-byte index), the first of which holds the size header.
    private static func jxlContainer(_ r: ByteReader) -> ImageHeader {
        var header = ImageHeader(format: "JXL")
        for box in boxes(in: r, from: 0, to: r.count) {
            let start: Int
            switch box.type {
            case "jxlc": start = box.payload.lowerBound
            case "jxlp": start = box.payload.lowerBound + 4
            default: continue
            }
            if let (w, h) = jxlSize(r, codestreamAt: start) { header.setSize(w, h) }
            break
        }
        return header
    }

    /// Decodes the codestream's `SizeHeader` (ISO/IEC 18181-1, A.3.2): a "small" flag for
    /// multiples of 8 up to 256, a 2-bit selector for larger heights, and either a width or
    /// one of seven aspect ratios.
    private static func jxlSize(_ r: ByteReader, codestreamAt start: Int) -> (Int, Int)? {
        guard r.matches([0xFF, 0x0A], at: start) else { return nil }
        var bits = BitReader(r, byteOffset: start + 2)
        func dimension(small: Bool) -> Int? {
            if small { return bits.read(5).map { (Int($0) + 1) * 8 } }
            guard let selector = bits.read(2) else { return nil }
            let widths = [9, 13, 18, 30]
            return bits.read(widths[Int(selector)]).map { Int($0) + 1 }
        }
        guard let small = bits.read(1).map({ $0 == 1 }), let height = dimension(small: small),
            let ratio = bits.read(3)
        else { return nil }
        let ratios: [(Int, Int)] = [(1, 1), (12, 10), (4, 3), (3, 2), (16, 9), (5, 4), (2, 1)]
        if ratio == 0 {
            guard let width = dimension(small: small) else { return nil }
            return (width, height)
        }
        let (numerator, denominator) = ratios[Int(ratio) - 1]
        return (height * numerator / denominator, height)
    }
}

/// Reads bits least-significant first, as JPEG XL stores them; nil past the buffer.
private struct BitReader {
    let reader: ByteReader
    var bitPosition: Int

    init(_ reader: ByteReader, byteOffset: Int) {
        self.reader = reader
        self.bitPosition = byteOffset * 8
    }

    mutating func read(_ count: Int) -> UInt32? {
        var value: UInt32 = 0
        for i in 0..<count {
            guard let byte = reader.u8(bitPosition >> 3) else { return nil }
            value |= UInt32(byte >> UInt8(bitPosition & 7) & 1) << UInt32(i)
            bitPosition += 1
        }
        return value
    }
}

/// Pillow's TIFF modes (`TiffImagePlugin.OPEN_INFO` and `_setup`) as rules rather than its
/// 120-entry table. The rules were checked against Pillow 13's table key by key (every
/// combination of byte order, photometric 0–8, sample format, fill order, common bit
/// depths and extra samples).
enum TIFFMode {
    /// Compression codes Pillow knows; any other makes it refuse the file.
    static let knownCompressions: Set<Int> = [
        1, 2, 3, 4, 5, 6, 7, 8, 32771, 32773, 32809, 32946, 34676, 34677, 34925, 50000, 50001,
    ]

    static func mode(
        bigEndian: Bool, compression: Int, photometric: Int, fillOrder: Int, planar: Int,
        samplesPerPixel: Int?, bitsPerSample: [Int], sampleFormat: [Int], extraSamples: [Int]
    ) -> String? {
        guard knownCompressions.contains(compression) else { return nil }
        // Old-style JPEG compression is YCbCr whatever the tag says.
        let photo = compression == 6 ? 6 : photometric
        var format = sampleFormat
        if format.count > 1, let first = format.first, format.allSatisfy({ $0 == first }) { format = [first] }
        var bps = bitsPerSample
        var extra = extraSamples
        var samples = samplesPerPixel ?? (compression == 6 && (photo == 2 || photo == 6) ? 3 : 1)
        if planar == 2, !extra.isEmpty, extra.max() == 0 {
            // Planar images can drop unspecified extra samples at the end.
            bps = Array(bps.dropLast(extra.count))
            samples -= extra.count
            extra = []
        }
        guard samples <= 6 else { return nil }  // Pillow's MAX_SAMPLESPERPIXEL
        if samples < bps.count {
            bps = Array(bps.prefix(max(samples, 0)))
        } else if samples > bps.count, bps.count == 1, let only = bps.first {
            bps = Array(repeating: only, count: samples)
        }
        guard bps.count == samples,
            let mode = lookup(bigEndian: bigEndian, photo: photo, format: format, fill: fillOrder, bps: bps, extra: extra)
        else { return nil }
        // Compressed images go through libtiff, which turns YCbCr into RGB.
        if compression != 1 && photo == 6 { return "RGB" }
        return mode
    }

    /// One key of `OPEN_INFO`: (byte order, photometric, sample format, fill order, bits per
    /// sample, extra samples) → mode; nil where Pillow has no entry.
    static func lookup(bigEndian: Bool, photo: Int, format: [Int], fill: Int, bps: [Int], extra: [Int]) -> String? {
        guard fill == 1 || fill == 2 else { return nil }
        let unsigned = format == [1]
        let littleEndian = !bigEndian
        switch (bps.count, photo) {
        case (1, 0), (1, 1):
            guard extra.isEmpty, let depth = bps.first else { return nil }
            switch (depth, format) {
            case (1, [1]): return "1"
            case (2, [1]), (4, [1]): return "L"
            case (8, [1]): return "L"
            case (8, [2]): return photo == 1 && fill == 1 ? "L" : nil
            case (12, [1]): return littleEndian && photo == 1 && fill == 1 ? "I;16" : nil
            case (16, [1]):
                if littleEndian { return photo == 1 || fill == 1 ? "I;16" : nil }
                return photo == 1 && fill == 1 ? "I;16B" : nil
            case (16, [2]): return photo == 1 && fill == 1 ? "I" : nil
            case (32, [3]): return fill == 1 ? "F" : nil
            case (32, [1]): return littleEndian && photo == 1 && fill == 1 ? "I" : nil
            case (32, [2]): return photo == 1 && fill == 1 ? "I" : nil
            default: return nil
            }
        case (1, 3):
            guard extra.isEmpty, unsigned, let depth = bps.first, [1, 2, 4, 8].contains(depth) else { return nil }
            return "P"
        case (1, 6):
            return extra.isEmpty && unsigned && fill == 1 && bps == [8] ? "L" : nil
        case (2, 1), (2, 3):
            guard unsigned, fill == 1, bps == [8, 8] else { return nil }
            switch (photo, extra) {
            case (1, [0]): return "L"
            case (1, [1]): return "La"
            case (1, [2]): return "LA"
            case (3, [0]): return "P"
            case (3, [2]): return "PA"
            default: return nil
            }
        case (_, 2):
            guard unsigned else { return nil }
            if bps == [8, 8, 8] { return extra.isEmpty ? "RGB" : nil }
            guard fill == 1 else { return nil }
            if bps == [16, 16, 16] { return extra.isEmpty ? "RGB" : nil }
            if bps.count == 4 && (bps.allSatisfy { $0 == 8 } || bps.allSatisfy { $0 == 16 }) {
                let allowed: [[Int]] = bps[0] == 8 ? [[], [0], [1], [2], [999]] : [[], [0], [1], [2]]
                guard allowed.contains(extra) else { return nil }
                return extra == [0] ? "RGB" : "RGBA"
            }
            if (bps.count == 5 || bps.count == 6) && bps.allSatisfy({ $0 == 8 }) {
                let padding = [Int](repeating: 0, count: bps.count - 4)
                guard let alpha = extra.first, [0, 1, 2].contains(alpha), Array(extra.dropFirst()) == padding else {
                    return nil
                }
                return alpha == 0 ? "RGB" : "RGBA"
            }
            return nil
        case (_, 5):
            guard unsigned, fill == 1 else { return nil }
            switch (bps, extra) {
            case ([8, 8, 8, 8], []), ([8, 8, 8, 8, 8], [0]), ([8, 8, 8, 8, 8, 8], [0, 0]), ([16, 16, 16, 16], []):
                return "CMYK"
            default:
                return nil
            }
        case (3, 6):
            return unsigned && fill == 1 && bps == [8, 8, 8] && extra.isEmpty ? "YCbCr" : nil
        case (3, 8):
            return unsigned && fill == 1 && bps == [8, 8, 8] && extra.isEmpty ? "LAB" : nil
        default:
            return nil
        }
    }
}
