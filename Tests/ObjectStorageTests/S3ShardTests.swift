import DatasetAnalysis
import DatasetIO
import Foundation
import TestSupport
import Testing

/// `scan s3://… --shard I/N` as four processes at once, each writing its part to S3, and
/// `merge s3://…/parts/`: exactly the records of one scan of the bucket.
@Suite(.serialized) struct S3ShardTests {
    /// Record lines, with what two scans of the same object differ in by nature (the time of
    /// analysis) blanked, sorted.
    func comparableLines(_ path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.contains("__manifest_meta__") }.map { line in
            line.replacingOccurrences(of: #""analyzed_at": "[^"]*""#, with: #""analyzed_at": """#, options: .regularExpression)
        }.sorted()
    }

    @Test func fourShardsOfABucketMergeIntoTheRecordsOfOneScan() throws {
        guard let moto = try MotoServer.shared() else { return print("skipped: \(MotoServer.skipReason)") }
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "imgs/train", count: 14, size: 48)
        try Fixtures.jpegFolder(ws, folder: "imgs/val", count: 9, size: 56)
        try ws.write(Array("not an image".utf8), to: "imgs/val/broken.jpg")
        try moto.createBucket("imgeda-shards", uploading: ws.file("imgs"), prefix: "data/")
        let env = moto.environment()

        let single = try Imgeda.run(
            ["scan", "s3://imgeda-shards/data", "-o", ws.file("single.jsonl"), "--workers", "1", "--quiet"], environment: env)
        #expect(single.status == 0, "\(single.stderr)")

        let running = try (1...4).map { i in
            try Imgeda.start(
                [
                    "scan", "s3://imgeda-shards/data", "-o", "s3://imgeda-shards/parts/part-\(i).jsonl", "--shard", "\(i)/4",
                    "--workers", "1", "--quiet",
                ], environment: env)
        }
        for (i, result) in running.map({ $0.wait() }).enumerated() {
            #expect(result.status == 0, "shard \(i + 1): \(result.stderr)")
        }
        let merge = try Imgeda.run(["merge", "s3://imgeda-shards/parts/", "-o", ws.file("merged.jsonl")], environment: env)
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(merge.stdout.contains("Merged 4 shards"), "\(merge.stdout)")

        let expected = try comparableLines(ws.file("single.jsonl"))
        #expect(expected.count == 24)
        #expect(try comparableLines(ws.file("merged.jsonl")) == expected)
        // Each part holds its own share, and no key is in two parts.
        var seen: [String] = []
        for i in 1...4 {
            try ws.write(try moto.object("imgeda-shards", "parts/part-\(i).jsonl"), to: "part-\(i).jsonl")
            let paths = try records(ws.file("part-\(i).jsonl")).map(\.path)
            #expect(try ManifestReader(path: ws.file("part-\(i).jsonl")).header()?.shard == Shard(index: i, count: 4))
            seen += paths
        }
        #expect(seen.count == Set(seen).count && seen.count == 24)
    }
}
