import DatasetAnalysis
import Testing

/// A test picture: smooth gradients plus hard-edged blocks, deterministic.
func checkerScene(width: Int, height: Int, block: Int = 16) -> RGBImage {
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
        for x in 0..<width {
            let on = ((x / block) + (y / block)) % 2 == 0
            let i = (y * width + x) * 3
            pixels[i] = on ? 220 : 30
            pixels[i + 1] = UInt8(x * 255 / max(1, width - 1))
            pixels[i + 2] = UInt8(y * 255 / max(1, height - 1))
        }
    }
    return RGBImage(width: width, height: height, pixels: pixels)
}

func uniform(_ width: Int, _ height: Int, _ value: (UInt8, UInt8, UInt8)) -> RGBImage {
    var pixels: [UInt8] = []
    for _ in 0..<(width * height) { pixels += [value.0, value.1, value.2] }
    return RGBImage(width: width, height: height, pixels: pixels)
}

@Suite("pixel statistics")
struct PixelStatisticsTests {
    @Test func uniformImageHasItsValueAsMeanAndNoSpread() {
        let stats = PixelStatistics.compute(uniform(10, 7, (10, 100, 250)))
        #expect(stats.meanR == 10 && stats.meanG == 100 && stats.meanB == 250)
        #expect(stats.stdR == 0 && stats.stdG == 0 && stats.stdB == 0)
        #expect(abs(stats.meanBrightness - 120) < 1e-9)
        #expect(stats.minVal == 10 && stats.maxVal == 250)
    }

    @Test func twoValuedImageHasHalfTheRangeAsStandardDeviation() {
        // Half the pixels 0, half 200 in red: mean 100, population std 100.
        var image = uniform(4, 2, (0, 0, 0))
        for i in 0..<4 { image.pixels[i * 3] = 200 }
        let stats = PixelStatistics.compute(image)
        #expect(stats.meanR == 100)
        #expect(abs(stats.stdR - 100) < 1e-9)
        #expect(stats.minVal == 0 && stats.maxVal == 200)
    }

    @Test func exposureFlagsUseTheThresholds() {
        let dark = PixelStatistics.compute(uniform(8, 8, (20, 20, 20)))
        let bright = PixelStatistics.compute(uniform(8, 8, (240, 240, 240)))
        var t = QualityThresholds()
        #expect(t.isDark(meanBrightness: dark.meanBrightness))
        #expect(t.isOverexposed(meanBrightness: bright.meanBrightness))
        t.dark = 20
        t.overexposed = 240
        #expect(!t.isDark(meanBrightness: dark.meanBrightness))
        #expect(!t.isOverexposed(meanBrightness: bright.meanBrightness))
    }

    @Test func blackBarsMakeABorderArtifactAndAPlainImageDoesNot() {
        var image = uniform(100, 80, (200, 200, 200))
        #expect(!QualityThresholds().hasBorderArtifact(cornerDelta: BorderStatistics.compute(image).delta))
        for y in 0..<80 {
            for x in 0..<100 where x < 12 || x >= 88 || y < 10 || y >= 70 {
                image.pixels.replaceSubrange((y * 100 + x) * 3..<(y * 100 + x) * 3 + 3, with: [0, 0, 0])
            }
        }
        let stats = BorderStatistics.compute(image)
        #expect(stats.cornerMean == 0)
        #expect(stats.centerMean == 200)
        #expect(stats.delta == 200)
        #expect(QualityThresholds().hasBorderArtifact(cornerDelta: stats.delta))
    }
}

@Suite("blur measure")
struct BlurMeasureTests {
    @Test func blurringLowersTheScoreBelowTheDefaultThreshold() {
        let sharp = GrayImage(luma: checkerScene(width: 256, height: 192))
        var blurred = sharp
        for _ in 0..<6 { blurred = boxBlur(blurred) }
        let sharpScore = BlurMeasure.score(sharp)
        let blurredScore = BlurMeasure.score(blurred)
        #expect(sharpScore > BlurMeasure.defaultThreshold)
        #expect(blurredScore < BlurMeasure.defaultThreshold)
        #expect(blurredScore < sharpScore / 10)
    }

    @Test func scoreDoesNotDependOnResolution() {
        let small = BlurMeasure.score(GrayImage(luma: checkerScene(width: 256, height: 192, block: 16)))
        let large = BlurMeasure.score(GrayImage(luma: checkerScene(width: 1024, height: 768, block: 64)))
        #expect(Swift.abs(small - large) / small < 0.25, "256 px: \(small), 1024 px: \(large)")
    }

    @Test func flatImageScoresZero() {
        #expect(BlurMeasure.score(GrayImage(luma: uniform(300, 200, (90, 90, 90)))) == 0)
    }

    func boxBlur(_ g: GrayImage) -> GrayImage {
        var out = g
        for y in 1..<(g.height - 1) {
            for x in 1..<(g.width - 1) {
                var sum = 0
                for dy in -1...1 { for dx in -1...1 { sum += Int(g.pixels[(y + dy) * g.width + x + dx]) } }
                out.pixels[y * g.width + x] = UInt8(sum / 9)
            }
        }
        return out
    }
}

/// A smooth picture: overlapping soft blobs whose placement depends on `seed`.
func smoothScene(width: Int, height: Int, seed: Int) -> GrayImage {
    var pixels = [UInt8](repeating: 0, count: width * height)
    let centres = (0..<6).map { i in
        (
            Double((i * 7919 + seed * 104_729) % width), Double((i * 6271 + seed * 15_485_863) % height),
            Double(20 + (i * 37 + seed * 11) % 60), Double((i + seed) % 2 == 0 ? 1 : -1)
        )
    }
    for y in 0..<height {
        for x in 0..<width {
            var v = 128.0
            for (cx, cy, r, sign) in centres {
                let d = ((Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)) / (r * r)
                v += sign * 90 / (1 + d)
            }
            pixels[y * width + x] = UInt8(max(0, min(255, v)))
        }
    }
    return GrayImage(width: width, height: height, pixels: pixels)
}

@Suite("perceptual hashes")
struct PerceptualHashTests {
    @Test func hashesAre256BitHex() {
        let gray = GrayImage(luma: checkerScene(width: 200, height: 150))
        let p = PerceptualHash.phash(gray), d = PerceptualHash.dhash(gray)
        #expect(p.count == 64 && d.count == 64)
        #expect(p.allSatisfy { $0.isHexDigit } && d.allSatisfy { $0.isHexDigit })
    }

    @Test func identicalImagesHaveZeroDistance() {
        let a = GrayImage(luma: checkerScene(width: 200, height: 150))
        #expect(PerceptualHash.hammingDistance(PerceptualHash.phash(a), PerceptualHash.phash(a)) == 0)
    }

    @Test func resizedCopyIsCloseAndDifferentImageIsFar() {
        let original = smoothScene(width: 400, height: 300, seed: 1)
        let smaller = original.resized(width: 200, height: 150)
        let other = smoothScene(width: 400, height: 300, seed: 2)
        let near = PerceptualHash.hammingDistance(PerceptualHash.phash(original), PerceptualHash.phash(smaller)) ?? 999
        let far = PerceptualHash.hammingDistance(PerceptualHash.phash(original), PerceptualHash.phash(other)) ?? 0
        #expect(near <= 8, "resized distance \(near)")
        #expect(far >= 60, "unrelated distance \(far)")
        let dNear = PerceptualHash.hammingDistance(PerceptualHash.dhash(original), PerceptualHash.dhash(smaller)) ?? 999
        #expect(dNear <= 12, "dhash resized distance \(dNear)")
    }

    @Test func hammingDistanceCountsDifferingBitsAndRejectsMismatches() {
        #expect(PerceptualHash.hammingDistance("00", "ff") == 8)
        #expect(PerceptualHash.hammingDistance("0f", "0e") == 1)
        #expect(PerceptualHash.hammingDistance("0f", "0f0") == nil)
        #expect(PerceptualHash.hammingDistance("zz", "00") == nil)
    }

    @Test func orientationRotatesAndMirrors() {
        let g = GrayImage(width: 3, height: 2, pixels: [1, 2, 3, 4, 5, 6])
        #expect(g.oriented(2).pixels == [3, 2, 1, 6, 5, 4])
        #expect(g.oriented(3).pixels == [6, 5, 4, 3, 2, 1])
        let r = g.oriented(6)  // 90° clockwise
        #expect(r.width == 2 && r.height == 3)
        #expect(r.pixels == [4, 1, 5, 2, 6, 3])
        #expect(g.oriented(8).pixels == [3, 6, 2, 5, 1, 4])
    }

    @Test func rgbOrientationMatchesGreyOrientation() {
        let rgb = RGBImage(width: 3, height: 2, pixels: (0..<18).map { UInt8($0) })
        let turned = rgb.oriented(6)
        #expect(turned.width == 2 && turned.height == 3)
        // The red channel turns like a grey image of the red values.
        let red = GrayImage(width: 3, height: 2, pixels: stride(from: 0, to: 18, by: 3).map { UInt8($0) }).oriented(6)
        #expect(stride(from: 0, to: 18, by: 3).map { turned.pixels[$0] } == red.pixels)
    }

    @Test func areaResizeAveragesExactlyForIntegerFactors() {
        let g = GrayImage(width: 4, height: 2, pixels: [0, 10, 20, 30, 40, 50, 60, 70])
        let small = g.resized(width: 2, height: 1)
        #expect(small.pixels == [25, 45])
    }
}
