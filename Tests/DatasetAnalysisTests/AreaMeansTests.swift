import Testing

@testable import DatasetAnalysis

@Suite("area-mean reductions")
struct AreaMeansTests {
    /// The window hashes take their reductions in single precision, separably, instead of
    /// resampling: each cell's mean must be the area average the resampler computes — the
    /// same grey level for whole-pixel cells, and within one level (the resampler's
    /// fixed-point rounding) for fractional ones.
    @Test func cellMeansAreTheResamplersAreaAverages() {
        for seed in 0..<6 {
            let scene = busyScene(width: 256, height: 192, seed: seed)
            let sums = AreaMeans(scene, x: 0, y: 0, width: scene.width, height: scene.height)
            // Whole pixels: 4 × 4 and 2 × 2 blocks.
            for (columns, rows) in [(64, 48), (128, 96)] {
                let means = sums.bytes(x0: 0, y0: 0, x1: 256, y1: 192, columns: columns, rows: rows)
                #expect(means == scene.resized(width: columns, height: rows).pixels, "seed \(seed), \(columns) × \(rows)")
            }
            // Fractional cells, as the window hashes take them.
            for side in [128, 80] {
                let means = sums.bytes(x0: 0, y0: 0, x1: 256, y1: 192, columns: side, rows: side)
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
        let sums = AreaMeans(scene, x: 20, y: 10, width: 160, height: 120)
        let crop = scene.cropped(x: 20, y: 10, width: 160, height: 120)
        #expect(sums.width == 160 && sums.height == 120)
        #expect(sums.bytes(x0: 0, y0: 0, x1: 160, y1: 120, columns: 40, rows: 30) == crop.resized(width: 40, height: 30).pixels)
        let quarter = crop.cropped(x: 80, y: 60, width: 80, height: 60)
        #expect(sums.bytes(x0: 80, y0: 60, x1: 160, y1: 120, columns: 20, rows: 15) == quarter.resized(width: 20, height: 15).pixels)
        // An empty rectangle gives a grid of zeros, not a crash.
        let empty = AreaMeans(scene, x: 300, y: 0, width: 10, height: 10)
        #expect(empty.bytes(x0: 0, y0: 0, x1: 1, y1: 1, columns: 3, rows: 2) == [UInt8](repeating: 0, count: 6))
    }
}

@Suite("window levels")
struct LevelImageTests {
    func levels(_ gray: GrayImage) -> LevelImage {
        LevelImage(width: gray.width, height: gray.height, values: gray.pixels.map { Float($0) })
    }

    /// A window's dHash is read from its 64 × 64 levels: the bits of its 9 × 8 area means,
    /// as the resampler reduces it (within a rounding tie or two).
    @Test func dhashIsTheBitsOfTheResamplersNineByEight() throws {
        var exact = 0
        for seed in 0..<12 {
            let scene = busyScene(width: 64, height: 64, seed: seed)
            let small = scene.resized(width: 9, height: 8).pixels
            var reference: UInt64 = 0
            for y in 0..<8 {
                for x in 0..<8 { reference = reference << 1 | (small[y * 9 + x + 1] > small[y * 9 + x] ? 1 : 0) }
            }
            let image = levels(scene)
            let bits = try #require(image.values.withUnsafeBufferPointer { $0.baseAddress.map { LevelImage.dhash($0, stride: 64) } })
            #expect((bits ^ reference).nonzeroBitCount <= 2, "seed \(seed)")
            if bits == reference { exact += 1 }
        }
        #expect(exact >= 9, "\(exact) of 12 exactly equal")
    }

    /// The flat-window test's deviation is exact on whole levels: the same as summing integers,
    /// for a window inside a wider image.
    @Test func deviationIsTheIntegerStandardDeviation() throws {
        for seed in 0..<6 {
            let scene = busyScene(width: 100, height: 80, seed: seed)
            let window = scene.cropped(x: 30, y: 10, width: 64, height: 64).pixels.map { Int($0) }
            let n = Double(window.count)
            let mean = Double(window.reduce(0, +)) / n
            let expected = (Double(window.map { $0 * $0 }.reduce(0, +)) / n - mean * mean).squareRoot()
            let image = levels(scene)
            let measured = try #require(
                image.values.withUnsafeBufferPointer { $0.baseAddress.map { LevelImage.deviation($0 + 10 * 100 + 30, stride: 100) } })
            #expect(abs(measured - expected) < 1e-9, "seed \(seed): \(measured) against \(expected)")
        }
    }

    /// A rotation of 0° returns the picture sampled at its cell centres, and a flat picture
    /// rotated stays flat at its level: the padded edges take the edge pixels.
    @Test func rotationKeepsLevelsAndEdges() {
        let flat = LevelImage(width: 128, height: 128, values: [Float](repeating: 93, count: 128 * 128))
        let turned = flat.rotatedCrop(degrees: 4, aspect: 1.5, side: 64)
        #expect(turned.values.allSatisfy { $0 == 93 })
        let scene = levels(busyScene(width: 128, height: 128, seed: 3))
        let same = scene.rotatedCrop(degrees: 0, aspect: 1, side: 64)
        let halved = scene.halved()
        let worst = zip(same.values, halved.values).map { abs($0 - $1) }.max() ?? 99
        #expect(worst <= 1, "\(worst) levels apart")
    }
}

extension AreaMeans {
    /// The levels as bytes, to compare with ``GrayImage/resized(width:height:)``.
    func bytes(x0: Double, y0: Double, x1: Double, y1: Double, columns: Int, rows: Int) -> [UInt8] {
        levels(x0: x0, y0: y0, x1: x1, y1: y1, columns: columns, rows: rows).map { UInt8($0) }
    }
}
