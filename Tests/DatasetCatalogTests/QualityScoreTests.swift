import DatasetAnalysis
import Testing

@Suite("quality score")
struct QualityScoreTests {
    static func record(
        width: Int = 4000, height: Int = 3000, bytes: Int = 4_000_000, blur: Double? = 300, mean: Double = 128, sigma: Double = 50
    )
        -> ImageRecord
    {
        var r = ImageRecord(path: "a.jpg", filename: "a.jpg")
        r.width = width
        r.height = height
        r.format = "JPEG"
        r.fileSizeBytes = bytes
        r.blurScore = blur
        r.pixelStats = PixelStats(stdR: sigma, stdG: sigma, stdB: sigma, meanBrightness: mean)
        return r
    }

    @Test func aSharpWellExposedCameraJPEGScoresFullAndTheFormulaAddsUp() throws {
        // 12 MP, blur 300 ≥ 2 × 100, mid-grey with contrast: sharpness, exposure and resolution are 1…
        #expect(QualityScore.score(Self.record()) == 99)  // compression 0.33 B/px is 0.94 of full
        // …and the parts weigh 40/25/20/15.
        let parts = QualityScore.parts(Self.record(width: 640, height: 480, bytes: 10_000, blur: 100, mean: 64, sigma: 16))
        let expected = 40 * parts.sharpness + 25 * parts.exposure + 20 * parts.resolution + 15 * parts.compression
        #expect(
            QualityScore.score(Self.record(width: 640, height: 480, bytes: 10_000, blur: 100, mean: 64, sigma: 16))
                == Int(expected.rounded()))
        #expect(parts.sharpness == 0.5)
        #expect(abs(parts.exposure - 0.25) < 1e-9)
    }

    @Test func eachDefectLowersTheScore() throws {
        let best = try #require(QualityScore.score(Self.record()))
        for worse in [
            Self.record(blur: 20), Self.record(mean: 15), Self.record(mean: 240), Self.record(sigma: 3),
            Self.record(width: 400, height: 300, bytes: 40_000), Self.record(bytes: 300_000),
        ] {
            #expect(try #require(QualityScore.score(worse)) < best)
        }
        var png = Self.record(bytes: 100)
        png.format = "PNG"
        #expect(QualityScore.parts(png).compression == 1, "lossless formats are not judged by bytes per pixel")
        var corrupt = Self.record()
        corrupt.isCorrupt = true
        #expect(QualityScore.score(corrupt) == nil)
        #expect(QualityScore.parts(Self.record(blur: nil)).sharpness == 0.5, "an unmeasured part counts as half")
    }
}
