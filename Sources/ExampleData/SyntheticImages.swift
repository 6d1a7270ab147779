public import DatasetAnalysis

/// Deterministic synthetic pictures for example datasets and tests: a sky gradient, hills,
/// coloured shapes and a little noise — enough texture that blur, exposure and border
/// measurements behave as they do on photos.
public enum SyntheticImages {
    /// A small, fast, seedable generator (SplitMix64), so fixtures are identical on every run.
    public struct Random {
        private var state: UInt64
        public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
        public mutating func int(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(next() % UInt64(range.count))
        }
    }

    /// A landscape-like scene of `width` × `height`.
    public static func scene(width: Int, height: Int, seed: UInt64) -> RGBImage {
        var rng = Random(seed: seed)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let skyTop = (rng.int(40...120), rng.int(90...170), rng.int(170...250))
        let skyBottom = (rng.int(170...240), rng.int(180...240), rng.int(200...255))
        let ground = (rng.int(110...170), rng.int(130...190), rng.int(90...140))
        let phase = rng.unit() * 6.28, frequency = 2 + rng.unit() * 5
        for y in 0..<height {
            for x in 0..<width {
                let fx = Double(x) / Double(width), fy = Double(y) / Double(height)
                let horizon = 0.55 + 0.12 * sin(fx * frequency + phase) + 0.05 * sin(fx * frequency * 3.1 + phase * 2)
                var c: (Double, Double, Double)
                if fy < horizon {
                    let t = fy / horizon
                    c = (
                        Double(skyTop.0) * (1 - t) + Double(skyBottom.0) * t,
                        Double(skyTop.1) * (1 - t) + Double(skyBottom.1) * t,
                        Double(skyTop.2) * (1 - t) + Double(skyBottom.2) * t
                    )
                } else {
                    let shade = 0.7 + 0.3 * sin(fx * 40 + fy * 25)
                    c = (Double(ground.0) * shade, Double(ground.1) * shade, Double(ground.2) * shade)
                }
                let i = (y * width + x) * 3
                pixels[i] = clamp(c.0)
                pixels[i + 1] = clamp(c.1)
                pixels[i + 2] = clamp(c.2)
            }
        }
        // Shapes: filled circles and rectangles with sharp edges.
        for _ in 0..<rng.int(6...12) {
            let colour = (UInt8(rng.int(0...255)), UInt8(rng.int(0...255)), UInt8(rng.int(0...255)))
            let cx = rng.int(0...(width - 1)), cy = rng.int(0...(height - 1))
            let r = rng.int(max(2, min(width, height) / 20)...max(3, min(width, height) / 6))
            let circle = rng.next() % 2 == 0
            for y in max(0, cy - r)..<min(height, cy + r) {
                for x in max(0, cx - r)..<min(width, cx + r) {
                    if circle && (x - cx) * (x - cx) + (y - cy) * (y - cy) > r * r { continue }
                    let i = (y * width + x) * 3
                    pixels[i] = colour.0
                    pixels[i + 1] = colour.1
                    pixels[i + 2] = colour.2
                }
            }
        }
        // Fine texture: a little noise, as sensors and JPEG leave.
        for i in 0..<pixels.count {
            let n = Int(rng.next() % 13) - 6
            pixels[i] = UInt8(clamping: Int(pixels[i]) + n)
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Scales every channel: 0.15 makes a dark picture, values above 1 wash it out.
    public static func exposed(_ image: RGBImage, gain: Double, offset: Double = 0) -> RGBImage {
        var out = image
        for i in 0..<out.pixels.count { out.pixels[i] = clamp(Double(out.pixels[i]) * gain + offset) }
        return out
    }

    /// An approximately Gaussian blur (three box passes) of the given radius.
    public static func blurred(_ image: RGBImage, radius: Int) -> RGBImage {
        guard radius > 0 else { return image }
        var out = image
        for _ in 0..<3 {
            out = boxPass(out, radius: radius, horizontal: true)
            out = boxPass(out, radius: radius, horizontal: false)
        }
        return out
    }

    /// Black bars on all sides, `fraction` of each dimension: letterboxing and padding.
    public static func bordered(_ image: RGBImage, fraction: Double) -> RGBImage {
        var out = image
        let bw = Int(Double(image.width) * fraction), bh = Int(Double(image.height) * fraction)
        for y in 0..<image.height {
            for x in 0..<image.width where x < bw || x >= image.width - bw || y < bh || y >= image.height - bh {
                let i = (y * image.width + x) * 3
                out.pixels[i] = 0
                out.pixels[i + 1] = 0
                out.pixels[i + 2] = 0
            }
        }
        return out
    }

    /// Nearest-neighbour resize, for making smaller copies.
    public static func resized(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let sy = y * image.height / height
            for x in 0..<width {
                let sx = x * image.width / width
                let s = (sy * image.width + sx) * 3, d = (y * width + x) * 3
                pixels[d] = image.pixels[s]
                pixels[d + 1] = image.pixels[s + 1]
                pixels[d + 2] = image.pixels[s + 2]
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    private static func boxPass(_ image: RGBImage, radius: Int, horizontal: Bool) -> RGBImage {
        let w = image.width, h = image.height
        var out = image.pixels
        let lines = horizontal ? h : w, length = horizontal ? w : h
        for line in 0..<lines {
            for channel in 0..<3 {
                func index(_ p: Int) -> Int {
                    let q = min(max(p, 0), length - 1)
                    return (horizontal ? (line * w + q) : (q * w + line)) * 3 + channel
                }
                var sum = 0
                for p in -radius...radius { sum += Int(image.pixels[index(p)]) }
                let span = 2 * radius + 1
                for p in 0..<length {
                    out[index(p)] = UInt8(sum / span)
                    sum += Int(image.pixels[index(p + radius + 1)]) - Int(image.pixels[index(p - radius)])
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    private static func clamp(_ v: Double) -> UInt8 { UInt8(max(0, min(255, v.rounded()))) }

    private static func sin(_ x: Double) -> Double {
        // A polynomial sine keeps this module free of Foundation; accuracy is irrelevant here.
        var t = x.truncatingRemainder(dividingBy: 2 * Double.pi)
        if t > Double.pi { t -= 2 * Double.pi } else if t < -Double.pi { t += 2 * Double.pi }
        let t2 = t * t
        return t * (1 - t2 / 6 * (1 - t2 / 20 * (1 - t2 / 42 * (1 - t2 / 72))))
    }
}
