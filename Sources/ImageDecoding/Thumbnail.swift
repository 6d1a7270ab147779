import DatasetAnalysis

extension ImageDecoder {
    /// A JPEG thumbnail of the encoded image in `bytes`, `side` pixels on its longer side and
    /// upright as a viewer shows it (EXIF orientation applied), or nil when the image cannot
    /// be decoded.
    ///
    /// `orientation` overrides the image's own EXIF orientation: a RAW file's embedded
    /// preview is turned as the RAW's IFD0 says.
    ///
    /// Decodes at reduced size (shrink-on-load), so a large photo costs little more than its
    /// header. Hostile files belong in a supervised worker process: the report's thumbnails
    /// run this in the pipeline's thumbnail workers.
    public func thumbnailJPEG(
        _ bytes: UnsafeRawBufferPointer, side: Int, maxPixels: Int = 250_000_000, quality: Int = 78, orientation: Int? = nil
    ) -> [UInt8]? {
        guard let decoded = try? decode(bytes, options: DecodeOptions(previewSide: side, maxPixels: maxPixels, readExif: true)) else {
            return nil
        }
        let small = decoded.preview.fitted(longSide: side).oriented(orientation ?? decoded.orientation)
        return try? ImageEncoder.jpeg(small, quality: quality)
    }
}
