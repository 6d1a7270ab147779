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
        try ws.write(
            try Fixtures.jpeg(SyntheticImages.resized(Fixtures.scene(41), width: 160, height: 120), quality: 60), to: "val/smaller.jpg")
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

    /// A classification dataset with splits: `check all` (and so the wizard's summary) and
    /// the report include leakage, the same picture in two classes, and a file whose
    /// extension names another format.
    @Test func checkAllReportsLeakageLabelConflictsAndExtensionMismatches() throws {
        let ws = try Workspace()
        _ = Fixtures.libvipsStarted
        for i in 0..<3 { try ws.write(try Fixtures.jpeg(Fixtures.scene(UInt64(60 + i))), to: "data/train/cat/c\(i).jpg") }
        for i in 0..<3 { try ws.write(try Fixtures.jpeg(Fixtures.scene(UInt64(70 + i))), to: "data/train/dog/d\(i).jpg") }
        try ws.write(try Fixtures.jpeg(Fixtures.scene(60)), to: "data/train/dog/also_a_cat.jpg")  // same bytes as cat/c0.jpg
        try ws.write(try Fixtures.jpeg(Fixtures.scene(71)), to: "data/val/dog/leaked.jpg")  // same bytes as train/dog/d1.jpg
        try ws.write(try Fixtures.jpeg(Fixtures.scene(80)), to: "data/val/cat/v.jpg")
        try ws.write(try Fixtures.encode(Fixtures.scene(81), suffix: ".png"), to: "data/val/cat/really_a_png.jpg")
        #expect(try Imgeda.run(["scan", ws.file("data"), "-o", ws.file("m.jsonl"), "--quiet"]).status == 0)

        let run = try Imgeda.run(["check", "all", "-m", ws.file("m.jsonl"), "-o", ws.file("all.json")])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("val ← train: 1 of 3 images"), "\(run.stdout)")
        #expect(run.stdout.contains("Label conflicts (the same picture in different classes): 1"))
        #expect(run.stdout.contains("really_a_png.jpg  — named .jpg, but the bytes are PNG"))
        let result = try json(String(contentsOfFile: ws.file("all.json"), encoding: .utf8))
        let leakage = try #require(result["leakage"] as? [String: Any])
        let pair = try #require((leakage["split_pairs"] as? [[String: Any]])?.first)
        #expect(pair["earlier"] as? String == "train" && pair["later"] as? String == "val")
        #expect(pair["exact_pairs"] as? Int == 1 && pair["leaked_images"] as? Int == 1)
        let conflicts = try #require(result["label_conflicts"] as? [String: Any])
        #expect(conflicts["count"] as? Int == 1)
        let conflict = try #require((conflicts["groups"] as? [[String: Any]])?.first)
        #expect(conflict["classes"] as? [String] == ["cat", "dog"])
        #expect(conflict["exact"] as? Bool == true)
        let mismatch = try #require(result["extension_mismatch"] as? [String: Any])
        #expect(mismatch["count"] as? Int == 1)
        let item = try #require((mismatch["items"] as? [[String: Any]])?.first)
        #expect((item["path"] as? String)?.hasSuffix("really_a_png.jpg") == true)
        #expect(item["extension"] as? String == "jpg" && item["format"] as? String == "PNG")
        #expect((result["corrupt"] as? [String: Any])?["count"] as? Int == 0)
        // The same findings on their own.
        let labels = try json(try Imgeda.run(["check", "labels", "-m", ws.file("m.jsonl"), "--json"]).stdout)
        #expect(labels["count"] as? Int == 1)
        let extensions = try Imgeda.run(["check", "extensions", "-m", ws.file("m.jsonl")])
        #expect(
            extensions.status == 0 && extensions.stdout.contains("Extension does not match the format: 1 of 10"), "\(extensions.stdout)")

        let report = try Imgeda.run(["report", "-m", ws.file("m.jsonl"), "-o", ws.file("r.html"), "--no-thumbnails"])
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: ws.file("r.html"), encoding: .utf8)
        #expect(html.contains("<td>Leakage val ← train</td><td class=\"num\">1</td>"))
        #expect(html.contains("id=\"leakage\"") && html.contains("leaked.jpg"))
        #expect(html.contains("id=\"label-conflicts\"") && html.contains("also_a_cat.jpg</td><td>dog</td>"))
        #expect(html.contains("id=\"extension-mismatch\"") && html.contains("really_a_png.jpg</td><td>.jpg</td><td>PNG</td>"))
    }

    /// `-m` repeated: the checks read every manifest (one per split, so leakage is checked
    /// too); commands that read one manifest refuse with one line instead of using the last.
    @Test func repeatedManifestIsUsedByChecksAndRefusedElsewhere() throws {
        let ws = try Workspace()
        _ = Fixtures.libvipsStarted
        for i in 0..<4 { try ws.write(try Fixtures.jpeg(Fixtures.scene(UInt64(40 + i))), to: "train/\(i).jpg") }
        try ws.write(try Fixtures.jpeg(Fixtures.scene(40)), to: "val/same.jpg")
        try ws.write(try Fixtures.jpeg(Fixtures.scene(95)), to: "val/new.jpg")
        for split in ["train", "val"] {
            #expect(try Imgeda.run(["scan", ws.file(split), "-o", ws.file("\(split).jsonl"), "--quiet"]).status == 0)
        }
        let both = ["-m", ws.file("train.jsonl"), "-m", ws.file("val.jsonl")]
        let all = try Imgeda.run(["check", "all"] + both + ["--json"])
        #expect(all.status == 0, "\(all.stderr)")
        let result = try json(all.stdout)
        #expect(result["total_images"] as? Int == 6)
        let pair = try #require(((result["leakage"] as? [String: Any])?["split_pairs"] as? [[String: Any]])?.first)
        #expect(pair["earlier"] as? String == "train" && pair["leaked_images"] as? Int == 1)
        let corrupt = try json(try Imgeda.run(["check", "corrupt"] + both + ["--json"]).stdout)
        #expect(corrupt["count"] as? Int == 0 && corrupt["percent"] as? Double == 0)

        for command in [
            ["info"], ["report", "-o", ws.file("r.html")], ["plot", "all", "-o", ws.file("plots")],
            ["export", "csv", "-o", ws.file("x.csv")],
        ] {
            let run = try Imgeda.run(command + both)
            #expect(run.status == 1, "\(command)")
            #expect(run.stderr.contains("-m was given 2 times"), "\(command): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(command): \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: ws.file("r.html")))
        let single = try Imgeda.run(["info", "-m", ws.file("val.jsonl")])
        #expect(single.status == 0, "\(single.stderr)")
    }

    @Test func badThresholdIsOneClearLine() throws {
        let ws = try Workspace()
        let bad = try Imgeda.run(["check", "duplicates", "-m", ws.file("m.jsonl"), "--threshold", "500"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--threshold must be between 0 and 128"))
    }
}
