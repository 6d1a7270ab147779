import DatasetAnalysis
import DatasetIO
import DatasetPipeline
import Foundation
import ImageDecoding
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("thumbnail cache")
struct ThumbnailCacheTests {
    /// A fake content key per number: the cache trusts the SHA-256 it is given.
    static func key(_ n: Int) -> String { String(repeating: "0", count: 60) + String(format: "%04x", n) }

    /// Width and height of a JPEG as decoded.
    static func size(of file: String) throws -> (Int, Int) {
        _ = Fixtures.libvipsStarted
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        let decoded = try bytes.withUnsafeBytes { try ImageDecoder().decode($0, options: DecodeOptions(previewSide: 64)) }
        return (decoded.width, decoded.height)
    }

    @Test func onDemandThumbnailsAreUprightCachedByContentAndSurviveMoves() throws {
        _ = Fixtures.libvipsStarted
        let ws = try Workspace()
        // 600×400 stored, EXIF orientation 6: a viewer shows it 400 wide and 600 high.
        let tiff = ExifBlock.make(ifd0: [(0x0112, .short(6))], exif: [])
        try ws.write(ExifBlock.insert(tiff, into: try Fixtures.jpeg(Fixtures.scene(3, width: 600, height: 400))), to: "photos/a.jpg")
        let cache = ThumbnailCache(stateFolder: ws.file("state"))
        let sha = Self.key(1)

        let small = try cache.file(for: sha, source: ws.file("photos/a.jpg"), size: .small)
        #expect(small == cache.path(for: sha, size: .small))
        #expect(small.hasPrefix(ws.file("state/thumbnails/small/")))
        let (w, h) = try Self.size(of: small)
        #expect(w < h && max(w, h) == 256)

        let preview = try cache.file(for: sha, source: ws.file("photos/a.jpg"), size: .preview)
        let (pw, ph) = try Self.size(of: preview)
        #expect(pw == 400 && ph == 600, "an image smaller than the preview keeps its size")

        // The source moved away: the cached thumbnails are still found by content.
        #expect(rename(ws.file("photos/a.jpg"), ws.file("photos/b.jpg")) == 0)
        #expect(try cache.file(for: sha, source: ws.file("photos/gone.jpg"), size: .small) == small)
        // Deleting the cache loses nothing: the next request makes it again from the file.
        try FileManager.default.removeItem(atPath: cache.folder)
        #expect(throws: ImgedaError.self) { try cache.file(for: sha, source: ws.file("photos/gone.jpg"), size: .small) }
        #expect(try cache.file(for: sha, source: ws.file("photos/b.jpg"), size: .small) == small)
        // No temporary file is left beside the thumbnails.
        let folder = FileSystem.parentFolder(of: small)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["\(sha).jpg"])
        // A key that is not a SHA-256 never becomes a path.
        #expect(throws: ImgedaError.self) { try cache.file(for: "../../etc", source: ws.file("photos/b.jpg"), size: .small) }
    }

    @Test func bulkGenerationSurvivesHostileFilesAndMakesEachContentOnce() async throws {
        let ws = try Workspace()
        var sources: [ThumbnailSource] = []
        for i in 0..<4 {
            try ws.write(try Fixtures.jpeg(Fixtures.scene(UInt64(i), width: 200, height: 150)), to: "photos/p\(i).jpg")
            sources.append(ThumbnailSource(sha256: Self.key(i), path: FilePathBytes(ws.file("photos/p\(i).jpg"))))
        }
        // A byte-identical copy (same content key) is made once.
        try ws.write(try Fixtures.jpeg(Fixtures.scene(0, width: 200, height: 150)), to: "photos/copy.jpg")
        sources.append(ThumbnailSource(sha256: Self.key(0), path: FilePathBytes(ws.file("photos/copy.jpg"))))
        // A truncated file, and one whose decoder crashes.
        let whole = try Fixtures.jpeg(Fixtures.scene(9, width: 200, height: 150))
        try ws.write(Array(whole.prefix(200)), to: "photos/truncated.jpg")
        sources.append(ThumbnailSource(sha256: Self.key(20), path: FilePathBytes(ws.file("photos/truncated.jpg"))))
        try ws.write(whole, to: "photos/crash_me.jpg")
        sources.append(ThumbnailSource(sha256: Self.key(21), path: FilePathBytes(ws.file("photos/crash_me.jpg"))))

        let cache = ThumbnailCache(stateFolder: ws.file("state"))
        var configuration = Thumbnailer.Configuration(executable: Imgeda.executable, workers: 2)
        configuration.environment = ["\(ScanWorker.crashSwitch)=crash_me"]
        let (updates, sink) = JobProgress.stream()
        let collected = Task {
            var last: JobProgress?
            for await value in updates { last = value }
            return last
        }
        let batch = try cache.generate(sources, sizes: [.small, .preview], configuration: configuration, progress: sink)
        #expect(batch.contents == 6)
        #expect(batch.made == 8)
        #expect(batch.failed == [ws.file("photos/crash_me.jpg"), ws.file("photos/truncated.jpg")])
        let last = try #require(await collected.value)
        #expect(last.done == 6 && last.total == 6)
        for i in 0..<4 {
            #expect(cache.cached(Self.key(i), size: .small) != nil && cache.cached(Self.key(i), size: .preview) != nil)
            let (w, h) = try Self.size(of: try #require(cache.cached(Self.key(i), size: .small)))
            #expect(w == 200 && h == 150)
        }
        #expect(cache.cached(Self.key(20), size: .small) == nil)

        // A second run makes nothing new; a deleted small thumbnail comes from the preview.
        unlink(try #require(cache.cached(Self.key(2), size: .small)))
        let again = try cache.generate(sources, sizes: [.small, .preview], configuration: configuration)
        #expect(again.made == 1)
        #expect(again.cached == 7)
        #expect(again.failed.count == 2)
    }
}
