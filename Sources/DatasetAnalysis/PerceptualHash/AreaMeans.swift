/// Area-average reductions of a rectangle of a grey image to grids of equal cells at
/// fractional pixel positions, in single precision: every reduction ``WindowHashes`` takes of
/// one content box is read from the pixels where they are, with no copy and no table.
///
/// Separably: for each row of cells, the rows of pixels it covers are summed with their
/// overlap as weight (a band, contiguous, so the loop runs four lanes at a time), then the
/// band's running sum is read at the cell boundaries — with pixels as constant squares, the
/// integral up to a fractional position is the running sum up to its pixel plus the fraction
/// of that pixel. A cell's mean is the area average ``AreaResampler`` computes (to its
/// fixed-point rounding), rounded half up to a grey level.
struct AreaMeans {
    /// The size of the rectangle.
    let width: Int
    let height: Int
    private let image: GrayImage
    private let left: Int, top: Int

    /// The rectangle of `gray` at (`x`, `y`) of `w` × `h` pixels (clamped to the image).
    init(_ gray: GrayImage, x: Int, y: Int, width w: Int, height h: Int) {
        let x0 = max(0, min(x, gray.width)), y0 = max(0, min(y, gray.height))
        width = gray.pixels.count >= gray.width * gray.height ? max(0, min(w, gray.width - x0)) : 0
        height = max(0, min(h, gray.height - y0))
        image = gray
        left = x0
        top = y0
    }

    /// The means of a `columns` × `rows` grid of equal cells over the rectangle from
    /// (`x0`, `y0`) to (`x1`, `y1`) (pixel units of the rectangle, inside it), as grey levels
    /// (whole numbers 0–255) row by row.
    ///
    /// - Complexity: O(rows × (x1 − x0) × (1 + (y1 − y0) / rows)) for the bands, four lanes at
    ///   a time, and O(rows × (x1 − x0 + columns)) for the boundaries.
    func levels(x0: Double, y0: Double, x1: Double, y1: Double, columns: Int, rows: Int) -> [Float] {
        guard columns > 0, rows > 0, width > 0, height > 0, x1 > x0, y1 > y0 else {
            return [Float](repeating: 0, count: max(0, columns * rows))
        }
        // The band spans the pixel columns [first, last); boundaries are band-relative.
        let first = max(0, min(width - 1, Int(x0))), last = max(first + 1, min(width, Int(x1.rounded(.up))))
        let span = last - first
        var column = [Int](repeating: 0, count: columns + 1), fraction = [Float](repeating: 0, count: columns + 1)
        for i in 0...columns {
            let at = max(0, min(Double(span), x0 + (x1 - x0) * Double(i) / Double(columns) - Double(first)))
            let whole = min(span - 1, Int(at))
            column[i] = whole
            fraction[i] = Float(at - Double(whole))
        }
        let scale = Float(Double(columns * rows) / ((x1 - x0) * (y1 - y0)))
        let stride = image.width
        // Each buffer is written before it is read, so none is cleared first.
        func buffer(_ count: Int) -> [Float] { [Float](unsafeUninitializedCapacity: count) { $1 = count } }
        var band = buffer(span), running = buffer(span + 1), boundary = buffer(columns + 1)
        var out = buffer(columns * rows)
        image.pixels.withUnsafeBufferPointer { pixels in
            band.withUnsafeMutableBufferPointer { bandBuffer in
                running.withUnsafeMutableBufferPointer { runningBuffer in
                    boundary.withUnsafeMutableBufferPointer { boundaryBuffer in
                        out.withUnsafeMutableBufferPointer { outBuffer in
                            column.withUnsafeBufferPointer { columnBuffer in
                                fraction.withUnsafeBufferPointer { fractionBuffer in
                                    guard let p = pixels.baseAddress, let b = bandBuffer.baseAddress,
                                        let sum = runningBuffer.baseAddress, let g = boundaryBuffer.baseAddress,
                                        let o = outBuffer.baseAddress, let cx = columnBuffer.baseAddress,
                                        let fx = fractionBuffer.baseAddress
                                    else { return }
                                    let origin = p + top * stride + left + first
                                    for j in 0..<rows {
                                        let from = y0 + (y1 - y0) * Double(j) / Double(rows)
                                        let to = y0 + (y1 - y0) * Double(j + 1) / Double(rows)
                                        // The pixel rows the cell row covers, each weighted by
                                        // its overlap, summed four lanes at a time.
                                        var r = max(0, min(height - 1, Int(from)))
                                        let end = max(r + 1, min(height, Int(to.rounded(.up))))
                                        var started = false
                                        while r < end {
                                            let weight = Float(min(Double(r + 1), to) - max(Double(r), from))
                                            if weight > 0 {
                                                let line = origin + r * stride
                                                if started {
                                                    for x in 0..<span { b[x] += weight * Float(line[x]) }
                                                } else {
                                                    for x in 0..<span { b[x] = weight * Float(line[x]) }
                                                    started = true
                                                }
                                            }
                                            r += 1
                                        }
                                        if !started { b.update(repeating: 0, count: span) }
                                        // The band's running sum, then its integral at each
                                        // boundary: the sum up to the boundary's pixel plus the
                                        // fraction of that pixel.
                                        var total: Float = 0
                                        sum[0] = 0
                                        for x in 0..<span {
                                            total += b[x]
                                            sum[x &+ 1] = total
                                        }
                                        for i in 0...columns {
                                            let c = cx[i]
                                            g[i] = sum[c] + fx[i] * b[c]
                                        }
                                        let line = o + j * columns
                                        for i in 0..<columns { line[i] = level((g[i &+ 1] - g[i]) * scale) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}

/// `value` (a mean or an interpolation of grey levels, so within −0.5 ..< 255.5 but for
/// rounding) rounded half up to a grey level, as a whole Float: adding and subtracting
/// 1.5 · 2²³ rounds to the nearest whole number without a conversion (a tie goes to the even
/// one), and a result above `value + 0.5` is stepped down, which makes it the floor of
/// `value + 0.5`.
@inline(__always) func level(_ value: Float) -> Float {
    let t = value + 0.5
    let r = (t + 12_582_912) - 12_582_912
    return r > t ? r - 1 : r
}
