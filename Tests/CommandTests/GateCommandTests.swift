import DatasetAnalysis
import DatasetIO
import ExampleData
import Foundation
import Testing

@Suite("gate command")
struct GateCommandTests {

    @Test func exitCodesAreZeroForPassTwoForFailOneForBadInput() throws {
        let ws = try Workspace()
        let manifest = try ws.exampleManifest()
        try "min_images_total: 10\nmax_corrupt_pct: 20\nallowed_formats: [JPEG, PNG, WEBP, GIF]\n".write(
            toFile: ws.file("pass.yml"), atomically: true, encoding: .utf8)
        let pass = try Imgeda.run(["gate", "-m", manifest, "-p", ws.file("pass.yml")])
        #expect(pass.status == 0, "\(pass.stdout)\(pass.stderr)")
        #expect(pass.stdout.contains("Gate passed."))

        try "min_images_total: 10\nmax_corrupt_pct: 5\nmin_width: 300\n".write(
            toFile: ws.file("fail.yml"), atomically: true, encoding: .utf8)
        let fail = try Imgeda.run([
            "gate", "-m", manifest, "-p", ws.file("fail.yml"), "-o", ws.file("r.json"),
            "--junit", ws.file("r.xml"), "--markdown", ws.file("r.md"),
        ])
        #expect(fail.status == 2)
        #expect(fail.stdout.contains("FAIL  max_corrupt_pct"))
        #expect(fail.stdout.contains("broken/truncated.jpg"))  // sample paths of the failing check
        #expect(fail.stdout.contains("FAIL  min_width"))
        let result = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ws.file("r.json")))) as? [String: Any])
        #expect(result["passed"] as? Bool == false)
        let checks = try #require(result["checks"] as? [[String: Any]])
        let corrupt = try #require(checks.first { $0["name"] as? String == "max_corrupt_pct" })
        #expect(corrupt["passed"] as? Bool == false)
        #expect((corrupt["sample_paths"] as? [String])?.count == 4)
        let junit = try String(contentsOfFile: ws.file("r.xml"), encoding: .utf8)
        #expect(junit.contains("failures=\"2\""))
        #expect(junit.components(separatedBy: "<testcase ").count - 1 == checks.count)
        let parse = Process()
        parse.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        parse.arguments = ["python3", "-c", "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])", ws.file("r.xml")]
        try parse.run()
        parse.waitUntilExit()
        #expect(parse.terminationStatus == 0, "JUnit XML does not parse")
        let markdown = try String(contentsOfFile: ws.file("r.md"), encoding: .utf8)
        #expect(markdown.contains("| `max_corrupt_pct` | 16.67 | 5 | **fail** |"))

        let missing = try Imgeda.run(["gate", "-m", ws.file("none.jsonl"), "-p", ws.file("pass.yml")])
        #expect(missing.status == 1)
    }

    @Test func misspelledKeyNamesTheKeyTheLineAndTheNearestValidKey() throws {
        let ws = try Workspace()
        let manifest = try ws.exampleManifest()
        try "min_images_total: 10\n# a comment\nmax_corupt_pct: 1\n".write(toFile: ws.file("typo.yml"), atomically: true, encoding: .utf8)
        let run = try Imgeda.run(["gate", "-m", manifest, "-p", ws.file("typo.yml")])
        #expect(run.status == 1)
        #expect(run.stderr.contains("typo.yml:3: unknown policy key 'max_corupt_pct' (did you mean 'max_corrupt_pct'?"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    @Test func policyValuesAreValidated() {
        func message(_ yaml: String) -> String? {
            do {
                _ = try PolicyFile.parse(yaml, name: "p.yml")
                return nil
            } catch {
                return error.description
            }
        }
        #expect(
            message("max_corrupt_pct: -1")?.contains("p.yml:1: 'max_corrupt_pct' is a percentage and must be between 0 and 100") == true)
        #expect(message("min_images_total: ten")?.contains("'min_images_total' must be a number, got 'ten'") == true)
        #expect(message("min_images_total: 2.5")?.contains("whole number") == true)
        #expect(message("allowed_formats: JPEG")?.contains("must be a list of formats") == true)
        #expect(message("max_corrupt_pct: 1\nmax_corrupt_pct: 2")?.contains("max_corrupt_pct") == true)
        #expect(message("- just\n- a list")?.contains("must be a mapping") == true)
        #expect(message("max_corrupt_pct: [1\n")?.contains("not valid YAML") == true)
        #expect(message("") == nil)
        let policy = try? PolicyFile.parse("min_images_total: 5\nallowed_formats: [jpeg, png]\nmax_leakage_pct: 0", name: "p.yml")
        #expect(policy?.minImagesTotal == 5 && policy?.allowedFormats == ["JPEG", "PNG"] && policy?.maxLeakagePct == 0)
    }

    @Test func leakageLimitUsesOneManifestPerSplit() throws {
        let ws = try Workspace()
        for i in 0..<4 { try ws.write(try Fixtures.jpeg(Fixtures.scene(UInt64(60 + i))), to: "train/\(i).jpg") }
        try ws.write(try Fixtures.jpeg(Fixtures.scene(60)), to: "val/copy.jpg")
        try ws.write(try Fixtures.jpeg(Fixtures.scene(99)), to: "val/new.jpg")
        for split in ["train", "val"] {
            #expect(try Imgeda.run(["scan", ws.file(split), "-o", ws.file("\(split).jsonl"), "--quiet"]).status == 0)
        }
        try "min_images_total: 1\nmax_leakage_pct: 10\n".write(toFile: ws.file("p.yml"), atomically: true, encoding: .utf8)
        let run = try Imgeda.run(["gate", "-m", ws.file("train.jsonl"), "-m", ws.file("val.jsonl"), "-p", ws.file("p.yml")])
        #expect(run.status == 2)
        #expect(run.stdout.contains("FAIL  max_leakage_pct          observed 50"), "\(run.stdout)")
    }
}
