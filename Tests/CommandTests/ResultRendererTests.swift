import DatasetAnalysis
import DatasetReport
import Foundation
import Testing

/// Results are library values; the renderers draw them, with the keys users already read.
@Suite("result values and renderers")
struct ResultRendererTests {
    static func record(_ path: String, brightness: Double) -> ImageRecord {
        var r = ImageRecord(path: path, filename: (path as NSString).lastPathComponent)
        r.width = 64
        r.height = 48
        r.format = "JPEG"
        r.pixelStats = PixelStats(meanR: brightness, meanG: brightness, meanB: brightness, meanBrightness: brightness)
        return r
    }

    static func keys(_ data: Data) throws -> Set<String> {
        Set(try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]).keys)
    }

    @Test func aGateResultRendersAsJSONJUnitMarkdownAndText() throws {
        var policy = Policy()
        policy.minImagesTotal = 1
        policy.maxUnderexposedPct = 10
        var thresholds = QualityThresholds()
        thresholds.dark = 100
        var evaluator = PolicyEvaluator(policy: policy, thresholds: thresholds)
        for (i, b) in [20.0, 70, 150, 200].enumerated() { evaluator.add(Self.record("img_\(i)<x>.jpg", brightness: b)) }
        let result = evaluator.result(policyName: "p.yml", manifests: ["m.jsonl"], thresholdsSource: "set here")
        #expect(!result.passed)
        let dark = try #require(result.checks.first { $0.name == "max_underexposed_pct" })
        #expect(dark.observed == 50)

        let data = try JSONRenderer.data(result)
        #expect(try Self.keys(data) == ["passed", "policy", "manifests", "checks", "thresholds", "thresholds_source"])
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let checks = try #require(object["checks"] as? [[String: Any]])
        #expect(Set(checks[0].keys) == ["name", "threshold", "observed", "passed", "sample_paths", "detail"])

        let junit = GateRenderer.junit(result)
        #expect(junit.contains("failures=\"1\""))
        #expect(junit.contains("img_0&lt;x&gt;.jpg"))
        let markdown = GateRenderer.markdown(result)
        #expect(markdown.contains("failed ❌"))
        #expect(markdown.contains("dark &lt; 100"))
        let text = GateRenderer.text(result)
        #expect(text.first == "Thresholds: dark < 100, overexposed > 220, border artifact > 50, blurry < 100 (set here)")
        #expect(text.last == "Gate FAILED: 1 of \(result.checks.count) checks.")
        #expect(text.contains { $0.hasPrefix("FAIL  max_underexposed_pct") && $0.contains("dark (mean brightness < 100)") })
    }

    @Test func checkAllWritesTheKeysItAlwaysWrote() throws {
        let ws = try Workspace()
        let manifest = try ws.exampleManifest()
        let run = try Imgeda.run(["check", "all", "-m", manifest, "--json"])
        try #require(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(
            Set(object.keys).isSuperset(of: [
                "total_images", "corrupt", "dark", "overexposed", "artifacts", "blur", "duplicates",
                "extension_mismatch", "label_conflicts", "thresholds",
            ]))
        let dark = try #require(object["dark"] as? [String: Any])
        #expect(Set(dark.keys) == ["count", "percent", "items", "threshold"])
        let corrupt = try #require(object["corrupt"] as? [String: Any])
        let item = try #require((corrupt["items"] as? [[String: Any]])?.first)
        #expect(Set(item.keys) == ["path", "reason"])
        let duplicates = try #require(object["duplicates"] as? [String: Any])
        #expect(
            Set(duplicates.keys) == [
                "threshold", "transforms", "window_threshold", "dhash_threshold", "exact_groups", "exact_group_count",
                "exact_duplicate_files",
                "near_groups", "near_group_count", "near_blank", "remove_candidate_count",
                "records_without_hash", "records_without_checksum",
            ])
        let near = try #require((duplicates["near_groups"] as? [[String: Any]])?.first)
        #expect(Set(near.keys) == ["keeper", "remove_candidates", "size", "members", "max_distance"])
        let exact = try #require((duplicates["exact_groups"] as? [[String: Any]])?.first)
        #expect(Set(exact.keys) == ["keeper", "remove_candidates", "size"])
        let labels = try #require(object["label_conflicts"] as? [String: Any])
        #expect(Set(labels.keys) == ["count", "groups", "threshold", "transforms"])
    }

    @Test func aDiffResultEncodesChangedFieldsAsOldAndNew() throws {
        let old = [Self.record("a.jpg", brightness: 20), Self.record("b.jpg", brightness: 50)]
        var changed = Self.record("a.jpg", brightness: 20)
        changed.width = 128
        let diff = DiffResult(old: old, new: [changed, Self.record("c.jpg", brightness: 90)])
        let object = try #require(try JSONSerialization.jsonObject(with: JSONRenderer.data(diff)) as? [String: Any])
        #expect(Set(object.keys) == ["added", "removed", "moved", "changed", "unchanged_count", "summary"])
        #expect(object["added"] as? [String] == ["c.jpg"])
        #expect(object["removed"] as? [String] == ["b.jpg"])
        let first = try #require((object["changed"] as? [[String: Any]])?.first)
        #expect(first["path"] as? String == "a.jpg")
        let width = try #require((first["fields"] as? [String: Any])?["width"] as? [String: Any])
        #expect(width["old"] as? Int == 64 && width["new"] as? Int == 128)
        #expect((object["summary"] as? [String: Any])?["total_new"] as? Int == 2)
    }

    @Test func infoRendersTheTableTheNoteAndTheThresholdsItCountedWith() throws {
        var thresholds = QualityThresholds()
        thresholds.dark = 100
        var summary = DatasetSummary(thresholds: thresholds)
        for (i, b) in [20.0, 70, 150, 200].enumerated() { summary.add(Self.record("d/img_\(i).jpg", brightness: b)) }
        let header = ManifestHeader(inputDir: "/data/d", createdAt: "2026-11-27T08:00:00Z", tool: "imgeda-swift", toolVersion: "0.1.0")
        let result = InfoResult(
            summary: summary, header: header, manifest: "m.jsonl", thresholdsSource: "--dark-threshold for this run",
            malformedLines: 2, nestedTooDeep: 1, truncatedTail: true)
        let lines = InfoRenderer.text(result)
        #expect(lines.first == "Dataset summary: m.jsonl")
        #expect(lines.contains("  Total images         4"))
        #expect(lines.contains("  Dark                 2 (50.0%)"))
        #expect(lines.contains("  Formats              JPEG (4)"))
        #expect(lines.contains("  Input                /data/d"))
        #expect(lines.contains("  Written by           imgeda-swift 0.1.0"))
        #expect(
            lines.contains(
                "Note: skipped 2 damaged lines (1 nested too deep to be records) and a truncated last line (an interrupted scan; re-run it to resume)."
            ))
        #expect(
            lines.last == "Thresholds: dark < 100, overexposed > 220, border artifact > 50, blurry < 100 (--dark-threshold for this run)")
        #expect(result.skippedLines == 3)
        // The JSON keeps its keys: the renderer's inputs are not encoded.
        let object = try #require(try JSONSerialization.jsonObject(with: JSONRenderer.data(result)) as? [String: Any])
        #expect(object["skipped_lines"] as? Int == 3)
        #expect(object["manifest"] == nil && object["thresholds_source"] == nil)

        let clean = InfoRenderer.text(InfoResult(summary: summary, header: nil, manifest: "m.jsonl", thresholdsSource: "defaults"))
        #expect(!clean.contains { $0.hasPrefix("Note:") || $0 == "Scan" })
    }

    @Test func diffShortensHashesTogetherAndShowsAsManyExamplesAsAsked() {
        var a = Self.record("a.jpg", brightness: 20)
        a.sha256 = "b94f79976d71" + String(repeating: "a", count: 52)
        var changed = a
        changed.sha256 = "b94f79976d71" + String(repeating: "a", count: 16) + String(repeating: "b", count: 36)
        let old = [a] + (0..<3).map { Self.record("gone_\($0).jpg", brightness: 50) }
        let diff = DiffResult(old: old, new: [changed])
        let lines = DiffRenderer.text(diff, old: "old.jsonl", new: "new.jsonl", examples: 2, seeAll: "see the JSON")
        #expect(lines[0] == "old.jsonl → new.jsonl")
        #expect(lines[1] == "  images       4 → 1 (-3)")
        #expect(lines.contains("Removed (3):"))
        #expect(lines.contains("  … and 1 more (see the JSON)"))
        // The hashes share 28 characters: both are cut after 32, where they differ.
        #expect(
            lines.contains(
                "  a.jpg: sha256 b94f79976d71\(String(repeating: "a", count: 20))… → b94f79976d71\(String(repeating: "a", count: 16))bbbb…"),
            "\(lines)")
        #expect(!lines.contains { $0.hasPrefix("Added") || $0.hasPrefix("Moved") })
    }

    @Test func annotationsRenderCountsClassesAndProblems() {
        let boxes = [
            AnnotationBox(className: "cat", classID: 0, x: 0.4, y: 0.4, width: 0.2, height: 0.2, relative: true, source: "a.txt:1"),
            AnnotationBox(className: nil, classID: 7, x: 0.1, y: 0.1, width: 0.1, height: 0.1, relative: true, source: "a.txt:2"),
        ]
        let annotated = [AnnotatedImage(image: "images/a.jpg", width: 100, height: 80, boxes: boxes)]
        let report = AnnotationReport(
            root: "yolo", format: "yolo", classNames: ["cat", "dog"], annotated: annotated,
            imageFiles: ["images/a.jpg"] + (0..<12).map { "images/u\($0).jpg" })
        let lines = AnnotationRenderer.text(report, seeAll: "see the JSON")
        #expect(lines[0] == "YOLO annotations in yolo")
        #expect(lines[1] == "  images 13, labelled 1, objects 2")
        #expect(lines.contains("  cat                             1 objects in 1 image"))
        #expect(lines.contains("Images without labels: 12"))
        #expect(lines.contains("  … and 2 more (see the JSON)"))
        #expect(lines.contains { $0.hasPrefix("  a.txt:2: unknown class id 7") })
    }

    @Test func checkAllSaysWhereToSeeEverythingAsItIsTold() throws {
        var collector = CheckCollector(thresholds: QualityThresholds(), collectCandidates: true)
        for i in 0..<8 { collector.add(Self.record("dark_\(i).jpg", brightness: 5)) }
        let duplicates = DuplicateFinder.find(collector.candidates, threshold: 8)
        let result = CheckResult(collector, duplicates: duplicates, labelConflicts: [], leakage: nil)
        let lines = CheckRenderer.all(
            result, read: "m.jsonl", thresholdsSource: "defaults", examples: 5, seeAll: "SEE-ALL", seeAllResult: "SEE-RESULT")
        #expect(lines[0] == "Checked 8 images in m.jsonl")
        #expect(lines[1].hasPrefix("Thresholds: dark < 40"))
        #expect(lines.contains("Dark: 8 of 8 (100.0%)"))
        #expect(lines.contains("  … and 3 more: SEE-ALL"))
        #expect(lines.contains { $0.hasPrefix("Label conflicts") })
        #expect(!lines.contains { $0.contains("--") })
    }
}
