import DatasetAnalysis

/// Windows bitmaps, read and written here rather than by libvips: this libvips reads and
/// writes BMP only through ImageMagick, whose loaders are blocked (see
/// ``ImageDecoder/startLibvips(allowUntrustedLoaders:)``) because they parse dozens of other
/// formats too. Uncompressed bitmaps are simple, so every read is bounds-checked here.
///
/// Read: 1, 4 and 8-bit palette images, 16-bit (5-5-5 or BITFIELDS), 24-bit, 32-bit
/// (BGRX or BITFIELDS), bottom-up or top-down, with the 12-byte OS/2 header or the 40 to
/// 124-byte Windows headers. RLE and embedded JPEG/PNG bitmaps are left to libvips, which
/// reads them only through ImageMagick (``unsupportedVariant(_:)``).
enum BMPCodec {
    /// The compression of a bitmap this codec does not read ("run-length compression
    /// (RLE8)"), or nil for one it reads.
    static func unsupportedVariant(_ bytes: UnsafeRawBufferPointer) -> String? {
        let r = Reader(bytes: bytes)
        guard let headerSize = r.u32(14), headerSize >= 40, let compression = r.u32(30) else { return nil }
        switch compression {
        case 0, 3: return nil
        case 1, 2: return "run-length compression (RLE\(compression == 1 ? 8 : 4))"
        case 4: return "an embedded JPEG"
        case 5: return "an embedded PNG"
        default: return "compression type \(compression)"
        }
    }

    /// Decodes a whole bitmap to 8-bit RGB (alpha dropped, as Pillow's `convert("RGB")`).
    ///
    /// - Complexity: O(width × height).
    static func decode(_ bytes: UnsafeRawBufferPointer, maxPixels: Int) throws(DecodeError) -> RGBImage {
        let r = Reader(bytes: bytes)
        guard r.u8(0) == 0x42, r.u8(1) == 0x4D, let dataOffset = r.u32(10), let headerSize = r.u32(14) else {
            throw DecodeError("not an image: the BMP file header is cut off")
        }
        let width: Int, rawHeight: Int, bits: Int, compression: UInt32, declaredColors: Int, entrySize: Int
        if headerSize == 12 {
            guard let w = r.u16(18), let h = r.u16(20), let b = r.u16(24) else { throw Self.damaged("header is cut off") }
            (width, rawHeight, bits, compression, declaredColors, entrySize) = (Int(w), Int(h), Int(b), 0, 0, 3)
        } else if headerSize >= 40 {
            guard let w = r.u32(18), let h = r.u32(22), let b = r.u16(28), let c = r.u32(30), let colors = r.u32(46) else {
                throw Self.damaged("header is cut off")
            }
            (width, rawHeight, bits, compression, declaredColors, entrySize) =
                (Int(Int32(bitPattern: w)), Int(Int32(bitPattern: h)), Int(b), c, Int(colors), 4)
        } else {
            throw Self.damaged("unknown header size \(headerSize)")
        }
        let topDown = rawHeight < 0
        let height = abs(rawHeight)
        guard width > 0, height > 0 else { throw Self.damaged("size \(width) × \(rawHeight)") }
        guard width * height <= maxPixels else {
            throw DecodeError.tooLarge(width: width, height: height, limit: maxPixels)
        }
        switch compression {
        case 0, 3: break
        default: throw DecodeError("BMP with \(unsupportedVariant(bytes) ?? "compression type \(compression)") is not read by this build")
        }

        // Palette for 1/4/8-bit images.
        var palette: [(UInt8, UInt8, UInt8)] = []
        if bits <= 8 {
            guard [1, 4, 8].contains(bits) else { throw Self.damaged("\(bits) bits per pixel") }
            let count = declaredColors > 0 ? min(declaredColors, 1 << bits) : 1 << bits
            let start = 14 + Int(headerSize)
            for i in 0..<count {
                guard let b = r.u8(start + i * entrySize), let g = r.u8(start + i * entrySize + 1),
                    let red = r.u8(start + i * entrySize + 2)
                else { throw Self.damaged("palette is cut off") }
                palette.append((red, g, b))
            }
        }
        // Channel masks for 16 and 32-bit images.
        var masks: [UInt32] = bits == 16 ? [0x7C00, 0x03E0, 0x001F] : [0xFF_0000, 0xFF00, 0xFF]
        if compression == 3 {
            guard bits == 16 || bits == 32 else { throw Self.damaged("BITFIELDS with \(bits) bits per pixel") }
            guard let red = r.u32(54), let green = r.u32(58), let blue = r.u32(62) else { throw Self.damaged("masks are cut off") }
            masks = [red, green, blue]
        } else if ![1, 4, 8, 16, 24, 32].contains(bits) {
            throw Self.damaged("\(bits) bits per pixel")
        }
        let channels = masks.map(Channel.init)

        let stride = (bits * width + 31) / 32 * 4
        let start = Int(dataOffset)
        guard start >= 0, start <= bytes.count, stride <= (bytes.count - start) / height else {
            throw DecodeError("truncated BMP data (the file holds fewer pixel rows than its header says)")
        }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for row in 0..<height {
            let line = start + (topDown ? row : height - 1 - row) * stride
            var o = row * width * 3
            for x in 0..<width {
                let rgb: (UInt8, UInt8, UInt8)
                switch bits {
                case 1, 4, 8:
                    let bit = x * bits
                    let byte = bytes[line + bit / 8]
                    let index = Int(byte >> UInt8(8 - bits - bit % 8)) & ((1 << bits) - 1)
                    // An index past the palette is black, as Pillow and browsers show it.
                    rgb = index < palette.count ? palette[index] : (0, 0, 0)
                case 24:
                    let p = line + x * 3
                    rgb = (bytes[p + 2], bytes[p + 1], bytes[p])
                case 16:
                    let p = line + x * 2
                    let v = UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8
                    rgb = (channels[0].value(v), channels[1].value(v), channels[2].value(v))
                default:
                    let p = line + x * 4
                    let v = UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24
                    rgb = (channels[0].value(v), channels[1].value(v), channels[2].value(v))
                }
                out[o] = rgb.0
                out[o + 1] = rgb.1
                out[o + 2] = rgb.2
                o += 3
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }

    /// Encodes 8-bit pixels as an uncompressed bottom-up bitmap: 1 band as 8-bit with a grey
    /// palette, 3 bands as 24-bit, 4 bands as 32-bit BGRA (BITFIELDS, 56-byte header).
    static func encode(pixels: [UInt8], width: Int, height: Int, bands: Int) -> [UInt8]? {
        guard width > 0, height > 0, [1, 3, 4].contains(bands), pixels.count == width * height * bands else { return nil }
        let bits = bands * 8
        let headerSize = bands == 4 ? 56 : 40
        let paletteSize = bands == 1 ? 256 * 4 : 0
        let stride = (bits * width + 31) / 32 * 4
        let offset = 14 + headerSize + paletteSize
        var out: [UInt8] = []
        out.reserveCapacity(offset + stride * height)
        func u16(_ v: Int) { out += [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8)] }
        func u32(_ v: Int) { u16(v & 0xFFFF); u16(v >> 16) }
        out += [0x42, 0x4D]
        u32(offset + stride * height); u32(0); u32(offset)
        u32(headerSize); u32(width); u32(height); u16(1); u16(bits)
        u32(bands == 4 ? 3 : 0); u32(stride * height); u32(2835); u32(2835)
        u32(bands == 1 ? 256 : 0); u32(0)
        if bands == 4 { u32(0xFF_0000); u32(0xFF00); u32(0xFF); u32(Int(UInt32(0xFF00_0000))) }
        if bands == 1 { for i in 0..<256 { out += [UInt8(i), UInt8(i), UInt8(i), 0] } }
        for row in (0..<height).reversed() {
            let lineStart = out.count
            for x in 0..<width {
                let p = (row * width + x) * bands
                switch bands {
                case 1: out.append(pixels[p])
                case 3: out += [pixels[p + 2], pixels[p + 1], pixels[p]]
                default: out += [pixels[p + 2], pixels[p + 1], pixels[p], pixels[p + 3]]
                }
            }
            out += [UInt8](repeating: 0, count: stride - (out.count - lineStart))
        }
        return out
    }

    private static func damaged(_ what: String) -> DecodeError {
        DecodeError("damaged BMP header (\(what))", partial: .init(format: "BMP"))
    }

    /// One colour channel of a packed pixel: its mask's shift and width, scaled to 8 bits.
    private struct Channel {
        var shift: UInt32 = 0
        var width: UInt32 = 0
        init(_ mask: UInt32) {
            guard mask != 0 else { return }
            shift = UInt32(mask.trailingZeroBitCount)
            width = UInt32((~(mask >> shift)).trailingZeroBitCount)
        }
        func value(_ pixel: UInt32) -> UInt8 {
            guard width > 0 else { return 0 }
            let raw = (pixel >> shift) & ((width >= 32 ? UInt32.max : (1 << width) - 1))
            if width >= 8 { return UInt8(truncatingIfNeeded: raw >> (width - 8)) }
            // Replicate the high bits into the low ones, so full scale maps to 255.
            let maxValue = (UInt32(1) << width) - 1
            return UInt8((raw * 255 + maxValue / 2) / maxValue)
        }
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        func u8(_ at: Int) -> UInt8? { at >= 0 && at < bytes.count ? bytes[at] : nil }
        func u16(_ at: Int) -> UInt16? {
            guard at >= 0, at + 2 <= bytes.count else { return nil }
            return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
        }
        func u32(_ at: Int) -> UInt32? {
            guard at >= 0, at + 4 <= bytes.count else { return nil }
            return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
    }
}
