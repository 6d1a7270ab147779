import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

/// Runs imgeda with files limited to 512 bytes, as if the disk were full: SIGXFSZ is
/// ignored, so a write past the limit fails with EFBIG.
private func runWithFileSizeLimit(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "trap '' XFSZ; ulimit -f 1; exec \"$0\" \"$@\"", Imgeda.executable] + arguments
    let err = Pipe()
    process.standardOutput = FileHandle.nullDevice
    process.standardError = err
    try process.run()
    let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
}

@Suite("output safety")
struct OutputSafetyTests {
    @Test func anOutputThatIsAnInputIsRefusedByEveryCommand() throws {
        let ws = try Workspace()
        let manifest = try ws.hostileManifest()
        let other = try ws.hostileManifest("other.jsonl")
        try "max_corrupt_pct: 0\n".write(toFile: ws.file("p.yml"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: ws.file("sub"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: ws.file("link.jsonl"), withDestinationPath: manifest)
        let before = ws.read("m.jsonl")
        let policyBefore = ws.read("p.yml")
        let runs: [[String]] = [
            ["export", "csv", "-m", manifest, "-o", manifest],
            ["export", "parquet", "-m", manifest, "-o", ws.file("sub/../m.jsonl")],
            ["report", "-m", manifest, "-o", ws.file("link.jsonl")],
            ["check", "all", "-m", manifest, "-o", manifest],
            ["check", "corrupt", "-m", manifest, "-o", manifest],
            ["check", "duplicates", "-m", manifest, "-o", manifest],
            ["check", "leakage", "-m", manifest, "-m", other, "-o", manifest],
            ["diff", "--old", other, "--new", manifest, "-o", manifest],
            ["gate", "-m", manifest, "-p", ws.file("p.yml"), "-o", manifest],
            ["gate", "-m", manifest, "-p", ws.file("p.yml"), "--junit", manifest],
            ["gate", "-m", manifest, "-p", ws.file("p.yml"), "--markdown", ws.file("p.yml")],
            ["gate", "-m", manifest, "-p", ws.file("p.yml"), "--junit", ws.file("r.out"), "--markdown", ws.file("r.out")],
        ]
        for arguments in runs {
            let run = try Imgeda.run(arguments)
            #expect(run.status == 1, "\(arguments): \(run.stdout) \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains("refusing to write") || run.stderr.contains("give each output its own file"), "\(run.stderr)")
        }
        #expect(ws.read("m.jsonl") == before)
        #expect(ws.read("p.yml") == policyBefore)
        #expect(!FileManager.default.fileExists(atPath: ws.file("r.out")))
    }

    @Test func scanRefusesAnOutputThatIsNotAManifest() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "images", count: 2)
        let notes = Array("my notes, not a manifest\n".utf8)
        try ws.write(notes, to: "notes.txt")
        let run = try Imgeda.run(["scan", ws.file("images"), "-o", ws.file("notes.txt")])
        #expect(run.status == 1)
        #expect(run.stderr.contains("not an imgeda manifest"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(ws.read("notes.txt") == notes)
        // A manifest is resumed as before.
        #expect(try Imgeda.run(["scan", ws.file("images"), "-o", ws.file("m.jsonl"), "--quiet"]).status == 0)
        #expect(try Imgeda.run(["scan", ws.file("images"), "-o", ws.file("m.jsonl"), "--quiet"]).status == 0)
        #expect(try records(ws.file("m.jsonl")).count == 2)
    }

    @Test func exportOfJunkEmptyOrHeaderOnlyInputFailsAndKeepsThePreviousOutput() throws {
        let ws = try Workspace()
        let previous = Array("previous export\n".utf8)
        try ws.write(Array("hello\nthis is not a manifest\n".utf8), to: "junk.jsonl")
        try ws.write([], to: "empty.jsonl")
        try ws.write(ManifestEncoding.line(for: ManifestHeader(inputDir: "/x", tool: "imgeda-swift")), to: "header.jsonl")
        for input in ["junk.jsonl", "empty.jsonl", "header.jsonl"] {
            for kind in ["csv", "parquet"] {
                try ws.write(previous, to: "out.\(kind)")
                let run = try Imgeda.run(["export", kind, "-m", ws.file(input), "-o", ws.file("out.\(kind)")])
                #expect(run.status == 1, "\(input) \(kind)")
                #expect(run.stderr.contains("holds no image records"), "\(run.stderr)")
                #expect(run.stderr.split(separator: "\n").count == 1)
                #expect(ws.read("out.\(kind)") == previous)
                #expect(try ws.temporaryFiles().isEmpty)
            }
        }
    }

    /// A full disk (here: a file-size limit, with SIGXFSZ ignored so writes fail with EFBIG)
    /// leaves every previous output whole and no temporary file.
    @Test func everyOutputIsWholeOrUnchangedWhenWritingFails() throws {
        let ws = try Workspace()
        let manifest = try ws.hostileManifest()
        let other = try ws.hostileManifest("other.jsonl")
        try "max_corrupt_pct: 0\n".write(toFile: ws.file("p.yml"), atomically: true, encoding: .utf8)
        try ws.write(Array("names: [thing]\n".utf8), to: "yolo/data.yaml")
        for i in 0..<30 { try ws.write(Array("0 0.5 0.5 0.2 0.2\n0 0.1 0.1 0.05 0.05\n".utf8), to: "yolo/labels/img_\(i).txt") }
        try FileManager.default.createDirectory(atPath: ws.file("plots"), withIntermediateDirectories: true)
        let previous = Array(String(repeating: "previous output\n", count: 4).utf8)
        let cases: [(output: String, arguments: [String])] = [
            ("check.json", ["check", "all", "-m", manifest, "-o", ws.file("check.json")]),
            ("diff.json", ["diff", "--old", other, "--new", manifest, "-o", ws.file("diff.json")]),
            ("gate.json", ["gate", "-m", manifest, "-p", ws.file("p.yml"), "-o", ws.file("gate.json")]),
            ("gate.xml", ["gate", "-m", manifest, "-p", ws.file("p.yml"), "--junit", ws.file("gate.xml")]),
            ("gate.md", ["gate", "-m", manifest, "-p", ws.file("p.yml"), "--markdown", ws.file("gate.md")]),
            ("out.csv", ["export", "csv", "-m", manifest, "-o", ws.file("out.csv")]),
            ("out.parquet", ["export", "parquet", "-m", manifest, "-o", ws.file("out.parquet")]),
            ("report.html", ["report", "-m", manifest, "-o", ws.file("report.html"), "--no-thumbnails"]),
            ("plots/dimensions.svg", ["plot", "dimensions", "-m", manifest, "-o", ws.file("plots"), "--format", "svg"]),
            ("annotations.json", ["annotations", ws.file("yolo"), "--format", "yolo", "-o", ws.file("annotations.json")]),
        ]
        for (output, arguments) in cases {
            try ws.write(previous, to: output)
            let run = try runWithFileSizeLimit(arguments)
            #expect(run.status != 0, "\(arguments) succeeded despite the limit")
            #expect(ws.read(output) == previous, "\(output) was changed: \(run.stderr)")
            #expect(
                try ws.temporaryFiles().isEmpty
                    && FileManager.default.contentsOfDirectory(atPath: ws.file("plots")).filter { $0.hasSuffix(".tmp") }.isEmpty)
            // Without the limit the same command writes the file.
            let normal = try Imgeda.run(arguments)
            #expect(normal.status == 0 || normal.status == 2, "\(arguments): \(normal.stderr)")
            #expect(ws.read(output) != previous, "\(output)")
        }
    }

    /// An export stopped by SIGTERM or SIGINT while writing leaves the previous output and
    /// no temporary file.
    @Test(arguments: [SIGTERM, SIGINT])
    func killedExportLeavesNoTemporaryFile(signal: Int32) throws {
        let ws = try Workspace()
        var lines = ManifestEncoding.line(for: ManifestHeader(inputDir: ws.path, tool: "imgeda-swift"))
        var r = ImageRecord(path: "", filename: "")
        r.cameraMake = String(repeating: "x", count: 1500)
        for i in 0..<20_000 {
            r.path = "/data/img_\(i).jpg"
            lines += ManifestEncoding.line(for: r)
        }
        try ws.write(lines, to: "big.jsonl")
        let previous = Array("previous export\n".utf8)
        try ws.write(previous, to: "out.csv")
        let running = try Imgeda.start(["export", "csv", "-m", ws.file("big.jsonl"), "-o", ws.file("out.csv")])
        let temporary = ws.file(".out.csv.\(running.process.processIdentifier).tmp")
        var seen = false
        while running.process.isRunning && !seen {
            seen = FileManager.default.fileExists(atPath: temporary)
            if !seen { usleep(500) }
        }
        try #require(seen, "the export finished before its temporary file was seen")
        running.signal(SIGSTOP)
        running.signal(signal)
        running.signal(SIGCONT)
        let result = running.wait()
        #expect(running.process.terminationReason == .uncaughtSignal && result.status == signal, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: temporary))
        #expect(ws.read("out.csv") == previous)
    }

    /// Two scans of one manifest at once: the second is refused with the first one's PID,
    /// readers go on reading, and the first finishes with every record.
    @Test func aSecondScanOfTheSameManifestIsRefusedWithTheHoldersPID() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "images", count: 10)
        let manifest = ws.file("m.jsonl")
        #expect(try Imgeda.run(["scan", ws.file("images"), "-o", manifest, "--quiet"]).status == 0)
        for i in 10..<40 {
            try ws.write(try Fixtures.jpeg(Fixtures.scene(UInt64(i + 1), width: 96, height: 72)), to: "images/more_\(i).jpg")
        }
        let first = try Imgeda.start(["scan", ws.file("images"), "-o", manifest, "--quiet", "--workers", "1", "--timeout", "600"])
        let pid = first.process.processIdentifier
        let lock = ws.file(".m.jsonl.lock")
        var holding = false
        while first.process.isRunning && !holding {
            holding = (try? String(contentsOfFile: lock, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) == "\(pid)"
            if !holding { usleep(500) }
        }
        try #require(holding, "the first scan finished before it was seen holding the lock")
        first.signal(SIGSTOP)
        let second = try Imgeda.run(["scan", ws.file("images"), "-o", manifest, "--quiet"])
        let reader = try Imgeda.run(["info", "-m", manifest])
        first.signal(SIGCONT)
        #expect(second.status == 1)
        #expect(second.stderr.contains("PID \(pid)"), "\(second.stderr)")
        #expect(second.stderr.split(separator: "\n").count == 1)
        #expect(reader.status == 0, "\(reader.stderr)")
        let result = first.wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try records(manifest).count == 40)
        #expect(!FileManager.default.fileExists(atPath: lock))
    }
}
