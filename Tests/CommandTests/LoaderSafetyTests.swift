import DatasetAnalysis
import DatasetIO
import Foundation
import ImageDecoding
import Testing

/// libvips' untrusted loaders (ImageMagick here) are blocked unless asked for, and no
/// format users expect is lost with them.
@Suite("libvips loaders")
struct LoaderSafetyTests {
    /// An uncompressed 24-bit Targa picture, a format only ImageMagick reads in this build.
    static func tga(width: Int = 4, height: Int = 4) -> [UInt8] {
        var out: [UInt8] = [0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        out += [UInt8(width & 0xFF), UInt8(width >> 8), UInt8(height & 0xFF), UInt8(height >> 8), 24, 0]
        for i in 0..<(width * height) { out += [UInt8(i * 10 % 256), 120, 200] }
        out += [0, 0, 0, 0, 0, 0, 0, 0] + Array("TRUEVISION-XFILE.".utf8) + [0]
        return out
    }

    @Test func foreignContentUnderAnImageNameNeverReachesImageMagick() throws {
        let ws = try Workspace()
        try ws.write([], to: "data/zero.jpg")
        try ws.write(Self.tga(), to: "data/targa.jpg")
        try ws.write(Array("just some text\n".utf8), to: "data/text.png")
        let bmp = try Fixtures.encode(Fixtures.scene(9, width: 40, height: 30), suffix: ".bmp")
        try ws.write(bmp, to: "data/picture.bmp")
        let manifest = ws.file("m.jsonl")
        let result = try Imgeda.run(["scan", ws.file("data"), "-o", manifest, "--workers", "1", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let byName = Dictionary(try records(manifest).map { ($0.filename, $0) }, uniquingKeysWith: { a, _ in a })
        let zero = try #require(byName["zero.jpg"])
        #expect(zero.isCorrupt && zero.corruptReason?.contains("empty") == true)
        let targa = try #require(byName["targa.jpg"])
        #expect(targa.isCorrupt, "a Targa file must not be decoded by ImageMagick")
        #expect(targa.corruptReason?.hasPrefix("not an image") == true, "\(targa.corruptReason ?? "")")
        #expect(byName["text.png"]?.corruptReason?.hasPrefix("not an image") == true, "\(byName["text.png"]?.corruptReason ?? "")")
        // BMP stays readable, with its pixels.
        let picture = try #require(byName["picture.bmp"])
        #expect(!picture.isCorrupt, "\(picture.corruptReason ?? "")")
        #expect(picture.format == "BMP" && picture.width == 40 && picture.height == 30)
        let source = PixelStatistics.compute(Fixtures.scene(9, width: 40, height: 30))
        #expect(abs((picture.pixelStats?.meanBrightness ?? 0) - source.meanBrightness) < 0.5)

        // Asked for, ImageMagick reads it.
        let allowed = try Imgeda.run([
            "scan", ws.file("data/targa.jpg"), "-o", ws.file("a.jsonl"), "--workers", "1",
            "--allow-untrusted-loaders", "--quiet",
        ])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        let read = try #require(try records(ws.file("a.jsonl")).first)
        #expect(!read.isCorrupt, "\(read.corruptReason ?? "")")
        #expect(read.width == 4 && read.height == 4)
    }

    /// In this process too (the report's and the library's own decodes): started libvips
    /// refuses to hand bytes to ImageMagick.
    @Test func decoderInThisProcessRefusesUntrustedLoaders() throws {
        _ = Fixtures.libvipsStarted
        let error = try #require(throws: DecodeError.self) {
            try Self.tga().withUnsafeBytes { try ImageDecoder().decode($0, options: DecodeOptions()) }
        }
        #expect(error.reason.hasPrefix("not an image"), "\(error.reason)")
    }
}
