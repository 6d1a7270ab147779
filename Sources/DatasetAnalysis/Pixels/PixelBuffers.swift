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
        guard newWidth > 0, newHeight > 0, width > 0, height > 0 else {
            return GrayImage(width: max(newWidth, 0), height: max(newHeight, 0),
                             pixels: [UInt8](repeating: 0, count: max(newWidth, 0) * max(newHeight, 0)))
        }
        if newWidth == width && newHeight == height { return self }
        let xWeights = AreaWeights(source: width, target: newWidth)
        let yWeights = AreaWeights(source: height, target: newHeight)
        // Horizontal pass into floats, then vertical pass.
        var rows = [Float](repeating: 0, count: newWidth * height)
        pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let rowBase = y * width
                    for x in 0..<newWidth {
                        var sum: Float = 0
                        for tap in xWeights.taps(x) {
                            sum += Float(src[rowBase + tap.index]) * tap.weight
                        }
                        dst[y * newWidth + x] = sum
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        rows.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<newHeight {
                    let taps = yWeights.taps(y)
                    for x in 0..<newWidth {
                        var sum: Float = 0
                        for tap in taps {
                            sum += src[tap.index * newWidth + x] * tap.weight
                        }
                        dst[y * newWidth + x] = UInt8(max(0, min(255, (sum + 0.5).rounded(.down))))
                    }
                }
            }
        }
        return GrayImage(width: newWidth, height: newHeight, pixels: out)
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

/// Area-averaging weights from `source` samples to `target` samples.
struct AreaWeights {
    struct Tap {
        var index: Int
        var weight: Float
    }
    private var starts: [Int] = []
    private var storage: [Tap] = []

    init(source: Int, target: Int) {
        let scale = Double(source) / Double(target)
        starts.reserveCapacity(target + 1)
        for i in 0..<target {
            starts.append(storage.count)
            if scale <= 1 {
                // Enlarging: nearest sample.
                let index = min(source - 1, Int((Double(i) + 0.5) * scale))
                storage.append(Tap(index: index, weight: 1))
                continue
            }
            let lo = Double(i) * scale, hi = Double(i + 1) * scale
            var j = Int(lo)
            let end = min(source, Int(hi.rounded(.up)))
            while j < end {
                let overlap = min(hi, Double(j + 1)) - max(lo, Double(j))
                if overlap > 0 {
                    storage.append(Tap(index: j, weight: Float(overlap / scale)))
                }
                j += 1
            }
        }
        starts.append(storage.count)
    }

    func taps(_ i: Int) -> ArraySlice<Tap> {
        storage[starts[i]..<starts[i + 1]]
    }
}
