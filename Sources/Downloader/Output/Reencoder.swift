import DatasetAnalysis
import ImageDecoding

/// Re-encoding on the way in (`--resize`, `--format`, `--quality`).
public struct Reencoding: Sendable, Hashable {
    public enum Format: String, Sendable, Hashable, CaseIterable {
        case jpeg, png, webp
    }

    /// Longest side in pixels (never enlarged); nil keeps the size.
    public var longSide: Int?
    public var format: Format
    /// 1–100, for JPEG and WebP.
    public var quality: Int

    public init(longSide: Int?, format: Format, quality: Int) {
        self.longSide = longSide
        self.format = format
        self.quality = quality
    }
}

/// Decodes a received image and encodes it again, upright (EXIF orientation applied), as
/// RGB. It decodes in this process, not in a crash-isolated worker: a decoder crash on a
/// hostile file would stop the download (resumable), which is why re-encoding is opt-in.
enum Reencoder {
    struct Encoded {
        var bytes: [UInt8]
        var format: String
        var fileExtension: String
    }

    struct Problem: Error {
        var message: String
    }

    static let started: String? = ImageDecoder.startLibvips()

    static func reencode(_ bytes: [UInt8], with options: Reencoding) async -> Result<Encoded, Problem> {
        if let failure = started { return .failure(Problem(message: "the image library did not start: \(failure)")) }
        let decoder = ImageDecoder()
        let decoded: DecodedImage
        do {
            decoded = try bytes.withUnsafeBytes { raw throws(DecodeError) in
                try decoder.decode(raw, options: DecodeOptions(previewSide: options.longSide ?? 1 << 20, readExif: true))
            }
        } catch {
            return .failure(Problem(message: "the image does not decode: \((error as? DecodeError)?.reason ?? "\(error)")"))
        }
        var image = decoded.preview.oriented(decoded.orientation)
        if let side = options.longSide { image = image.fitted(longSide: side) }
        do {
            switch options.format {
            case .jpeg:
                return .success(
                    Encoded(bytes: try ImageEncoder.jpeg(image, quality: options.quality), format: "JPEG", fileExtension: "jpg"))
            case .png:
                let png = try ImageEncoder.encode(pixels: image.pixels, width: image.width, height: image.height, bands: 3, suffix: ".png")
                return .success(Encoded(bytes: png, format: "PNG", fileExtension: "png"))
            case .webp:
                let webp = try ImageEncoder.encode(
                    pixels: image.pixels, width: image.width, height: image.height, bands: 3, suffix: ".webp[Q=\(options.quality)]")
                return .success(Encoded(bytes: webp, format: "WEBP", fileExtension: "webp"))
            }
        } catch {
            return .failure(Problem(message: "could not encode the image: \(error.description)"))
        }
    }
}
