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
}
