public import DatasetIO
import DatasetAnalysis
import Foundation
import ImageDecoding

/// Small JPEG thumbnails of images on disk, for the HTML report's galleries. Safe to call
/// from several threads at once: each call has its own decoder.
public struct Thumbnailer: Sendable {
    public let side: Int

    /// Starts libvips if needed. `side` is the longer side of the thumbnails in pixels.
    public init(side: Int = 160) {
        _ = ImageDecoder.startLibvips()
        self.side = side
    }

    /// A JPEG thumbnail of the image at `path`, or nil when it cannot be read or decoded
    /// (moved, deleted, corrupt): the report then says so instead.
    public func jpeg(_ path: FilePathBytes) -> [UInt8]? {
        var result: [UInt8]?
        let decoder = ImageDecoder()
        _ = FileAnalyzer.withFileBytes(path) { bytes, _, _ in
            guard let decoded = try? decoder.decode(bytes, options: DecodeOptions(previewSide: side, maxPixels: 250_000_000, readExif: true)) else { return }
            // Upright, as a viewer shows the photo.
            let small = decoded.preview.fitted(longSide: side).oriented(decoded.orientation)
            result = try? ImageEncoder.jpeg(small, quality: 78)
        }
        return result
    }
}
