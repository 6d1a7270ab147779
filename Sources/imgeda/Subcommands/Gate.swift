import ArgumentParser
import DatasetAnalysis
import DatasetIO
import DatasetReport
import Foundation

extension Imgeda {
    struct Gate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gate",
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

        @Option(
            name: [.short, .long], help: "Manifest(s) to check; several for splits, earliest first.",
            completion: .file(extensions: ["jsonl"]))
        var manifest: [String] = []

        @Option(name: [.short, .long], help: "Policy file (YAML).", completion: .file(extensions: ["yml", "yaml"]))
        var policy: String

        @Option(name: [.short, .long], help: "Write the result as JSON.", completion: .file(extensions: ["json"]))
        var output: String?

        @Option(help: "Write a JUnit XML report (one test case per check) for CI systems.", completion: .file(extensions: ["xml"]))
        var junit: String?

        @Option(
            help: "Write a Markdown summary (e.g. for a pull-request comment or $GITHUB_STEP_SUMMARY).",
            completion: .file(extensions: ["md"]))
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
            try ManifestSplits.forEachRecord(in: manifest) { evaluator.add($0, split: $1) }
            let result = evaluator.result(
                policyName: policy, manifests: manifest, thresholdsSource: resolved.source,
                threads: ProcessInfo.processInfo.activeProcessorCount)
            let data = try JSONRenderer.data(result)
            let outputs = [("-o", output), ("--junit", junit), ("--markdown", markdown)].compactMap { o, p in
                p.map { (option: o, path: $0) }
            }
            try OutputPath.refuseRepeated(outputs)
            for o in outputs { try OutputPath.refuseInput(o.path, inputs: manifest + [policy], option: o.option) }
            try write(data, to: output)
            try write(Data(GateRenderer.junit(result).utf8), to: junit)
            try write(Data(GateRenderer.markdown(result).utf8), to: markdown)
            if json {
                Console.out(String(decoding: data, as: UTF8.self))
            } else {
                for line in GateRenderer.text(result) { Console.out(line) }
            }
            if !result.passed { throw ExitCode(2) }
        }

        private func write(_ data: Data, to path: String?) throws {
            guard let path else { return }
            try AtomicFile.write(Array(data), to: path)
        }
    }
}
