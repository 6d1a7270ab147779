import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

@Suite struct ManifestMergeTests {
    /// A part holding `paths` (in that order), each record's `file_size_bytes` set to `size`.
    func part(_ ws: Workspace, _ name: String, _ paths: [String], size: Int, shard: Shard? = nil, settings: ScanSettings = ScanSettings())
        throws -> String
    {
        var header = ManifestHeader(
            inputDir: "/data", inputDirs: ["/data"], settings: settings, totalFiles: paths.count, tool: "imgeda-swift")
        header.shard = shard
        var bytes = ManifestEncoding.line(for: header)
        for path in paths {
            var record = ImageRecord(path: path, filename: (path as NSString).lastPathComponent)
            record.fileSizeBytes = size
            bytes += ManifestEncoding.line(for: record)
        }
        try ws.write(bytes, to: name)
        return ws.file(name)
    }

    @Test func recordsComeOutOncePerPathInPathOrderWhateverTheRunSize() throws {
        let ws = try Workspace()
        // Paths shuffled deterministically over three parts, as a multi-worker scan writes them.
        var paths = (0..<600).map { String(format: "/data/d%02d/img_%04d.jpg", $0 % 7, $0) }
        var generator = SplitMix(seed: 7)
        paths.shuffle(using: &generator)
        let parts = try (0..<3).map { i in
            try part(ws, "p\(i).jsonl", paths.enumerated().filter { $0.offset % 3 == i }.map(\.element), size: 1)
        }
        var small = ManifestMerge(parts: parts, output: ws.file("small.jsonl"))
        small.runBytes = 4_000  // dozens of runs per part: the spill and the k-way merge do the work
        let summary = try small.run()
        let large = try ManifestMerge(parts: parts.reversed(), output: ws.file("large.jsonl")).run()
        #expect(summary.records == 600 && large.records == 600)
        let merged = try records(ws.file("small.jsonl")).map(\.path)
        #expect(merged == paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(try Data(contentsOf: URL(fileURLWithPath: ws.file("small.jsonl"))).count > 0)
        #expect(try records(ws.file("large.jsonl")).map(\.path) == merged)
        let header = try #require(try ManifestReader(path: ws.file("small.jsonl")).header())
        #expect(header.totalFiles == 600 && header.shard == nil)
        // No spill folder is left beside the output.
        let left = try FileManager.default.contentsOfDirectory(atPath: ws.path).filter { $0.contains(".merge-") }
        #expect(left.isEmpty, "\(left)")
    }

    @Test func theNewestRecordOfAPathWinsWithinAndAcrossParts() throws {
        let ws = try Workspace()
        // Within a part the later line wins; across parts the part later in path order wins,
        // whatever order the parts are named in.
        let a = try part(ws, "a.jsonl", ["/data/x.jpg", "/data/y.jpg", "/data/x.jpg"], size: 1)
        let b = try part(ws, "b.jsonl", ["/data/y.jpg", "/data/z.jpg"], size: 2)
        var a2 = try String(contentsOfFile: a, encoding: .utf8)
        // Mark a's second x record so it is told apart from its first.
        let lines = a2.split(separator: "\n", omittingEmptySubsequences: false)
        a2 = lines.enumerated().map {
            $0.offset == 3
                ? $0.element.replacingOccurrences(of: "\"file_size_bytes\": 1", with: "\"file_size_bytes\": 3") : String($0.element)
        }
        .joined(separator: "\n")
        try a2.write(toFile: a, atomically: true, encoding: .utf8)
        for order in [[a, b], [b, a]] {
            var merge = ManifestMerge(parts: order, output: ws.file("m.jsonl"))
            merge.runBytes = 100
            let summary = try merge.run()
            let merged = try records(ws.file("m.jsonl"))
            #expect(merged.map(\.path) == ["/data/x.jpg", "/data/y.jpg", "/data/z.jpg"])
            #expect(merged.map(\.fileSizeBytes) == [3, 2, 2])
            #expect(summary.supersededRecords == 2)
        }
    }

    @Test func aPartWithOtherThresholdsIsRefusedNamingItAndTheSetting() throws {
        let ws = try Workspace()
        var other = ScanSettings()
        other.darkThreshold = 33
        let a = try part(ws, "a.jsonl", ["/data/x.jpg"], size: 1, shard: try Shard(index: 1, count: 2))
        let b = try part(ws, "b.jsonl", ["/data/y.jpg"], size: 1, shard: try Shard(index: 2, count: 2), settings: other)
        let error = #expect(throws: ImgedaError.self) { try ManifestMerge(parts: [a, b], output: ws.file("m.jsonl")).run() }
        let text = error?.description ?? ""
        #expect(text.contains(b) && text.contains("dark_threshold") && text.contains("33"), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: ws.file("m.jsonl")))
    }

    @Test func missingAndRepeatedShardsAreNamed() throws {
        let ws = try Workspace()
        let one = try part(ws, "s1.jsonl", ["/data/a.jpg"], size: 1, shard: try Shard(index: 1, count: 4))
        let three = try part(ws, "s3.jsonl", ["/data/c.jpg"], size: 1, shard: try Shard(index: 3, count: 4))
        let again = try part(ws, "s3b.jsonl", ["/data/c.jpg"], size: 1, shard: try Shard(index: 3, count: 4))
        let other = try part(ws, "t.jsonl", ["/data/d.jpg"], size: 1, shard: try Shard(index: 2, count: 5))
        let cases: [([String], String, String)] = [
            ([one, three], ws.file("m.jsonl"), "missing shards 2/4, 4/4"),
            ([one, three, again], ws.file("m.jsonl"), "shard 3/4 is given twice"),
            ([one, other], ws.file("m.jsonl"), "2/5"),
            ([one], one, "input of this command"),
        ]
        for (parts, output, expected) in cases {
            let error = #expect(throws: ImgedaError.self) { try ManifestMerge(parts: parts, output: output).run() }
            #expect(error?.description.contains(expected) == true, "\(String(describing: error))")
        }
    }
}

/// A seeded generator, so a shuffled fixture is the same every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
