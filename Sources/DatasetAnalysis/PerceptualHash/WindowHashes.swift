import Foundation

/// One of the fixed windows of a picture whose hashes a scan stores (see ``WindowHashes``).
///
/// All are taken of the content box (the picture without uniform borders). The windows were
/// chosen on the duplicate ground truth (`make bench`, Benchmarks/dup_corpus.py): the centre
/// 80% and the four 80% corners make a crop of 10% from every side or of one corner look
/// like a resize; the four 50% corners (the quarters) each leave out half of the picture on
/// two sides, so a caption band over the bottom fifth leaves the two top quarters untouched
/// and a logo over a fifth of the area in one corner (a box of 45% × 45%) leaves the other
/// three (the 60% corners of format 1 each overlapped such a box: logo recall was 0.16);
/// the two rotations (±``rotationDegrees``, cropped to the largest centred
/// rectangle of the same shape, as a straightened photo is) catch copies rotated by a few
/// degrees.
public enum HashWindow: Int, CaseIterable, Sendable, Hashable, Codable {
    case whole, centre80
    case topLeft80, topRight80, bottomLeft80, bottomRight80
    case topLeft50, topRight50, bottomLeft50, bottomRight50
    case rotatedLeft, rotatedRight

    /// The rotation of the two rotated windows, in degrees. Copies rotated by 3–5° are within
    /// a degree of it, which keeps their distance under the window threshold.
    public static let rotationDegrees = 4.0

    /// Windows compared with the other picture's whole: a crop (or rotation) of this picture
    /// hashes like the window of it.
    public static let cropWindows: [HashWindow] = [
        .centre80, .topLeft80, .topRight80, .bottomLeft80, .bottomRight80, .rotatedLeft, .rotatedRight,
    ]
    /// Windows compared with the same window of the other picture: a band or a box over part
    /// of the picture changes the windows that cover it only.
    public static let sameWindows: [HashWindow] = [.topLeft50, .topRight50, .bottomLeft50, .bottomRight50]

    /// A stable name for JSON output: `whole`, `centre_80`, `top_left_50`, `rotated_-4`, ….
    public var name: String {
        switch self {
        case .whole: return "whole"
        case .centre80: return "centre_80"
        case .topLeft80: return "top_left_80"
        case .topRight80: return "top_right_80"
        case .bottomLeft80: return "bottom_left_80"
        case .bottomRight80: return "bottom_right_80"
        case .topLeft50: return "top_left_50"
        case .topRight50: return "top_right_50"
        case .bottomLeft50: return "bottom_left_50"
        case .bottomRight50: return "bottom_right_50"
        case .rotatedLeft: return "rotated_-\(Int(Self.rotationDegrees))"
        case .rotatedRight: return "rotated_+\(Int(Self.rotationDegrees))"
        }
    }

    /// In words, for reports: "the centre 80%", "the top-left 50%", "rotated 4° clockwise".
    public var words: String {
        switch self {
        case .whole: return "the whole picture"
        case .centre80: return "the centre 80%"
        case .topLeft80: return "the top-left 80%"
        case .topRight80: return "the top-right 80%"
        case .bottomLeft80: return "the bottom-left 80%"
        case .bottomRight80: return "the bottom-right 80%"
        case .topLeft50: return "the top-left 50%"
        case .topRight50: return "the top-right 50%"
        case .bottomLeft50: return "the bottom-left 50%"
        case .bottomRight50: return "the bottom-right 50%"
        case .rotatedLeft: return "rotated \(Int(Self.rotationDegrees))° counter-clockwise"
        case .rotatedRight: return "rotated \(Int(Self.rotationDegrees))° clockwise"
        }
    }

    /// The window's rectangle as fractions of the content box (x0, y0, x1, y1); nil for the
    /// rotated windows.
    var rect: (Double, Double, Double, Double)? {
        switch self {
        case .whole: return (0, 0, 1, 1)
        case .centre80: return (0.1, 0.1, 0.9, 0.9)
        case .topLeft80: return (0, 0, 0.8, 0.8)
        case .topRight80: return (0.2, 0, 1, 0.8)
        case .bottomLeft80: return (0, 0.2, 0.8, 1)
        case .bottomRight80: return (0.2, 0.2, 1, 1)
        case .topLeft50: return (0, 0, 0.5, 0.5)
        case .topRight50: return (0.5, 0, 1, 0.5)
        case .bottomLeft50: return (0, 0.5, 0.5, 1)
        case .bottomRight50: return (0.5, 0.5, 1, 1)
        case .rotatedLeft, .rotatedRight: return nil
        }
    }

    /// Which corner a corner window sits in: (x, y) with 0 = left/top, 1 = right/bottom.
    var corner: (Int, Int)? {
        switch self {
        case .topLeft50, .topLeft80: return (0, 0)
        case .topRight50, .topRight80: return (1, 0)
        case .bottomLeft50, .bottomLeft80: return (0, 1)
        case .bottomRight50, .bottomRight80: return (1, 1)
        default: return nil
        }
    }

    /// The same-size window in the corner where `transform` moves this window's corner: the
    /// top-left 50% of a picture is the top-right 50% of its mirror image.
    func moved(by transform: HashTransform) -> HashWindow {
        guard let (x, y) = corner else { return self }
        let (nx, ny): (Int, Int)
        switch transform {
        case .identity: (nx, ny) = (x, y)
        case .flipHorizontal: (nx, ny) = (1 - x, y)
        case .flipVertical: (nx, ny) = (x, 1 - y)
        case .rotate180: (nx, ny) = (1 - x, 1 - y)
        case .transpose: (nx, ny) = (y, x)
        case .rotate90: (nx, ny) = (1 - y, x)
        case .rotate270: (nx, ny) = (y, 1 - x)
        case .transverse: (nx, ny) = (1 - y, 1 - x)
        }
        let fifty = [HashWindow.topLeft50, .topRight50, .bottomLeft50, .bottomRight50]
        let eighty = [HashWindow.topLeft80, .topRight80, .bottomLeft80, .bottomRight80]
        let index = ny * 2 + nx
        return fifty.contains(self) ? fifty[index] : eighty[index]
    }
}

/// The hashes of a picture's windows (``HashWindow``), stored in the manifest's
/// `window_hashes` field as one base64 string.
///
/// Per window: a 256-bit pHash (as ``PerceptualHash/phash(_:hashSize:)``: 64 × 64 luma, the
/// top-left 16 × 16 DCT coefficients against their median) and a 64-bit dHash (9 × 8 luma,
/// each pixel brighter than its left neighbour) that verifies window matches. A window
/// whose luma varies by less than ``flatDeviation`` grey levels (sky, a wall, a bar) has no
/// hashes (stored as zeros): its hash is noise, and all such windows would look alike.
///
/// Encoding (485 bytes, 648 base64 characters): a format byte (1), the content box as
/// four bytes (the fraction trimmed from the left, top, right and bottom, in 1/255), then
/// for each window in ``HashWindow`` order its pHash (32 bytes, as ``Hash256``'s words,
/// most significant byte first) and its dHash (8 bytes).
///
/// In memory all of it is one buffer of 64 words (the pHashes, 4 words each; the dHashes;
/// the trimmed fractions' bit patterns): a duplicate search holds a million of these, and
/// one allocation of 512 bytes costs a quarter less than three arrays (560 bytes of heap
/// against 752, and one call to malloc against three). A flat window's pHash
/// is stored as zeros, as in the encoding, so an all-zero pHash reads as nil.
public struct WindowHashes: Sendable, Hashable {
    /// pHash words (4 per window), then dHashes (1 per window), then the trimmed fractions.
    fileprivate var words: [UInt64]

    static let windowCount = HashWindow.allCases.count
    fileprivate static let dhashStart = windowCount * 4
    fileprivate static let trimmedStart = dhashStart + windowCount

    /// The pHash of each window (``HashWindow/rawValue`` indexes); nil for a flat window.
    public var phash: WindowPHashes {
        get { WindowPHashes(words: words) }
        set {
            for i in 0..<Self.dhashStart { words[i] = newValue.words[i] }
        }
    }
    /// The 64-bit dHash of each window.
    public var dhash: WindowDHashes {
        get { WindowDHashes(words: words) }
        set {
            for i in Self.dhashStart..<Self.trimmedStart { words[i] = newValue.words[i] }
        }
    }
    /// The fraction trimmed from each side as borders (left, top, right, bottom), 0–1.
    public var trimmed: [Double] {
        get { (0..<4).map { trimmed(side: $0) } }
        set {
            for side in 0..<4 {
                // + 0 turns -0 into 0, so equal fractions store equal bits.
                words[Self.trimmedStart + side] = ((side < newValue.count ? newValue[side] : 0) + 0).bitPattern
            }
        }
    }

    /// The luma standard deviation under which a window counts as flat.
    public static let flatDeviation = 4.0
    static let format: UInt8 = 2
    static let byteCount = 1 + 4 + HashWindow.allCases.count * 40

    /// The hashes from one pHash (nil for flat) and one dHash per window in ``HashWindow``
    /// order (missing ones count as flat, extra ones are ignored).
    public init(phash: [Hash256?], dhash: [UInt64], trimmed: [Double] = [0, 0, 0, 0]) {
        words = [UInt64](repeating: 0, count: Self.trimmedStart + 4)
        for i in 0..<min(phash.count, Self.windowCount) {
            if let h = phash[i] { (words[4 * i], words[4 * i + 1], words[4 * i + 2], words[4 * i + 3]) = (h.w0, h.w1, h.w2, h.w3) }
        }
        for i in 0..<min(dhash.count, Self.windowCount) { words[Self.dhashStart + i] = dhash[i] }
        self.trimmed = trimmed
    }

    /// The fraction trimmed from `side` (0 left, 1 top, 2 right, 3 bottom).
    func trimmed(side: Int) -> Double { Double(bitPattern: words[Self.trimmedStart + side]) }

    /// The dHash of `window`.
    func dhash(of window: HashWindow) -> UInt64 { words[Self.dhashStart + window.rawValue] }

    /// Whether a border was removed before hashing.
    public var borderRemoved: Bool { (0..<4).contains { trimmed(side: $0) > 0 } }

    public subscript(_ window: HashWindow) -> Hash256? { Self.pHash(words, window.rawValue) }

    /// Window `index`'s pHash in `words` (nil when all zero: a flat window).
    fileprivate static func pHash(_ words: [UInt64], _ index: Int) -> Hash256? {
        let h = Hash256(words[4 * index], words[4 * index + 1], words[4 * index + 2], words[4 * index + 3])
        return h == Hash256(0, 0, 0, 0) ? nil : h
    }

    /// The window hashes of `gray` (already upright).
    ///
    /// The content box is found on `gray` and reduced twice, in single precision
    /// (``AreaMeans``): to 80 × 80, where each 80% window is a 64 × 64 crop, and to
    /// 128 × 128, where each quarter is a 64 × 64 crop and the whole is that halved; the
    /// rotations are sampled from the 128 × 128. No window is resampled twice or copied: each
    /// is hashed where it lies in its reduction (``WindowDCT``), and its dHash is read from
    /// the same 64 × 64 levels.
    ///
    /// - Complexity: O(width × height) for the content box and the two reductions; then
    ///   twelve 64 × 64 partial DCTs (about 40,000 multiply–adds each, four to eight at a
    ///   time) and two 64 × 64 rotations.
    public static func compute(_ gray: GrayImage) -> WindowHashes {
        let box = ContentBox.find(gray)
        let area = AreaMeans(gray, x: box.left, y: box.top, width: box.contentWidth, height: box.contentHeight)
        let width = Double(area.width), height = Double(area.height)
        func reduction(_ side: Int) -> LevelImage {
            LevelImage(width: side, height: side, values: area.levels(x0: 0, y0: 0, x1: width, y1: height, columns: side, rows: side))
        }
        let base = reduction(128)
        let eighty = reduction(80)
        let whole = base.halved()
        let aspect = Double(max(1, box.contentWidth)) / Double(max(1, box.contentHeight))
        let degrees = HashWindow.rotationDegrees
        let rotated = (
            left: base.rotatedCrop(degrees: -degrees, aspect: aspect, side: 64),
            right: base.rotatedCrop(degrees: degrees, aspect: aspect, side: 64)
        )
        var phash: [Hash256?] = []
        var dhash: [UInt64] = []
        phash.reserveCapacity(HashWindow.allCases.count)
        dhash.reserveCapacity(HashWindow.allCases.count)
        for window in HashWindow.allCases {
            // The 64 × 64 levels of the window: a reduction and the window's corner in it.
            let source: LevelImage, x: Int, y: Int
            switch window {
            case .whole: (source, x, y) = (whole, 0, 0)
            case .rotatedLeft: (source, x, y) = (rotated.left, 0, 0)
            case .rotatedRight: (source, x, y) = (rotated.right, 0, 0)
            default:
                // A quarter of the 128 × 128, or an 80% window of the 80 × 80.
                let (x0, y0, x1, _) = window.rect ?? (0, 0, 1, 1)
                let side = x1 - x0 > 0.6 ? 80.0 : 128.0
                (source, x, y) = (side == 80 ? eighty : base, Int((x0 * side).rounded()), Int((y0 * side).rounded()))
            }
            let hashes: (Hash256, UInt64)? = source.values.withUnsafeBufferPointer { buffer in
                guard let start = buffer.baseAddress, x + 64 <= source.width, y + 64 <= source.height,
                    buffer.count >= source.width * source.height
                else { return nil }
                let pixels = start + y * source.width + x
                guard LevelImage.deviation(pixels, stride: source.width) >= flatDeviation else { return nil }
                return (WindowDCT.hash(pixels, stride: source.width), LevelImage.dhash(pixels, stride: source.width))
            }
            phash.append(hashes?.0)
            dhash.append(hashes?.1 ?? 0)
        }
        let f = box.fractions
        return WindowHashes(phash: phash, dhash: dhash, trimmed: f.map { Double($0) / 255 })
    }

    /// The base64 text of the manifest's `window_hashes` field.
    public var encoded: String {
        var bytes: [UInt8] = [Self.format]
        bytes.reserveCapacity(Self.byteCount)
        bytes += (0..<4).map { UInt8(clamping: Int((trimmed(side: $0) * 255).rounded())) }
        func append(_ word: UInt64) {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        for i in 0..<Self.windowCount {
            // A flat window's pHash is zeros in memory as in the encoding.
            for k in 0..<4 { append(words[4 * i + k]) }
            append(words[Self.dhashStart + i])
        }
        return Data(bytes).base64EncodedString()
    }

    /// Parses the manifest's `window_hashes` field; nil for anything this build did not write
    /// — including format 1 (the first window build, whose corners were 60%): such a record is
    /// matched by its whole `phash` and `phash_center` only, until it is scanned again.
    public init?(encoded text: String) {
        guard let data = Data(base64Encoded: text), data.count == Self.byteCount else { return nil }
        let bytes = [UInt8](data)
        guard bytes[0] == Self.format else { return nil }
        func word(_ at: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<8 { v = v << 8 | UInt64(bytes[at + k]) }
            return v
        }
        var phash: [Hash256?] = []
        var dhash: [UInt64] = []
        for i in 0..<HashWindow.allCases.count {
            let at = 5 + i * 40
            let h = Hash256(word(at), word(at + 8), word(at + 16), word(at + 24))
            phash.append(h == Hash256(0, 0, 0, 0) ? nil : h)
            dhash.append(word(at + 32))
        }
        self.init(phash: phash, dhash: dhash, trimmed: bytes[1...4].map { Double($0) / 255 })
    }
}

/// The pHashes of a picture's windows (``WindowHashes/phash``), in ``HashWindow`` order:
/// a fixed-size view of the window hashes' one buffer; nil for a flat window.
public struct WindowPHashes: RandomAccessCollection, MutableCollection, Sendable, Hashable {
    fileprivate var words: [UInt64]

    public var startIndex: Int { 0 }
    public var endIndex: Int { WindowHashes.windowCount }

    public subscript(position: Int) -> Hash256? {
        get { WindowHashes.pHash(words, position) }
        set {
            let h = newValue ?? Hash256(0, 0, 0, 0)
            (words[4 * position], words[4 * position + 1], words[4 * position + 2], words[4 * position + 3]) = (h.w0, h.w1, h.w2, h.w3)
        }
    }

    public static func == (a: Self, b: Self) -> Bool { a.elementsEqual(b) }
    public func hash(into hasher: inout Hasher) {
        for h in self { hasher.combine(h) }
    }
}

/// The dHashes of a picture's windows (``WindowHashes/dhash``), in ``HashWindow`` order: a
/// fixed-size view of the window hashes' one buffer.
public struct WindowDHashes: RandomAccessCollection, MutableCollection, Sendable, Hashable {
    fileprivate var words: [UInt64]

    public var startIndex: Int { 0 }
    public var endIndex: Int { WindowHashes.windowCount }

    public subscript(position: Int) -> UInt64 {
        get { words[WindowHashes.dhashStart + position] }
        set { words[WindowHashes.dhashStart + position] = newValue }
    }

    public static func == (a: Self, b: Self) -> Bool { a.elementsEqual(b) }
    public func hash(into hasher: inout Hasher) {
        for h in self { hasher.combine(h) }
    }
}

extension GrayImage {
    /// The rectangle (clamped to the image) as a new image.
    ///
    /// - Complexity: O(width × height) of the rectangle.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> GrayImage {
        let x0 = max(0, min(x, width)), y0 = max(0, min(y, height))
        let cw = max(0, min(w, width - x0)), ch = max(0, min(h, height - y0))
        if x0 == 0 && y0 == 0 && cw == width && ch == height { return self }
        var out = [UInt8](repeating: 0, count: cw * ch)
        pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                guard let from = source.baseAddress, let to = target.baseAddress, source.count >= width * height else { return }
                // Row by row, a copy of `cw` bytes each.
                for row in 0..<ch {
                    (to + row * cw).update(from: from + (y0 + row) * width + x0, count: cw)
                }
            }
        }
        return GrayImage(width: cw, height: ch, pixels: out)
    }
}
