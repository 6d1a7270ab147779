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

    /// The 256-bit pHash of `small` (64 × 64); nil for any other size.
    ///
    /// - Complexity: 16 × 64 × 64 multiply–adds for the columns and 16 × 16 × 64 for the
    ///   rows, sixteen lanes at a time.
    static func hash(_ small: GrayImage) -> Hash256? {
        guard small.width == size, small.height == size, small.pixels.count == size * size else { return nil }
        // The sixteen lowest vertical frequencies of every column: 16 rows of 64 as 4 × 16 lanes.
        var rows = [SIMD16<Float>](repeating: .zero, count: keep * 4)
        var coefficients = [Float](repeating: 0, count: keep * keep)
        let values = small.pixels.map(Float.init)
        table.withUnsafeBufferPointer { tableBuffer in
            values.withUnsafeBufferPointer { valueBuffer in
                rows.withUnsafeMutableBufferPointer { rowBuffer in
                    guard let t = tableBuffer.baseAddress, let px = valueBuffer.baseAddress, let r = rowBuffer.baseAddress
                    else { return }
                    for n in 0..<size {
                        let line = UnsafeRawPointer(px + n * size)
                        let v0 = line.loadUnaligned(as: SIMD16<Float>.self)
                        let v1 = line.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
                        let v2 = line.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
                        let v3 = line.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
                        for k in 0..<keep {
                            let c = t[k * size + n]
                            let out = r + k * 4
                            out[0] += c * v0
                            out[1] += c * v1
                            out[2] += c * v2
                            out[3] += c * v3
                        }
                    }
                    coefficients.withUnsafeMutableBufferPointer { coefficientBuffer in
                        guard let out = coefficientBuffer.baseAddress else { return }
                        for l in 0..<keep {
                            let basis = UnsafeRawPointer(t + l * size)
                            let b0 = basis.loadUnaligned(as: SIMD16<Float>.self)
                            let b1 = basis.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
                            let b2 = basis.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
                            let b3 = basis.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
                            for k in 0..<keep {
                                let row = r + k * 4
                                out[k * keep + l] = (b0 * row[0] + b1 * row[1] + b2 * row[2] + b3 * row[3]).sum()
                            }
                        }
                    }
                }
            }
        }
        let sorted = coefficients.sorted()
        let median = (sorted[keep * keep / 2 - 1] + sorted[keep * keep / 2]) / 2
        var words: [UInt64] = [0, 0, 0, 0]
        for (i, c) in coefficients.enumerated() where c > median {
            words[i / 64] |= 1 << UInt64(63 - i % 64)
        }
        return Hash256(words[0], words[1], words[2], words[3])
    }
}
