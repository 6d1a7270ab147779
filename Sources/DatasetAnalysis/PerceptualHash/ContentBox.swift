/// The part of a picture inside uniform borders: letterbox and pillarbox bars, solid frames
/// added around a screenshot or a video frame. Hashing what is inside makes an added bar
/// change nothing.
///
/// Each side is walked inward while the row (or column) is uniform and of the same level as
/// the outermost one: at most 1% of its pixels further than ``tolerance`` grey levels from
/// the outermost line's median (JPEG ringing next to a bar stays within that). A side is
/// trimmed only when at least ``minimumBar`` of the dimension is uniform (a photo's own dark
/// edge row is not a bar) and at most ``maximumBar`` (a picture that is mostly flat is left
/// alone: near-blank pictures are handled on their own). Bars are removed in pairs only
/// (top and bottom, left and right): a flat band on one side is left to the crop windows.
public struct ContentBox: Sendable, Hashable {
    /// Pixels trimmed from each side, in the measured image's pixels.
    public var left: Int, top: Int, right: Int, bottom: Int
    /// The measured image's size.
    public var width: Int, height: Int

    /// Grey levels a bar pixel may differ from the bar's level (JPEG noise next to an edge).
    public static let tolerance = 12
    /// The smallest bar that counts: 2% of the side (5 pixels of a 256-pixel preview).
    public static let minimumBar = 0.02
    /// The largest bar removed from one side: 35% (together with the opposite bar, 70%).
    public static let maximumBar = 0.35

    public init(left: Int, top: Int, right: Int, bottom: Int, width: Int, height: Int) {
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
        self.width = width
        self.height = height
    }

    /// Whether any side was trimmed.
    public var isTrimmed: Bool { left > 0 || top > 0 || right > 0 || bottom > 0 }

    /// The content's width and height.
    public var contentWidth: Int { width - left - right }
    public var contentHeight: Int { height - top - bottom }

    /// The trimmed fraction of each side in 1/255 units (left, top, right, bottom), as the
    /// window hashes store it.
    var fractions: [UInt8] {
        func f(_ v: Int, _ of: Int) -> UInt8 { of > 0 ? UInt8(clamping: (v * 255 + of / 2) / of) : 0 }
        return [f(left, width), f(top, height), f(right, width), f(bottom, height)]
    }

    /// Finds the content box of `gray`.
    ///
    /// - Complexity: O(width × height) at worst (each trimmed line is read once, plus one
    ///   line per side that ends the walk).
    public static func find(_ gray: GrayImage) -> ContentBox {
        let w = gray.width, h = gray.height
        var box = ContentBox(left: 0, top: 0, right: 0, bottom: 0, width: w, height: h)
        guard w >= 16, h >= 16, gray.pixels.count >= w * h else { return box }
        let px = gray.pixels
        // A line is a start offset, a stride and a count.
        func uniform(_ start: Int, _ step: Int, _ count: Int, level: Int) -> Bool {
            var outliers = 0
            let allowed = count / 100
            var i = start
            for _ in 0..<count {
                if abs(Int(px[i]) - level) > tolerance {
                    outliers += 1
                    if outliers > allowed { return false }
                }
                i += step
            }
            return true
        }
        func median(_ start: Int, _ step: Int, _ count: Int) -> Int {
            var values = [UInt8](repeating: 0, count: count)
            var i = start
            for k in 0..<count {
                values[k] = px[i]
                i += step
            }
            values.sort()
            return Int(values[count / 2])
        }
        // Walks lines `0..<limit` inward; `line(k)` gives the k-th line from the edge.
        func walk(limit: Int, minimum: Int, _ line: (Int) -> (Int, Int, Int)) -> Int {
            let first = line(0)
            let level = median(first.0, first.1, first.2)
            var k = 0
            while k < limit {
                let l = line(k)
                if !uniform(l.0, l.1, l.2, level: level) { break }
                k += 1
            }
            return k >= minimum && k < limit ? k : 0
        }
        let minRows = max(2, Int((Double(h) * minimumBar).rounded(.up)))
        let minCols = max(2, Int((Double(w) * minimumBar).rounded(.up)))
        let maxRows = Int(Double(h) * maximumBar), maxCols = Int(Double(w) * maximumBar)
        box.top = walk(limit: maxRows, minimum: minRows) { k in (k * w, 1, w) }
        box.bottom = walk(limit: maxRows, minimum: minRows) { k in ((h - 1 - k) * w, 1, w) }
        // Bars come in pairs (letterbox, pillarbox, a frame): a flat band on one side only
        // is more often part of the picture (a caption band, a sky), and the crop windows
        // match a picture that lost one side anyway.
        if box.top == 0 || box.bottom == 0 { (box.top, box.bottom) = (0, 0) }
        // Columns are measured between the trimmed rows, so a letterbox's bars do not hide
        // a pillarbox's (a picture framed on all four sides).
        let rows = h - box.top - box.bottom
        box.left = walk(limit: maxCols, minimum: minCols) { k in (box.top * w + k, w, rows) }
        box.right = walk(limit: maxCols, minimum: minCols) { k in (box.top * w + w - 1 - k, w, rows) }
        if box.left == 0 || box.right == 0 { (box.left, box.right) = (0, 0) }
        return box
    }
}
