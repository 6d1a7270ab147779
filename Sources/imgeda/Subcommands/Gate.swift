import ArgumentParser
import DatasetAnalysis
import DatasetIO
import Foundation

extension Imgeda {
    struct Gate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pass or fail a dataset against a policy, for CI: exit 0 passes, 2 fails, 1 for unusable input.",
            discussion: """
            The policy is YAML with the reference's keys (min_images_total, max_corrupt_pct, \
            max_overexposed_pct, max_underexposed_pct, max_duplicate_pct, max_blurry_pct, \
            max_artifact_pct, min_width, min_height, allowed_formats, max_aspect_ratio) and \
            max_near_duplicate_pct, max_leakage_pct, near_duplicate_threshold. Unknown keys, wrong \
            types and negative percentages are errors, not ignored. Give one manifest per split \
            (-m train.jsonl -m val.jsonl) for max_leakage_pct.
            """
        )

        @Option(name: [.short, .long], help: "Manifest(s) to check; several for splits, earliest first.", completion: .file(extensions: ["jsonl"]))
        var manifest: [String] = []

        @Option(name: [.short, .long], help: "Policy file (YAML).", completion: .file(extensions: ["yml", "yaml"]))
        var policy: String

        @Option(name: [.short, .long], help: "Write the result as JSON.", completion: .file(extensions: ["json"]))
        var output: String?

        @Option(help: "Write a JUnit XML report (one test case per check) for CI systems.", completion: .file(extensions: ["xml"]))
        var junit: String?

        @Option(help: "Write a Markdown summary (e.g. for a pull-request comment or $GITHUB_STEP_SUMMARY).", completion: .file(extensions: ["md"]))
        var markdown: String?

        @Flag(help: "Print the result as JSON.")
        var json = false

        @OptionGroup var thresholds: ThresholdOptions

        func validate() throws {
            if manifest.isEmpty { throw ValidationError("gate needs a manifest: -m manifest.jsonl") }
        }

        func run() throws {
            let rules = try PolicyFile.load(policy)
            let resolved = try thresholds.resolve(manifests: manifest)
            var evaluator = PolicyEvaluator(policy: rules, thresholds: resolved.thresholds)
            for path in manifest {
                let split = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                let report = try ManifestReader(path: path).forEachRecord {
                    evaluator.add($0, split: manifest.count > 1 ? split : ($0.split ?? ""))
                }
                if report.records == 0 {
                    throw ValidationError("\(path) holds no image records (make one with `imgeda scan DIR -o \(path)`)")
                }
            }
            let checks = evaluator.checks(threads: ProcessInfo.processInfo.activeProcessorCount)
            let passed = checks.allSatisfy(\.passed)
            let object: [String: Any] = [
                "passed": passed,
                "policy": policy,
                "manifests": manifest,
                "thresholds": try JSONSerialization.jsonObject(with: JSONEncoder().encode(resolved.thresholds)),
                "checks": checks.map { c in
                    ["name": c.name, "threshold": c.threshold, "observed": c.observed, "passed": c.passed,
                     "sample_paths": c.samplePaths, "detail": c.detail] as [String: Any]
                },
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            let outputs = [("-o", output), ("--junit", junit), ("--markdown", markdown)].compactMap { o, p in p.map { (option: o, path: $0) } }
            try OutputPath.refuseRepeated(outputs)
            for o in outputs { try OutputPath.refuseInput(o.path, inputs: manifest + [policy], option: o.option) }
            try write(data, to: output)
            try write(Data(Self.junit(checks, manifests: manifest).utf8), to: junit)
            try write(Data(Self.markdown(checks, passed: passed, manifests: manifest, policy: policy, thresholds: resolved).utf8), to: markdown)
            if json {
                Console.out(String(decoding: data, as: UTF8.self))
            } else {
                Console.out(resolved.line)
                for c in checks {
                    let mark = c.passed ? "PASS" : "FAIL"
                    Console.out("\(mark)  \(c.name.padding(toLength: 24, withPad: " ", startingAt: 0)) observed \(Self.number(c.observed)), limit \(Self.number(c.threshold))  (\(c.detail))")
                    if !c.passed {
                        for path in c.samplePaths { Console.out("        \(path)") }
                    }
                }
                Console.out(passed ? "Gate passed." : "Gate FAILED: \(checks.filter { !$0.passed }.count) of \(checks.count) checks.")
            }
            if !passed { throw ExitCode(2) }
        }

        private func write(_ data: Data, to path: String?) throws {
            guard let path else { return }
            try AtomicFile.write(Array(data), to: path)
        }

        static func number(_ v: Double) -> String {
            v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%.2f", v)
        }

        static func xml(_ text: String) -> String { Escape.xml(text) }

        static func junit(_ checks: [GateCheck], manifests: [String]) -> String {
            let failures = checks.filter { !$0.passed }.count
            var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            out += "<testsuites name=\"imgeda gate\" tests=\"\(checks.count)\" failures=\"\(failures)\">\n"
            out += "  <testsuite name=\"\(xml(manifests.joined(separator: ", ")))\" tests=\"\(checks.count)\" failures=\"\(failures)\">\n"
            for c in checks {
                out += "    <testcase classname=\"imgeda.gate\" name=\"\(xml(c.name))\">\n"
                if !c.passed {
                    let message = "observed \(number(c.observed)), limit \(number(c.threshold)) (\(c.detail))"
                    out += "      <failure message=\"\(xml(message))\">\(xml(([message] + c.samplePaths).joined(separator: "\n")))</failure>\n"
                }
                out += "    </testcase>\n"
            }
            out += "  </testsuite>\n</testsuites>\n"
            return out
        }

        static func markdown(_ checks: [GateCheck], passed: Bool, manifests: [String], policy: String, thresholds: ResolvedThresholds) -> String {
            var out = "## imgeda gate: \(passed ? "passed ✅" : "failed ❌")\n\n"
            out += "Manifest: \(manifests.map(Escape.markdown).joined(separator: ", ")) · policy: \(Escape.markdown(policy))\n\n"
            out += "\(Escape.markdown(thresholds.line))\n\n"
            out += "| check | observed | limit | result |\n| --- | ---: | ---: | --- |\n"
            for c in checks {
                out += "| `\(c.name)` | \(number(c.observed)) | \(number(c.threshold)) | \(c.passed ? "pass" : "**fail**") |\n"
            }
            for c in checks where !c.passed && !c.samplePaths.isEmpty {
                out += "\n<details><summary><code>\(c.name)</code>: examples</summary>\n\n"
                for path in c.samplePaths { out += "- \(Escape.markdown(path))\n" }
                out += "\n</details>\n"
            }
            return out
        }
    }
}
