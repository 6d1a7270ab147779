import DatasetAnalysis
import ExampleData
import Foundation
import Testing

@Suite("wizard command (imgeda without a subcommand)")
struct WizardCommandTests {
    /// Drives the wizard through a pseudo-terminal (`script` gives the program a terminal and
    /// forwards our answers to it), through to a finished scan and its summary.
    @Test func wizardOnATerminalCompletesAScan() throws {
        let ws = try Workspace()
        _ = Fixtures.libvipsStarted
        _ = try ExampleDataset.write(to: ws.file("example"))
        let manifest = ws.file("wizard.jsonl")
        // Answers: folder, analyses (everything), workers, manifest, summary, report.
        let report = ws.file("wizard.html")
        let answers = "\(ws.file("example"))\n1\n2\n\(manifest)\ny\n\(report)\n"
        let (status, text) = try TerminalRunner.run(Imgeda.executable, answers: answers)
        #expect(status == 0, "\(text)")
        #expect(text.contains("Where are the images?"))
        #expect(text.contains("Found 24 images"), "\(text)")
        #expect(text.contains("Scanned 24 images into \(manifest)"), "\(text)")
        #expect(text.contains("Corrupt: 4 of 24"))
        #expect(try records(manifest).count == 24)
        #expect(text.contains("Wrote \(report)"), "\(text)")
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("<h1>imgeda report</h1>"))
    }

    /// `~` is the home folder, as in a shell, and an existing report is replaced only when
    /// the user says so (here: no, so the suggested free name is used).
    @Test func wizardExpandsTildeAndDoesNotOverwriteAReport() throws {
        let ws = try Workspace()
        _ = Fixtures.libvipsStarted
        _ = try ExampleDataset.write(to: ws.file("example"))
        try ws.write(Array("mine".utf8), to: "r.html")
        // Answers: folder, analyses, workers, manifest, summary (no), report (exists), replace? (no), free name (Enter).
        let answers = "~/example\n2\n1\n~/w.jsonl\nn\n~/r.html\nn\n\n"
        let (status, text) = try TerminalRunner.run(Imgeda.executable, answers: answers, environment: ["HOME": ws.path])
        #expect(status == 0, "\(text)")
        #expect(text.contains("exists. Replace it?"), "\(text)")
        #expect(try records(ws.file("w.jsonl")).count == 24)
        #expect(try String(contentsOfFile: ws.file("r.html"), encoding: .utf8) == "mine")
        #expect(try String(contentsOfFile: ws.file("r-2.html"), encoding: .utf8).contains("<h1>imgeda report</h1>"))
    }

    /// A dataset with splits: the wizard's summary and its report include leakage.
    @Test func wizardSummaryOfADatasetWithSplitsIncludesLeakage() throws {
        let ws = try Workspace()
        _ = Fixtures.libvipsStarted
        for i in 0..<3 { try ws.write(try Fixtures.jpeg(Fixtures.scene(UInt64(50 + i))), to: "data/train/\(i).jpg") }
        try ws.write(try Fixtures.jpeg(Fixtures.scene(50)), to: "data/val/copy.jpg")
        try ws.write(try Fixtures.jpeg(Fixtures.scene(99)), to: "data/val/new.jpg")
        let manifest = ws.file("wizard.jsonl")
        let report = ws.file("wizard.html")
        // Answers: folder, splits (all), analyses (everything), workers, manifest, summary, report.
        let answers = "\(ws.file("data"))\n\n1\n2\n\(manifest)\ny\n\(report)\n"
        let (status, text) = try TerminalRunner.run(Imgeda.executable, answers: answers)
        #expect(status == 0, "\(text)")
        #expect(text.contains("splits train (3), val (2)"), "\(text)")
        #expect(text.contains("val ← train: 1 of 2 images"), "\(text)")
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("id=\"leakage\""))
    }

    @Test func withoutATerminalItPrintsHelpInsteadOfWaiting() throws {
        let run = try Imgeda.run([])
        #expect(run.status == 0)
        #expect(run.stdout.contains("USAGE: imgeda <subcommand>"))
    }
}
