import DatasetAnalysis
import DatasetIO
import DatasetReport
import ExampleData
import Foundation
import ImageDecoding
import Testing

let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

@Suite("report command")
struct ReportCommandTests {

    func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = NSTemporaryDirectory() + "chromium-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: out)
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    /// The report opens in a real headless Chromium with no console errors; every plot and
    /// gallery section is in the page it renders; a screenshot is taken and is not blank.
    @Test(.enabled(if: chromium != nil, "needs Debian's chromium (make test installs it)"))
    func reportLoadsInHeadlessChromium() throws {
        let ws = try Workspace()
        let manifest = try ws.exampleManifest()
        let report = ws.file("report.html")
        let made = try Imgeda.run(["report", "-m", manifest, "-o", report])
        #expect(made.status == 0, "\(made.stderr)")
        let browser = try #require(chromium)
        let common = ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0"]
        let (domStatus, dom) = try run(browser, common + ["--dump-dom", "file://" + report])
        #expect(domStatus == 0)
        for kind in PlotKind.allCases { #expect(dom.contains("id=\"plot-\(kind.rawValue)\""), "plot \(kind.rawValue) missing") }
        for id in [
            "summary", "issues", "gallery-dark", "gallery-blurry", "gallery-corrupt", "exact-groups", "near-groups", "exif", "formats",
        ] {
            #expect(dom.contains("id=\"\(id)\""), "section \(id) missing")
        }
        #expect(dom.contains("class=\"keep\""))
        #expect(dom.contains("data:image/jpeg;base64,"))
        let console = dom.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }
        #expect(console.isEmpty, "console: \(console)")

        let shot = ws.file("report.png")
        let (shotStatus, shotLog) = try run(browser, common + ["--window-size=1280,2400", "--screenshot=\(shot)", "file://" + report])
        #expect(shotStatus == 0, "\(shotLog)")
        let png = try [UInt8](Data(contentsOf: URL(fileURLWithPath: shot)))
        _ = Fixtures.libvipsStarted  // a PNG the fast path leaves to libvips needs it started
        let decoded = try png.withUnsafeBytes { try ImageDecoder().decode($0, options: DecodeOptions(previewSide: 1280)) }
        #expect(decoded.width == 1280 && decoded.height == 2400)
        #expect(PixelStatistics.compute(decoded.preview).stdR > 10)
        #expect(!shotLog.contains("CONSOLE"))
    }

    /// A manifest scanned with a relative folder (`imgeda scan data`), reported from another
    /// folder: the images are found through the manifest's scan root.
    @Test func reportFromAnotherFolderFindsTheImages() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "project/data", count: 3, size: 64)
        try FileManager.default.copyItem(atPath: ws.file("project/data/img_0000.jpg"), toPath: ws.file("project/data/copy.jpg"))
        let scan = try Imgeda.run(["scan", "data", "-o", "m.jsonl", "--quiet"], cwd: ws.file("project"))
        #expect(scan.status == 0, "\(scan.stderr)")
        #expect(try records(ws.file("project/m.jsonl")).allSatisfy { $0.path.hasPrefix("data/") })
        try FileManager.default.createDirectory(atPath: ws.file("elsewhere"), withIntermediateDirectories: true)
        let run = try Imgeda.run(["report", "-m", ws.file("project/m.jsonl"), "-o", "r.html"], cwd: ws.file("elsewhere"))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("could not be made"), "\(run.stderr)")
        let html = try String(contentsOfFile: ws.file("elsewhere/r.html"), encoding: .utf8)
        #expect(html.contains("data:image/jpeg;base64,"))
        #expect(!html.contains("image not reachable"))
        #expect(!html.contains("id=\"unreachable\""))
    }

    @Test func reportRendersWithoutTheImagesAndSaysSo() throws {
        let ws = try Workspace()
        let manifest = try ws.exampleManifest()
        try FileManager.default.removeItem(atPath: ws.file("example"))
        let run = try Imgeda.run(["report", "-m", manifest, "-o", ws.file("r.html")])
        #expect(run.status == 0, "\(run.stderr)")
        let html = try String(contentsOfFile: ws.file("r.html"), encoding: .utf8)
        #expect(html.contains("image not reachable"))
        #expect(html.contains("id=\"unreachable\""))
        #expect(!html.contains("data:image/jpeg"))
        #expect(!html.contains("<script"))
        #expect(run.stderr.contains("thumbnails could not be made"), "\(run.stderr)")
    }
}
