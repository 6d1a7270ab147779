import DatasetAnalysis
import Foundation
import ImageDecoding

/// A small example dataset with one of each problem imgeda finds, for `make demo`, the
/// README and tests.
public enum ExampleDataset {
    /// What a file in the example is meant to show.
    public struct Entry: Sendable {
        public var relativePath: String
        public var shows: String
    }

    /// Writes the example into `directory` (created if needed) and returns what it wrote.
    public static func write(to directory: String) throws -> [Entry] {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for sub in ["problems", "formats", "broken"] {
            try fm.createDirectory(atPath: "\(directory)/\(sub)", withIntermediateDirectories: true)
        }
        var entries: [Entry] = []
        func save(_ bytes: [UInt8], _ path: String, _ shows: String) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/\(path)"))
            entries.append(Entry(relativePath: path, shows: shows))
        }
        func jpeg(_ image: RGBImage, quality: Int = 88) throws -> [UInt8] {
            try ImageEncoder.encode(
                pixels: image.pixels, width: image.width, height: image.height, bands: 3,
                suffix: ".jpg[Q=\(quality)]")
        }

        // Camera metadata for the good pictures, so info, plots and the report have EXIF to show.
        let cameras = [
            ExifWriter.Camera(
                make: "Canon", model: "Canon EOS R6", lens: "RF24-105mm F4 L IS USM", focalLength: 24, focalLength35mm: 24,
                iso: 100, exposureDenominator: 250, fNumberTenths: 80, date: "2024:06:01 09:12:00"),
            ExifWriter.Camera(
                make: "NIKON CORPORATION", model: "NIKON Z 6_2", lens: "NIKKOR Z 14-30mm f/4 S", focalLength: 14,
                focalLength35mm: 14, iso: 400, exposureDenominator: 60, fNumberTenths: 40, date: "2024:06:02 18:40:00"),
            ExifWriter.Camera(
                make: "Apple", model: "iPhone 14", lens: "iPhone 14 back camera 5.7mm f/1.5", focalLength: 6,
                focalLength35mm: 26, iso: 64, exposureDenominator: 1000, fNumberTenths: 15, date: "2024:06:03 12:00:00"),
        ]
        var scenes: [RGBImage] = []
        for i in 0..<8 {
            let scene = SyntheticImages.scene(width: 640, height: 480, seed: UInt64(100 + i))
            scenes.append(scene)
            let bytes = i < 6 ? ExifWriter.insert(cameras[i % 3], into: try jpeg(scene)) : try jpeg(scene)
            try save(bytes, "scene_\(i + 1).jpg", i < 6 ? "a normal picture (\(cameras[i % 3].model))" : "a normal picture")
        }
        try save(try jpeg(SyntheticImages.exposed(scenes[0], gain: 0.12)), "problems/dark.jpg", "dark (mean brightness under 40)")
        try save(
            try jpeg(SyntheticImages.exposed(scenes[1], gain: 0.35, offset: 190)), "problems/overexposed.jpg",
            "overexposed (mean brightness over 220)")
        try save(try jpeg(SyntheticImages.blurred(scenes[2], radius: 6)), "problems/blurry.jpg", "blurry (out of focus)")
        try save(
            try jpeg(SyntheticImages.bordered(scenes[3], fraction: 0.14)), "problems/letterboxed.jpg",
            "border artifact (black bars)")
        let original = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/scene_5.jpg")).map { $0 }
        try save(original, "problems/duplicate_copy.jpg", "exact duplicate of scene_5.jpg (same bytes)")
        try save(
            try jpeg(SyntheticImages.resized(scenes[5], width: 320, height: 240), quality: 70),
            "problems/near_duplicate_small.jpg", "near duplicate of scene_6.jpg (smaller, re-encoded)")

        let scene = scenes[6]
        try save(
            try ImageEncoder.encode(pixels: scene.pixels, width: 640, height: 480, bands: 3, suffix: ".png"),
            "formats/scene.png", "PNG")
        try save(
            try ImageEncoder.encode(pixels: scene.pixels, width: 640, height: 480, bands: 3, suffix: ".webp[Q=80]"),
            "formats/scene.webp", "WebP")
        try save(
            try ImageEncoder.encode(pixels: scene.pixels, width: 640, height: 480, bands: 3, suffix: ".png[palette]"),
            "formats/palette.png", "palette PNG (mode P)")
        let small = SyntheticImages.resized(scene, width: 160, height: 120)
        let frames = (0..<4).map { SyntheticImages.exposed(small, gain: 1, offset: Double($0 * 20) - 30).pixels }
        try save(
            try ImageEncoder.encodeAnimation(frames: frames, width: 160, height: 120, bands: 3, suffix: ".gif"),
            "formats/animated.gif", "animated GIF (4 frames)")
        let wide = scene.pixels.map { UInt16($0) * 257 }
        try save(
            try ImageEncoder.encode16(pixels: wide, width: 640, height: 480, bands: 3, suffix: ".png"),
            "formats/sixteen_bit.png", "16-bit PNG")
        var cmyk = [UInt8](repeating: 0, count: 640 * 480 * 4)
        for i in 0..<(640 * 480) {
            let r = scene.pixels[3 * i], g = scene.pixels[3 * i + 1], b = scene.pixels[3 * i + 2]
            let k = 255 - max(r, max(g, b))
            cmyk[4 * i] = 255 - r - k
            cmyk[4 * i + 1] = 255 - g - k
            cmyk[4 * i + 2] = 255 - b - k
            cmyk[4 * i + 3] = k
        }
        try save(
            try ImageEncoder.encode(pixels: cmyk, width: 640, height: 480, bands: 4, suffix: ".jpg[Q=90]", cmyk: true),
            "formats/cmyk.jpg", "CMYK JPEG")

        try save(Array(original.prefix(original.count / 2)), "broken/truncated.jpg", "corrupt: truncated JPEG")
        let png = try ImageEncoder.encode(pixels: scene.pixels, width: 640, height: 480, bands: 3, suffix: ".png")
        try save(Array(png.prefix(png.count / 2)), "broken/truncated.png", "corrupt: truncated PNG")
        try save([], "broken/empty.jpg", "corrupt: zero bytes")
        try save(Array("This is a text file, not a picture.\n".utf8), "broken/notes.png", "corrupt: text named .png")
        return entries
    }
}
