/// An 8-bit RGB image, rows top to bottom, pixels interleaved (R, G, B).
public struct RGBImage: Sendable, Hashable {
    public var width: Int
    public var height: Int
    /// `width * height * 3` bytes; every producer in this package guarantees the count.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// An 8-bit single-channel image, rows top to bottom.
public struct GrayImage: Sendable, Hashable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Luma of an RGB image with ITU-R 601 weights (R·299 + G·587 + B·114) / 1000, the
    /// conversion Pillow's `convert("L")` uses, so hashes agree with the reference's.
    ///
    /// - Complexity: O(width × height).
    public init(luma rgb: RGBImage) {
        let count = rgb.width * rgb.height
        var out = [UInt8](repeating: 0, count: count)
        rgb.pixels.withUnsafeBufferPointer { srcBuffer in
            out.withUnsafeMutableBufferPointer { dstBuffer in
                guard var src = srcBuffer.baseAddress, let dst = dstBuffer.baseAddress,
                    srcBuffer.count >= count * 3
                else { return }
                var i = 0
                while i < count {
                    let r = UInt32(src[0]), g = UInt32(src[1]), b = UInt32(src[2])
                    // Pillow rounds: (r*19595 + g*38470 + b*7471 + 0x8000) >> 16.
                    dst[i] = UInt8(truncatingIfNeeded: (r &* 19595 &+ g &* 38470 &+ b &* 7471 &+ 0x8000) >> 16)
                    src += 3
                    i += 1
                }
            }
        }
        self.init(width: rgb.width, height: rgb.height, pixels: out)
    }

    /// Resizes by area averaging (each output pixel is the mean of the input area it covers,
    /// with fractional edge weights), which is what downscaling for statistics and hashes
    /// needs: no aliasing, no ringing, and exact for integer factors. Upscaling falls back to
    /// nearest-neighbour sampling of the same weights.
    ///
    /// - Complexity: O(width × height + newWidth × newHeight).
    public func resized(width newWidth: Int, height newHeight: Int) -> GrayImage {
        guard newWidth > 0, newHeight > 0 else { return GrayImage(width: 0, height: 0, pixels: []) }
        if newWidth == width && newHeight == height { return self }
        return GrayImage(
            width: newWidth, height: newHeight,
            pixels: AreaResampler.resize(
                pixels, width: width, height: height, channels: 1,
                to: newWidth, newHeight))
    }

    /// Scales so that the longer side is `longSide` pixels (never enlarges).
    public func fitted(longSide: Int) -> GrayImage {
        guard let (w, h) = AreaResampler.fittedSize(width: width, height: height, longSide: longSide) else { return self }
        return resized(width: w, height: h)
    }

    /// Applies an EXIF orientation (1–8) so the image is upright as a viewer shows it.
    public func oriented(_ orientation: Int) -> GrayImage {
        guard (2...8).contains(orientation) else { return self }
        let swaps = orientation >= 5
        let outW = swaps ? height : width
        let outH = swaps ? width : height
        var out = [UInt8](repeating: 0, count: width * height)
        for y in 0..<outH {
            for x in 0..<outW {
                let (sx, sy): (Int, Int)
                switch orientation {
                case 2: (sx, sy) = (width - 1 - x, y)  // mirror horizontal
                case 3: (sx, sy) = (width - 1 - x, height - 1 - y)  // rotate 180
                case 4: (sx, sy) = (x, height - 1 - y)  // mirror vertical
                case 5: (sx, sy) = (y, x)  // transpose
                case 6: (sx, sy) = (y, height - 1 - x)  // rotate 90 CW
                case 7: (sx, sy) = (width - 1 - y, height - 1 - x)  // transverse
                default: (sx, sy) = (width - 1 - y, x)  // 8: rotate 270 CW
                }
                out[y * outW + x] = pixels[sy * width + sx]
            }
        }
        return GrayImage(width: outW, height: outH, pixels: out)
    }
}

extension RGBImage {
    /// Applies an EXIF orientation (1–8) so the image is upright as a viewer shows it.
    public func oriented(_ orientation: Int) -> RGBImage {
        guard (2...8).contains(orientation) else { return self }
        // Orient each channel as a grey image, then interleave again: one definition of
        // the eight orientations for both image types.
        let channels = (0..<3).map { c in
            GrayImage(width: width, height: height, pixels: stride(from: c, to: pixels.count, by: 3).map { pixels[$0] }).oriented(
                orientation)
        }
        let w = channels[0].width, h = channels[0].height
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for i in 0..<(w * h) {
            out[3 * i] = channels[0].pixels[i]
            out[3 * i + 1] = channels[1].pixels[i]
            out[3 * i + 2] = channels[2].pixels[i]
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    /// Scales by area averaging so that the longer side is `longSide` pixels (never enlarges).
    ///
    /// - Complexity: O(width × height).
    public func fitted(longSide: Int) -> RGBImage {
        guard let (w, h) = AreaResampler.fittedSize(width: width, height: height, longSide: longSide) else { return self }
        return RGBImage(
            width: w, height: h,
            pixels: AreaResampler.resize(pixels, width: width, height: height, channels: 3, to: w, h))
    }
}

/// Horizontal taps for reductions of less than 2×, where every output sample covers at most
/// three input samples: stored as a start and three weights (some zero), so the inner loop
/// has no branches and no variable trip count — the common case when a 256–511 px preview
/// is brought to 256 px.
struct ThreeTaps {
    var base: [Int]
    var weights: [Int32]  // three per output

    init?(_ taps: AreaResampler.Taps, sourceWidth: Int, channels: Int) {
        guard sourceWidth >= 3 else { return nil }
        let count = taps.start.count - 1
        base = []
        weights = []
        base.reserveCapacity(count)
        weights.reserveCapacity(count * 3)
        for x in 0..<count {
            let a = taps.start[x], b = taps.start[x + 1]
            guard b - a <= 3, b > a else { return nil }
            let first = min(taps.index[a], sourceWidth - 3)
            var w: [Int32] = [0, 0, 0]
            for t in a..<b {
                let slot = taps.index[t] - first
                guard (0..<3).contains(slot) else { return nil }
                w[slot] += taps.weight[t]
            }
            base.append(first * channels)
            weights += w
        }
    }

    func run(
        src: UnsafePointer<UInt8>, width: Int, height: Int, channels: Int, newWidth: Int,
        rows: UnsafeMutablePointer<Int32>, shift: Int32, round: Int32
    ) {
        base.withUnsafeBufferPointer { baseBuffer in
            weights.withUnsafeBufferPointer { weightBuffer in
                guard let b = baseBuffer.baseAddress, let w = weightBuffer.baseAddress else { return }
                for y in 0..<height {
                    let srcRow = src + y * width * channels
                    let dstRow = rows + y * newWidth * channels
                    if channels == 1 {
                        for x in 0..<newWidth {
                            let p = srcRow + b[x], k = w + 3 * x
                            let sum = Int32(p[0]) &* k[0] &+ Int32(p[1]) &* k[1] &+ Int32(p[2]) &* k[2]
                            dstRow[x] = (sum &+ round) >> shift
                        }
                    } else {
                        for x in 0..<newWidth {
                            let p = srcRow + b[x], k = w + 3 * x
                            let o = dstRow + 3 * x
                            o[0] = (Int32(p[0]) &* k[0] &+ Int32(p[3]) &* k[1] &+ Int32(p[6]) &* k[2] &+ round) >> shift
                            o[1] = (Int32(p[1]) &* k[0] &+ Int32(p[4]) &* k[1] &+ Int32(p[7]) &* k[2] &+ round) >> shift
                            o[2] = (Int32(p[2]) &* k[0] &+ Int32(p[5]) &* k[1] &+ Int32(p[8]) &* k[2] &+ round) >> shift
                        }
                    }
                }
            }
        }
    }
}

/// Separable area-averaging resampling of interleaved 8-bit images: each output pixel is the
/// mean of the input area it covers, with fractional weights at the edges. Exact for integer
/// factors, free of aliasing and ringing — what statistics and hashes want. Fixed-point
/// arithmetic (weights in 1/16384ths) keeps it fast without SIMD intrinsics.
enum AreaResampler {
    static let weightBits: Int32 = 14

    /// The size whose longer side is `longSide`, keeping the aspect ratio; nil when the image
    /// is already no larger (images are never enlarged).
    static func fittedSize(width: Int, height: Int, longSide: Int) -> (Int, Int)? {
        let longest = max(width, height)
        guard longest > longSide, longSide > 0 else { return nil }
        let scale = Double(longSide) / Double(longest)
        return (max(1, Int((Double(width) * scale).rounded())), max(1, Int((Double(height) * scale).rounded())))
    }
    /// Bits kept between the passes: enough precision, and the vertical sums fit in Int32.
    static let intermediateBits: Int32 = 7

    /// Flattened taps: output sample `i` uses `offset[start[i]..<start[i+1]]` with `weight`s
    /// that sum to exactly 2^14.
    struct Taps {
        var start: [Int] = []
        var index: [Int] = []
        var weight: [Int32] = []

        init(source: Int, target: Int) {
            let scale = Double(source) / Double(target)
            let one = Int32(1) << AreaResampler.weightBits
            start.reserveCapacity(target + 1)
            for i in 0..<target {
                start.append(index.count)
                if scale <= 1 {
                    // Enlarging: nearest sample.
                    index.append(min(source - 1, Int((Double(i) + 0.5) * scale)))
                    weight.append(one)
                    continue
                }
                let lo = Double(i) * scale, hi = Double(i + 1) * scale
                var j = Int(lo)
                let end = min(source, Int(hi.rounded(.up)))
                let first = weight.count
                var total: Int32 = 0
                while j < end {
                    let overlap = min(hi, Double(j + 1)) - max(lo, Double(j))
                    let w = Int32((overlap / scale * Double(one)).rounded())
                    if w > 0 {
                        index.append(j)
                        weight.append(w)
                        total += w
                    }
                    j += 1
                }
                // Make the weights sum to exactly one: put the rounding error on the largest.
                if weight.count > first, let largest = weight[first...].indices.max(by: { weight[$0] < weight[$1] }) {
                    weight[largest] += one - total
                }
            }
            start.append(index.count)
        }
    }

    /// - Parameter channels: 1 (grey) or 3 (RGB).
    static func resize(_ pixels: [UInt8], width: Int, height: Int, channels: Int, to newWidth: Int, _ newHeight: Int) -> [UInt8] {
        guard newWidth > 0, newHeight > 0 else { return [] }
        return resize(
            pixels, width: width, height: height, channels: channels,
            xTaps: Taps(source: width, target: newWidth), yTaps: Taps(source: height, target: newHeight))
    }

    /// The same, with the taps made once by the caller (for many images of one size: building
    /// the taps costs more than resampling a 64 × 64 window to 9 × 8).
    static func resize(_ pixels: [UInt8], width: Int, height: Int, channels: Int, xTaps xt: Taps, yTaps yt: Taps) -> [UInt8] {
        let newWidth = xt.start.count - 1, newHeight = yt.start.count - 1
        var out = [UInt8](repeating: 0, count: max(0, newWidth * newHeight * channels))
        guard channels == 1 || channels == 3, width > 0, height > 0, newWidth > 0, newHeight > 0,
            pixels.count >= width * height * channels, xt.index.allSatisfy({ $0 < width }), yt.index.allSatisfy({ $0 < height })
        else {
            return out
        }
        let rowLength = newWidth * channels
        let shift1 = weightBits - intermediateBits
        let round1 = Int32(1) << (shift1 - 1)
        let shift2 = weightBits + intermediateBits
        let round2 = Int32(1) << (shift2 - 1)
        let rows = UnsafeMutablePointer<Int32>.allocate(capacity: rowLength * height)
        defer { rows.deallocate() }
        let accumulator = UnsafeMutablePointer<Int32>.allocate(capacity: rowLength)
        defer { accumulator.deallocate() }
        let offsets = xt.index.map { $0 * channels }
        // Raw pointers and `while` loops: this is the hottest loop of a scan, and ranges and
        // array subscripts here cost a third of its time.
        pixels.withUnsafeBufferPointer { srcBuffer in
            xt.start.withUnsafeBufferPointer { startBuffer in
                offsets.withUnsafeBufferPointer { offsetBuffer in
                    xt.weight.withUnsafeBufferPointer { weightBuffer in
                        guard let src = srcBuffer.baseAddress, let start = startBuffer.baseAddress,
                            let offset = offsetBuffer.baseAddress, let weight = weightBuffer.baseAddress
                        else { return }
                        // Horizontal pass: every input row to `newWidth` samples, 7 fractional bits kept.
                        if let fixed = ThreeTaps(xt, sourceWidth: width, channels: channels) {
                            fixed.run(
                                src: src, width: width, height: height, channels: channels, newWidth: newWidth,
                                rows: rows, shift: shift1, round: round1)
                            return
                        }
                        for y in 0..<height {
                            let srcRow = src + y * width * channels
                            let dstRow = rows + y * rowLength
                            var x = 0
                            if channels == 1 {
                                while x < newWidth {
                                    var t = start[x]
                                    let end = start[x + 1]
                                    var sum: Int32 = 0
                                    while t < end {
                                        sum &+= Int32(srcRow[offset[t]]) &* weight[t]
                                        t += 1
                                    }
                                    dstRow[x] = (sum &+ round1) >> shift1
                                    x += 1
                                }
                            } else {
                                while x < newWidth {
                                    var t = start[x]
                                    let end = start[x + 1]
                                    var r: Int32 = 0, g: Int32 = 0, b: Int32 = 0
                                    while t < end {
                                        let p = srcRow + offset[t], w = weight[t]
                                        r &+= Int32(p[0]) &* w
                                        g &+= Int32(p[1]) &* w
                                        b &+= Int32(p[2]) &* w
                                        t += 1
                                    }
                                    let o = dstRow + x * 3
                                    o[0] = (r &+ round1) >> shift1
                                    o[1] = (g &+ round1) >> shift1
                                    o[2] = (b &+ round1) >> shift1
                                    x += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        // Vertical pass.
        out.withUnsafeMutableBufferPointer { outBuffer in
            guard let dst = outBuffer.baseAddress else { return }
            for y in 0..<newHeight {
                accumulator.initialize(repeating: 0, count: rowLength)
                var t = yt.start[y]
                let end = yt.start[y + 1]
                while t < end {
                    let row = rows + yt.index[t] * rowLength
                    let w = yt.weight[t]
                    var i = 0
                    while i < rowLength {
                        accumulator[i] &+= row[i] &* w
                        i += 1
                    }
                    t += 1
                }
                let base = dst + y * rowLength
                var i = 0
                while i < rowLength {
                    let v = (accumulator[i] &+ round2) >> shift2
                    base[i] = UInt8(truncatingIfNeeded: v < 0 ? 0 : (v > 255 ? 255 : v))
                    i += 1
                }
            }
        }
        return out
    }
}
