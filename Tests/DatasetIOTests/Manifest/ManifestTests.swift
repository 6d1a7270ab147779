import DatasetAnalysis
import Foundation
import Testing

@testable import DatasetIO

private func temporaryFolder() throws -> String {
    let path = NSTemporaryDirectory() + "imgeda-io-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

private func sampleRecord(_ name: String) -> ImageRecord {
    var r = ImageRecord(path: "data/\(name)", filename: name)
    r.fileSizeBytes = 1234
    r.mtime = 1_732_212_345.123456
    r.width = 640
    r.height = 480
    r.format = "JPEG"
    r.colorMode = "RGB"
    r.numChannels = 3
    r.aspectRatio = 640.0 / 480.0
    r.pixelStats = PixelStats(meanR: 1.5, meanG: 2.25, meanB: 3, stdR: 4, stdG: 5, stdB: 6, meanBrightness: 2.25, minVal: 0, maxVal: 255)
    r.cornerStats = CornerStats(cornerMean: 10, centerMean: 100, borderMean: 20, delta: 90)
    r.phash = String(repeating: "a", count: 64)
    r.isCorrupt = name.contains("bad")
    r.corruptReason = r.isCorrupt ? "truncated JPEG \"quoted\"\nnew line" : nil
    r.cameraMake = "Café ☕"
    r.sha256 = String(repeating: "0", count: 64)
    return r
}

@Suite("manifest")
struct ManifestTests {
    @Test func recordsRoundTripThroughTheLineFormat() throws {
        let folder = try temporaryFolder()
        let path = folder + "/m.jsonl"
        let header = ManifestHeader(
            inputDir: "/data", inputDirs: ["/data"], totalFiles: 2, createdAt: "now", tool: "imgeda-swift", toolVersion: "0.1.0")
        let written = [sampleRecord("a.jpg"), sampleRecord("bad.jpg")]
        try AtomicFile.replace(path) { write in
            try write(ManifestEncoding.line(for: header))
            for r in written { try write(ManifestEncoding.line(for: r)) }
        }
        let reader = try ManifestReader(path: path)
        #expect(try reader.header()?.totalFiles == 2)
        var read: [ImageRecord] = []
        let report = try reader.forEachRecord { read.append($0) }
        #expect(report.records == 2 && report.malformedLines == 0 && !report.truncatedTail)
        #expect(read.map(\.path) == written.map(\.path))
        #expect(read[1].corruptReason == written[1].corruptReason)
        #expect(read[0].cameraMake == "Café ☕")
        #expect(read[0].mtime == written[0].mtime)
        #expect(read[0].pixelStats == written[0].pixelStats)
        // Every line is standalone JSON whose pixel_stats has exactly the reference's keys.
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        let stats = try #require(object["pixel_stats"] as? [String: Any])
        #expect(Set(stats.keys) == ["mean_r", "mean_g", "mean_b", "std_r", "std_g", "std_b", "mean_brightness", "min_val", "max_val"])
    }

    @Test func truncatedLastLineIsSkippedCountedAndCutBeforeAppending() throws {
        let folder = try temporaryFolder()
        let path = folder + "/m.jsonl"
        var bytes = ManifestEncoding.line(for: ManifestHeader(tool: "imgeda-swift"))
        bytes += ManifestEncoding.line(for: sampleRecord("a.jpg"))
        let torn = ManifestEncoding.line(for: sampleRecord("b.jpg"))
        bytes += torn.prefix(torn.count / 2)
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        var names: [String] = []
        let report = try ManifestReader(path: path).forEachRecord { names.append($0.filename) }
        #expect(names == ["a.jpg"])
        #expect(report.truncatedTail)

        let appender = try ManifestAppender(path: path)
        try appender.append(ManifestEncoding.line(for: sampleRecord("c.jpg")))
        appender.close()
        names = []
        let after = try ManifestReader(path: path).forEachRecord { names.append($0.filename) }
        #expect(names == ["a.jpg", "c.jpg"])
        #expect(!after.truncatedTail && after.malformedLines == 0)
    }

    @Test func damagedMiddleLineIsSkippedAndCounted() throws {
        let folder = try temporaryFolder()
        let path = folder + "/m.jsonl"
        var bytes = ManifestEncoding.line(for: sampleRecord("a.jpg"))
        bytes += Array("{not json at all\n".utf8)
        bytes += ManifestEncoding.line(for: sampleRecord("b.jpg"))
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var names: [String] = []
        let report = try ManifestReader(path: path).forEachRecord { names.append($0.filename) }
        #expect(names == ["a.jpg", "b.jpg"])
        #expect(report.malformedLines == 1)
    }

    /// The offset given with each record reads that record again, across the reader's 1 MiB
    /// chunks, blank and damaged lines; an offset where no record starts reads nil.
    @Test func aRecordsOffsetReadsItAgain() throws {
        let folder = try temporaryFolder()
        let path = folder + "/m.jsonl"
        var bytes = ManifestEncoding.line(for: ManifestHeader(tool: "imgeda-swift"))
        for i in 0..<3000 {
            // Names of varying length, so line starts fall anywhere in a chunk.
            bytes += ManifestEncoding.line(for: sampleRecord("\(String(repeating: "n", count: i % 300))-\(i).jpg"))
            if i % 700 == 0 { bytes += Array("\n  \n{not json\n".utf8) }
        }
        #expect(bytes.count > 2 << 20)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reader = try ManifestReader(path: path)
        var offsets: [Int] = []
        var names: [String] = []
        let report = try reader.forEachRecordWithOffset { offset, record in
            offsets.append(offset)
            names.append(record.filename)
        }
        #expect(report.records == 3000 && report.malformedLines == 5)
        #expect(Set(offsets).count == 3000 && offsets.allSatisfy { $0 == 0 || bytes[$0 - 1] == 0x0A })
        let again = try reader.records(at: offsets.reversed())
        #expect(again.map { $0?.filename } == names.reversed())
        #expect(try reader.records(at: [0, offsets[0] + 1, bytes.count]).allSatisfy { $0 == nil })
    }

    @Test func referenceRecordsWithMissingFieldsAreAccepted() throws {
        let folder = try temporaryFolder()
        let path = folder + "/m.jsonl"
        let text = """
            {"__manifest_meta__": true, "input_dir": "/x", "schema_version": 1, "settings": {"workers": 2}, "total_files": 1, "created_at": "t"}
            {"path": "/x/a.png", "filename": "a.png", "file_size_bytes": 10, "mtime": 5.0, "width": 2, "height": 3, "format": "PNG", "color_mode": "RGBA", "num_channels": 4, "aspect_ratio": 0.6667, "pixel_stats": null, "is_corrupt": false, "analyzer_version": "1", "some_future_field": [1, 2]}

            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var read: [ImageRecord] = []
        try ManifestReader(path: path).forEachRecord { read.append($0) }
        #expect(read.count == 1)
        #expect(read[0].colorMode == "RGBA" && read[0].sha256 == nil && read[0].analyzerVersion == "1")
        #expect(try ManifestReader(path: path).header()?.inputDir == "/x")
    }

    @Test func missingManifestNamesTheFileAndTheFix() {
        #expect(throws: DatasetIOError.self) { try ManifestReader(path: "/nonexistent/m.jsonl") }
        do {
            _ = try ManifestReader(path: "/nonexistent/m.jsonl")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.message == "manifest not found: /nonexistent/m.jsonl")
            // The fix is a value; the command line words it as `imgeda scan DIR -o m.jsonl`.
            #expect(error.remedy == .createManifest(path: "/nonexistent/m.jsonl"))
        }
    }
}

@Suite("record parser")
struct RecordParserTests {
    /// The fast parser and JSONDecoder read the same records from real manifest lines,
    /// including escapes, unicode, nulls, unknown nested fields and reference records.
    @Test func fastParserAgreesWithJSONDecoder() throws {
        let folder = NSTemporaryDirectory() + "imgeda-parser-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var lines: [String] = []
        var r = ImageRecord(path: "dir/with \"quotes\" \\ and ünïcode 😀.jpg", filename: "x\ny.jpg")
        r.pixelStats = PixelStats(meanR: 1.25, meanG: 2, meanB: 3e-5, stdR: 4, stdG: 5, stdB: 6, meanBrightness: 7, minVal: 0, maxVal: 255)
        r.cornerStats = CornerStats(cornerMean: 1, centerMean: 2, borderMean: 3, delta: 1)
        r.mtime = 1_732_212_345.123456
        r.corruptReason = "tab\there"
        r.split = "train"
        lines.append(String(decoding: ManifestEncoding.line(for: r).dropLast(), as: UTF8.self))
        lines.append(
            #"{"path": "a\u00e9\ud83d\ude00.png", "width": 5, "future": {"nested": [1, {"x": null}]}, "pixel_stats": null, "is_corrupt": true}"#
        )
        lines.append(
            #"{"path": "ref.jpg", "filename": "ref.jpg", "file_size_bytes": 10, "mtime": 5.0, "width": 2, "height": 3, "format": "PNG", "color_mode": "RGBA", "num_channels": 4, "aspect_ratio": 0.6667, "pixel_stats": {"mean_r": 1.0, "mean_g": 2.0, "mean_b": 3.0, "std_r": 0.0, "std_g": 0.0, "std_b": 0.0, "mean_brightness": 2.0, "min_val": 0, "max_val": 255}, "corner_stats": null, "is_corrupt": false, "analyzer_version": "1"}"#
        )
        lines.append(#"{"path": "bad.jpg", "width": "wide"}"#)  // wrong type: both must reject
        lines.append(#"{"path": "lone\udc00.jpg"}"#)  // a lone surrogate
        let decoder = JSONDecoder()
        for line in lines {
            let bytes = Array(line.utf8)
            let fast = RecordParser.parse(bytes[...])
            let slow = try? decoder.decode(ImageRecord.self, from: Data(bytes))
            if let fast { #expect(fast == slow, "\(line)") }
        }
        // The reader (fast path with fallback) reads exactly what JSONDecoder reads.
        let path = folder + "/m.jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        var read: [ImageRecord] = []
        let report = try ManifestReader(path: path).forEachRecord { read.append($0) }
        let expected = lines.compactMap { try? decoder.decode(ImageRecord.self, from: Data($0.utf8)) }
        #expect(read == expected)
        #expect(report.malformedLines == lines.count - expected.count)
    }

    /// Every number reads as `Double(text)` reads its text, to the bit (the parser's exact
    /// path for plain decimals of up to 15 digits, and the general one for the rest): decimals
    /// with every digit count and point position, signs, zeros, exponents, long mantissas.
    @Test func numbersReadAsDoubleReadsTheirText() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var texts = [
            "0", "-0", "0.0", "-0.0", "1", "01", "5.0", "0.1", "0.3", "2.675", "1e5", "1E-3", "-2.5e+10", "1234567890.12345",
            "123456789012345", "1234567890123456", "12345678901234567890", "0.000000000000001", "9007199254740993",
            "1.7976931348623157e308",
        ]
        for _ in 0..<20_000 {
            let digits = (0..<(1 + next(17))).map { _ in String(next(10)) }.joined()
            let point = next(digits.count + 1)
            var text = point == 0 || point == digits.count ? digits : "\(digits.prefix(point)).\(digits.dropFirst(point))"
            if next(4) == 0 { text = "-" + text }
            if next(10) == 0 { text += "e\(next(40) - 20)" }
            texts.append(text)
        }
        for text in texts {
            let line = Array(#"{"path": "a.jpg", "mtime": \#(text), "width": 1}"#.utf8)
            let record = try #require(RecordParser.parse(line[...]), "\(text)")
            let expected = try #require(Double(text))
            #expect(record.mtime.bitPattern == expected.bitPattern, "\(text)")
        }
    }

    /// Relative record paths resolve against the folder the scan ran in: from the header's
    /// `working_dir`, or, in the reference's manifests, derived from the absolute `input_dir`.
    @Test func recordPathsResolveAgainstTheScanFolder() {
        var header = ManifestHeader(inputDir: "/home/u/./data", inputDirs: ["/home/u/./data"])
        let reference = ManifestPaths(header: header, manifest: "/nowhere/m.jsonl")
        #expect(reference.resolve("data/sub/x.jpg") == "/home/u/data/sub/x.jpg")
        #expect(reference.resolve("/abs/x.jpg") == "/abs/x.jpg")
        #expect(reference.relativeToRoot("data/sub/x.jpg") == "sub/x.jpg")
        #expect(reference.relativeToRoot("/home/u/data/y.jpg") == "y.jpg")
        #expect(reference.relativeToRoot("/other/z.jpg") == "/other/z.jpg")

        header.workingDir = "/srv/scans"
        header.inputDir = "/srv/sets/data"
        header.inputDirs = ["/srv/sets/data/train", "/srv/sets/data/val"]
        let ours = ManifestPaths(header: header, manifest: "/nowhere/m.jsonl")
        #expect(ours.resolve("../sets/data/train/a.jpg") == "/srv/sets/data/train/a.jpg")
        #expect(ours.scanRoot == "/srv/sets/data")
        #expect(ours.relativeToRoot("../sets/data/val/b.jpg") == "val/b.jpg")

        // Without a header, paths stay as they are.
        #expect(ManifestPaths(header: nil, manifest: "m.jsonl").relativeToRoot("a/b.jpg") == "a/b.jpg")
    }

    @Test func workingDirRoundTripsThroughTheHeader() throws {
        let folder = try temporaryFolder()
        var header = ManifestHeader(inputDir: "/data", inputDirs: ["/data"], tool: "imgeda-swift")
        header.workingDir = "/home/u"
        try AtomicFile.write(ManifestEncoding.line(for: header), to: folder + "/m.jsonl")
        #expect(try ManifestReader(path: folder + "/m.jsonl").header()?.workingDir == "/home/u")
    }

    @Test func extensionThatNamesAnotherFormatIsAMismatch() {
        #expect(ExtensionCheck.mismatch(path: "a/photo.jpg", format: "PNG")?.detail == "named .jpg, but the bytes are PNG")
        #expect(ExtensionCheck.mismatch(path: "a/photo.JPEG", format: "JPEG") == nil)
        #expect(ExtensionCheck.mismatch(path: "a/multi.jpg", format: "MPO") == nil)
        #expect(ExtensionCheck.mismatch(path: "a/unknown.xyz", format: "PNG") == nil)
        #expect(ExtensionCheck.mismatch(path: "a/text.png", format: "") == nil)  // unreadable: reported as corrupt
        #expect(ExtensionCheck.mismatch(path: "a/.png", format: "JPEG") == nil)
    }

    @Test func aHeaderLineIsKnownByItsKeyInItsFirst40Bytes() {
        func isHeader(_ text: String) -> Bool { ManifestReader.isHeaderLine(ArraySlice(Array(text.utf8))) }
        #expect(isHeader(#"{"__manifest_meta__": true}"#))
        #expect(isHeader(#"{"schema_version": 1, "__manifest_meta__": true}"#))
        #expect(isHeader("__manifest_meta__"))
        #expect(!isHeader(#"{"schema_version": 1, "tool": "x", "other": 2, "__manifest_meta__": true}"#))
        #expect(!isHeader(#"{"path": "__manifest_meta_", "x": 1}"#))
        #expect(!isHeader(""))
        // A slice of a larger buffer, as the reader hands lines over.
        let bytes = Array(#"{"path": "a"}"#.utf8) + [0x0A] + Array(#"{"__manifest_meta__": true}"#.utf8)
        #expect(ManifestReader.isHeaderLine(bytes[14...]))
        #expect(!ManifestReader.isHeaderLine(bytes[..<13]))
    }
}
