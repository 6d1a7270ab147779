import DatasetAnalysis
import DatasetIO
import DatasetPipeline
import ExampleData
import Foundation
import ImageDecoding
import Testing

/// Every format this Debian libvips reads is analysed, with the reference's vocabulary.
@Suite("formats")
struct FormatTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var suffix: String
        var bands: Int
        var format: String
        var mode: String
        var testDescription: String { suffix }
    }

    static let cases: [Case] = [
        Case(suffix: ".jpg[Q=90]", bands: 3, format: "JPEG", mode: "RGB"),
        Case(suffix: ".jpg[Q=90,interlace]", bands: 3, format: "JPEG", mode: "RGB"),
        Case(suffix: ".jpg[Q=90]", bands: 1, format: "JPEG", mode: "L"),
        Case(suffix: ".png", bands: 3, format: "PNG", mode: "RGB"),
        Case(suffix: ".png", bands: 4, format: "PNG", mode: "RGBA"),
        Case(suffix: ".png", bands: 1, format: "PNG", mode: "L"),
        Case(suffix: ".png", bands: 2, format: "PNG", mode: "LA"),
        Case(suffix: ".png[palette]", bands: 3, format: "PNG", mode: "P"),
        Case(suffix: ".webp[Q=80]", bands: 3, format: "WEBP", mode: "RGB"),
        Case(suffix: ".webp[lossless]", bands: 4, format: "WEBP", mode: "RGBA"),
        Case(suffix: ".gif", bands: 3, format: "GIF", mode: "P"),
        Case(suffix: ".tif", bands: 3, format: "TIFF", mode: "RGB"),
        Case(suffix: ".bmp", bands: 3, format: "BMP", mode: "RGB"),
        Case(suffix: ".heic", bands: 3, format: "HEIF", mode: "RGB"),
        Case(suffix: ".avif", bands: 3, format: "AVIF", mode: "RGB"),
        Case(suffix: ".jxl", bands: 3, format: "JXL", mode: "RGB"),
    ]

    @Test(arguments: cases)
    func formatIsDecodedAndNamedAsTheReferenceDoes(_ c: Case) throws {
        _ = Fixtures.libvipsStarted
        let scene = Fixtures.scene(11, width: 300, height: 200)
        var pixels: [UInt8] = []
        pixels.reserveCapacity(300 * 200 * c.bands)
        for i in 0..<(300 * 200) {
            let rgb = scene.pixels[(3 * i)..<(3 * i + 3)]
            switch c.bands {
            case 1: pixels.append(rgb[rgb.startIndex + 1])
            case 2: pixels += [rgb[rgb.startIndex + 1], 200]
            case 4: pixels += Array(rgb) + [180]
            default: pixels += Array(rgb)
            }
        }
        let bytes = try ImageEncoder.encode(pixels: pixels, width: 300, height: 200, bands: c.bands, suffix: c.suffix)
        var record = ImageRecord(path: "x", filename: "x")
        let analyzer = FileAnalyzer(settings: ScanSettings())
        bytes.withUnsafeBytes { analyzer.analyze($0, into: &record) }
        #expect(!record.isCorrupt, "\(record.corruptReason ?? "")")
        #expect(record.format == c.format)
        #expect(record.colorMode == c.mode)
        #expect(record.width == 300 && record.height == 200)
        let stats = try #require(record.pixelStats)
        // The decoded content is the scene: brightness close to the source's.
        let source = PixelStatistics.compute(scene)
        let expected = c.bands <= 2 ? source.meanG : source.meanBrightness
        #expect(abs(stats.meanBrightness - expected) < 12, "brightness \(stats.meanBrightness) vs \(expected)")
        #expect(record.phash?.count == 64 && record.blurScore != nil)
    }

    /// The PNG fast path (libdeflate) and libvips agree pixel for pixel: a lossless PNG and a
    /// lossless TIFF of the same picture give identical statistics and hashes.
    @Test(arguments: [1, 2, 3, 4])
    func pngFastPathMatchesLibvips(bands: Int) throws {
        _ = Fixtures.libvipsStarted
        let scene = Fixtures.scene(31, width: 333, height: 217)
        var pixels: [UInt8] = []
        for i in 0..<(333 * 217) {
            let p = Array(scene.pixels[(3 * i)..<(3 * i + 3)])
            switch bands {
            case 1: pixels.append(p[0])
            case 2: pixels += [p[0], 99]
            case 4: pixels += p + [7]
            default: pixels += p
            }
        }
        func analyse(_ suffix: String) throws -> ImageRecord {
            let bytes = try ImageEncoder.encode(pixels: pixels, width: 333, height: 217, bands: bands, suffix: suffix)
            var record = ImageRecord(path: "x", filename: "x")
            bytes.withUnsafeBytes { FileAnalyzer(settings: ScanSettings()).analyze($0, into: &record) }
            return record
        }
        let png = try analyse(".png"), tiff = try analyse(".tif")
        #expect(!png.isCorrupt && !tiff.isCorrupt)
        #expect(png.pixelStats == tiff.pixelStats)
        #expect(png.phash == tiff.phash && png.dhash == tiff.dhash)
        #expect(png.blurScore == tiff.blurScore)
    }

    @Test func sixteenBitPNGIsScaledToEightBits() throws {
        _ = Fixtures.libvipsStarted
        let scene = Fixtures.scene(12, width: 120, height: 90)
        let bytes = try ImageEncoder.encode16(
            pixels: scene.pixels.map { UInt16($0) * 257 }, width: 120, height: 90, bands: 3, suffix: ".png")
        var record = ImageRecord(path: "x", filename: "x")
        bytes.withUnsafeBytes { FileAnalyzer(settings: ScanSettings()).analyze($0, into: &record) }
        #expect(!record.isCorrupt)
        let expected = PixelStatistics.compute(scene).meanBrightness
        #expect(abs((record.pixelStats?.meanBrightness ?? 0) - expected) < 2)
    }

    @Test func cmykJPEGIsConvertedThroughItsProfile() throws {
        _ = Fixtures.libvipsStarted
        var cmyk = [UInt8](repeating: 0, count: 100 * 80 * 4)
        for i in 0..<(100 * 80) { cmyk[4 * i + 3] = 255 }  // full black ink
        let bytes = try ImageEncoder.encode(pixels: cmyk, width: 100, height: 80, bands: 4, suffix: ".jpg[Q=95]", cmyk: true)
        var record = ImageRecord(path: "x", filename: "x")
        bytes.withUnsafeBytes { FileAnalyzer(settings: ScanSettings()).analyze($0, into: &record) }
        #expect(!record.isCorrupt, "\(record.corruptReason ?? "")")
        #expect(record.colorMode == "CMYK" && record.numChannels == 4)
        #expect((record.pixelStats?.meanBrightness ?? 255) < 60)
        #expect(record.isDark)
    }
}
