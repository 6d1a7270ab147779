import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `scan --shard I/N` run as separate processes at once, and `imgeda merge`.
@Suite struct ShardCommandTests {
    /// The record lines of a manifest, without its header.
    func recordLines(_ path: String) throws -> [Substring] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.contains("__manifest_meta__") }
    }

    /// The record lines with the time of analysis (the one field two scans of a file differ
    /// in) blanked.
    func comparableLines(_ path: String) throws -> [String] {
        try recordLines(path).map { line in
            line.replacingOccurrences(of: #""analyzed_at": "[^"]*""#, with: #""analyzed_at": """#, options: .regularExpression)
        }
    }

    /// Four shards as four processes at the same time, one of them killed with SIGKILL and
    /// run again, merge into exactly the records of a single scan of the same folder.
    @Test func fourShardsAtOnceMergeIntoTheRecordsOfOneScan() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "data/train", count: 30, size: 64)
        try Fixtures.jpegFolder(ws, folder: "data/val", count: 18, size: 72)
        try ws.write(Array("not an image".utf8), to: "data/val/broken.jpg")
        let data = ws.file("data")

        // The single-machine scan: one worker writes records in discovery (path) order.
        let single = try Imgeda.run(["scan", data, "-o", ws.file("single.jsonl"), "--workers", "1", "--quiet"])
        #expect(single.status == 0, "\(single.stderr)")

        let shards = (1...4).map { ws.file("part-\($0).jsonl") }
        var running: [RunningCommand] = []
        for i in 1...4 {
            // Shard 3 is slowed down and checkpoints often, so it can be killed part-way.
            let slow = i == 3
            running.append(
                try Imgeda.start(
                    ["scan", data, "-o", shards[i - 1], "--shard", "\(i)/4", "--workers", "1", "--quiet"]
                        + (slow ? ["--checkpoint-every", "1"] : []),
                    environment: slow ? ["IMGEDA_TEST_DELAY_MS": "150"] : [:]))
        }
        for _ in 0..<600 {
            if (try? recordLines(shards[2]).count) ?? 0 >= 1 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        running[2].signal(SIGKILL)
        let results = running.map { $0.wait() }
        for (i, result) in results.enumerated() where i != 2 { #expect(result.status == 0, "shard \(i + 1): \(result.stderr)") }
        #expect(results[2].status != 0)
        let killedRecords = try records(shards[2]).count
        let killedExpected = try #require(try ManifestReader(path: shards[2]).header()).totalFiles
        #expect(killedRecords >= 1 && killedRecords < killedExpected, "\(killedRecords) of \(killedExpected)")

        // Merging now warns that shard 3 is incomplete.
        let early = try Imgeda.run(["merge", ws.file("part-*.jsonl"), "-o", ws.file("merged.jsonl")])
        #expect(early.status == 0, "\(early.stderr)")
        #expect(early.stderr.contains("shard 3/4") && early.stderr.contains("run it again"), "\(early.stderr)")

        // The re-run resumes: it reuses what was saved before the kill.
        let again = try Imgeda.run(["scan", data, "-o", shards[2], "--shard", "3/4", "--workers", "1"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("unchanged since the last scan"), "\(again.stderr)")

        let merge = try Imgeda.run(["merge", ws.file("part-*.jsonl"), "-o", ws.file("merged.jsonl")])
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(merge.stdout.contains("Merged 4 shards"), "\(merge.stdout)")
        #expect(!merge.stderr.contains("Warning"), "\(merge.stderr)")

        // Every shard did some of the work, and no file is in two shards.
        let perShard = try shards.map { try records($0).map(\.path) }
        #expect(perShard.allSatisfy { !$0.isEmpty }, "\(perShard.map(\.count))")
        #expect(Set(perShard.flatMap { $0 }).count == perShard.reduce(0) { $0 + $1.count })

        // The same records as the single scan, byte for byte but the time of analysis, and in
        // the same order: checksums, hashes, statistics, the corrupt file's reason.
        let expected = try comparableLines(ws.file("single.jsonl"))
        let merged = try comparableLines(ws.file("merged.jsonl"))
        #expect(expected.count == 49)
        #expect(merged == expected)
        let header = try #require(try ManifestReader(path: ws.file("merged.jsonl")).header())
        let singleHeader = try #require(try ManifestReader(path: ws.file("single.jsonl")).header())
        #expect(header.totalFiles == singleHeader.totalFiles && header.settings == singleHeader.settings)
        #expect(header.shard == nil && header.inputDirs == singleHeader.inputDirs)
        #expect(try ManifestReader(path: shards[0]).header()?.shard == Shard(index: 1, count: 4))

        // Every command reads the merged manifest.
        let info = try Imgeda.run(["info", "-m", ws.file("merged.jsonl")])
        #expect(info.status == 0, "\(info.stderr)")
    }

    /// `--keys-from`: a fan-out worker scans exactly the batch of paths it was handed.
    @Test func keysFromScansExactlyTheListedFiles() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "data/a", count: 6, size: 32)
        try ws.write(Array("a/img_0001.jpg\r\na/img_0004.jpg\n\na/missing.jpg\n".utf8), to: "keys.txt")
        let result = try Imgeda.run(["scan", ws.file("data"), "-o", ws.file("m.jsonl"), "--keys-from", ws.file("keys.txt")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try records(ws.file("m.jsonl")).map(\.filename).sorted() == ["img_0001.jpg", "img_0004.jpg"])
        #expect(result.stderr.contains("1 of the 3 listed paths matched no image file"), "\(result.stderr)")
    }

    @Test func badShardValuesGiveOneClearLine() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "data", count: 2, size: 32)
        for bad in ["0/4", "5/4", "x"] {
            let result = try Imgeda.run(["scan", ws.file("data"), "-o", ws.file("m.jsonl"), "--shard", bad])
            #expect(result.status == 1, "\(bad): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains("shard"), "\(bad): \(result.stderr)")
            let download = try Imgeda.run(["download", "-", "-o", ws.file("dl"), "--shard", bad])
            #expect(download.status == 1 && download.stderr.split(separator: "\n").count == 1, "\(bad): \(download.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: ws.file("m.jsonl")))
    }

    @Test func mergeRefusesOtherThresholdsMissingShardsAndAnotherShardsOutput() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "data", count: 12, size: 32)
        let data = ws.file("data")
        for (i, extra) in [(1, [String]()), (2, ["--dark-threshold", "33"]), (3, [])] {
            let result = try Imgeda.run(["scan", data, "-o", ws.file("s\(i).jsonl"), "--shard", "\(i)/3", "--quiet"] + extra)
            #expect(result.status == 0, "\(result.stderr)")
        }
        let mismatch = try Imgeda.run(["merge", ws.file("s1.jsonl"), ws.file("s2.jsonl"), ws.file("s3.jsonl"), "-o", ws.file("m.jsonl")])
        #expect(mismatch.status == 1)
        #expect(mismatch.stderr.contains(ws.file("s2.jsonl")) && mismatch.stderr.contains("dark_threshold"), "\(mismatch.stderr)")
        #expect(mismatch.stderr.split(separator: "\n").count == 1, "\(mismatch.stderr)")

        let missing = try Imgeda.run(["merge", ws.file("s1.jsonl"), ws.file("s3.jsonl"), "-o", ws.file("m.jsonl")])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("missing shard 2/3"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws.file("m.jsonl")))

        let nothing = try Imgeda.run(["merge", ws.file("nope-*.jsonl"), "-o", ws.file("m.jsonl")])
        #expect(nothing.status == 1 && nothing.stderr.contains("no file matches"), "\(nothing.stderr)")

        // Resuming into another shard's manifest would drop its records: refused.
        let wrong = try Imgeda.run(["scan", data, "-o", ws.file("s1.jsonl"), "--shard", "3/3"])
        #expect(wrong.status == 1 && wrong.stderr.contains("holds shard 1/3"), "\(wrong.stderr)")
    }
}
