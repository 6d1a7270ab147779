import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

/// File names and EXIF strings an attacker (or an unlucky camera) can write.
enum HostileText {
    static let terminalName = "bell\u{07}esc\u{1B}]0;pwned\u{07}\u{1B}[2J.jpg"
    static let markdownName = "x`<img src=x onerror=alert(1)>`.jpg"
    static let controlName = "ctl\u{01}\u{02}\u{0B}.jpg"
    static let formula = "=HYPERLINK(\"http://evil.example\",\"click\")"
    static let cameraModel = "Cam\u{1B}[31mera\u{07}\u{0C}"
}

extension Workspace {
    /// A manifest of four records (three corrupt) whose names and EXIF hold control
    /// characters, markup and a spreadsheet formula.
    func hostileManifest(_ name: String = "m.jsonl", extraLines: [UInt8] = []) throws -> String {
        let header = ManifestHeader(
            inputDir: path, inputDirs: [path], totalFiles: 4, createdAt: "now", tool: "imgeda-swift", toolVersion: "0.1.0")
        var bytes = ManifestEncoding.line(for: header)
        let names = [HostileText.terminalName, HostileText.markdownName, HostileText.controlName, "plain.jpg"]
        for (i, name) in names.enumerated() {
            var r = ImageRecord(path: file("images/" + name), filename: name)
            r.fileSizeBytes = 1000 + i
            r.width = 640
            r.height = 480
            r.format = "JPEG"
            r.colorMode = "RGB"
            r.numChannels = 3
            r.aspectRatio = 640.0 / 480.0
            r.cameraMake = HostileText.formula
            r.cameraModel = HostileText.cameraModel
            r.isCorrupt = i < 3
            r.corruptReason = r.isCorrupt ? "broken \u{1B}[2J\u{07}" : nil
            r.pixelStats = PixelStats(
                meanR: 100, meanG: 100, meanB: 100, stdR: 10, stdG: 10, stdB: 10, meanBrightness: 100, minVal: 0, maxVal: 255)
            r.cornerStats = CornerStats(cornerMean: 100, centerMean: 100, borderMean: 100, delta: 0)
            r.blurScore = 500
            r.phash = String(repeating: String("0123456789abcdef".randomElement() ?? "0"), count: 64)
            r.sha256 = String(repeating: String(i), count: 64)
            bytes += ManifestEncoding.line(for: r)
        }
        try write(bytes + extraLines, to: name)
        return file(name)
    }

    func read(_ relative: String) -> [UInt8]? {
        (try? Data(contentsOf: URL(fileURLWithPath: file(relative)))).map { Array($0) }
    }

    /// Files in the workspace's top folder whose names mark them as temporary.
    func temporaryFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".tmp") }
    }
}

/// Whether `path` parses as XML (Python's parser).
func parsesAsXML(_ path: String) throws -> Bool {
    let parse = Process()
    parse.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    parse.arguments = ["python3", "-c", "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])", path]
    parse.standardError = FileHandle.nullDevice
    try parse.run()
    parse.waitUntilExit()
    return parse.terminationStatus == 0
}

@Suite("hostile text in outputs")
struct HostileTextTests {
    @Test func svgPlotsAndJUnitWithControlCharactersAreWellFormedXML() throws {
        let ws = try Workspace()
        let manifest = try ws.hostileManifest()
        let svg = try Imgeda.run(["plot", "all", "-m", manifest, "-o", ws.file("svg"), "--format", "svg"])
        #expect(svg.status == 0, "\(svg.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: ws.file("svg"))
        #expect(files.contains("exif-camera.svg"))
        for file in files { #expect(try parsesAsXML(ws.file("svg/" + file)), "\(file)") }
        let png = try Imgeda.run(["plot", "exif-camera", "-m", manifest, "-o", ws.file("png"), "--format", "png"])
        #expect(png.status == 0, "\(png.stderr)")

        try "max_corrupt_pct: 0\n".write(toFile: ws.file("p.yml"), atomically: true, encoding: .utf8)
        let gate = try Imgeda.run(["gate", "-m", manifest, "-p", ws.file("p.yml"), "--junit", ws.file("r.xml")])
        #expect(gate.status == 2, "\(gate.stderr)")
        #expect(try parsesAsXML(ws.file("r.xml")))
    }

    @Test func gateMarkdownWithABacktickFileNameHasNoLiveHTML() throws {
        let ws = try Workspace()
        let manifest = try ws.hostileManifest()
        try "max_corrupt_pct: 0\n".write(toFile: ws.file("p.yml"), atomically: true, encoding: .utf8)
        let gate = try Imgeda.run(["gate", "-m", manifest, "-p", ws.file("p.yml"), "--markdown", ws.file("r.md")])
        #expect(gate.status == 2, "\(gate.stderr)")
        let markdown = try String(contentsOfFile: ws.file("r.md"), encoding: .utf8)
        #expect(markdown.contains("onerror"))  // the name is there, as text
        #expect(!markdown.contains("<img"))
        #expect(markdown.contains("x\\`&lt;img"))
        #expect(markdown.contains("| `max_corrupt_pct` |"))
    }

    @Test func terminalOutputCarriesNoEscOrBel() throws {
        let ws = try Workspace()
        let manifest = try ws.hostileManifest()
        try "max_corrupt_pct: 0\n".write(toFile: ws.file("p.yml"), atomically: true, encoding: .utf8)
        let runs = [
            try Imgeda.run(["check", "corrupt", "-m", manifest]),
            try Imgeda.run(["check", "all", "-m", manifest]),
            try Imgeda.run(["info", "-m", manifest]),
            try Imgeda.run(["gate", "-m", manifest, "-p", ws.file("p.yml")]),
            try Imgeda.run(["info", "-m", ws.file("no\u{1B}[2Jsuch\u{07}.jsonl")]),
        ]
        for run in runs {
            let bytes = Array(run.stdout.utf8) + Array(run.stderr.utf8)
            #expect(!bytes.contains(0x1B) && !bytes.contains(0x07) && !bytes.contains(0x01), "\(run.stdout)")
        }
        #expect(runs[0].stdout.contains("bell\\x07esc\\x1B]0;pwned"))
        #expect(runs[2].stdout.contains("Cam\\x1B[31mera"))
        #expect(runs[4].status == 1 && runs[4].stderr.contains("no\\x1B[2Jsuch\\x07.jsonl"), "\(runs[4].stderr)")
    }

    @Test func csvExportNeutralisesFormulas() throws {
        let ws = try Workspace()
        let manifest = try ws.hostileManifest()
        let export = try Imgeda.run(["export", "csv", "-m", manifest, "-o", ws.file("m.csv")])
        #expect(export.status == 0, "\(export.stderr)")
        let csv = try String(contentsOfFile: ws.file("m.csv"), encoding: .utf8)
        #expect(csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\""))
        #expect(!csv.contains(",\"=HYPERLINK") && !csv.contains(",=HYPERLINK"))
    }
}

@Suite("hostile input files")
struct HostileInputFileTests {
    @Test func deeplyNestedManifestLineIsSkippedByEveryCommand() throws {
        let ws = try Workspace()
        let deep =
            Array("{\"path\": \"deep.jpg\", \"x\": ".utf8) + Array(repeating: UInt8(ascii: "["), count: 150_000)
            + Array(repeating: UInt8(ascii: "]"), count: 150_000) + Array("}\n".utf8)
        let manifest = try ws.hostileManifest(
            extraLines: deep + ManifestEncoding.line(for: ImageRecord(path: "last.jpg", filename: "last.jpg")))
        let info = try Imgeda.run(["info", "-m", manifest])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("Total images         5"))
        #expect(info.stdout.contains("skipped 1 damaged line (1 nested too deep to be records)"), "\(info.stdout)")
        for arguments in [
            ["check", "all", "-m", manifest], ["export", "csv", "-m", manifest, "-o", ws.file("m.csv")],
            ["diff", "--old", manifest, "--new", manifest], ["plot", "all", "-m", manifest, "--format", "svg", "-o", ws.file("plots")],
        ] {
            let run = try Imgeda.run(arguments)
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
        }
    }

    @Test func dataYAMLAliasBombIsNotedByScanAndRefusedByAnnotations() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "yolo/images", count: 2)
        try ws.write(Array("0 0.5 0.5 0.2 0.2\n".utf8), to: "yolo/labels/img_0000.txt")
        var bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        let letters = Array("abcdefghi")
        for i in 1..<letters.count {
            bomb += "\(letters[i]): &\(letters[i]) [" + Array(repeating: "*\(letters[i - 1])", count: 9).joined(separator: ",") + "]\n"
        }
        bomb += "names: *i\n"
        try ws.write(Array(bomb.utf8), to: "yolo/data.yaml")
        let scan = try Imgeda.run(["scan", ws.file("yolo"), "-o", ws.file("m.jsonl")])
        #expect(scan.status == 0, "\(scan.stderr)")
        #expect(scan.stderr.contains("data.yaml") && scan.stderr.contains("alias"), "\(scan.stderr)")
        #expect(try records(ws.file("m.jsonl")).count == 2)
        let annotations = try Imgeda.run(["annotations", ws.file("yolo")])
        #expect(annotations.status == 1)
        #expect(annotations.stderr.contains("data.yaml") && annotations.stderr.contains("alias"), "\(annotations.stderr)")
        #expect(annotations.stderr.split(separator: "\n").count == 1)
    }
}
