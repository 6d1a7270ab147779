import DatasetAnalysis
import DatasetIO
import ExampleData
import Foundation
import ImageDecoding
import Testing

/// Decoding happens only in supervised worker processes with a time limit and a memory cap,
/// for scans and report thumbnails alike, and they keep quiet.
@Suite("worker isolation and limits")
struct WorkerLimitsTests {
    /// Makes `relative` a sparse file of `size` bytes that starts with `image`: a valid
    /// header, then (virtually) gigabytes of zeros that take no disk space.
    static func sparse(_ ws: Workspace, _ relative: String, image: [UInt8], size: off_t = 10 << 30) throws {
        try ws.write(image, to: relative)
        #expect(truncate(ws.file(relative), size) == 0)
    }

    /// Paths of the report's figures that show "image not reachable".
    static func unreachableFigures(_ html: String) -> [String] {
        html.components(separatedBy: "image not reachable</div><figcaption>").dropFirst().compactMap { part in
            part.components(separatedBy: "</figcaption>").first?.components(separatedBy: "<br>").last
        }
    }

    @Test func hugeSparseFileIsFlaggedForMemoryInsteadOfRead() throws {
        let ws = try Workspace()
        let png = try Fixtures.encode(Fixtures.scene(12, width: 64, height: 48), suffix: ".png")
        try Self.sparse(ws, "data/huge.png", image: png)
        try ws.write(try Fixtures.jpeg(Fixtures.scene(13, width: 64, height: 48)), to: "data/small.jpg")
        let manifest = ws.file("m.jsonl")
        let result = try Imgeda.run(["scan", ws.file("data"), "-o", manifest, "--workers", "1", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let byName = Dictionary(try records(manifest).map { ($0.filename, $0) }, uniquingKeysWith: { a, _ in a })
        let huge = try #require(byName["huge.png"])
        #expect(huge.isCorrupt)
        // The default: 1 GiB + 8 bytes per pixel of the default --max-pixels (250 million).
        #expect(
            huge.corruptReason?.contains("needs more memory than the limit of 2.9 GiB for one worker") == true,
            "\(huge.corruptReason ?? "")")
        #expect(huge.fileSizeBytes == 10 << 30)
        #expect(byName["small.jpg"]?.isCorrupt == false)

        // The limit is an option, and an unchanged huge file is not read again on resume.
        let again = try Imgeda.run(["scan", ws.file("data"), "-o", manifest, "--workers", "1", "--max-memory", "512"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("2 unchanged since the last scan"), "\(again.stderr)")
        let lower = try Imgeda.run(["scan", ws.file("data/huge.png"), "-o", ws.file("l.jsonl"), "--max-memory", "512"])
        #expect(lower.status == 0, "\(lower.stderr)")
        // The record says what happened; the command says which option raises the limit.
        #expect(
            lower.stdout.contains("1 file needed more memory than one worker may use; raise the limit with --max-memory"),
            "\(lower.stdout)")
        #expect(try records(ws.file("l.jsonl")).first?.corruptReason?.contains("limit of 512 MiB") == true)
        let bad = try Imgeda.run(["scan", ws.file("data"), "-o", manifest, "--max-memory", "10"])
        #expect(bad.status == 1 && bad.stderr.contains("--max-memory must be at least 512"), "\(bad.stderr)")
    }

    /// Report thumbnails are made by the scan's workers: a decoder that hangs or crashes, or
    /// a flagged image replaced by a 10 GiB sparse file, costs its thumbnail only.
    @Test func reportThumbnailsRunInIsolatedLimitedWorkers() throws {
        let ws = try Workspace()
        let manifest = try ws.exampleManifest()
        let clean = try Imgeda.run(["report", "-m", manifest, "-o", ws.file("clean.html")])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(Self.unreachableFigures(try String(contentsOfFile: ws.file("clean.html"), encoding: .utf8)).isEmpty)

        let hung = try Imgeda.run(
            ["report", "-m", manifest, "-o", ws.file("hung.html"), "--timeout", "2"],
            environment: ["IMGEDA_TEST_HANG_ON": "dark.jpg", "IMGEDA_TEST_CRASH_ON": "blurry"])
        #expect(hung.status == 0, "\(hung.stderr)")
        let hungFigures = Self.unreachableFigures(try String(contentsOfFile: ws.file("hung.html"), encoding: .utf8))
        #expect(hungFigures.contains { $0.hasSuffix("problems/dark.jpg") }, "\(hungFigures)")
        #expect(hungFigures.contains { $0.contains("blurry") }, "\(hungFigures)")
        #expect(hungFigures.allSatisfy { $0.hasSuffix("dark.jpg") || $0.contains("blurry") }, "\(hungFigures)")

        let dark = try [UInt8](Data(contentsOf: URL(fileURLWithPath: ws.file("example/problems/dark.jpg"))))
        try Self.sparse(ws, "example/problems/dark.jpg", image: dark)
        let huge = try Imgeda.run(["report", "-m", manifest, "-o", ws.file("huge.html")])
        #expect(huge.status == 0, "\(huge.stderr)")
        let hugeFigures = Self.unreachableFigures(try String(contentsOfFile: ws.file("huge.html"), encoding: .utf8))
        #expect(!hugeFigures.isEmpty && hugeFigures.allSatisfy { $0.hasSuffix("problems/dark.jpg") }, "\(hugeFigures)")
    }

    /// A flagged image whose name is not UTF-8 gets its thumbnail (through `path_raw`).
    @Test func thumbnailsOfNamesThatAreNotUTF8() throws {
        let ws = try Workspace()
        let darkScene = SyntheticImages.exposed(Fixtures.scene(14, width: 96, height: 72), gain: 0.1)
        let jpeg = try Fixtures.jpeg(darkScene)
        try ws.write(jpeg, to: "data/plain_dark.jpg")
        let odd = Array(ws.file("data/odd").utf8) + [0xFF, 0xFE] + Array("_dark.jpg".utf8)
        let fd = (odd + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT, 0o644) }
        }
        #expect(fd >= 0)
        _ = jpeg.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let manifest = ws.file("m.jsonl")
        let scan = try Imgeda.run(["scan", ws.file("data"), "-o", manifest, "--quiet", "--no-hashes"])
        #expect(scan.status == 0, "\(scan.stderr)")
        let all = try records(manifest)
        #expect(all.count == 2 && all.allSatisfy(\.isDark))
        #expect(all.contains { $0.pathRaw != nil })
        let report = try Imgeda.run(["report", "-m", manifest, "-o", ws.file("r.html")])
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: ws.file("r.html"), encoding: .utf8)
        #expect(Self.unreachableFigures(html).isEmpty, "\(Self.unreachableFigures(html))")
        #expect(html.components(separatedBy: "data:image/jpeg;base64,").count - 1 >= 2)
    }

    /// `scan -q` prints nothing on a set full of damaged files that make codecs complain, and
    /// `report` prints no decoder warnings.
    @Test func quietScanAndReportPrintNoDecoderNoise() throws {
        let ws = try Workspace()
        _ = try DecoderStateTests.fuzzedCorpus(in: ws, folder: "data")
        // Dark pictures in formats whose libvips loaders warn (HEIF's colour profile, TIFF's
        // resolution tags): the report makes their thumbnails.
        for (index, suffix) in [".heic", ".avif", ".tif"].enumerated() {
            let dark = SyntheticImages.exposed(Fixtures.scene(UInt64(60 + index), width: 96, height: 72), gain: 0.1)
            try ws.write(try Fixtures.encode(dark, suffix: suffix), to: "data/zz_dark_\(index)\(suffix)")
        }
        let manifest = ws.file("m.jsonl")
        let scan = try Imgeda.run(["scan", ws.file("data"), "-o", manifest, "--workers", "2", "-q"])
        #expect(scan.status == 0)
        #expect(scan.stdout.isEmpty && scan.stderr.isEmpty, "stdout: \(scan.stdout)\nstderr: \(scan.stderr)")
        let report = try Imgeda.run(["report", "-m", manifest, "-o", ws.file("r.html")])
        #expect(report.status == 0)
        #expect(report.stderr.isEmpty, "\(report.stderr)")
    }
}
