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
        rgb.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<count {
                    let r = UInt32(src[3 * i]), g = UInt32(src[3 * i + 1]), b = UInt32(src[3 * i + 2])
                    // Pillow rounds: (r*19595 + g*38470 + b*7471 + 0x8000) >> 16.
                    dst[i] = UInt8(truncatingIfNeeded: (r &* 19595 &+ g &* 38470 &+ b &* 7471 &+ 0x8000) >> 16)
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
        return GrayImage(width: newWidth, height: newHeight,
                         pixels: AreaResampler.resize(pixels, width: width, height: height, channels: 1,
                                                      to: newWidth, newHeight))
    }

    /// Scales so that the longer side is `longSide` pixels (never enlarges).
    public func fitted(longSide: Int) -> GrayImage {
        let longest = max(width, height)
        guard longest > longSide, longSide > 0 else { return self }
        let scale = Double(longSide) / Double(longest)
        let w = max(1, Int((Double(width) * scale).rounded()))
        let h = max(1, Int((Double(height) * scale).rounded()))
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
                case 2: (sx, sy) = (width - 1 - x, y)                 // mirror horizontal
                case 3: (sx, sy) = (width - 1 - x, height - 1 - y)    // rotate 180
                case 4: (sx, sy) = (x, height - 1 - y)                // mirror vertical
                case 5: (sx, sy) = (y, x)                             // transpose
                case 6: (sx, sy) = (y, height - 1 - x)                // rotate 90 CW
                case 7: (sx, sy) = (width - 1 - y, height - 1 - x)    // transverse
                default: (sx, sy) = (width - 1 - y, x)                // 8: rotate 270 CW
                }
                out[y * outW + x] = pixels[sy * width + sx]
            }
        }
        return GrayImage(width: outW, height: outH, pixels: out)
    }
}

extension RGBImage {
    /// Scales by area averaging so that the longer side is `longSide` pixels (never enlarges).
    ///
    /// - Complexity: O(width × height).
    public func fitted(longSide: Int) -> RGBImage {
        let longest = max(width, height)
        guard longest > longSide, longSide > 0 else { return self }
        let scale = Double(longSide) / Double(longest)
        let w = max(1, Int((Double(width) * scale).rounded()))
        let h = max(1, Int((Double(height) * scale).rounded()))
        return RGBImage(width: w, height: h,
                        pixels: AreaResampler.resize(pixels, width: width, height: height, channels: 3, to: w, h))
    }
}

/// Separable area-averaging resampling of interleaved 8-bit images: each output pixel is the
/// mean of the input area it covers, with fractional weights at the edges. Exact for integer
/// factors, free of aliasing and ringing — what statistics and hashes want.
enum AreaResampler {
    /// Flattened taps: output sample `i` uses `index[start[i]..<start[i+1]]` with `weight`s.
    struct Taps {
        var start: [Int32] = []
        var index: [Int32] = []
        var weight: [Float] = []

        init(source: Int, target: Int) {
            let scale = Double(source) / Double(target)
            start.reserveCapacity(target + 1)
            for i in 0..<target {
                start.append(Int32(index.count))
                if scale <= 1 {
                    // Enlarging: nearest sample.
                    index.append(Int32(min(source - 1, Int((Double(i) + 0.5) * scale))))
                    weight.append(1)
                    continue
                }
                let lo = Double(i) * scale, hi = Double(i + 1) * scale
                var j = Int(lo)
                let end = min(source, Int(hi.rounded(.up)))
                while j < end {
                    let overlap = min(hi, Double(j + 1)) - max(lo, Double(j))
                    if overlap > 1e-9 {
                        index.append(Int32(j))
                        weight.append(Float(overlap / scale))
                    }
                    j += 1
                }
            }
            start.append(Int32(index.count))
        }
    }

    static func resize(_ pixels: [UInt8], width: Int, height: Int, channels: Int, to newWidth: Int, _ newHeight: Int) -> [UInt8] {
        guard width > 0, height > 0, newWidth > 0, newHeight > 0,
              pixels.count >= width * height * channels else {
            return [UInt8](repeating: 0, count: max(0, newWidth * newHeight * channels))
        }
        let xt = Taps(source: width, target: newWidth)
        let yt = Taps(source: height, target: newHeight)
        let rowLength = newWidth * channels
        // Horizontal pass: every input row to `newWidth` samples, in floats.
        var rows = [Float](repeating: 0, count: rowLength * height)
        pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                xt.start.withUnsafeBufferPointer { start in
                    xt.index.withUnsafeBufferPointer { index in
                        xt.weight.withUnsafeBufferPointer { weight in
                            for y in 0..<height {
                                let srcRow = y * width * channels
                                let dstRow = y * rowLength
                                for x in 0..<newWidth {
                                    let a = Int(start[x]), b = Int(start[x + 1])
                                    for c in 0..<channels {
                                        var sum: Float = 0
                                        var t = a
                                        while t < b {
                                            sum += Float(src[srcRow + Int(index[t]) * channels + c]) * weight[t]
                                            t += 1
                                        }
                                        dst[dstRow + x * channels + c] = sum
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Vertical pass.
        var out = [UInt8](repeating: 0, count: rowLength * newHeight)
        rows.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var accumulator = [Float](repeating: 0, count: rowLength)
                accumulator.withUnsafeMutableBufferPointer { acc in
                    for y in 0..<newHeight {
                        for i in 0..<rowLength { acc[i] = 0 }
                        for t in Int(yt.start[y])..<Int(yt.start[y + 1]) {
                            let row = Int(yt.index[t]) * rowLength
                            let w = yt.weight[t]
                            for i in 0..<rowLength { acc[i] += src[row + i] * w }
                        }
                        let base = y * rowLength
                        for i in 0..<rowLength {
                            dst[base + i] = UInt8(max(0, min(255, acc[i] + 0.5)))
                        }
                    }
                }
            }
        }
        return out
    }
}
