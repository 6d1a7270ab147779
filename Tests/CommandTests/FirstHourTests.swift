import DatasetAnalysis
import DatasetIO
import DatasetReport
import ExampleData
import Foundation
import Testing

/// What a new user meets in the first hour: mistyped commands, scans that would mix or find
/// nothing, the example folder, narrow terminals, help and completion, wording.
@Suite("first hour")
struct FirstHourTests {
    @Test func mistypedCommandsAndChecksAreNamedWithASuggestion() throws {
        let ws = try Workspace()
        let command = try Imgeda.run(["scna", ws.path])
        #expect(command.status == 1)
        #expect(command.stderr.contains("unknown command 'scna'; did you mean 'scan'?"), "\(command.stderr)")
        let check = try Imgeda.run(["check", "blurry", "-m", ws.file("m.jsonl")])
        #expect(check.status == 1)
        #expect(check.stderr.contains("unknown check 'blurry'; did you mean 'blur'?"), "\(check.stderr)")
        #expect(!check.stderr.contains("Unknown option"))
        #expect(check.stderr.split(separator: "\n").count == 1)
        let unrelated = try Imgeda.run(["check", "zzz", "-m", ws.file("m.jsonl")])
        #expect(unrelated.stderr.contains("unknown check 'zzz'"))
        #expect(!unrelated.stderr.contains("did you mean"))
    }

    /// Foundation's `deletingLastPathComponent` traps on a one-character name: outputs named
    /// `r` or `x` in the current folder must still be written.
    @Test func oneCharacterOutputNamesAreWritten() throws {
        let ws = try Workspace()
        let manifest = try ws.exampleManifest()
        let report = try Imgeda.run(["report", "-m", manifest, "-o", "r", "--no-thumbnails"], cwd: ws.path)
        #expect(report.status == 0, "\(report.stderr)")
        let export = try Imgeda.run(["export", "csv", "-m", manifest, "-o", "x"], cwd: ws.path)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(FileManager.default.fileExists(atPath: ws.file("r")) && FileManager.default.fileExists(atPath: ws.file("x")))
        #expect(FileSystem.parentFolder(of: "r") == "")
        #expect(FileSystem.parentFolder(of: "/r") == "/")
        #expect(FileSystem.parentFolder(of: "a//b/") == "a")
        #expect(FileSystem.parentFolder(of: "/x/y/z.html") == "/x/y")
    }

    @Test func repeatedDiffManifestsAreRefused() throws {
        let ws = try Workspace()
        let manifest = try ws.exampleManifest()
        let run = try Imgeda.run(["diff", "--old", manifest, "--old", manifest, "--new", manifest])
        #expect(run.status == 1)
        #expect(run.stderr.contains("--old was given 2 times"), "\(run.stderr)")
        let missing = try Imgeda.run(["diff", "--old", manifest])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("missing --new"), "\(missing.stderr)")
    }

    @Test func shortVersionFlagPrintsTheVersion() throws {
        let run = try Imgeda.run(["-V"])
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("imgeda "), "\(run.stdout)")
    }

    @Test func reportHintsNameRealChecks() throws {
        let ws = try Workspace()
        // Flat pictures: blurry, and dark or overexposed, so those galleries overflow and show their hints.
        for (i, level) in [8, 9, 10, 240, 245, 250].enumerated() {
            let flat = RGBImage(width: 64, height: 48, pixels: [UInt8](repeating: UInt8(level), count: 64 * 48 * 3))
            try ws.write(try Fixtures.jpeg(flat), to: "flat/\(i).jpg")
        }
        let manifest = ws.file("m.jsonl")
        let scan = try Imgeda.run(["scan", ws.file("flat"), "-o", manifest, "--quiet"])
        #expect(scan.status == 0, "\(scan.stderr)")
        let html = ws.file("r.html")
        let run = try Imgeda.run(["report", "-m", manifest, "-o", html, "--gallery", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOfFile: html, encoding: .utf8)
        let hints = text.components(separatedBy: "<code>imgeda check ").dropFirst().compactMap { $0.split(separator: " ").first }
        #expect(hints.count >= 3, "\(hints)")
        let checks = ["corrupt", "exposure", "artifacts", "blur", "duplicates", "leakage", "all", "labels", "extensions"]
        for hint in hints { #expect(checks.contains(String(hint)), "report suggests `imgeda check \(hint)`") }
    }

    @Test func emptyFolderIsAnErrorAndWritesNothing() throws {
        let ws = try Workspace()
        try FileManager.default.createDirectory(atPath: ws.file("empty"), withIntermediateDirectories: true)
        try ws.write(Array("notes".utf8), to: "empty/readme.txt")
        let run = try Imgeda.run(["scan", ws.file("empty"), "-o", ws.file("m.jsonl")])
        #expect(run.status == 1)
        #expect(run.stderr.contains("no images found in \(ws.file("empty"))"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws.file("m.jsonl")))
    }

    @Test func scanningAManifestIsRefused() throws {
        let ws = try Workspace()
        let manifest = try ws.exampleManifest()
        let run = try Imgeda.run(["scan", manifest, "-o", ws.file("other.jsonl")])
        #expect(run.status == 1)
        #expect(run.stderr.contains("is an imgeda manifest"), "\(run.stderr)")
        #expect(run.stderr.contains("imgeda info -m"))
    }

    @Test func aSecondDatasetIsNotMixedIntoAManifestSilently() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "a", count: 3)
        try Fixtures.jpegFolder(ws, folder: "b", count: 2)
        #expect(try Imgeda.run(["scan", "a", "--quiet"], cwd: ws.path).status == 0)
        let manifest = ws.file("imgeda_manifest.jsonl")
        let before = try Data(contentsOf: URL(fileURLWithPath: manifest))
        let mixed = try Imgeda.run(["scan", "b"], cwd: ws.path)
        #expect(mixed.status == 1)
        #expect(mixed.stderr.contains("already holds a scan of \(ws.file("a"))"), "\(mixed.stderr)")
        #expect(mixed.stderr.contains("--append"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: manifest)) == before)
        // Asked for, the second folder is added and the header names both.
        let appended = try Imgeda.run(["scan", "b", "--append", "--quiet"], cwd: ws.path)
        #expect(appended.status == 0, "\(appended.stderr)")
        #expect(try records(manifest).count == 5)
        let header = try #require(try DatasetIOHeader.read(manifest))
        #expect(header.inputDirs.map { ($0 as NSString).lastPathComponent } == ["a", "b"])
        // Re-scanning the same folder resumes as before.
        #expect(try Imgeda.run(["scan", "a", "b", "--quiet"], cwd: ws.path).status == 0)
    }

    @Test func exampleRefusesAFolderThatHoldsFiles() throws {
        let ws = try Workspace()
        try ws.write(Array("mine".utf8), to: "data/keep.txt")
        let run = try Imgeda.run(["example", ws.file("data")])
        #expect(run.status == 1)
        #expect(run.stderr.contains("already holds 1 entry"), "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: ws.file("data")) == ["keep.txt"])
        #expect(try Imgeda.run(["example", ws.file("fresh")]).status == 0)
    }

    /// The bar is drawn on a terminal only, so the scan runs under `script` in a terminal
    /// 40 columns wide; no redraw may reach the last column (it would wrap and leave lines).
    @Test func progressBarFitsANarrowTerminal() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "imgs", count: 40)
        let command =
            "stty cols 40 rows 20; \(Imgeda.executable) scan \(ws.file("imgs")) -o \(ws.file("m.jsonl")) --workers 1 --checkpoint-every 1"
        let (status, text) = try TerminalRunner.run(command)
        #expect(status == 0, "\(text)")
        let redraws = text.components(separatedBy: "\r").filter { $0.contains("░") || $0.contains("█") }
        #expect(!redraws.isEmpty, "\(text)")
        for line in redraws {
            let scalars = line.replacingOccurrences(of: "\u{1B}[K", with: "").unicodeScalars.prefix { $0 != "\n" && $0 != "\r" }
            let visible = String(String.UnicodeScalarView(scalars))
            #expect(visible.count < 40, "\(visible) is \(visible.count) wide")
        }
    }

    /// A scan too short for a rate ends with how long it took, on a terminal and in a log,
    /// never with "0 img/s, ETA --:--" under a full count.
    @Test func aShortScanEndsWithItsDurationNotAZeroRate() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "imgs", count: 3)
        let log = try Imgeda.run(["scan", ws.file("imgs"), "-o", ws.file("a.jsonl"), "--workers", "1"])
        #expect(log.status == 0, "\(log.stderr)")
        let last = try #require(log.stderr.split(separator: "\n").last { $0.hasPrefix("Scanning") })
        #expect(last.contains("3/3 (100.0%), ") && last.contains(" in ") && last.hasSuffix(" s"), "\(last)")
        #expect(!last.contains(", 0 img/s") && !last.contains("ETA"), "\(last)")
        let command = "stty cols 100 rows 20; \(Imgeda.executable) scan \(ws.file("imgs")) -o \(ws.file("b.jsonl")) --workers 1"
        let (status, text) = try TerminalRunner.run(command)
        #expect(status == 0, "\(text)")
        let final = try #require(text.components(separatedBy: "\r").last { $0.contains("3/3") })
        #expect(final.contains(" in ") && !final.contains("  0 img/s") && !final.contains("ETA"), "\(final)")
    }

    @Test func helpDoesNotRepeatDefaults() throws {
        for arguments in [["check", "duplicates", "--help"], ["check", "all", "--help"], ["scan", "--help"]] {
            let run = try Imgeda.run(arguments)
            for line in run.stdout.split(separator: "\n") {
                let defaults = line.components(separatedBy: "default").count - 1
                #expect(defaults <= 1, "\(arguments.joined(separator: " ")): \(line)")
            }
        }
    }

    @Test func plotKindsComplete() throws {
        let run = try Imgeda.run(["--generate-completion-script", "bash"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("exif-focal"), "plot kinds are not offered for completion")
    }

    @Test func cameraNamesCarryTheirMaker() {
        func name(_ make: String?, _ model: String?) -> String? {
            var r = ImageRecord(path: "x.jpg", filename: "x.jpg")
            r.cameraMake = make
            r.cameraModel = model
            return r.cameraName
        }
        #expect(name("Canon", "EOS R5") == "Canon EOS R5")
        #expect(name("Canon", "Canon EOS R6") == "Canon EOS R6")
        #expect(name("NIKON CORPORATION", "NIKON Z 6_2") == "NIKON Z 6_2")
        #expect(name("SONY", "ILCE-7M3") == "SONY ILCE-7M3")
        #expect(name("Apple", nil) == "Apple")
        #expect(name(nil, nil) == nil)
    }

    /// An 18 mm (35 mm-equivalent) lens is `medium` risk: the focal plot must not shade it as
    /// high risk, and a lens without a 35 mm equivalent is neither plotted nor counted.
    @Test func focalPlotAndInfoAgreeOnDistortionRisk() {
        var data = PlotData()
        var summary = DatasetSummary()
        for (focal, equivalent) in [(18.0, 18), (14.0, 14), (18.0, nil), (50.0, 50)] as [(Double, Int?)] {
            var r = ImageRecord(path: "x.jpg", filename: "x.jpg")
            r.focalLengthMM = focal
            r.focalLength35mm = equivalent
            r.distortionRisk = equivalent.map(ExifSummary.distortionRisk(focal35mm:))
            data.add(r)
            summary.add(r)
        }
        #expect(summary.highDistortionRiskCount == 1)
        #expect(summary.mediumDistortionRiskCount == 1)
        #expect(data.focalWithoutEquivalent == 1)
        let shadedHigh = data.focal.bins.filter { $0.upper <= Double(ExifSummary.highDistortionBelowMM) }.reduce(0) { $0 + $1.count }
        #expect(shadedHigh == Double(summary.highDistortionRiskCount))
    }
}

/// Reads a manifest's header for tests.
enum DatasetIOHeader {
    static func read(_ path: String) throws -> ManifestHeader? {
        try ManifestReader(path: path).header()
    }
}
