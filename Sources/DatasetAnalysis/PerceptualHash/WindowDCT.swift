/// The pHash of a 64 × 64 window for ``WindowHashes``, in single precision with SIMD: the
/// same definition as ``PerceptualHash/phash(_:hashSize:)`` (the top-left 16 × 16 type-II
/// DCT coefficients against their median), computed separably — 16 frequencies down the
/// columns, sixteen SIMD rows at a time, then 16 along each of those rows. Single precision
/// moves a coefficient by far less than the gap to the median for all but a rare bit: a
/// window's hash agrees with the double-precision one to within a bit or two (tested).
///
/// Window hashes are their own field, so the manifest's `phash` keeps the double-precision
/// definition the reference shares.
enum WindowDCT {
    static let size = 64
    static let keep = 16
    /// The cosine basis, frequency by frequency (`keep` rows of `size`): ``DCTTable``'s.
    static let table: [Float] = DCTTable.shared(size: size, keep: keep).map { Float($0) }
    /// The same basis by position: entry `n` holds the `keep` frequencies' values at `n`, so
    /// the row pass computes sixteen coefficients at a time.
    static let columns: [SIMD16<Float>] = (0..<size).map { n in
        var lanes = SIMD16<Float>.zero
        for k in 0..<keep { lanes[k] = table[k * size + n] }
        return lanes
    }

    /// The 256-bit pHash of `small` (64 × 64); nil for any other size.
    ///
    /// - Complexity: 16 × 32 × 64 multiply–adds for the columns (the basis's symmetry halves
    ///   them) and 16 × 16 × 64 for the rows, sixteen lanes at a time.
    static func hash(_ small: GrayImage) -> Hash256? {
        guard small.width == size, small.height == size, small.pixels.count == size * size else { return nil }
        // The sixteen lowest vertical frequencies of every column: 16 rows of 64 as 4 × 16 lanes.
        var rows = [SIMD16<Float>](repeating: .zero, count: keep * 4)
        var coefficients = [Float](repeating: 0, count: keep * keep)
        var values = [Float](repeating: 0, count: size * size)
        small.pixels.withUnsafeBufferPointer { pixels in
            values.withUnsafeMutableBufferPointer { floats in
                for i in 0..<min(pixels.count, floats.count) { floats[i] = Float(pixels[i]) }
            }
        }
        table.withUnsafeBufferPointer { tableBuffer in
            values.withUnsafeBufferPointer { valueBuffer in
                rows.withUnsafeMutableBufferPointer { rowBuffer in
                    guard let t = tableBuffer.baseAddress, let px = valueBuffer.baseAddress, let r = rowBuffer.baseAddress
                    else { return }
                    // The basis is symmetric about the middle for even frequencies and
                    // antisymmetric for odd ones (cos(πk − x) = (−1)^k cos x), so row n and
                    // row 63 − n are summed (even) or subtracted (odd) first — exactly, these
                    // are integers — and each frequency takes 32 rows instead of 64.
                    for n in 0..<(size / 2) {
                        let line = UnsafeRawPointer(px + n * size), mirror = UnsafeRawPointer(px + (size - 1 - n) * size)
                        let a0 = line.loadUnaligned(as: SIMD16<Float>.self)
                        let a1 = line.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
                        let a2 = line.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
                        let a3 = line.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
                        let b0 = mirror.loadUnaligned(as: SIMD16<Float>.self)
                        let b1 = mirror.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
                        let b2 = mirror.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
                        let b3 = mirror.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
                        let s0 = a0 + b0, s1 = a1 + b1, s2 = a2 + b2, s3 = a3 + b3
                        let d0 = a0 - b0, d1 = a1 - b1, d2 = a2 - b2, d3 = a3 - b3
                        var k = 0
                        while k < keep {
                            let even = t[k * size + n], odd = t[(k + 1) * size + n]
                            let out = r + k * 4
                            out[0] += even * s0
                            out[1] += even * s1
                            out[2] += even * s2
                            out[3] += even * s3
                            out[4] += odd * d0
                            out[5] += odd * d1
                            out[6] += odd * d2
                            out[7] += odd * d3
                            k += 2
                        }
                    }
                    coefficients.withUnsafeMutableBufferPointer { coefficientBuffer in
                        columns.withUnsafeBufferPointer { columnBuffer in
                            guard let out = coefficientBuffer.baseAddress, let basis = columnBuffer.baseAddress,
                                coefficientBuffer.count >= keep * keep, columnBuffer.count >= size
                            else { return }
                            // Row k's sixteen horizontal frequencies at once: the sum over
                            // positions of the row's value times the basis at that position.
                            for k in 0..<keep {
                                let row = UnsafeRawPointer(r + k * 4)
                                var sum = SIMD16<Float>.zero
                                for n in 0..<size { sum += row.load(fromByteOffset: n * 4, as: Float.self) * basis[n] }
                                UnsafeMutableRawPointer(out + k * keep).storeBytes(of: sum, as: SIMD16<Float>.self)
                            }
                        }
                    }
                }
            }
        }
        var scratch = coefficients
        let median = scratch.withUnsafeMutableBufferPointer { Self.median(of: $0) }
        var words: [UInt64] = [0, 0, 0, 0]
        for (i, c) in coefficients.enumerated() where c > median {
            words[i / 64] |= 1 << UInt64(63 - i % 64)
        }
        return Hash256(words[0], words[1], words[2], words[3])
    }

    /// The median of `values` (an even count: the mean of the two middle values, as the sorted
    /// list gives it), found by selection, which reorders `values`: after quickselect the
    /// (n/2 + 1)-th smallest sits at n/2 with only smaller or equal values before it, so the
    /// largest of those is the n/2-th smallest. The same value as sorting, at a tenth of the cost.
    ///
    /// - Complexity: O(n) on average.
    static func median(of values: UnsafeMutableBufferPointer<Float>) -> Float {
        let n = values.count
        guard n >= 2 else { return n == 1 ? values[0] : 0 }
        let k = n / 2
        var lo = 0, hi = n - 1
        while lo < hi {
            let a = values[lo], b = values[(lo + hi) / 2], c = values[hi]
            let pivot = max(min(a, b), min(max(a, b), c))
            var i = lo, j = hi
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j {
                hi = j
            } else if k >= i {
                lo = i
            } else {
                break
            }
        }
        var lower = values[0]
        for q in 1..<k where values[q] > lower { lower = values[q] }
        return (lower + values[k]) / 2
    }
}
