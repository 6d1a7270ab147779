import ArgumentParser
import DatasetAnalysis
import DatasetIO
import DatasetReport
import Foundation

extension Imgeda {
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "Compare two manifests: added, removed, changed, moved and renamed images.",
            discussion:
                "Paths are compared relative to each manifest's scanned folder, so two versions of a dataset in different folders compare file by file. Moves and renames are recognised by checksum: the same bytes under another path are one move, not a removal and an addition."
        )

        // Arrays only so that a repeated --old or --new is refused instead of the last one
        // silently winning.
        @Option(
            name: .customLong("old"), help: ArgumentHelp("The earlier manifest.", valueName: "old"),
            completion: .file(extensions: ["jsonl"]))
        var olds: [String] = []

        @Option(
            name: .customLong("new"), help: ArgumentHelp("The later manifest.", valueName: "new"), completion: .file(extensions: ["jsonl"]))
        var news: [String] = []

        var old: String { olds.first ?? "" }
        var new: String { news.first ?? "" }

        func validate() throws {
            for (name, values) in [("--old", olds), ("--new", news)] {
                if values.isEmpty { throw ValidationError("missing \(name) MANIFEST: diff compares --old A.jsonl with --new B.jsonl") }
                if values.count > 1 {
                    throw ValidationError(
                        "\(name) was given \(values.count) times (\(values.joined(separator: ", "))); diff compares one --old manifest with one --new"
                    )
                }
            }
        }

        @Option(
            name: [.short, .customLong("out"), .customLong("output")], help: "Write the full diff as JSON to this file.",
            completion: .file(extensions: ["json"]))
        var output: String?

        @Flag(help: "Print the full diff as JSON instead of the summary.")
        var json = false

        @Option(help: "How many examples the summary shows per kind of change.")
        var examples = 10

        func run() throws {
            let diff = DiffResult(
                old: try ManifestReader(path: old).recordsRelativeToRoot(), new: try ManifestReader(path: new).recordsRelativeToRoot())
            let data = try JSONRenderer.data(diff)
            if let output {
                try OutputPath.refuseInput(output, inputs: [old, new])
                try AtomicFile.write(Array(data), to: output)
            }
            if json {
                Console.out(String(decoding: data, as: UTF8.self))
                return
            }
            let lines = DiffRenderer.text(
                diff, old: old, new: new, examples: examples, seeAll: "use -o diff.json or --json")
            for line in lines { Console.out(line) }
            if let output { Console.out("Full diff written to \(output).") }
        }
    }
}
