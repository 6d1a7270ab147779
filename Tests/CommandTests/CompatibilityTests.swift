import DatasetAnalysis
import DatasetIO
import ExampleData
import Foundation
import Testing

/// The reference implementation (Python `imgeda` 0.1.0 from PyPI); `make test` installs it
/// in a virtualenv and passes its path in IMGEDA_REFERENCE_BIN.
let referenceBinary = ProcessInfo.processInfo.environment["IMGEDA_REFERENCE_BIN"]

func runReference(_ arguments: [String]) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try #require(referenceBinary))
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["COLUMNS"] = "200"
    env["NO_COLOR"] = "1"
    process.environment = env
    let out = NSTemporaryDirectory() + "ref-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    process.standardOutput = FileHandle(forWritingAtPath: out)
    process.standardError = FileHandle(forWritingAtPath: out)
    try process.run()
    process.waitUntilExit()
    let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    try? FileManager.default.removeItem(atPath: out)
    return CommandResult(status: process.terminationStatus, stdout: text, stderr: text)
}

@Suite("compatibility with the Python imgeda 0.1.0", .enabled(if: referenceBinary != nil, "set IMGEDA_REFERENCE_BIN (make test does)"))
struct CompatibilityTests {
    @Test func ourManifestPassesThroughReferenceInfoAndCheckAll() throws {
        let ws = try Workspace()
        _ = Fixtures.libvipsStarted
        _ = try ExampleDataset.write(to: ws.file("example"))
        let manifest = ws.file("ours.jsonl")
        #expect(try Imgeda.run(["scan", ws.file("example"), "-o", manifest, "--quiet"]).status == 0)
        let ours = try records(manifest)
        let corrupt = ours.filter(\.isCorrupt).count
        #expect(corrupt == 4)

        let info = try runReference(["info", "-m", manifest])
        #expect(info.status == 0, "\(info.stdout)")
        #expect(info.stdout.range(of: #"Total images\s*│\s*\#(ours.count)\b"#, options: .regularExpression) != nil, "\(info.stdout)")
        #expect(info.stdout.range(of: #"Corrupt\s*│\s*\#(corrupt)\b"#, options: .regularExpression) != nil, "\(info.stdout)")

        let check = try runReference(["check", "all", "-m", manifest])
        #expect(check.status == 0, "\(check.stdout)")
        #expect(check.stdout.contains("Corrupt: \(corrupt)"), "\(check.stdout)")
        #expect(check.stdout.contains("Exact duplicates"), "\(check.stdout)")
    }

    @Test func referenceManifestReadsInOursAndIsReanalysedOnResume() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "data", count: 8, size: 80)
        let jpeg = try Fixtures.jpeg(Fixtures.scene(3))
        try ws.write(Array(jpeg.prefix(jpeg.count / 3)), to: "data/truncated.jpg")
        let manifest = ws.file("theirs.jsonl")
        let scan = try runReference(["scan", ws.file("data"), "-o", manifest, "--workers", "1"])
        #expect(scan.status == 0, "\(scan.stdout)")

        let info = try Imgeda.run(["info", "-m", manifest, "--json"])
        #expect(info.status == 0, "\(info.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        #expect(summary["total_images"] as? Int == 9)
        #expect(summary["corrupt_count"] as? Int == 1)
        #expect((summary["format_counts"] as? [String: Int])?["JPEG"] == 9)  // the truncated file too: its header is JPEG
        let theirs = try records(manifest)
        #expect(theirs.count == 9 && theirs.allSatisfy { $0.analyzerVersion == "1" })

        // Our scan over their manifest re-analyses their records (other analyzer) and keeps one per image.
        let again = try Imgeda.run(["scan", ws.file("data"), "-o", manifest])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("analysing 9"), "\(again.stderr)")
        let after = try records(manifest)
        #expect(after.count == 9 && after.allSatisfy { $0.sha256 != nil })
    }
}
