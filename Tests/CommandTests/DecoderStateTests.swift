import DatasetAnalysis
import DatasetIO
import ExampleData
import Foundation
import ImageDecoding
import Testing

@testable import DatasetPipeline

/// A file's verdict depends on the file alone: a damaged file decoded before it by the same
/// worker must not change it.
@Suite("decoder state across files")
struct DecoderStateTests {
    /// A JPEG whose first Huffman table claims more codes than a table can hold, so its
    /// header fails to parse ("Bogus Huffman table definition").
    static func jpegWithBogusHuffmanTable(_ jpeg: [UInt8]) throws -> [UInt8] {
        var bytes = jpeg
        let dht = try #require((0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC4 })
        // Marker (2), length (2), class/id (1), then 16 code counts.
        for i in (dht + 5)..<(dht + 21) { bytes[i] = 0xFF }
        return bytes
    }

    @Test func damagedJPEGHeaderDoesNotSpoilTheNextJPEGsOfTheSameDecoder() throws {
        let good = try Fixtures.jpeg(Fixtures.scene(3, width: 120, height: 90))
        let bad = try Self.jpegWithBogusHuffmanTable(good)
        let decoder = ImageDecoder()
        let options = DecodeOptions(previewSide: 64)
        #expect(throws: DecodeError.self) { try bad.withUnsafeBytes { try decoder.decode($0, options: options) } }
        for _ in 0..<2 {
            let decoded = try good.withUnsafeBytes { try decoder.decode($0, options: options) }
            #expect(decoded.width == 120 && decoded.decoder == "turbojpeg")
        }
    }

    /// The case from the issue: with one worker, a JPEG with a damaged header, then two
    /// valid JPEGs; only the first is corrupt.
    @Test func oneWorkerScanFlagsOnlyTheDamagedJPEG() throws {
        let ws = try Workspace()
        let good = try Fixtures.jpeg(Fixtures.scene(5, width: 120, height: 90))
        try ws.write(try Self.jpegWithBogusHuffmanTable(good), to: "data/a_bad.jpg")
        try ws.write(good, to: "data/b_good.jpg")
        try ws.write(try Fixtures.jpeg(Fixtures.scene(6, width: 100, height: 80)), to: "data/c_good.jpg")
        let manifest = ws.file("m.jsonl")
        let result = try Imgeda.run(["scan", ws.file("data"), "-o", manifest, "--workers", "1", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let byName = Dictionary(try records(manifest).map { ($0.filename, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byName["a_bad.jpg"]?.isCorrupt == true)
        #expect(byName["a_bad.jpg"]?.corruptReason?.contains("JPEG") == true)
        for name in ["b_good.jpg", "c_good.jpg"] {
            let record = try #require(byName[name])
            #expect(!record.isCorrupt, "\(name): \(record.corruptReason ?? "")")
            #expect(record.pixelStats != nil)
        }
    }

    /// Records written by the analyzer version that spoiled JPEGs after a damaged one are
    /// analysed again on resume, not kept.
    @Test func resumeReplacesRecordsOfTheVersionThatSpoiledJPEGs() throws {
        let ws = try Workspace()
        try ws.write(try Fixtures.jpeg(Fixtures.scene(7, width: 80, height: 60)), to: "data/good.jpg")
        let manifest = ws.file("m.jsonl")
        #expect(try Imgeda.run(["scan", ws.file("data"), "-o", manifest, "--quiet"]).status == 0)
        // What the faulty version wrote for a valid JPEG that followed a damaged one.
        var lines = try String(contentsOfFile: manifest, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[1] = lines[1]
            .replacingOccurrences(of: "\"is_corrupt\": false", with: "\"is_corrupt\": true")
            .replacingOccurrences(
                of: "\"corrupt_reason\": null", with: "\"corrupt_reason\": \"damaged JPEG header (Bogus Huffman table definition)\""
            )
            .replacingOccurrences(
                of: "\"analyzer_version\": \"\(ImageRecord.currentAnalyzerVersion)\"", with: "\"analyzer_version\": \"swift-2\"")
        try ws.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: "m.jsonl")
        #expect(try records(manifest).first?.isCorrupt == true)
        let again = try Imgeda.run(["scan", ws.file("data"), "-o", manifest])
        #expect(again.status == 0, "\(again.stderr)")
        let record = try #require(try records(manifest).first)
        #expect(!record.isCorrupt && record.analyzerVersion == ImageRecord.currentAnalyzerVersion)
    }

    /// The differential test: fuzzed variants (truncations, byte flips, zeroed spans) of
    /// every format this build writes, scanned in one batch by one worker, get the same
    /// records as each file analysed alone by a fresh worker process (libvips' error buffer
    /// is per process, so decoding in this test process, beside other tests, would not be
    /// alone).
    @Test func batchAndFileByFileGiveIdenticalRecords() throws {
        let ws = try Workspace()
        let corpus = try Self.fuzzedCorpus(in: ws, folder: "data")
        #expect(corpus.count > 60)
        let manifest = ws.file("m.jsonl")
        let result = try Imgeda.run(["scan", ws.file("data"), "-o", manifest, "--workers", "1", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let batch = Dictionary(try records(manifest).map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(batch.count == corpus.count)
        // Alone: a fresh worker process per file, a few at a time, given the batch's settings.
        let settings = String(
            decoding: try JSONEncoder().encode(try #require(try ManifestReader(path: manifest).header()?.settings)),
            as: UTF8.self)
        var aloneLines = Array("{\"__manifest_meta__\": true}\n".utf8)
        for start in stride(from: 0, to: corpus.count, by: 4) {
            let workers = try corpus[start..<min(corpus.count, start + 4)].map { try Self.startWorker(settings: settings, path: $0) }
            for worker in workers { aloneLines += try Self.answer(of: worker) }
        }
        try ws.write(aloneLines, to: "alone.jsonl")
        let aloneRecords = try records(ws.file("alone.jsonl"))
        #expect(aloneRecords.count == corpus.count)
        var differing: [String] = []
        var corrupt = 0
        for var alone in aloneRecords {
            guard var inBatch = batch[alone.path] else {
                differing.append("\(alone.filename): missing from the batch")
                continue
            }
            if alone.isCorrupt { corrupt += 1 }
            // When each was analysed is the only field that legitimately differs.
            alone.analyzedAt = ""
            inBatch.analyzedAt = ""
            if alone != inBatch {
                differing.append("\(alone.filename): alone \(alone.corruptReason ?? "ok"), batch \(inBatch.corruptReason ?? "ok")")
            }
        }
        #expect(differing.isEmpty, "\(differing.count) differ: \(differing.prefix(10))")
        // The corpus exercises both verdicts.
        #expect(corrupt > 10 && corrupt < corpus.count - 10, "\(corrupt) of \(corpus.count) corrupt")
    }

    /// Starts `imgeda __scan-worker` on one file: the request is written and stdin closed, so
    /// the worker answers and exits.
    static func startWorker(settings: String, path: String) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Imgeda.executable)
        process.arguments = [ScanWorker.subcommand, settings]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: WorkerProtocol.request(job: 0, path: FilePathBytes(path)))
        try input.fileHandleForWriting.close()
        return (process, output)
    }

    /// The manifest line a worker answered with.
    static func answer(of worker: (Process, Pipe)) throws -> [UInt8] {
        var buffer = [UInt8](try worker.1.fileHandleForReading.readToEnd() ?? Data())
        worker.0.waitUntilExit()
        let frame = try #require(WorkerProtocol.takeFrames(&buffer).first)
        return Array(frame.dropFirst(9))
    }

    /// Writes small images of every format, each followed by damaged copies: truncated at
    /// several points, bytes flipped in the header and the data, spans zeroed. Returns their
    /// paths.
    static func fuzzedCorpus(in ws: Workspace, folder: String) throws -> [String] {
        let suffixes: [(String, String)] = [
            ("jpg", ".jpg[Q=85]"), ("png", ".png"), ("webp", ".webp[Q=80]"), ("gif", ".gif"),
            ("tif", ".tif"), ("bmp", ".bmp"), ("heic", ".heic"), ("avif", ".avif"), ("jxl", ".jxl"),
        ]
        var rng = SyntheticImages.Random(seed: 2026)
        var paths: [String] = []
        for (index, (ext, suffix)) in suffixes.enumerated() {
            let original = try Fixtures.encode(Fixtures.scene(UInt64(40 + index), width: 72, height: 54), suffix: suffix)
            var variants: [(String, [UInt8])] = [("original", original)]
            for fraction in [0.2, 0.5, 0.9] {
                variants.append(("cut\(Int(fraction * 100))", Array(original.prefix(Int(Double(original.count) * fraction)))))
            }
            for round in 0..<3 {
                var flipped = original
                // Two flips in the first 64 bytes (headers, tables), three anywhere.
                for k in 0..<5 {
                    let limit = k < 2 ? min(64, flipped.count) : flipped.count
                    let at = rng.int(0...(limit - 1))
                    flipped[at] ^= UInt8(truncatingIfNeeded: rng.int(1...255))
                }
                variants.append(("flip\(round)", flipped))
            }
            for round in 0..<2 {
                var zeroed = original
                let start = rng.int(0...(zeroed.count / 2))
                let length = rng.int(8...max(8, zeroed.count / 4))
                for i in start..<min(zeroed.count, start + length) { zeroed[i] = 0 }
                variants.append(("zero\(round)", zeroed))
            }
            if ext == "jpg" { variants.append(("aadht", try jpegWithBogusHuffmanTable(original))) }
            // Valid files between the damaged ones: sorted by name, each damaged file is
            // followed by more of them in the batch.
            for (name, bytes) in variants {
                let relative = "\(folder)/\(ext)_\(name).\(ext)"
                try ws.write(bytes, to: relative)
                paths.append(ws.file(relative))
            }
        }
        return paths
    }
}
