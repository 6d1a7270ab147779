internal import CFastPNG
internal import CTurboJPEG
internal import CVips
public import DatasetAnalysis

/// What decoding one file yields: its header facts, its EXIF summary and a reduced RGB
/// preview for statistics.
public struct DecodedImage: Sendable {
    /// Container format in the reference's vocabulary (`JPEG`, `PNG`, …).
    public var format: String
    /// Pixel layout in the reference's vocabulary (`RGB`, `L`, `P`, `CMYK`, `I;16`, …).
    public var colorMode: String
    public var channels: Int
    /// Size as stored (before any EXIF orientation is applied).
    public var width: Int
    public var height: Int
    /// Frames of an animated image; nil for a still image.
    public var frameCount: Int?
    public var exif: ExifSummary?
    /// EXIF orientation 1–8 (1 when absent).
    public var orientation: Int
    /// 8-bit sRGB preview, stored orientation, longer side at least the requested preview
    /// size (less only when the image itself is smaller).
    public var preview: RGBImage
    /// Which decoder produced the preview: "turbojpeg" or the libvips loader's name.
    public var decoder: String
}

/// Why a file could not be decoded, in words for the manifest's `corrupt_reason`.
public struct DecodeError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    /// Header facts learned before the failure (a truncated file still has a size).
    public var partial: PartialHeader?

    public struct PartialHeader: Sendable {
        public var format: String
        public var colorMode: String?
        public var channels: Int?
        public var width: Int?
        public var height: Int?
    }

    public init(_ reason: String, partial: PartialHeader? = nil) {
        self.reason = reason
        self.partial = partial
    }

    public var description: String { reason }

    /// The decompression-bomb guard's refusal, with its remedy in plain words (a scan
    /// counts these files and names its own setting for the limit).
    static func tooLarge(width: Int, height: Int, limit: Int, partial: PartialHeader? = nil) -> DecodeError {
        DecodeError(
            Remedy.appended(
                .raisePixelLimit,
                to: "too large to decode safely: \(width) × \(height) = \(width * height) pixels exceeds the limit of \(limit)"),
            partial: partial)
    }
}

/// Options for ``ImageDecoder/decode(_:options:)``.
public struct DecodeOptions: Sendable {
    /// The preview's longer side is at least this many pixels (unless the image is smaller);
    /// JPEGs are decoded with the largest DCT scale-down that still reaches it.
    public var previewSide: Int = 256
    /// Refuse to decode images with more pixels than this.
    public var maxPixels: Int = 250_000_000
    public var readExif: Bool = true

    public init(previewSide: Int = 256, maxPixels: Int = 250_000_000, readExif: Bool = true) {
        self.previewSide = previewSide
        self.maxPixels = maxPixels
        self.readExif = readExif
    }
}

/// Decodes images from memory: TurboJPEG for ordinary JPEGs (DCT scaling makes a preview
/// of a 24-megapixel photo cost about what `djpeg -scale 1/8` costs), libvips for every
/// other format and for CMYK JPEGs.
///
/// One decoder per thread: it owns a TurboJPEG handle. libvips must be started once per
/// process with ``ImageDecoder/startLibvips()`` before the first decode.
public final class ImageDecoder {
    private var turbo: tjhandle?

    public init() {
        turbo = tjInitDecompress()
    }

    deinit {
        if let turbo { tjDestroy(turbo) }
    }

    /// Replaces the TurboJPEG handle with a fresh one. libjpeg-turbo 2.1 does not reset a
    /// handle's state after `tjDecompressHeader3` or `tjDecompress2` fail (a damaged Huffman
    /// table, say), and every later JPEG decoded with that handle then fails the same way, so
    /// a handle that has seen a failure is never used again.
    private func replaceTurboHandle() {
        if let turbo { tjDestroy(turbo) }
        turbo = tjInitDecompress()
    }

    /// Starts libvips for this process: no operation cache, one thread per pipeline, and
    /// libvips' untrusted loaders (ImageMagick in this build) blocked unless
    /// `allowUntrustedLoaders`. BMP, which this libvips reads only through ImageMagick, is
    /// read by ``BMPCodec`` instead. Returns an error message if libvips cannot start.
    public static func startLibvips(allowUntrustedLoaders: Bool = false) -> String? {
        cvips_start("imgeda", allowUntrustedLoaders ? 1 : 0) == 0 ? nil : LibvipsError.take()
    }

    /// Decodes `bytes` into a ``DecodedImage``.
    ///
    /// - Throws: ``DecodeError`` with a reason a person can act on.
    public func decode(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions) throws(DecodeError) -> DecodedImage {
        guard bytes.count > 0 else { throw DecodeError("empty file (0 bytes)") }
        let header = ImageHeaderSniffer.sniff(bytes)
        // Pillow names a JPEG that carries several images (MPF) "MPO"; its first image is an
        // ordinary JPEG stream.
        if let header, header.format == "JPEG" || header.format == "MPO", let turbo {
            let decoded: DecodedImage?
            do {
                decoded = try decodeJPEG(bytes, header: header, handle: turbo, options: options)
            } catch {
                replaceTurboHandle()
                throw error
            }
            if let decoded { return decoded }
        }
        if let header, header.format == "PNG",
            let decoded = try decodePNG(bytes, header: header, options: options)
        {
            return decoded
        }
        if let header, header.format == "BMP" {
            guard let variant = BMPCodec.unsupportedVariant(bytes) else {
                return try decodeBMP(bytes, header: header, options: options)
            }
            do {
                return try decodeWithLibvips(bytes, header: header, options: options)
            } catch  where Remedy.named(in: error.reason) == .allowUntrustedLoaders {
                throw DecodeError(
                    Remedy.appended(.allowUntrustedLoaders, to: "BMP with \(variant) is read only through ImageMagick, which is off"),
                    partial: error.partial)
            }
        }
        return try decodeWithLibvips(bytes, header: header, options: options)
    }

    // MARK: - BMP, read here (libvips would need ImageMagick)

    private func decodeBMP(
        _ bytes: UnsafeRawBufferPointer, header: ImageHeader, options: DecodeOptions
    ) throws(DecodeError) -> DecodedImage {
        let partial = DecodeError.PartialHeader(
            format: "BMP", colorMode: header.colorMode, channels: header.channels,
            width: header.width, height: header.height)
        let full: RGBImage
        do {
            full = try BMPCodec.decode(bytes, maxPixels: options.maxPixels)
        } catch {
            throw DecodeError(error.reason, partial: partial)
        }
        return DecodedImage(
            format: "BMP", colorMode: header.colorMode ?? "RGB", channels: header.channels ?? 3,
            width: full.width, height: full.height, frameCount: nil, exif: nil, orientation: 1,
            preview: full.fitted(longSide: options.previewSide), decoder: "bmp")
    }

    // MARK: - Ordinary PNGs through the fast path

    /// Returns nil for PNG layouts the fast path leaves to libvips.
    private func decodePNG(
        _ bytes: UnsafeRawBufferPointer, header: ImageHeader, options: DecodeOptions
    ) throws(DecodeError) -> DecodedImage? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let partial = DecodeError.PartialHeader(
            format: "PNG", colorMode: header.colorMode, channels: header.channels,
            width: header.width, height: header.height)
        if let w = header.width, let h = header.height, w * h > options.maxPixels {
            throw Self.bomb(w, h, options.maxPixels, partial)
        }
        var rgb: UnsafeMutablePointer<UInt8>?
        var width: UInt32 = 0, height: UInt32 = 0
        var exifOffset = 0, exifLength = 0
        var message = [CChar](repeating: 0, count: 160)
        let rc = cfastpng_decode_rgb(
            base, bytes.count, Self.plainDecodePixelLimit, &rgb, &width, &height,
            &exifOffset, &exifLength, &message, message.count)
        switch Int(rc) {
        case Int(CFASTPNG_OK):
            guard let rgb else { return nil }
            defer { free(rgb) }
            let count = Int(width) * Int(height) * 3
            let full = RGBImage(
                width: Int(width), height: Int(height),
                pixels: [UInt8](UnsafeBufferPointer(start: rgb, count: count)))
            var exif: ExifSummary?
            if options.readExif, exifLength > 0, exifOffset + exifLength <= bytes.count {
                exif = ExifReader.parse(UnsafeRawBufferPointer(rebasing: bytes[exifOffset..<(exifOffset + exifLength)]))
            }
            return DecodedImage(
                format: "PNG", colorMode: header.colorMode ?? "RGB", channels: header.channels ?? 3,
                width: Int(width), height: Int(height), frameCount: header.frameCount.flatMap { $0 > 1 ? $0 : nil },
                exif: exif, orientation: Self.orientation(exif, fallback: nil),
                preview: full.fitted(longSide: options.previewSide), decoder: "fastpng")
        case Int(CFASTPNG_DAMAGED):
            throw DecodeError(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), partial: partial)
        default:
            return nil
        }
    }

    // MARK: - JPEG through TurboJPEG

    /// Returns nil when the JPEG is one TurboJPEG should not handle (CMYK/YCCK: libvips
    /// converts those through a colour profile).
    private func decodeJPEG(
        _ bytes: UnsafeRawBufferPointer, header: ImageHeader, handle: tjhandle, options: DecodeOptions
    ) throws(DecodeError) -> DecodedImage? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw DecodeError("empty file (0 bytes)")
        }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let length = UInt(bytes.count)
        if tjDecompressHeader3(handle, base, length, &width, &height, &subsampling, &colorspace) != 0 {
            throw DecodeError(
                "damaged JPEG header (\(Self.turboMessage(handle)))",
                partial: .init(format: header.format, width: header.width, height: header.height))
        }
        if colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue) {
            return nil
        }
        let mode = colorspace == Int32(TJCS_GRAY.rawValue) ? "L" : "RGB"
        let partial = DecodeError.PartialHeader(
            format: header.format, colorMode: mode, channels: mode == "L" ? 1 : 3,
            width: Int(width), height: Int(height))
        let pixels = Int(width) * Int(height)
        if pixels > options.maxPixels {
            throw Self.bomb(Int(width), Int(height), options.maxPixels, partial)
        }
        let (scaledWidth, scaledHeight) = Self.scaledSize(width: Int(width), height: Int(height), target: options.previewSide)
        var rgb = [UInt8](repeating: 0, count: scaledWidth * scaledHeight * 3)
        // TJFLAG_LIMITSCANS refuses progressive JPEGs with more than 500 scans, a known way
        // for a crafted file to take minutes to decode.
        let flags = Int32(TJFLAG_LIMITSCANS)
        let rc = rgb.withUnsafeMutableBufferPointer { out in
            tjDecompress2(
                handle, base, length, out.baseAddress, Int32(scaledWidth), 0, Int32(scaledHeight),
                Int32(TJPF_RGB.rawValue), flags)
        }
        if rc != 0 {
            let message = Self.turboMessage(handle)
            let fatal = tjGetErrorCode(handle) == Int32(TJERR_FATAL.rawValue)
            if fatal || message.contains("Premature end") {
                throw DecodeError(Self.describeJPEGFailure(message), partial: partial)
            }
            // A warning leaves the handle in the same doubtful state as a failure.
            replaceTurboHandle()
            // Other warnings (extraneous bytes, corrupt data that libjpeg skipped) leave a
            // decoded image that viewers show; the reference reads these too.
        }
        var exif: ExifSummary?
        if options.readExif, let payload = ExifReader.jpegExifPayload(in: bytes) {
            exif = ExifReader.parse(payload)
        }
        let orientation = Self.orientation(exif, fallback: nil)
        return DecodedImage(
            format: header.format, colorMode: mode, channels: mode == "L" ? 1 : 3,
            width: Int(width), height: Int(height), frameCount: nil, exif: exif,
            orientation: orientation,
            preview: RGBImage(width: scaledWidth, height: scaledHeight, pixels: rgb),
            decoder: "turbojpeg"
        )
    }

    /// The smallest DCT scaling (1/8 … 1) whose longer side still reaches `target`.
    static func scaledSize(width: Int, height: Int, target: Int) -> (Int, Int) {
        let longest = max(width, height)
        // TurboJPEG's fractions for the reduced sizes, from smallest to largest.
        let fractions: [(Int, Int)] = [(1, 8), (1, 4), (3, 8), (1, 2), (5, 8), (3, 4), (7, 8), (1, 1)]
        for (num, den) in fractions {
            let scaledLongest = (longest * num + den - 1) / den
            if scaledLongest >= target || (num == 1 && den == 1) {
                return ((width * num + den - 1) / den, (height * num + den - 1) / den)
            }
        }
        return (width, height)
    }

    private static func turboMessage(_ handle: tjhandle) -> String {
        guard let cString = tjGetErrorStr2(handle) else { return "unknown error" }
        return String(cString: cString)
    }

    private static func describeJPEGFailure(_ message: String) -> String {
        if message.contains("Premature end") { return "truncated JPEG (data ends early: \(message))" }
        return "damaged JPEG data (\(message))"
    }

    // MARK: - Everything else through libvips

    /// Up to this many pixels, formats without shrink-on-load are decoded in one plain pass.
    static let plainDecodePixelLimit = 4_000_000

    private func decodeWithLibvips(
        _ bytes: UnsafeRawBufferPointer, header: ImageHeader?, options: DecodeOptions
    ) throws(DecodeError) -> DecodedImage {
        guard let base = bytes.baseAddress else { throw DecodeError("empty file (0 bytes)") }
        var partial = header.map {
            DecodeError.PartialHeader(
                format: $0.format, colorMode: $0.colorMode, channels: $0.channels,
                width: $0.width, height: $0.height)
        }
        if let w = header?.width, let h = header?.height, w * h > options.maxPixels {
            throw Self.bomb(w, h, options.maxPixels, partial)
        }
        cvips_error_clear()
        guard let image = cvips_open_header(base, bytes.count) else {
            throw DecodeError(Self.describeLibvipsFailure(LibvipsError.take(), header: header), partial: partial)
        }
        defer { cvips_unref(image) }
        let width = Int(cvips_image_width(image))
        let height = Int(cvips_image_height(image))
        let bands = Int(cvips_image_bands(image))
        let loader = cvips_get_string(image, "vips-loader").map { String(cString: $0) } ?? ""
        let format = header?.format ?? Self.format(loader: loader)
        let (fallbackMode, fallbackChannels) = Self.mode(image: image, bands: bands)
        let mode = header?.colorMode ?? fallbackMode
        let channels = header?.channels ?? fallbackChannels
        partial = .init(format: format, colorMode: mode, channels: channels, width: width, height: height)
        if width * height > options.maxPixels {
            throw Self.bomb(width, height, options.maxPixels, partial)
        }
        if let damage = ContainerCheck.damage(format: format, bytes: bytes) {
            throw DecodeError(damage, partial: partial)
        }
        let pages = Int(cvips_get_int(image, "n-pages", 1))
        var exif: ExifSummary?
        if options.readExif {
            if format == "TIFF" {
                exif = ExifReader.parse(bytes)
            } else {
                var length = 0
                if let blob = cvips_get_blob(image, "exif-data", &length), length > 0 {
                    exif = ExifReader.parse(UnsafeRawBufferPointer(start: blob, count: length))
                }
            }
        }
        let vipsOrientation = Int(cvips_get_int(image, "orientation", 1))
        let orientation = Self.orientation(exif, fallback: vipsOrientation)

        // Small images of formats without shrink-on-load decode fastest in one plain pass
        // over the header we already opened (libvips' thumbnail costs a second open and a
        // pipeline set-up, which dominate on dataset-sized files); large ones and formats
        // that can shrink while loading go through the thumbnail, with bounded memory.
        let shrinksOnLoad = ["WEBP", "HEIF", "AVIF", "JXL"].contains(format) || loader.hasPrefix("jpeg")
        let plainDecode = !shrinksOnLoad && width * height <= Self.plainDecodePixelLimit
        cvips_error_clear()
        var converted: OpaquePointer?
        let rc =
            plainDecode
            ? cvips_to_rgb8(image, &converted)
            : bytes.baseAddress.map { cvips_rgb_preview($0, bytes.count, Int32(options.previewSide), &converted) } ?? -1
        guard rc == 0, let converted else {
            throw DecodeError(Self.describeLibvipsFailure(LibvipsError.take(), header: header), partial: partial)
        }
        defer { cvips_unref(converted) }
        let pw = Int(cvips_image_width(converted)), ph = Int(cvips_image_height(converted))
        var size = 0
        guard let memory = cvips_image_write_to_memory(converted, &size), size == pw * ph * 3 else {
            throw DecodeError("could not read decoded pixels (\(LibvipsError.take()))", partial: partial)
        }
        let pixels = [UInt8](UnsafeRawBufferPointer(start: memory, count: size))
        cvips_free(memory)
        let preview = RGBImage(width: pw, height: ph, pixels: pixels).fitted(longSide: options.previewSide)
        return DecodedImage(
            format: format, colorMode: mode, channels: channels, width: width, height: height,
            frameCount: pages > 1 ? pages : header?.frameCount.flatMap { $0 > 1 ? $0 : nil },
            exif: exif, orientation: orientation,
            preview: preview,
            decoder: loader.isEmpty ? "libvips" : loader
        )
    }

    private static func orientation(_ exif: ExifSummary?, fallback: Int?) -> Int {
        if let o = exif?.orientation, (1...8).contains(o) { return o }
        if let fallback, (1...8).contains(fallback) { return fallback }
        return 1
    }

    private static func bomb(_ w: Int, _ h: Int, _ limit: Int, _ partial: DecodeError.PartialHeader?) -> DecodeError {
        DecodeError.tooLarge(width: w, height: h, limit: limit, partial: partial)
    }

    static func format(loader: String) -> String {
        let table: [(String, String)] = [
            ("jpeg", "JPEG"), ("png", "PNG"), ("webp", "WEBP"), ("gif", "GIF"), ("tiff", "TIFF"),
            ("heif", "HEIF"), ("jxl", "JXL"), ("svg", "SVG"), ("pdf", "PDF"), ("jp2k", "JPEG2000"),
            ("ppm", "PPM"), ("rad", "HDR"), ("fits", "FITS"), ("vips", "VIPS"), ("csv", "CSV"),
            ("matrix", "MATRIX"), ("magick", "BMP"),
        ]
        for (prefix, name) in table where loader.hasPrefix(prefix) { return name }
        return loader.uppercased()
    }

    private static func mode(image: OpaquePointer, bands: Int) -> (String, Int) {
        let sixteen = cvips_image_is_ushort(image) != 0
        if cvips_image_is_cmyk(image) != 0 { return ("CMYK", 4) }
        switch bands {
        case 1: return (sixteen ? "I;16" : "L", 1)
        case 2: return ("LA", 2)
        case 3: return ("RGB", 3)
        case 4: return ("RGBA", 4)
        default: return ("RGB", 3)
        }
    }

    static func describeLibvipsFailure(_ message: String, header: ImageHeader?) -> String {
        let line = message.split(separator: "\n").first.map(String.init) ?? message
        if line.contains("is not a known file format") || line.contains("not a known") || line.contains("not in a known format") {
            return "not an image: the content is not a format this build can read"
        }
        if line.contains("operation is blocked") {
            // Only an untrusted loader (ImageMagick) claimed the content.
            return Remedy.appended(.allowUntrustedLoaders, to: "not an image: the content is not a format this build reads safely")
        }
        let lower = line.lowercased()
        if lower.contains("premature end") || lower.contains("truncated") || lower.contains("read error")
            || lower.contains("end of file") || lower.contains("unexpected end")
        {
            let kind = header?.format ?? "image"
            return "truncated or damaged \(kind) data (\(line))"
        }
        return "decode failed (\(line.isEmpty ? "no detail from libvips" : line))"
    }
}

/// libvips' global error buffer, read and cleared in one step.
enum LibvipsError {
    static func take() -> String {
        guard let text = cvips_error_buffer() else { return "" }
        let message = String(cString: text).trimmingWhitespace()
        cvips_error_clear()
        return message
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s = s.dropFirst() }
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
