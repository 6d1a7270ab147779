/// A sharpness score that does not depend on an image's resolution.
///
/// **Definition.** The image is converted to luma and scaled by area averaging so that its
/// longer side is ``previewSide`` (256) pixels — images already smaller are measured as
/// they are. The score is the variance of the 4-neighbour Laplacian
/// (`up + down + left + right − 4·centre`) over the interior pixels (the one-pixel edge is
/// skipped, unlike the reference's wrap-around `np.roll`, which adds a false edge). A
/// low-contrast image is scored as if its contrast were normal: when the luma's standard
/// deviation is under 50 grey levels, the score is multiplied by 50² / variance (the
/// variance counted as at least 5², so a flat image stays flat). Without that, a sharp but
/// dark or washed-out picture scores like a blurry one, because the Laplacian shrinks with
/// contrast; high-contrast images are not scaled down, so large flat areas (letterbox bars,
/// studio backgrounds) do not make a sharp picture look blurred.
///
/// Measuring at a fixed size is what makes the score comparable across a dataset: the
/// variance of the Laplacian of the same photo grows roughly with the square of its
/// resolution, so the reference's score (taken at up to 2048 pixels) flags small images as
/// blurry and large ones as sharp. At 256 pixels a defocus that is visible at normal
/// viewing size still lowers the score, while JPEG noise and sensor grain are averaged away.
///
/// **Default threshold.** ``defaultThreshold`` = 100, measured on the 38 real photos of
/// Debian's wallpaper packages (the benchmark's sources), scaled to 1024 px, and Gaussian-
/// blurred copies of them. Below 100: 1 of 38 sharp originals (an almost featureless
/// picture), 1 of 38 after σ = 1 px (invisible at preview size), 3 after σ = 2 px, 21 after
/// σ = 4 px (1 px at preview scale: visibly soft) and 38 of 38 after σ = 8 px (clearly out of
/// focus). A threshold of 150 catches more soft pictures (28 of 38 at σ = 4 px) at the cost
/// of more sharp ones (2 of 38); 100 keeps false alarms rare.
public enum BlurMeasure {
    /// Longer side of the image the score is measured on.
    public static let previewSide = 256
    /// Scores below this are blurry.
    public static let defaultThreshold: Double = 100

    /// The contrast-normalised variance of the Laplacian of `gray`, scaled to the blur
    /// preview size first.
    ///
    /// - Complexity: O(width × height) of the image, plus the scaling.
    public static func score(_ gray: GrayImage) -> Double {
        normalisedScore(gray.fitted(longSide: previewSide))
    }

    /// The contrast-normalised variance of the Laplacian, with no scaling of the size.
    public static func normalisedScore(_ image: GrayImage) -> Double {
        let laplacian = laplacianVariance(image)
        guard laplacian > 0 else { return 0 }
        let variance = min(max(lumaVariance(image), minimumVariance), referenceVariance)
        return laplacian * referenceVariance / variance
    }

    /// The luma variance of a typical photo (a standard deviation of 50 grey levels).
    static let referenceVariance = 2500.0
    /// Below a standard deviation of 5 grey levels an image is treated as flat.
    static let minimumVariance = 25.0

    static func lumaVariance(_ image: GrayImage) -> Double {
        guard !image.pixels.isEmpty else { return 0 }
        var sum: UInt64 = 0, squares: UInt64 = 0
        image.pixels.withUnsafeBufferPointer { buffer in
            var i = 0
            while i < buffer.count {
                let end = min(buffer.count, i + 16_384)
                var s: UInt32 = 0, q: UInt32 = 0  // 16,384 × 255² < 2³²
                while i < end {
                    let v = UInt32(buffer[i])
                    s &+= v
                    q &+= v &* v
                    i += 1
                }
                sum += UInt64(s)
                squares += UInt64(q)
            }
        }
        let n = Double(image.pixels.count)
        let mean = Double(sum) / n
        return max(0, Double(squares) / n - mean * mean)
    }

    /// The variance of the 4-neighbour Laplacian over interior pixels, with no scaling.
    public static func laplacianVariance(_ image: GrayImage) -> Double {
        let w = image.width, h = image.height
        guard w >= 3, h >= 3, image.pixels.count >= w * h else { return 0 }
        var sum: Int64 = 0
        var sumSquares: Int64 = 0
        image.pixels.withUnsafeBufferPointer { buffer in
            guard let p = buffer.baseAddress else { return }
            for y in 1..<(h - 1) {
                var rowSum: Int32 = 0
                var rowSquares: Int64 = 0
                var c = p + y * w + 1
                let end = p + y * w + (w - 1)
                while c < end {
                    let lap = Int32(c[-w]) + Int32(c[w]) + Int32(c[-1]) + Int32(c[1]) - 4 * Int32(c[0])
                    rowSum &+= lap
                    rowSquares &+= Int64(lap &* lap)
                    c += 1
                }
                sum += Int64(rowSum)
                sumSquares += rowSquares
            }
        }
        let n = Double((w - 2) * (h - 2))
        let mean = Double(sum) / n
        return max(0, Double(sumSquares) / n - mean * mean)
    }
}
