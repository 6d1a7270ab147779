import Foundation

/// A picture's quality, 0–100, from what the scan measured: the first criterion for the copy
/// of a duplicate group worth keeping, and shown per image in the library.
///
/// The formula (each part 0–1, weighted):
///
/// | part | weight | measure | 0 at | 1 at |
/// | --- | --- | --- | --- | --- |
/// | sharpness | 40 | `blur_score` (contrast-normalised Laplacian variance) | 0 | 2 × the blur threshold (200 by default) |
/// | exposure | 25 | (1 − \|mean brightness − 128\| / 128) × min(1, mean channel σ / 32), less 0.5 when dark or overexposed | clipped or flat | mid-grey mean with contrast |
/// | resolution | 20 | log of megapixels | 0.05 MP (≈ 256 × 192) | 12 MP |
/// | compression | 15 | bytes per pixel for lossy formats (JPEG, WebP, HEIC, AVIF); lossless formats score 1 | 0.05 B/px | 0.35 B/px (a camera's own JPEG) |
///
/// A part that was not measured (no pixel statistics or blur score) counts as 0.5 so an
/// image is neither rewarded nor punished for a skipped measurement. A corrupt file has no
/// score.
///
/// ```swift
/// QualityScore.score(record)   // 0…100, or nil for a corrupt file
/// ```
public enum QualityScore {
    public static let sharpnessWeight = 40.0
    public static let exposureWeight = 25.0
    public static let resolutionWeight = 20.0
    public static let compressionWeight = 15.0

    /// Megapixels at which resolution scores 0 and 1 (log scale between).
    public static let resolutionRange = (low: 0.05, high: 12.0)
    /// Bytes per pixel at which a lossy file's compression scores 0 and 1.
    public static let bytesPerPixelRange = (low: 0.05, high: 0.35)
    /// Mean channel standard deviation at and above which contrast is full.
    public static let fullContrastSigma = 32.0

    static let lossyFormats: Set<String> = ["JPEG", "MPO", "WEBP", "HEIF", "HEIC", "AVIF"]

    /// The score of a record, 0–100 (rounded), or nil for a corrupt file.
    public static func score(_ r: ImageRecord, thresholds: QualityThresholds = .defaults) -> Int? {
        guard !r.isCorrupt, r.width > 0, r.height > 0 else { return nil }
        let parts = self.parts(r, thresholds: thresholds)
        let total =
            sharpnessWeight * parts.sharpness + exposureWeight * parts.exposure + resolutionWeight * parts.resolution
            + compressionWeight * parts.compression
        return Int(total.rounded())
    }

    /// Each part of the score, 0–1.
    public static func parts(_ r: ImageRecord, thresholds: QualityThresholds = .defaults) -> (
        sharpness: Double, exposure: Double, resolution: Double, compression: Double
    ) {
        let sharpness = r.blurScore.map { clamp($0 / (2 * thresholds.blur)) } ?? 0.5
        var exposure = 0.5
        if let p = r.pixelStats {
            let balance = 1 - abs(p.meanBrightness - 128) / 128
            let sigma = (p.stdR + p.stdG + p.stdB) / 3
            exposure = clamp(balance * min(1, sigma / fullContrastSigma))
            if thresholds.isDark(meanBrightness: p.meanBrightness) || thresholds.isOverexposed(meanBrightness: p.meanBrightness) {
                exposure = max(0, exposure - 0.5)
            }
        }
        let pixels = Double(r.width) * Double(r.height)
        let megapixels = pixels / 1_000_000
        let resolution = clamp(
            log(max(megapixels, 1e-9) / resolutionRange.low) / log(resolutionRange.high / resolutionRange.low))
        var compression = 1.0
        if lossyFormats.contains(r.format.uppercased()), pixels > 0 {
            let bpp = Double(r.fileSizeBytes) / pixels
            compression = clamp((bpp - bytesPerPixelRange.low) / (bytesPerPixelRange.high - bytesPerPixelRange.low))
        }
        return (sharpness, exposure, resolution, compression)
    }

    private static func clamp(_ v: Double) -> Double { v.isNaN ? 0 : min(1, max(0, v)) }
}
