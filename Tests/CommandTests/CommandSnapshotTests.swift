import Foundation
import Testing

/// Every command's `--help` and the `--json` documents on the example dataset, compared with
/// golden files in `Snapshots/` (rewrite them with IMGEDA_UPDATE_SNAPSHOTS=1 after an intended
/// change, and review the diff).
@Suite("command output snapshots")
struct CommandSnapshotTests {
    /// Help is wrapped to the terminal's width; a fixed width keeps it the same everywhere.
    static let environment = ["COLUMNS": "100"]

    /// The subcommand names listed under "SUBCOMMANDS:" in a help text (not `help` itself).
    static func subcommands(in help: String) -> [String] {
        var names: [String] = []
        var inList = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("SUBCOMMANDS:") {
                inList = true
            } else if inList {
                // Entries are indented by two spaces; descriptions that wrap are indented further.
                guard line.hasPrefix("  ") else {
                    if !line.isEmpty { inList = false }
                    continue
                }
                // The closing "See 'imgeda help …'" line is indented too; names are lowercase.
                guard !line.hasPrefix("   "), let name = line.split(separator: " ").first,
                    name.first?.isLowercase == true
                else { continue }
                if name != "help" { names.append(String(name)) }
            }
        }
        return names
    }

    /// `--help` of the root command and of every subcommand, found by walking the help texts.
    @Test func helpOfEveryCommandMatchesItsSnapshot() throws {
        var written: Set<String> = []
        var pending: [[String]] = [[]]
        while let path = pending.popLast() {
            let run = try Imgeda.run(path + ["--help"], environment: Self.environment)
            #expect(run.status == 0, "\(path): \(run.stderr)")
            let name = (["imgeda"] + path).joined(separator: "-") + ".txt"
            written.insert(name)
            try Snapshot.expect(run.stdout, matches: "help/\(name)")
            pending += Self.subcommands(in: run.stdout).map { path + [$0] }
        }
        #expect(written.count > 10, "\(written)")
        if !Snapshot.updating {
            let stale = Snapshot.recorded(in: "help").subtracting(written)
            #expect(stale.isEmpty, "snapshots of commands that no longer exist: \(stale.sorted()); delete them")
        }
    }

    /// The `--json` outputs on the example dataset, with the temporary folder's path and the
    /// timestamps masked and keys sorted, so that only what a command says can change them.
    @Test func jsonOutputsOnTheExampleDatasetMatchTheirSnapshots() throws {
        let ws = try Workspace()
        // One worker, so that the manifest's order (which lists follow) is the same every run.
        let manifest = ws.file("m.jsonl")
        #expect(try Imgeda.run(["example", ws.file("example")]).status == 0)
        #expect(try Imgeda.run(["scan", ws.file("example"), "-o", manifest, "--workers", "1", "--quiet"]).status == 0)
        try ws.write(Array("min_images_total: 1\nmax_corrupt_pct: 100\n".utf8), to: "policy.yml")
        // A small YOLO dataset with splits, for `annotations` and `check leakage` (the example
        // dataset has neither labels nor splits); val/c.jpg is a copy of train/a.jpg.
        try ws.write(Array("train: images/train\nval: images/val\nnc: 2\nnames: [cat, dog]\n".utf8), to: "yolo/data.yaml")
        for (seed, path) in [(1, "train/a"), (2, "train/b"), (1, "val/c")] {
            try ws.write(try Fixtures.jpeg(Fixtures.scene(UInt64(seed), width: 100, height: 80)), to: "yolo/images/\(path).jpg")
        }
        try ws.write(Array("0 0.5 0.5 0.2 0.4\n1 0.25 0.25 0.1 0.1\n".utf8), to: "yolo/labels/train/a.txt")
        try ws.write(Array("1 0.5 0.5 0.5 0.5\n".utf8), to: "yolo/labels/train/b.txt")
        try ws.write(Array("1 0.5 0.5 0.5 0.5\n".utf8), to: "yolo/labels/val/c.txt")
        let splits = ws.file("yolo.jsonl")
        let scan = try Imgeda.run(["scan", ws.file("yolo"), "-o", splits, "--workers", "1", "--quiet"])
        #expect(scan.status == 0, "\(scan.stderr)")
        let checkHelp = try Imgeda.run(["check", "--help"], environment: Self.environment)
        let checks = Self.subcommands(in: checkHelp.stdout)
        #expect(checks.contains("all"), "\(checkHelp.stdout)")
        var commands: [(name: String, arguments: [String])] = [
            ("info", ["info", "-m", manifest]),
            ("gate", ["gate", "-m", manifest, "-p", ws.file("policy.yml")]),
            ("diff", ["diff", "--old", manifest, "--new", manifest]),
            ("annotations", ["annotations", ws.file("yolo")]),
        ]
        commands += checks.map { ("check-\($0)", ["check", $0, "-m", $0 == "leakage" ? splits : manifest]) }
        for (name, arguments) in commands {
            let run = try Imgeda.run(arguments + ["--json"], environment: Self.environment)
            #expect(run.status == 0 || (name == "gate" && run.status == 2), "\(arguments): \(run.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8), options: [.fragmentsAllowed])
            let canonical = try JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            let text = Snapshot.masked(String(decoding: canonical, as: UTF8.self) + "\n", replacing: [(ws.path, "<WORKSPACE>")])
            try Snapshot.expect(text, matches: "json/\(name).json")
        }
    }
}
