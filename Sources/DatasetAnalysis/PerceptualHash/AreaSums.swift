/// A summed-area table of a rectangle of a grey image: the mean of any axis-aligned area,
/// at fractional pixel positions, in constant time — so every reduction ``WindowHashes``
/// takes of one content box is read off one table instead of resampling the picture again.
///
/// With pixels as constant squares, the integral over [0, x) × [0, y) is the bilinear
/// interpolation of the table at (x, y), exactly, so a cell's mean is the area average
/// ``AreaResampler`` computes (to its fixed-point rounding) when the image is reduced.
struct AreaSums {
    /// The size of the rectangle the table covers.
    let width: Int
    let height: Int
    /// (width + 1) × (height + 1) sums: `sums[y * (width + 1) + x]` is the sum of the pixels in
    /// [0, x) × [0, y) of the rectangle.
    private let sums: [Int]

    /// The table of `gray`'s rectangle at (`x`, `y`) of `w` × `h` pixels (clamped to the image).
    ///
    /// - Complexity: O(w × h).
    init(_ gray: GrayImage, x: Int, y: Int, width w: Int, height h: Int) {
        let x0 = max(0, min(x, gray.width)), y0 = max(0, min(y, gray.height))
        let cw = max(0, min(w, gray.width - x0)), ch = max(0, min(h, gray.height - y0))
        width = cw
        height = ch
        let stride = cw + 1
        // Every entry is written below (the first row and column are zero), so the table
        // starts uninitialised instead of being cleared first.
        let table = [Int](unsafeUninitializedCapacity: stride * (ch + 1)) { target, count in
            count = stride * (ch + 1)
            guard let s = target.baseAddress else {
                count = 0
                return
            }
            s.initialize(repeating: 0, count: stride)
            gray.pixels.withUnsafeBufferPointer { source in
                guard let p = source.baseAddress, source.count >= gray.width * gray.height else {
                    (s + stride).initialize(repeating: 0, count: stride * ch)
                    return
                }
                for row in 0..<ch {
                    let line = p + (y0 + row) * gray.width + x0
                    let above = s + row * stride, here = above + stride
                    here.initialize(to: 0)
                    // Sums of at most 255 × the pixel count: no overflow, no checks.
                    var running = 0
                    for column in 0..<cw {
                        running &+= Int(line[column])
                        (here + (column &+ 1)).initialize(to: above[column &+ 1] &+ running)
                    }
                }
            }
        }
        sums = table
    }

    /// The means of a `columns` × `rows` grid of equal cells over the rectangle from
    /// (`x0`, `y0`) to (`x1`, `y1`) (pixel units of the table, inside it), rounded to grey
    /// levels, row by row.
    ///
    /// - Complexity: O(columns × rows).
    func means(x0: Double, y0: Double, x1: Double, y1: Double, columns: Int, rows: Int) -> [UInt8] {
        guard columns > 0, rows > 0, width > 0, height > 0, sums.count >= (width + 1) * (height + 1) else {
            return [UInt8](repeating: 0, count: max(0, columns * rows))
        }
        // Where each cell boundary falls: a column of the table and the fraction past it.
        func positions(_ from: Double, _ to: Double, _ count: Int, _ limit: Int) -> ([Int], [Double]) {
            var index = [Int](repeating: 0, count: count + 1), fraction = [Double](repeating: 0, count: count + 1)
            for i in 0...count {
                let at = max(0, min(Double(limit), from + (to - from) * Double(i) / Double(count)))
                let whole = min(limit - 1, Int(at))
                index[i] = whole
                fraction[i] = at - Double(whole)
            }
            return (index, fraction)
        }
        let (ix, fx) = positions(x0, x1, columns, width)
        let (iy, fy) = positions(y0, y1, rows, height)
        let stride = width + 1, points = columns + 1
        // The integral at every boundary point, one boundary row at a time (every entry is
        // written, so the buffer starts uninitialised).
        let integral = [Double](unsafeUninitializedCapacity: points * (rows + 1)) { out, count in
            count = points * (rows + 1)
            sums.withUnsafeBufferPointer { table in
                ix.withUnsafeBufferPointer { ixBuffer in
                    fx.withUnsafeBufferPointer { fxBuffer in
                        guard let s = table.baseAddress, let g = out.baseAddress, let cx = ixBuffer.baseAddress,
                            let dxs = fxBuffer.baseAddress
                        else {
                            out.initialize(repeating: 0)
                            return
                        }
                        for j in 0...rows {
                            let upper = s + iy[j] * stride, lower = upper + stride
                            let dy = fy[j]
                            let line = g + j * points
                            for i in 0...columns {
                                let c = cx[i], dx = dxs[i]
                                let a = Double(upper[c]), b = Double(upper[c &+ 1])
                                let d = Double(lower[c]), e = Double(lower[c &+ 1])
                                let top = a + (b - a) * dx, bottom = d + (e - d) * dx
                                (line + i).initialize(to: top + (bottom - top) * dy)
                            }
                        }
                    }
                }
            }
        }
        let inverseArea = Double(columns * rows) / max(1e-9, (x1 - x0) * (y1 - y0))
        var out = [UInt8](repeating: 0, count: columns * rows)
        integral.withUnsafeBufferPointer { points in
            out.withUnsafeMutableBufferPointer { target in
                guard let g = points.baseAddress, let o = target.baseAddress, points.count >= (columns + 1) * (rows + 1) else { return }
                let step = columns + 1
                for j in 0..<rows {
                    let top = g + j * step, bottom = top + step
                    for i in 0..<columns {
                        let sum = bottom[i &+ 1] - bottom[i] - top[i &+ 1] + top[i]
                        // Not below zero but for rounding: adding a half and truncating rounds
                        // half up, as the resampler does, without a libm call.
                        let mean = max(0, min(255, sum * inverseArea + 0.5))
                        o[j &* columns &+ i] = UInt8(truncatingIfNeeded: Int(mean))
                    }
                }
            }
        }
        return out
    }
}
