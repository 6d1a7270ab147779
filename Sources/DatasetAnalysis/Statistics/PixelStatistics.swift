/// Pixel statistics, exposure flags and border/corner statistics of an RGB preview.
///
/// These are the reference implementation's definitions (see `PixelStats` and
/// `CornerStats`), computed on the decoded preview instead of a 2048-pixel resample: means
/// are the same up to rounding, standard deviations slightly lower (downscaling averages
/// away the finest detail), and `min_val`/`max_val` are those of the preview.
public enum PixelStatistics {
    /// Per-channel means and standard deviations, mean brightness, and extremes.
    ///
    /// - Complexity: O(width × height), one pass with integer accumulators.
    public static func compute(_ image: RGBImage) -> PixelStats {
        let count = image.width * image.height
        guard count > 0, image.pixels.count >= count * 3 else { return PixelStats() }
        var sum = (UInt64(0), UInt64(0), UInt64(0))
        var sq = (UInt64(0), UInt64(0), UInt64(0))
        var lo: UInt32 = 255, hi: UInt32 = 0
        image.pixels.withUnsafeBufferPointer { buffer in
            guard let p = buffer.baseAddress else { return }
            var i = 0
            // 32-bit accumulators per block of 4,096 pixels cannot overflow (4,096 × 255² <
            // 2³²); flushing them per block keeps the inner loop in 32-bit arithmetic.
            while i < count {
                let end = min(count, i + 4096)
                var s0: UInt32 = 0, s1: UInt32 = 0, s2: UInt32 = 0
                var q0: UInt32 = 0, q1: UInt32 = 0, q2: UInt32 = 0
                var px = p + i * 3
                let stop = p + end * 3
                while px < stop {
                    let r = UInt32(px[0]), g = UInt32(px[1]), b = UInt32(px[2])
                    s0 &+= r; s1 &+= g; s2 &+= b
                    q0 &+= r &* r; q1 &+= g &* g; q2 &+= b &* b
                    px += 3
                }
                // Extremes over all channels in a separate pass over the bytes, which the
                // compiler turns into vector min/max instructions.
                var blockLo: UInt8 = 255, blockHi: UInt8 = 0
                var byte = p + i * 3
                while byte < stop {
                    blockLo = min(blockLo, byte[0])
                    blockHi = max(blockHi, byte[0])
                    byte += 1
                }
                sum.0 += UInt64(s0); sum.1 += UInt64(s1); sum.2 += UInt64(s2)
                sq.0 += UInt64(q0); sq.1 += UInt64(q1); sq.2 += UInt64(q2)
                lo = min(lo, UInt32(blockLo))
                hi = max(hi, UInt32(blockHi))
                i = end
            }
        }
        let n = Double(count)
        func meanStd(_ s: UInt64, _ q: UInt64) -> (Double, Double) {
            let mean = Double(s) / n
            let variance = max(0, Double(q) / n - mean * mean)
            return (mean, variance.squareRoot())
        }
        let (mr, sr) = meanStd(sum.0, sq.0)
        let (mg, sg) = meanStd(sum.1, sq.1)
        let (mb, sb) = meanStd(sum.2, sq.2)
        return PixelStats(
            meanR: mr, meanG: mg, meanB: mb, stdR: sr, stdG: sg, stdB: sb,
            meanBrightness: (mr + mg + mb) / 3, minVal: Int(lo), maxVal: Int(hi)
        )
    }
}

/// Corner, centre and border brightness, for letterboxing, padding and vignetting.
public enum BorderStatistics {
    /// The reference's definition: the four corner patches and the four border strips are
    /// `patchFraction` of the height and width (at least one pixel); the centre is the middle
    /// half in each direction; means are over all three channels; `delta` is
    /// |corner mean − centre mean|.
    ///
    /// - Complexity: O(width × height).
    public static func compute(_ image: RGBImage, patchFraction: Double = 0.1) -> CornerStats {
        let w = image.width, h = image.height
        guard w > 0, h > 0, image.pixels.count >= w * h * 3 else { return CornerStats() }
        let ph = max(1, Int(Double(h) * patchFraction))
        let pw = max(1, Int(Double(w) * patchFraction))
        // Row sums over column ranges via a prefix sum per row would be overkill for a
        // preview; a direct pass per region is clear and cheap at preview sizes.
        func sum(rows: Range<Int>, cols: Range<Int>) -> (Double, Int) {
            var total: UInt64 = 0
            guard !rows.isEmpty, !cols.isEmpty else { return (0, 0) }
            image.pixels.withUnsafeBufferPointer { p in
                for y in rows {
                    var rowTotal: UInt32 = 0
                    let base = (y * w + cols.lowerBound) * 3
                    let end = (y * w + cols.upperBound) * 3
                    var i = base
                    while i < end {
                        rowTotal &+= UInt32(p[i])
                        i += 1
                    }
                    total += UInt64(rowTotal)
                }
            }
            return (Double(total), rows.count * cols.count * 3)
        }
        let top = 0..<min(ph, h), bottom = max(0, h - ph)..<h
        let left = 0..<min(pw, w), right = max(0, w - pw)..<w
        let corners = [
            sum(rows: top, cols: left), sum(rows: top, cols: right),
            sum(rows: bottom, cols: left), sum(rows: bottom, cols: right),
        ]
        let cornerMean = corners.reduce(0) { $0 + $1.0 } / Double(max(1, corners.reduce(0) { $0 + $1.1 }))
        let ch = h / 4, cw = w / 4
        let centre = sum(rows: ch..<(h - ch), cols: cw..<(w - cw))
        let centerMean = centre.1 > 0 ? centre.0 / Double(centre.1) : 0
        // Border strips overlap at the corners, as the reference's concatenation does.
        let strips = [
            sum(rows: top, cols: 0..<w), sum(rows: bottom, cols: 0..<w),
            sum(rows: 0..<h, cols: left), sum(rows: 0..<h, cols: right),
        ]
        let borderMean = strips.reduce(0) { $0 + $1.0 } / Double(max(1, strips.reduce(0) { $0 + $1.1 }))
        return CornerStats(
            cornerMean: cornerMean, centerMean: centerMean, borderMean: borderMean,
            delta: abs(cornerMean - centerMean))
    }
}
