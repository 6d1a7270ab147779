/// The pHash of a 64 × 64 window for ``WindowHashes``, in single precision with SIMD: the
/// same definition as ``PerceptualHash/phash(_:hashSize:)`` (the top-left 16 × 16 type-II
/// DCT coefficients against their median), computed separably — 16 frequencies down the
/// columns, four columns and eight frequencies at a time held in registers, then 16 along
/// each of those rows, eight at a time. Single precision moves a coefficient by far less
/// than the gap to the median for all but a rare bit: a window's hash agrees with the
/// double-precision one to within a bit or two (tested).
///
/// Window hashes are their own field, so the manifest's `phash` keeps the double-precision
/// definition the reference shares.
enum WindowDCT {
    static let size = 64
    static let keep = 16
    /// The cosine basis, frequency by frequency (`keep` rows of `size`): ``DCTTable``'s.
    static let table: [Float] = DCTTable.shared(size: size, keep: keep).map { Float($0) }
    /// The basis for the column pass, by position then frequency (`n * keep + k`, n < 32),
    /// each value in all four lanes: one multiply per accumulator, no shuffle.
    static let columnBasis: [SIMD4<Float>] = (0..<(size / 2 * keep)).map { i in SIMD4(repeating: table[(i % keep) * size + i / keep]) }
    /// The basis for the row pass by position (n < 32): the eight even frequencies' values at
    /// `n`, and the eight odd ones'.
    static let rowBasis: (even: [SIMD8<Float>], odd: [SIMD8<Float>]) = {
        var even: [SIMD8<Float>] = [], odd: [SIMD8<Float>] = []
        for n in 0..<(size / 2) {
            var e = SIMD8<Float>.zero, o = SIMD8<Float>.zero
            for l in 0..<(keep / 2) {
                e[l] = table[2 * l * size + n]
                o[l] = table[(2 * l + 1) * size + n]
            }
            even.append(e)
            odd.append(o)
        }
        return (even, odd)
    }()

    /// The 256-bit pHash of the 64 × 64 window at `pixels` (rows `stride` values apart).
    ///
    /// The basis is symmetric about the middle for even frequencies and antisymmetric for odd
    /// ones (cos(πk − x) = (−1)^k cos x), so position n and 63 − n are summed (even) or
    /// subtracted (odd) first — exactly, the pixels are whole grey levels — and each frequency
    /// takes 32 positions instead of 64, in both passes.
    ///
    /// - Complexity: 16 × 32 × 64 multiply–adds for the columns and 16 × 16 × 32 for the
    ///   rows, four and eight lanes at a time.
    static func hash(_ pixels: UnsafePointer<Float>, stride: Int) -> Hash256 {
        let half = size / 2
        var coefficients = [Float](repeating: 0, count: keep * keep)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: keep * size) { rowBuffer in
            columnBasis.withUnsafeBufferPointer { columnBuffer in
                guard let r = rowBuffer.baseAddress, let basis = columnBuffer.baseAddress, columnBuffer.count >= half * keep
                else { return }
                // The columns: for four columns at a time, eight frequencies (four even, four
                // odd) accumulate in registers over the 32 position pairs.
                for x in Swift.stride(from: 0, to: size, by: 4) {
                    for k0 in Swift.stride(from: 0, to: keep, by: 8) {
                        var e0 = SIMD4<Float>.zero, e1 = e0, e2 = e0, e3 = e0
                        var o0 = e0, o1 = e0, o2 = e0, o3 = e0
                        // Row n and row 63 − n, walked towards each other.
                        var upper = UnsafeRawPointer(pixels + x), lower = UnsafeRawPointer(pixels + (size - 1) * stride + x)
                        var t = basis + k0
                        for _ in 0..<half {
                            let a = upper.loadUnaligned(as: SIMD4<Float>.self), b = lower.loadUnaligned(as: SIMD4<Float>.self)
                            upper += stride &* 4
                            lower -= stride &* 4
                            let s = a + b, d = a - b
                            e0 += t[0] * s
                            o0 += t[1] * d
                            e1 += t[2] * s
                            o1 += t[3] * d
                            e2 += t[4] * s
                            o2 += t[5] * d
                            e3 += t[6] * s
                            o3 += t[7] * d
                            t += keep
                        }
                        let to = UnsafeMutableRawPointer(r + k0 * size + x), line = size * 4
                        to.storeBytes(of: e0, as: SIMD4<Float>.self)
                        to.storeBytes(of: o0, toByteOffset: line, as: SIMD4<Float>.self)
                        to.storeBytes(of: e1, toByteOffset: 2 * line, as: SIMD4<Float>.self)
                        to.storeBytes(of: o1, toByteOffset: 3 * line, as: SIMD4<Float>.self)
                        to.storeBytes(of: e2, toByteOffset: 4 * line, as: SIMD4<Float>.self)
                        to.storeBytes(of: o2, toByteOffset: 5 * line, as: SIMD4<Float>.self)
                        to.storeBytes(of: e3, toByteOffset: 6 * line, as: SIMD4<Float>.self)
                        to.storeBytes(of: o3, toByteOffset: 7 * line, as: SIMD4<Float>.self)
                    }
                }
                // The rows: row k's eight even and eight odd horizontal frequencies at once.
                coefficients.withUnsafeMutableBufferPointer { coefficientBuffer in
                    rowBasis.even.withUnsafeBufferPointer { evenBuffer in
                        rowBasis.odd.withUnsafeBufferPointer { oddBuffer in
                            guard let out = coefficientBuffer.baseAddress, let be = evenBuffer.baseAddress,
                                let bo = oddBuffer.baseAddress, coefficientBuffer.count >= keep * keep,
                                evenBuffer.count >= half, oddBuffer.count >= half
                            else { return }
                            for k in 0..<keep {
                                let row = r + k * size
                                var even = SIMD8<Float>.zero, odd = SIMD8<Float>.zero
                                for n in 0..<half {
                                    let a = row[n], b = row[size - 1 - n]
                                    even += (a + b) * be[n]
                                    odd += (a - b) * bo[n]
                                }
                                let line = out + k * keep
                                for l in 0..<(keep / 2) {
                                    line[2 * l] = even[l]
                                    line[2 * l + 1] = odd[l]
                                }
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
