import Foundation

/// The small edits `uniquify` makes to a copy so its perceptual hash moves away from the
/// original's: a crop from two adjacent edges, brightness, contrast and noise, each as strong
/// as its ``Strength`` says. Pure and deterministic: the same image, strength and seed give
/// the same pixels.
public enum ImageEdits {
    /// How strongly to edit; stronger levels are tried when a weaker one left the copy
    /// within the threshold.
    public struct Strength: Sendable, Hashable, Codable {
        /// Fraction of the width and height cut from the two edges at ``corner``.
        public var crop: Double
        /// Brightness factor (1 = unchanged).
        public var brightness: Double
        /// Contrast factor around mid-grey (1 = unchanged).
        public var contrast: Double
        /// Standard deviation of the added noise, in grey levels.
        public var noise: Double
        /// Which corner the crop keeps: 0 top-left, 1 top-right, 2 bottom-right, 3 bottom-left.
        public var corner: Int

        public init(crop: Double, brightness: Double, contrast: Double, noise: Double, corner: Int) {
            self.crop = crop
            self.brightness = brightness
            self.contrast = contrast
            self.noise = noise
            self.corner = corner
        }

        /// A short description for the plan and the journal: "crop 4% (top-left), brightness +3%, …".
        public var summary: String {
            let corners = ["bottom-right", "bottom-left", "top-left", "top-right"]  // the edges cut
            func percent(_ v: Double) -> String { "\(Int((v * 100).rounded()))%" }
            func signed(_ v: Double) -> String { (v >= 1 ? "+" : "-") + percent(abs(v - 1)) }
            return
                "crop \(percent(crop)) (\(corners[((corner % 4) + 4) % 4])), brightness \(signed(brightness)), contrast \(signed(contrast)), noise σ \(Int(noise.rounded()))"
        }
    }

    /// The ladder of strengths, weakest first. The first level's crop of 4% from two edges
    /// already moves a 256-bit pHash by tens of bits on photos (FACTS: a 5% crop moves it by
    /// a median of 58), while the picture still looks the same; the later levels are for
    /// flat or synthetic pictures whose hash barely moves. The crop is one-sided on purpose:
    /// a centred crop of about 5.5% per side is exactly what the centre hash matches.
    public static func ladder(variant: Int) -> [Strength] {
        let steps: [(crop: Double, light: Double, contrast: Double, noise: Double)] = [
            (0.04, 0.03, 0.04, 2), (0.07, 0.05, 0.08, 3), (0.10, 0.07, 0.12, 4),
            (0.14, 0.09, 0.16, 5), (0.19, 0.11, 0.20, 6), (0.25, 0.13, 0.25, 8),
        ]
        return steps.enumerated().map { level, step in
            // Alternate the direction of the change between copies, so that two copies of
            // one picture are edited apart from each other, not in the same way.
            let sign: Double = (variant + level) % 2 == 0 ? 1 : -1
            return Strength(
                crop: step.crop, brightness: 1 + sign * step.light, contrast: 1 + step.contrast, noise: step.noise,
                corner: (variant + level) % 4)
        }
    }

    /// `image` edited with `strength`; `seed` drives the noise.
    ///
    /// - Complexity: O(width × height).
    public static func apply(_ image: RGBImage, _ strength: Strength, seed: UInt64) -> RGBImage {
        let cropped = crop(image, strength.crop, corner: strength.corner)
        var out = cropped.pixels
        var random = SplitMix64(seed: seed)
        let brightness = strength.brightness, contrast = strength.contrast, noise = strength.noise
        for i in out.indices {
            var v = Double(out[i])
            v = (v - 128) * contrast + 128
            v *= brightness
            if noise > 0 { v += random.nextGaussian() * noise }
            out[i] = UInt8(max(0, min(255, v.rounded())))
        }
        return RGBImage(width: cropped.width, height: cropped.height, pixels: out)
    }

    /// The image without `fraction` of its width and height, cut from the two edges away
    /// from `corner`; at least one pixel remains each way.
    public static func crop(_ image: RGBImage, _ fraction: Double, corner: Int) -> RGBImage {
        let cutX = min(image.width - 1, Int((Double(image.width) * fraction).rounded()))
        let cutY = min(image.height - 1, Int((Double(image.height) * fraction).rounded()))
        guard cutX > 0 || cutY > 0 else { return image }
        let c = ((corner % 4) + 4) % 4
        let x0 = (c == 1 || c == 2) ? cutX : 0  // keeping a right corner cuts the left edge
        let y0 = (c == 2 || c == 3) ? cutY : 0  // keeping a bottom corner cuts the top edge
        let w = image.width - cutX, h = image.height - cutY
        var out = [UInt8]()
        out.reserveCapacity(w * h * 3)
        for y in y0..<(y0 + h) {
            let start = (y * image.width + x0) * 3
            out.append(contentsOf: image.pixels[start..<(start + w * 3)])
        }
        return RGBImage(width: w, height: h, pixels: out)
    }
}

/// A small, seedable generator (SplitMix64), so edits are reproducible.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in (0, 1).
    mutating func nextUnit() -> Double { (Double(next() >> 11) + 0.5) / Double(1 << 53) }

    /// A standard normal value (Box–Muller).
    mutating func nextGaussian() -> Double {
        let u = nextUnit(), v = nextUnit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}
