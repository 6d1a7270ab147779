import ArgumentParser
import DatasetAnalysis
import DatasetIO
import DatasetReport
import Foundation

extension Imgeda {
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
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
            let diff = ManifestDiff(old: try Self.records(old), new: try Self.records(new))
            let data = try JSONRenderer.data(diff)
            if let output {
                try OutputPath.refuseInput(output, inputs: [old, new])
                try AtomicFile.write(Array(data), to: output)
            }
            if json {
                Console.out(String(decoding: data, as: UTF8.self))
                return
            }
            printSummary(diff)
            if let output { Console.out("Full diff written to \(output).") }
        }

        /// The records of a manifest, their paths relative to its scan root, so that two
        /// versions of a dataset in different folders compare file by file.
        static func records(_ path: String) throws -> [ImageRecord] {
            var all: [ImageRecord] = []
            let reader = try ManifestReader(path: path)
            let paths = ManifestPaths(header: try reader.header(), manifest: path)
            let report = try reader.forEachRecord { record in
                var record = record
                record.path = paths.relativeToRoot(record.path)
                all.append(record)
            }
            if report.records == 0 {
                throw ValidationError("\(path) holds no image records (make one with `imgeda scan DIR -o \(path)`)")
            }
            return all
        }

        private func printSummary(_ d: ManifestDiff) {
            let s = d.summary
            Console.out("\(old) → \(new)")
            Console.out(
                "  images       \(Console.grouped(s.totalOld)) → \(Console.grouped(s.totalNew)) (\(Self.signed(s.totalNew - s.totalOld)))")
            Console.out(
                "  added \(Console.grouped(s.addedCount)), removed \(Console.grouped(s.removedCount)), changed \(Console.grouped(s.changedCount)), moved or renamed \(Console.grouped(s.movedCount)), unchanged \(Console.grouped(s.unchangedCount))"
            )
            for (name, a, b) in [
                ("corrupt", s.corruptOld, s.corruptNew), ("dark", s.darkOld, s.darkNew),
                ("overexposed", s.overexposedOld, s.overexposedNew), ("blurry", s.blurryOld, s.blurryNew),
                ("border artifacts", s.artifactOld, s.artifactNew),
                ("duplicate groups", s.duplicateGroupsOld, s.duplicateGroupsNew),
            ] {
                Console.out(
                    "  \(name.padding(toLength: 17, withPad: " ", startingAt: 0)) \(Console.grouped(a)) → \(Console.grouped(b)) (\(Self.signed(b - a)))"
                )
            }
            func list(_ title: String, _ items: [String]) {
                guard !items.isEmpty else { return }
                Console.out("\(title) (\(Console.grouped(items.count))):")
                for item in items.prefix(examples) { Console.out("  \(item)") }
                if items.count > examples {
                    Console.out("  … and \(Console.grouped(items.count - examples)) more (use -o diff.json or --json)")
                }
            }
            list("Added", d.added)
            list("Removed", d.removed)
            list("Moved or renamed", d.moved.map { "\($0.from) → \($0.to)\($0.isRename ? " (renamed)" : "")" })
            list(
                "Changed",
                d.changed.map { c in
                    c.path + ": "
                        + c.fields.map { field in
                            let (old, new) = Self.texts(field.old, field.new)
                            return "\(field.field) \(old) → \(new)"
                        }.joined(separator: ", ")
                })
        }

        static func signed(_ v: Int) -> String { v > 0 ? "+\(Console.grouped(v))" : Console.grouped(v) }

        /// Both values as text; long strings (hashes) are shortened together, to a length at
        /// which they still differ, so a change never reads as `a1b2c3… → a1b2c3…`.
        static func texts(_ a: ManifestDiff.FieldValue, _ b: ManifestDiff.FieldValue) -> (String, String) {
            guard case .string(let x) = a, case .string(let y) = b, x.count > 16 || y.count > 16 else { return (text(a), text(b)) }
            let common = zip(x, y).prefix { $0 == $1 }.count
            let keep = max(12, common + 4)
            func cut(_ s: String) -> String { s.count > keep + 4 ? String(s.prefix(keep)) + "…" : s }
            return (cut(x), cut(y))
        }

        static func text(_ v: ManifestDiff.FieldValue) -> String {
            switch v {
            case .int(let i): return String(i)
            case .double(let d): return String(d)
            case .bool(let b): return String(b)
            case .string(let s): return s.count > 16 ? String(s.prefix(12)) + "…" : s
            case .null: return "null"
            }
        }
    }
}
