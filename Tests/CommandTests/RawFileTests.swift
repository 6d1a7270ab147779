import DatasetAnalysis
import DatasetIO
import DatasetPipeline
import Foundation
import ImageDecoding
import Testing

@Suite("camera RAW files")
struct RawFileTests {
    /// A RAW-like file with a 64×48 thumbnail, a 320×240 preview and lossless "sensor data".
    static func cameraFile(orientation: UInt16 = 1, magic: [UInt8] = [0x49, 0x49, 0x2A, 0x00]) throws -> (file: [UInt8], preview: [UInt8]) {
        let thumbnail = try Fixtures.jpeg(Fixtures.scene(1, width: 64, height: 48))
        let preview = try Fixtures.jpeg(Fixtures.scene(2, width: 320, height: 240))
        return (RawFixture.camera(thumbnail: thumbnail, preview: preview, orientation: orientation, magic: magic), preview)
    }

    @Test func theLargestDecodableJPEGPreviewAndTheCamerasExifAreFound() throws {
        _ = Fixtures.libvipsStarted
        for magic: [UInt8] in [[0x49, 0x49, 0x2A, 0x00], [0x49, 0x49, 0x52, 0x4F], [0x49, 0x49, 0x55, 0x00]] {
            let (file, preview) = try Self.cameraFile(orientation: 6, magic: magic)
            let raw = try #require(file.withUnsafeBytes { RawFile.read($0) })
            let found = try #require(raw.preview)
            #expect(found.width == 320 && found.height == 240)
            #expect(Array(file[found.range]) == preview)
            #expect(raw.width == 6000 && raw.height == 4000)
            #expect(raw.orientation == 6)
            #expect(raw.exif?.cameraMake == "Canon")
            #expect(raw.exif?.cameraModel == "Canon EOS R6")
            #expect(raw.exif?.lensModel == "RF24-105mm F4 L IS USM")
            #expect(raw.exif?.datetimeOriginal == "2023:07:14 23:30:00")
            #expect(raw.exif?.offsetTimeOriginal == "-05:00")
        }
        #expect(RawFile.isRawName("IMG_0001.CR2") && RawFile.isRawName("a.b.nef") && !RawFile.isRawName("x.jpg"))
    }

    @Test func damagedRawFilesYieldLessNeverACrash() throws {
        let (file, _) = try Self.cameraFile()
        // Every truncation: no crash, and never a preview that runs past the end.
        for length in stride(from: 0, through: file.count, by: 7) {
            let cut = Array(file.prefix(length))
            if let raw = cut.withUnsafeBytes({ RawFile.read($0) }), let preview = raw.preview {
                #expect(preview.range.upperBound <= length)
            }
        }
        // Random bytes behind a TIFF header, and directories that point at each other.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<200 {
            var bytes: [UInt8] = [0x49, 0x49, 0x2A, 0x00, 0x08, 0, 0, 0]
            bytes += (0..<400).map { _ in
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                return UInt8(truncatingIfNeeded: state)
            }
            _ = bytes.withUnsafeBytes { RawFile.read($0) }
        }
        let loop = RawFixture.tiff(directories: [[(0x014A, .directories([0, 1]))], [(0x014A, .directory(0))]], blobs: [])
        let raw = try #require(loop.withUnsafeBytes { RawFile.read($0) })
        #expect(raw.preview == nil)
    }

    @Test func aScanCataloguesRawFilesFromTheirPreviewNotAsCorrupt() throws {
        let ws = try Workspace()
        try ws.write(try Self.cameraFile(orientation: 6).file, to: "shoot/IMG_0001.CR2")
        // A RAW file with no preview at all: still not corrupt; and a fake one that is no TIFF.
        try ws.write(
            RawFixture.tiff(directories: [[(0x010F, .ascii("Nikon")), (0x0100, .long(4000)), (0x0101, .long(3000))]], blobs: []),
            to: "shoot/DSC_0002.nef")
        try ws.write(Array("not a raw file at all".utf8), to: "shoot/broken.arw")
        let manifest = ws.file("m.jsonl")
        let scan = try Imgeda.run(["scan", ws.file("shoot"), "-o", manifest, "--quiet", "--extensions", "cr2,nef,arw"])
        #expect(scan.status == 0, "\(scan.stderr)")
        let all = try records(manifest)
        let cr2 = try #require(all.first { $0.filename == "IMG_0001.CR2" })
        #expect(!cr2.isCorrupt, "\(cr2.corruptReason ?? "")")
        #expect(cr2.format == "CR2")
        #expect(cr2.width == 6000 && cr2.height == 4000)
        #expect(cr2.cameraModel == "Canon EOS R6")
        #expect(cr2.lensModel == "RF24-105mm F4 L IS USM")
        #expect(cr2.datetimeOriginal == "2023:07:14 23:30:00")
        #expect(cr2.orientationTag == 6)
        #expect(cr2.pixelStats != nil && cr2.phash != nil)
        let nef = try #require(all.first { $0.filename == "DSC_0002.nef" })
        #expect(!nef.isCorrupt && nef.format == "NEF" && nef.cameraMake == "Nikon" && nef.width == 4000)
        let broken = try #require(all.first { $0.filename == "broken.arw" })
        #expect(broken.isCorrupt)
    }

    @Test func aRawThumbnailComesFromItsPreviewTurnedAsTheRawSays() throws {
        let ws = try Workspace()
        try ws.write(try Self.cameraFile(orientation: 6).file, to: "IMG_0001.dng")
        let thumbnailer = Thumbnailer(configuration: .init(executable: Imgeda.executable, workers: 1, side: 256))
        let jpegs = try thumbnailer.jpegs([FilePathBytes(ws.file("IMG_0001.dng"))])
        let jpeg = try #require(jpegs.first ?? nil)
        _ = Fixtures.libvipsStarted
        let decoded = try jpeg.withUnsafeBytes { try ImageDecoder().decode($0, options: DecodeOptions(previewSide: 64)) }
        #expect(decoded.width == 192 && decoded.height == 256)
    }
}
