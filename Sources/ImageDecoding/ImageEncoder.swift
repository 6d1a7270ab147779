internal import CTurboJPEG
internal import CVips
public import DatasetAnalysis

/// Encodes raw pixels to an image file format through libvips: the project's own way to make
/// example datasets and test fixtures of every format it reads.
public enum ImageEncoder {
    public struct EncodeError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Encodes interleaved 8-bit pixels (`bands` 1–4) with a libvips save suffix such as
    /// `".jpg[Q=90]"`, `".jpg[Q=90,interlace]"`, `".png[palette]"`, `".webp[lossless]"`,
    /// `".gif"`, `".tif"`, `".avif"`, `".heic"`, `".jxl"`, `".bmp"` (written by ``BMPCodec``).
    /// Four bands with `cmyk: true` and a
    /// `.jpg` suffix make a CMYK JPEG.
    public static func encode(
        pixels: [UInt8], width: Int, height: Int, bands: Int, suffix: String, cmyk: Bool = false
    ) throws(EncodeError) -> [UInt8] {
        if suffix.lowercased().hasPrefix(".bmp") {
            // libvips writes BMP only through ImageMagick, which is blocked.
            guard !cmyk, let bmp = BMPCodec.encode(pixels: pixels, width: width, height: height, bands: bands) else {
                throw EncodeError(description: "could not encode \(suffix): BMP takes 1, 3 or 4 bands of \(width) × \(height) pixels")
            }
            return bmp
        }
        return try run(suffix: suffix) { suffixPointer, buffer, length in
            pixels.withUnsafeBytes { raw in
                cvips_encode(
                    raw.baseAddress, Int32(width), Int32(height), Int32(bands), 0, cmyk ? 1 : 0,
                    suffixPointer, buffer, length)
            }
        }
    }

    /// Encodes 16-bit pixels (host byte order), e.g. for 16-bit PNG and TIFF fixtures.
    public static func encode16(
        pixels: [UInt16], width: Int, height: Int, bands: Int, suffix: String
    ) throws(EncodeError) -> [UInt8] {
        try run(suffix: suffix) { suffixPointer, buffer, length in
            pixels.withUnsafeBytes { raw in
                cvips_encode(raw.baseAddress, Int32(width), Int32(height), Int32(bands), 1, 0, suffixPointer, buffer, length)
            }
        }
    }

    /// Encodes an animation: `frames` images of `width` × `height`, each `bands` interleaved
    /// 8-bit channels, concatenated. Suffix `.gif` or `.webp`.
    public static func encodeAnimation(
        frames: [[UInt8]], width: Int, height: Int, bands: Int, suffix: String
    ) throws(EncodeError) -> [UInt8] {
        let all = frames.flatMap { $0 }
        return try run(suffix: suffix) { suffixPointer, buffer, length in
            all.withUnsafeBytes { raw in
                cvips_encode_pages(
                    raw.baseAddress, Int32(width), Int32(height), Int32(frames.count), Int32(bands),
                    suffixPointer, buffer, length)
            }
        }
    }

    private static func run(
        suffix: String,
        _ body: (UnsafePointer<CChar>, UnsafeMutablePointer<UnsafeMutableRawPointer?>, UnsafeMutablePointer<Int>) -> Int32
    ) throws(EncodeError) -> [UInt8] {
        cvips_error_clear()
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        let rc = suffix.withCString { body($0, &buffer, &length) }
        guard rc == 0, let buffer else {
            throw EncodeError(description: "could not encode \(suffix): \(LibvipsError.take())")
        }
        let bytes = [UInt8](UnsafeRawBufferPointer(start: buffer, count: length))
        cvips_free(buffer)
        return bytes
    }
}

extension ImageEncoder {
    /// Encodes an RGB image as baseline JPEG with TurboJPEG: an order of magnitude less
    /// overhead per call than a libvips pipeline, which matters for hundreds of thumbnails.
    public static func jpeg(_ image: RGBImage, quality: Int) throws(EncodeError) -> [UInt8] {
        guard let handle = tjInitCompress() else { throw EncodeError(description: "TurboJPEG could not start") }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let rc = image.pixels.withUnsafeBufferPointer { pixels in
            tjCompress2(
                handle, pixels.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(TJPF_RGB.rawValue),
                &output, &size, Int32(TJSAMP_420.rawValue), Int32(quality), 0)
        }
        guard rc == 0, let output else {
            let message = tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown error"
            throw EncodeError(description: "could not encode a JPEG: \(message)")
        }
        defer { tjFree(output) }
        return [UInt8](UnsafeBufferPointer(start: output, count: Int(size)))
    }
}
