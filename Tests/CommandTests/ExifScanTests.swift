import DatasetAnalysis
import DatasetIO
import ExampleData
import Foundation
import ImageDecoding
import Testing

/// A little-endian TIFF/EXIF block built by hand: IFD0 with make, model, orientation and
/// pointers to an EXIF IFD and a GPS IFD.
enum ExifBlock {
    enum Value {
        case ascii(String)
        case short(UInt16)
        case long(UInt32)
        case rational(UInt32, UInt32)
    }

    static func make(ifd0: [(UInt16, Value)], exif: [(UInt16, Value)]) -> [UInt8] {
        var out: [UInt8] = [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00]
        func u16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }
        // Layout: IFD0 at 8, then the EXIF IFD, then a one-entry GPS IFD, then data.
        let ifd0Entries = ifd0.count + 2
        let ifd0Size = 2 + 12 * ifd0Entries + 4
        let exifOffset = 8 + ifd0Size
        let exifSize = 2 + 12 * exif.count + 4
        let gpsOffset = exifOffset + exifSize
        let gpsSize = 2 + 12 + 4
        let dataOffset = gpsOffset + gpsSize
        var data: [UInt8] = []
        func entries(_ list: [(UInt16, Value)]) -> [UInt8] {
            var bytes: [UInt8] = []
            for (tag, value) in list.sorted(by: { $0.0 < $1.0 }) {
                bytes += u16(tag)
                switch value {
                case .ascii(let s):
                    let chars = Array(s.utf8) + [0]
                    bytes += u16(2) + u32(UInt32(chars.count))
                    if chars.count <= 4 {
                        bytes += chars + [UInt8](repeating: 0, count: 4 - chars.count)
                    } else {
                        bytes += u32(UInt32(dataOffset + data.count))
                        data += chars
                    }
                case .short(let v): bytes += u16(3) + u32(1) + u16(v) + [0, 0]
                case .long(let v): bytes += u16(4) + u32(1) + u32(v)
                case .rational(let n, let d):
                    bytes += u16(5) + u32(1) + u32(UInt32(dataOffset + data.count))
                    data += u32(n) + u32(d)
                }
            }
            return bytes
        }
        let ifd0All = ifd0 + [(0x8769, Value.long(UInt32(exifOffset))), (0x8825, Value.long(UInt32(gpsOffset)))]
        out += u16(UInt16(ifd0All.count)) + entries(ifd0All) + u32(0)
        out += u16(UInt16(exif.count)) + entries(exif) + u32(0)
        out += u16(1) + entries([(0x0001, .ascii("N"))]) + u32(0)
        return out + data
    }

    /// Inserts an APP1 "Exif" segment right after a JPEG's SOI marker.
    static func insert(_ tiff: [UInt8], into jpeg: [UInt8]) -> [UInt8] {
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + Array(jpeg.dropFirst(2))
    }
}

@Suite("EXIF through a scan")
struct ExifScanTests {
    @Test func exifFieldsReachTheManifestAndInfo() throws {
        let ws = try Workspace()
        let tiff = ExifBlock.make(
            ifd0: [(0x010F, .ascii("Canon")), (0x0110, .ascii("Canon EOS 5D Mark IV")), (0x0112, .short(6))],
            exif: [
                (0x829A, .rational(1, 250)), (0x829D, .rational(28, 10)), (0x8827, .short(400)),
                (0x9003, .ascii("2024:05:01 12:34:56")), (0x920A, .rational(16, 1)), (0xA405, .short(16)),
                (0xA434, .ascii("EF16-35mm f/2.8L")),
            ])
        let scene = Fixtures.scene(5, width: 240, height: 160)
        try ws.write(ExifBlock.insert(tiff, into: try Fixtures.jpeg(scene)), to: "data/camera.jpg")
        // The same picture physically rotated 90° clockwise, without EXIF.
        var rotated = [UInt8](repeating: 0, count: scene.pixels.count)
        for y in 0..<240 {
            for x in 0..<160 {
                let sx = y, sy = 160 - 1 - x
                for c in 0..<3 { rotated[(y * 160 + x) * 3 + c] = scene.pixels[(sy * 240 + sx) * 3 + c] }
            }
        }
        try ws.write(try Fixtures.jpeg(RGBImage(width: 160, height: 240, pixels: rotated)), to: "data/upright.jpg")

        let manifest = ws.file("m.jsonl")
        #expect(try Imgeda.run(["scan", ws.file("data"), "-o", manifest, "--quiet"]).status == 0)
        let all = try records(manifest)
        let camera = try #require(all.first { $0.filename == "camera.jpg" })
        #expect(camera.cameraMake == "Canon")
        #expect(camera.cameraModel == "Canon EOS 5D Mark IV")
        #expect(camera.lensModel == "EF16-35mm f/2.8L")
        #expect(camera.orientationTag == 6)
        #expect(camera.isoSpeed == 400)
        #expect(camera.fNumber == 2.8)
        #expect(camera.exposureTimeSec == 0.004)
        #expect(camera.focalLengthMM == 16)
        #expect(camera.focalLength35mm == 16)
        #expect(camera.distortionRisk == "high")
        #expect(camera.datetimeOriginal == "2024:05:01 12:34:56")
        #expect(camera.hasGPSData)
        #expect(camera.width == 240 && camera.height == 160)  // as stored

        // Hashes describe the picture as displayed: the EXIF-rotated file hashes like the
        // physically rotated one.
        let upright = try #require(all.first { $0.filename == "upright.jpg" })
        let cameraHash = try #require(camera.phash)
        let uprightHash = try #require(upright.phash)
        let distance = try #require(PerceptualHash.hammingDistance(cameraHash, uprightHash))
        #expect(distance <= 12, "pHash distance \(distance)")

        let info = try Imgeda.run(["info", "-m", manifest])
        #expect(info.status == 0)
        #expect(info.stdout.contains("Canon EOS 5D Mark IV (1)"), "\(info.stdout)")
        #expect(info.stdout.range(of: #"GPS-tagged\s+1 "#, options: .regularExpression) != nil)
        #expect(info.stdout.range(of: #"Rotated \(EXIF\)\s+1 "#, options: .regularExpression) != nil)
        #expect(info.stdout.range(of: #"High distortion risk\s+1 "#, options: .regularExpression) != nil)
    }
}
