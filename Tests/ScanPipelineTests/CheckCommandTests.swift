import DatasetAnalysis
import DatasetIO
import ExampleData
import Foundation
import Testing

@Suite("check commands")
struct CheckCommandTests {
    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func checkAllOnTheExampleFindsEachKindOfProblem() throws {
        let ws = try Workspace()
        let manifest = try ws.exampleManifest()

        let all = try Imgeda.run(["check", "all", "-m", manifest, "-o", ws.file("all.json")])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains("Corrupt: 4 of 24"))
        #expect(all.stdout.contains("nothing was deleted"))
        let result = try json(String(contentsOfFile: ws.file("all.json"), encoding: .utf8))
        #expect((result["dark"] as? [String: Any])?["count"] as? Int == 1)
        #expect((result["overexposed"] as? [String: Any])?["count"] as? Int == 1)
        #expect((result["blur"] as? [String: Any])?["count"] as? Int == 1)
        #expect((result["artifacts"] as? [String: Any])?["count"] as? Int == 1)
        let duplicates = try #require(result["duplicates"] as? [String: Any])
        let exact = try #require(duplicates["exact_groups"] as? [[String: Any]])
        #expect(exact.count == 1)
        #expect((exact.first?["keeper"] as? String)?.hasSuffix("example/scene_5.jpg") == true)
        let near = try #require(duplicates["near_groups"] as? [[String: Any]])
        let smallCopy = near.first { group in
            (group["remove_candidates"] as? [String])?.contains { $0.hasSuffix("near_duplicate_small.jpg") } == true
        }
        #expect((smallCopy?["keeper"] as? String)?.hasSuffix("example/scene_6.jpg") == true)
        // A dark copy is never kept over a normal one.
        for group in near { #expect((group["keeper"] as? String)?.hasSuffix("dark.jpg") != true) }
    }

    @Test func thresholdsReevaluateStoredMeasurements() throws {
        let ws = try Workspace()
        let manifest = try ws.exampleManifest()
        let strict = try json(try Imgeda.run(["check", "exposure", "-m", manifest, "--dark-threshold", "255", "--json"]).stdout)
        let dark = try #require(strict["dark"] as? [String: Any])
        #expect(dark["count"] as? Int == 20)  // every readable image is darker than 255
        let none = try json(try Imgeda.run(["check", "blur", "-m", manifest, "--threshold", "0", "--json"]).stdout)
        #expect(none["count"] as? Int == 0)
    }

    @Test func leakageAcrossSplitManifests() throws {
        let ws = try Workspace()
        _ = Fixtures.libvipsStarted
        for i in 0..<6 { try ws.write(try Fixtures.jpeg(Fixtures.scene(UInt64(40 + i))), to: "train/\(i).jpg") }
        // val: one byte-identical copy of a training image, one re-encoded smaller copy, two new pictures.
        try ws.write(try Fixtures.jpeg(Fixtures.scene(40)), to: "val/same.jpg")
        try ws.write(try Fixtures.jpeg(SyntheticImages.resized(Fixtures.scene(41), width: 160, height: 120), quality: 60), to: "val/smaller.jpg")
        try ws.write(try Fixtures.jpeg(Fixtures.scene(90)), to: "val/new1.jpg")
        try ws.write(try Fixtures.jpeg(Fixtures.scene(91)), to: "val/new2.jpg")
        for split in ["train", "val"] {
            #expect(try Imgeda.run(["scan", ws.file(split), "-o", ws.file("\(split).jsonl"), "--quiet"]).status == 0)
        }
        let run = try Imgeda.run(["check", "leakage", "-m", ws.file("train.jsonl"), "-m", ws.file("val.jsonl"), "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try json(run.stdout)
        let pair = try #require((result["split_pairs"] as? [[String: Any]])?.first)
        #expect(pair["earlier"] as? String == "train" && pair["later"] as? String == "val")
        #expect(pair["exact_pairs"] as? Int == 1)
        #expect(pair["near_pairs"] as? Int == 1)
        #expect(pair["leaked_images"] as? Int == 2)
        #expect(pair["leaked_percent"] as? Double == 50)

        let one = try Imgeda.run(["check", "leakage", "-m", ws.file("train.jsonl")])
        #expect(one.status == 1)
        #expect(one.stderr.contains("has no splits"))

        // One manifest of the whole dataset: the splits come from the folders.
        #expect(try Imgeda.run(["scan", ws.path, "-o", ws.file("all.jsonl"), "--quiet"]).status == 0)
        let whole = try json(try Imgeda.run(["check", "leakage", "-m", ws.file("all.jsonl"), "--json"]).stdout)
        let split = try #require((whole["split_pairs"] as? [[String: Any]])?.first)
        #expect(split["earlier"] as? String == "train" && split["later"] as? String == "val")
        #expect(split["leaked_images"] as? Int == 2)
    }

    @Test func badThresholdIsOneClearLine() throws {
        let ws = try Workspace()
        let bad = try Imgeda.run(["check", "duplicates", "-m", ws.file("m.jsonl"), "--threshold", "500"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--threshold must be between 0 and 128"))
    }
}
