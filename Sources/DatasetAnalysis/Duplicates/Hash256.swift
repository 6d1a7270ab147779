/// A 256-bit perceptual hash (16 × 16 bits, row by row, most significant bit first), as four
/// words for fast Hamming distances.
public struct Hash256: Sendable, Hashable {
    public var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public init(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// Parses 64 hexadecimal digits (the manifest's `phash`); nil for anything else.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for (i, c) in digits.enumerated() {
            guard let v = PerceptualHash.hexValue(c) else { return nil }
            words[i / 16] = words[i / 16] << 4 | UInt64(v)
        }
        self.init(words[0], words[1], words[2], words[3])
    }

    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for word in [w0, w1, w2, w3] {
            for shift in stride(from: 60, through: 0, by: -4) { out.append(digits[Int((word >> UInt64(shift)) & 0xF)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// - Complexity: O(1): four population counts.
    @inline(__always)
    public func distance(to other: Hash256) -> Int {
        (w0 ^ other.w0).nonzeroBitCount + (w1 ^ other.w1).nonzeroBitCount
            + (w2 ^ other.w2).nonzeroBitCount + (w3 ^ other.w3).nonzeroBitCount
    }

    /// The distance to `other` when it is at most `limit`; otherwise some number above
    /// `limit` (the words are counted one at a time, and the count stops as soon as it
    /// passes `limit`: most hashes a search compares are far apart, and their first word
    /// alone tells).
    ///
    /// - Complexity: O(1): one to four population counts.
    @inline(__always)
    package func distance(to other: Hash256, stoppingAbove limit: Int) -> Int {
        var d = (w0 ^ other.w0).nonzeroBitCount
        if d > limit { return d }
        d += (w1 ^ other.w1).nonzeroBitCount
        if d > limit { return d }
        d += (w2 ^ other.w2).nonzeroBitCount
        if d > limit { return d }
        return d + (w3 ^ other.w3).nonzeroBitCount
    }

    /// The bit at `row` (vertical frequency) and `column` (horizontal frequency), 0–15 each.
    public func bit(row: Int, column: Int) -> Bool {
        (chunk(row) >> UInt16(15 - column)) & 1 == 1
    }

    /// The sixteen rows of the bit grid (row 0 first; column 0 is each row's top bit).
    var rows: SIMD16<UInt16> {
        var out = SIMD16<UInt16>()
        for r in 0..<16 { out[r] = chunk(r) }
        return out
    }

    init(rows: SIMD16<UInt16>) {
        func word(_ i: Int) -> UInt64 {
            UInt64(rows[i]) << 48 | UInt64(rows[i + 1]) << 32 | UInt64(rows[i + 2]) << 16 | UInt64(rows[i + 3])
        }
        self.init(word(0), word(4), word(8), word(12))
    }

    /// The bits of the 8 × 8 lowest frequencies (rows 0–7, columns 0–7 of the bit grid), row
    /// by row, as one word: the coarse layout of the picture. Compared against the median of
    /// all 256 coefficients, these bits are in effect the signs of the strongest coefficients,
    /// which a crop's or a rotation's resampling moves least (on the duplicate ground truth,
    /// crops of 10% and 3–5° rotations lie at a median of 0–2 of these 64 bits from their
    /// window, while their full 256-bit distance is 6–20).
    ///
    /// - Complexity: O(1).
    @inline(__always)
    public var lowFrequencies: UInt64 {
        var out: UInt64 = 0
        for row in 0..<8 { out = out << 8 | UInt64(chunk(row) >> 8) }
        return out
    }

    /// The 16-bit substring `index` (0–15): one row of the bit grid.
    @inline(__always)
    package func chunk(_ index: Int) -> UInt16 {
        let word: UInt64
        switch index >> 2 {
        case 0: word = w0
        case 1: word = w1
        case 2: word = w2
        default: word = w3
        }
        return UInt16(truncatingIfNeeded: word >> UInt64(48 - 16 * (index & 3)))
    }
}

/// The pHash of a mirrored or rotated image, derived from the original's hash.
///
/// The pHash keeps the signs of DCT coefficients relative to their median. Mirroring an
/// image left–right multiplies the coefficient of horizontal frequency `l` by (−1)^l;
/// top–bottom does the same for vertical frequency `k`; transposing swaps `k` and `l`. With
/// the median close to zero (the 255 AC coefficients are spread around it), a negated
/// coefficient flips its bit, so the eight orientations of an image (the identity, two
/// mirrors, three rotations, two diagonal reflections) have hashes computable from one —
/// exact up to the few coefficients that sit near the median.
public enum HashTransform: Int, CaseIterable, Sendable, Hashable {
    case identity, flipHorizontal, flipVertical, rotate180
    case transpose, rotate90, rotate270, transverse

    /// In words, for reports: "mirrored left–right", "rotated 90° clockwise", ….
    public var words: String {
        switch self {
        case .identity: return "upright"
        case .flipHorizontal: return "mirrored left–right"
        case .flipVertical: return "mirrored top–bottom"
        case .rotate180: return "rotated 180°"
        case .transpose: return "mirrored along the diagonal"
        case .rotate90: return "rotated 90° clockwise"
        case .rotate270: return "rotated 90° counter-clockwise"
        case .transverse: return "mirrored along the anti-diagonal"
        }
    }

    /// A stable name for JSON output (`flip_horizontal`, `rotate_90`, …).
    public var name: String {
        switch self {
        case .identity: return "identity"
        case .flipHorizontal: return "flip_horizontal"
        case .flipVertical: return "flip_vertical"
        case .rotate180: return "rotate_180"
        case .transpose: return "transpose"
        case .rotate90: return "rotate_90"
        case .rotate270: return "rotate_270"
        case .transverse: return "transverse"
        }
    }

    /// The hash of the image transformed by `self`, from the hash of the image.
    public func apply(_ h: Hash256) -> Hash256 {
        // Rotation by 90° clockwise is a transpose followed by a horizontal mirror.
        let (swap, invertOddColumns, invertOddRows): (Bool, Bool, Bool)
        switch self {
        case .identity: return h
        case .flipHorizontal: (swap, invertOddColumns, invertOddRows) = (false, true, false)
        case .flipVertical: (swap, invertOddColumns, invertOddRows) = (false, false, true)
        case .rotate180: (swap, invertOddColumns, invertOddRows) = (false, true, true)
        case .transpose: (swap, invertOddColumns, invertOddRows) = (true, false, false)
        case .rotate90: (swap, invertOddColumns, invertOddRows) = (true, true, false)
        case .rotate270: (swap, invertOddColumns, invertOddRows) = (true, false, true)
        case .transverse: (swap, invertOddColumns, invertOddRows) = (true, true, true)
        }
        var rows = h.rows
        if swap {
            var transposed = SIMD16<UInt16>()
            for r in 0..<16 {
                var value: UInt16 = 0
                for k in 0..<16 { value |= ((rows[k] >> UInt16(15 - r)) & 1) << UInt16(15 - k) }
                transposed[r] = value
            }
            rows = transposed
        }
        // Odd columns are the low bit of each pair, counting from the top bit (column 0).
        if invertOddColumns { rows ^= SIMD16(repeating: 0x5555) }
        if invertOddRows {
            for r in stride(from: 1, to: 16, by: 2) { rows[r] = ~rows[r] }
        }
        return Hash256(rows: rows)
    }
}
