import Foundation

/// Perceptual hashes: short fingerprints that stay close when an image is resized,
/// re-encoded or slightly edited, compared by Hamming distance.
///
/// Both follow the definitions of the `imagehash` package that the reference uses, so that
/// hashes written by either tool are comparable (they agree to within a few bits; the small
/// differences come from resampling filters):
///
/// - **pHash** (`hashSize` 16 → 256 bits): luma scaled to 64 × 64 (`4 × hashSize`), a 2-D
///   type-II DCT, the top-left 16 × 16 coefficients (including DC); each bit is whether that
///   coefficient is greater than their median.
/// - **dHash** (256 bits): luma scaled to 17 × 16; each bit is whether a pixel is brighter
///   than its left neighbour.
///
/// Bits are taken row by row and written as hexadecimal, most significant first (64
/// characters for 256 bits), exactly as `str(imagehash.ImageHash)` does.
public enum PerceptualHash {
    /// The pHash of `gray` as a hex string.
    ///
    /// - Complexity: O(width × height) for the scaling, then O(hashSize × 64²) for the
    ///   partial DCT: only the coefficients the hash keeps are computed.
    public static func phash(_ gray: GrayImage, hashSize: Int = 16) -> String {
        let size = hashSize * 4
        return dctHash(gray.resized(width: size, height: size), hashSize: hashSize)
    }

    /// All the hashes a scan stores, sharing one reduction of the image: the image is scaled
    /// once to 72 × 72 (for `hashSize` 16); the pHash is taken of that scaled to 64 × 64, the
    /// **centre pHash** of its central 64 × 64 pixels — the middle 89% of the picture, so a
    /// copy with about 5% cropped from every side hashes like it — and the dHash of that
    /// scaled to 17 × 16.
    ///
    /// - Complexity: O(width × height) for the one large reduction; the rest is on 72 × 72.
    public static func hashes(_ gray: GrayImage, hashSize: Int = 16) -> (phash: String, centre: String, dhash: String) {
        let size = hashSize * 4
        let margin = size / 16
        let base = gray.resized(width: size + 2 * margin, height: size + 2 * margin)
        var centre = [UInt8](repeating: 0, count: size * size)
        for y in 0..<size {
            for x in 0..<size { centre[y * size + x] = base.pixels[(y + margin) * base.width + x + margin] }
        }
        return (
            dctHash(base.resized(width: size, height: size), hashSize: hashSize),
            dctHash(GrayImage(width: size, height: size, pixels: centre), hashSize: hashSize),
            dhash(base, hashSize: hashSize)
        )
    }

    /// The pHash bits of an image already scaled to `4 × hashSize` square.
    static func dctHash(_ small: GrayImage, hashSize: Int) -> String {
        let size = hashSize * 4
        let table = DCTTable.shared(size: size, keep: hashSize)
        var coefficients = [Double](repeating: 0, count: hashSize * hashSize)
        var columns = [Double](repeating: 0, count: hashSize * size)
        table.withUnsafeBufferPointer { tableBuffer in
            small.pixels.withUnsafeBufferPointer { pixelBuffer in
                columns.withUnsafeMutableBufferPointer { columnBuffer in
                    coefficients.withUnsafeMutableBufferPointer { coefficientBuffer in
                        guard let t = tableBuffer.baseAddress, let px = pixelBuffer.baseAddress,
                            let col = columnBuffer.baseAddress, let out = coefficientBuffer.baseAddress,
                            pixelBuffer.count >= size * size
                        else { return }
                        // DCT along columns (axis 0) for the first `hashSize` frequencies:
                        // accumulate whole rows so the inner loop runs over contiguous memory.
                        for k in 0..<hashSize {
                            let row = col + k * size
                            row.initialize(repeating: 0, count: size)
                            for n in 0..<size {
                                let c = t[k * size + n]
                                let source = px + n * size
                                var x = 0
                                while x < size {
                                    row[x] += c * Double(source[x])
                                    x += 1
                                }
                            }
                        }
                        // Then along rows (axis 1).
                        for k in 0..<hashSize {
                            let row = col + k * size
                            for l in 0..<hashSize {
                                let basis = t + l * size
                                var acc = 0.0
                                var m = 0
                                while m < size {
                                    acc += basis[m] * row[m]
                                    m += 1
                                }
                                out[k * hashSize + l] = acc
                            }
                        }
                    }
                }
            }
        }
        let median = Self.median(coefficients)
        return hexString(bits: coefficients.map { $0 > median })
    }

    /// The dHash of `gray` as a hex string.
    ///
    /// - Complexity: O(width × height) for the scaling.
    public static func dhash(_ gray: GrayImage, hashSize: Int = 16) -> String {
        let small = gray.resized(width: hashSize + 1, height: hashSize)
        var bits: [Bool] = []
        bits.reserveCapacity(hashSize * hashSize)
        for y in 0..<hashSize {
            let row = y * (hashSize + 1)
            for x in 0..<hashSize {
                bits.append(small.pixels[row + x + 1] > small.pixels[row + x])
            }
        }
        return hexString(bits: bits)
    }

    /// The number of differing bits between two hex hashes of the same length, or nil when
    /// they are not comparable (different lengths or not hexadecimal).
    public static func hammingDistance(_ a: String, _ b: String) -> Int? {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return nil }
        var distance = 0
        for i in 0..<x.count {
            guard let p = hexValue(x[i]), let q = hexValue(y[i]) else { return nil }
            distance += (p ^ q).nonzeroBitCount
        }
        return distance
    }

    static func hexString(bits: [Bool]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        let padded = (4 - bits.count % 4) % 4
        let all = [Bool](repeating: false, count: padded) + bits
        out.reserveCapacity(all.count / 4)
        var i = 0
        while i < all.count {
            var v = 0
            for j in 0..<4 { v = (v << 1) | (all[i + j] ? 1 : 0) }
            out.append(digits[v])
            i += 4
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let mid = sorted.count / 2
        return sorted.count % 2 == 0 ? (sorted[mid - 1] + sorted[mid]) / 2 : sorted[mid]
    }
}

/// Cosine tables for the unnormalised type-II DCT (`scipy.fftpack.dct` with its defaults):
/// X[k] = 2 · Σ x[n] · cos(π · k · (2n + 1) / 2N).
enum DCTTable {
    static func shared(size: Int, keep: Int) -> [Double] {
        if size == 64 && keep == 16 { return standard }
        return make(size: size, keep: keep)
    }

    private static let standard = make(size: 64, keep: 16)

    private static func make(size: Int, keep: Int) -> [Double] {
        var table = [Double](repeating: 0, count: keep * size)
        for k in 0..<keep {
            for n in 0..<size {
                table[k * size + n] = 2 * cos(Double.pi * Double(k) * Double(2 * n + 1) / Double(2 * size))
            }
        }
        return table
    }
}
