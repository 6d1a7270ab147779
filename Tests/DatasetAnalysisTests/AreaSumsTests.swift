import Testing

@testable import DatasetAnalysis

@Suite("summed-area reductions")
struct AreaSumsTests {
    /// The window hashes read their reductions off one summed-area table instead of
    /// resampling: each cell's mean must be the area average the resampler computes — the
    /// same grey level for whole-pixel cells, and within one level (the resampler's
    /// fixed-point rounding) for fractional ones.
    @Test func cellMeansAreTheResamplersAreaAverages() {
        for seed in 0..<6 {
            let scene = busyScene(width: 256, height: 192, seed: seed)
            let sums = AreaSums(scene, x: 0, y: 0, width: scene.width, height: scene.height)
            // Whole pixels: 4 × 4 and 2 × 2 blocks.
            for (columns, rows) in [(64, 48), (128, 96)] {
                let means = sums.means(x0: 0, y0: 0, x1: 256, y1: 192, columns: columns, rows: rows)
                #expect(means == scene.resized(width: columns, height: rows).pixels, "seed \(seed), \(columns) × \(rows)")
            }
            // Fractional cells, as the window hashes take them.
            for side in [128, 80] {
                let means = sums.means(x0: 0, y0: 0, x1: 256, y1: 192, columns: side, rows: side)
                let reference = scene.resized(width: side, height: side).pixels
                #expect(means.count == reference.count)
                let worst = zip(means, reference).map { abs(Int($0) - Int($1)) }.max() ?? 99
                #expect(worst <= 1, "seed \(seed), \(side) × \(side): \(worst) levels apart")
            }
        }
    }

    /// A rectangle of the image (the content box) sums like the same rectangle cropped out,
    /// and a window inside it like that window cropped and reduced.
    @Test func aRectangleSumsLikeItsCrop() {
        let scene = busyScene(width: 200, height: 150, seed: 7)
        let sums = AreaSums(scene, x: 20, y: 10, width: 160, height: 120)
        let crop = scene.cropped(x: 20, y: 10, width: 160, height: 120)
        #expect(sums.width == 160 && sums.height == 120)
        #expect(sums.means(x0: 0, y0: 0, x1: 160, y1: 120, columns: 40, rows: 30) == crop.resized(width: 40, height: 30).pixels)
        let quarter = crop.cropped(x: 80, y: 60, width: 80, height: 60)
        #expect(sums.means(x0: 80, y0: 60, x1: 160, y1: 120, columns: 20, rows: 15) == quarter.resized(width: 20, height: 15).pixels)
        // An empty rectangle gives a grid of zeros, not a crash.
        let empty = AreaSums(scene, x: 300, y: 0, width: 10, height: 10)
        #expect(empty.means(x0: 0, y0: 0, x1: 1, y1: 1, columns: 3, rows: 2) == [UInt8](repeating: 0, count: 6))
    }
}
