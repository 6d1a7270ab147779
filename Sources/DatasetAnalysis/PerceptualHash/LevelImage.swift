import Foundation

/// A reduction of a picture as whole grey levels (0–255) in single precision, rows top to
/// bottom: what ``WindowHashes`` crops, rotates and hashes its windows from, without a
/// conversion per window.
struct LevelImage {
    let width: Int
    let height: Int
    /// `width * height` levels.
    let values: [Float]

    /// Each 2 × 2 block averaged and rounded half up: half the width and height (odd edges
    /// dropped).
    ///
    /// - Complexity: O(width × height).
    func halved() -> LevelImage {
        let w = width / 2, h = height / 2
        var out = [Float](repeating: 0, count: w * h)
        values.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                guard let p = source.baseAddress, let o = target.baseAddress, source.count >= width * height else { return }
                for y in 0..<h {
                    let top = p + 2 * y * width, bottom = top + width, line = o + y * w
                    for x in 0..<w {
                        line[x] = level((top[2 * x] + top[2 * x + 1] + bottom[2 * x] + bottom[2 * x + 1]) * 0.25)
                    }
                }
            }
        }
        return LevelImage(width: w, height: h, values: out)
    }

    /// The picture rotated by `degrees` (clockwise positive) about its centre and cropped to
    /// the largest centred rectangle of the same shape, sampled bilinearly onto a `side` ×
    /// `side` grid (`side` a multiple of 4) and rounded to levels. `aspect` is the shape (width / height) the square
    /// image stands for, so a 128 × 128 reduction of a wide picture rotates as the wide
    /// picture does.
    ///
    /// The source is first copied with its edge pixels repeated once around it, so a sample
    /// reads its four neighbours without a bound check per neighbour (a position past the
    /// edge takes the edge pixel, as clamping would).
    ///
    /// - Complexity: O(width × height) for the copy, O(side²) for the samples.
    func rotatedCrop(degrees: Double, aspect: Double, side: Int) -> LevelImage {
        guard width > 0, height > 0, side > 0, side % 4 == 0, values.count >= width * height else {
            return LevelImage(width: side, height: side, values: [Float](repeating: 0, count: side * side))
        }
        let stride = width + 2
        let padded = [Float](unsafeUninitializedCapacity: stride * (height + 2)) { target, count in
            count = 0
            values.withUnsafeBufferPointer { source in
                guard let p = source.baseAddress, let o = target.baseAddress, target.count >= stride * (height + 2) else { return }
                for y in -1...height {
                    let from = p + max(0, min(height - 1, y)) * width, to = o + (y + 1) * stride
                    to.initialize(to: from[0])
                    (to + 1).initialize(from: from, count: width)
                    (to + width + 1).initialize(to: from[width - 1])
                }
                count = stride * (height + 2)
            }
        }
        // In units where the picture is `aspect` × 1.
        let a = abs(degrees) * Double.pi / 180
        let c = cos(a), s = sin(a)
        let scale = min(aspect / (aspect * c + s), 1 / (aspect * s + c))
        let theta = degrees * Double.pi / 180
        let ct = cos(theta), st = sin(theta)
        let fw = Double(width), fh = Double(height)
        // The source position is affine in (u, v): x = x0 + u·xu + v·xv, y likewise; in
        // fixed point with 16 fractional bits (64 steps drift by less than 1/1000 pixel).
        let step = scale / Double(side)
        let one = 65536.0
        func fixed(_ value: Double) -> Int { Int((value * one).rounded()) }
        let xu = fixed(aspect * step * ct / aspect * fw), xv = fixed(-step * st / aspect * fw)
        let yu = fixed(aspect * step * st * fh), yv = fixed(step * ct * fh)
        let px0 = (0.5 / Double(side) - 0.5) * aspect * scale, py0 = (0.5 / Double(side) - 0.5) * scale
        let x0 = fixed(((px0 * ct - py0 * st) / aspect + 0.5) * fw - 0.5)
        let y0 = fixed((px0 * st + py0 * ct + 0.5) * fh - 0.5)
        let maxX = width - 1, maxY = height - 1
        var out = [Float](repeating: 0, count: side * side)
        padded.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                guard let p = source.baseAddress, let o = target.baseAddress, source.count >= stride * (height + 2) else { return }
                // The padded pixel of position (0, 0).
                let origin = p + stride + 1
                // Positions stay within a few pixels of the image (the crop is inside the
                // rotated picture), so in 16.16 fixed point they fit 32 bits and no product
                // comes near overflowing: the arithmetic wraps instead of checking. Four
                // samples of a row at a time: their positions, clamped pixels and fractions
                // in lanes, the four neighbours gathered, interpolated and rounded in lanes.
                let lanes = SIMD4<Int32>(0, 1, 2, 3)
                let stepX = SIMD4<Int32>(repeating: Int32(truncatingIfNeeded: 4 &* xu))
                let stepY = SIMD4<Int32>(repeating: Int32(truncatingIfNeeded: 4 &* yu))
                let low = SIMD4<Int32>(repeating: -1)
                let highX = SIMD4<Int32>(repeating: Int32(truncatingIfNeeded: maxX))
                let highY = SIMD4<Int32>(repeating: Int32(truncatingIfNeeded: maxY))
                let rowStep = SIMD4<Int32>(repeating: Int32(truncatingIfNeeded: stride))
                let fraction = SIMD4<Int32>(repeating: 255)
                let magic = SIMD4<Float>(repeating: 12_582_912)
                var at = o
                for v in 0..<side {
                    var xs =
                        SIMD4<Int32>(repeating: Int32(truncatingIfNeeded: x0 &+ v &* xv))
                        &+ lanes &* Int32(truncatingIfNeeded: xu)
                    var ys =
                        SIMD4<Int32>(repeating: Int32(truncatingIfNeeded: y0 &+ v &* yv))
                        &+ lanes &* Int32(truncatingIfNeeded: yu)
                    var u = 0
                    while u < side {
                        // The pixel at or left of the position (an arithmetic shift floors),
                        // kept within the padding; the fraction past it in 1/256.
                        let ix = pointwiseMin(pointwiseMax(xs &>> 16, low), highX)
                        let iy = pointwiseMin(pointwiseMax(ys &>> 16, low), highY)
                        let dx = SIMD4<Float>(xs &>> 8 & fraction) * (1 / 256)
                        let dy = SIMD4<Float>(ys &>> 8 & fraction) * (1 / 256)
                        let index = iy &* rowStep &+ ix
                        let p0 = origin + Int(index[0]), p1 = origin + Int(index[1])
                        let p2 = origin + Int(index[2]), p3 = origin + Int(index[3])
                        let a = SIMD4<Float>(p0[0], p1[0], p2[0], p3[0])
                        let b = SIMD4<Float>(p0[1], p1[1], p2[1], p3[1])
                        let c = SIMD4<Float>(p0[stride], p1[stride], p2[stride], p3[stride])
                        let d = SIMD4<Float>(p0[stride &+ 1], p1[stride &+ 1], p2[stride &+ 1], p3[stride &+ 1])
                        let top = a + (b - a) * dx, bottom = c + (d - c) * dx
                        // Rounded half up to a level, as ``level(_:)`` does one value.
                        let t = top + (bottom - top) * dy + 0.5
                        let r = (t + magic) - magic
                        UnsafeMutableRawPointer(at).storeBytes(of: r.replacing(with: r - 1, where: r .> t), as: SIMD4<Float>.self)
                        at += 4
                        xs &+= stepX
                        ys &+= stepY
                        u &+= 4
                    }
                }
            }
        }
        return LevelImage(width: side, height: side, values: out)
    }

    /// The standard deviation of the 64 × 64 window at `pixels` (rows `stride` values apart).
    /// The levels are whole numbers and each of the sixteen lanes sums 256 of them (and of
    /// their squares, at most 256 × 255² < 2²⁴), so the sums are exact in single precision:
    /// the same value as summing integers.
    ///
    /// The lanes are added up as whole vectors after the loop: extracting them one by one
    /// makes the optimiser rearrange the loop's lanes with shuffles (ten times the work).
    ///
    /// - Complexity: O(64²), sixteen lanes at a time.
    static func deviation(_ pixels: UnsafePointer<Float>, stride: Int) -> Double {
        var s0 = SIMD4<Float>.zero, s1 = s0, s2 = s0, s3 = s0
        var q0 = s0, q1 = s0, q2 = s0, q3 = s0
        var row = UnsafeRawPointer(pixels)
        for _ in 0..<64 {
            var p = row
            for _ in 0..<4 {
                let a = p.loadUnaligned(as: SIMD4<Float>.self)
                let b = p.loadUnaligned(fromByteOffset: 16, as: SIMD4<Float>.self)
                let c = p.loadUnaligned(fromByteOffset: 32, as: SIMD4<Float>.self)
                let d = p.loadUnaligned(fromByteOffset: 48, as: SIMD4<Float>.self)
                s0 += a
                s1 += b
                s2 += c
                s3 += d
                q0 += a * a
                q1 += b * b
                q2 += c * c
                q3 += d * d
                p += 64
            }
            row += stride &* 4
        }
        // At most 4,096 × 255 in all: exact in single precision; the squares in double.
        let sum = Double((s0 + s1 + s2 + s3).sum())
        let square = (SIMD4<Double>(q0) + SIMD4<Double>(q1) + SIMD4<Double>(q2) + SIMD4<Double>(q3)).sum()
        let mean = sum / 4096
        return max(0, square / 4096 - mean * mean).squareRoot()
    }

    /// Where the dHash's nine columns start in a 64-wide window: the pixel and the fraction
    /// past it of each of the ten boundaries 64·i/9.
    private static let dhashBoundaries: [(Int, Float)] = (0...9).map { i in
        let at = 64 * Double(i) / 9
        let whole = min(63, Int(at))
        return (whole, Float(at - Double(whole)))
    }

    /// The 64-bit dHash of the 64 × 64 window at `pixels` (rows `stride` apart): its 9 × 8
    /// area means rounded to levels (each row of cells is eight whole rows; the columns'
    /// boundaries fall inside pixels), a bit per cell brighter than its left neighbour.
    ///
    /// - Complexity: O(64²).
    static func dhash(_ pixels: UnsafePointer<Float>, stride: Int) -> UInt64 {
        var bits: UInt64 = 0
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 64) { columnBuffer in
            guard let sums = columnBuffer.baseAddress else { return }
            let scale = Float(9.0 / (64 * 8))
            for band in 0..<8 {
                let first = pixels + band * 8 * stride
                for x in 0..<64 { sums[x] = first[x] }
                for r in 1..<8 {
                    let line = first + r * stride
                    for x in 0..<64 { sums[x] += line[x] }
                }
                var running: Float = 0, x = 0, previous: Float = 0, last: Float = 0
                for (i, (c, f)) in dhashBoundaries.enumerated() {
                    while x < c {
                        running += sums[x]
                        x += 1
                    }
                    let integral = running + f * sums[c]
                    if i > 0 {
                        let cell = level((integral - previous) * scale)
                        if i > 1 { bits = bits << 1 | (cell > last ? 1 : 0) }
                        last = cell
                    }
                    previous = integral
                }
            }
        }
        return bits
    }
}
