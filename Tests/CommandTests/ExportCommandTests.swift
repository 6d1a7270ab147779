import DatasetAnalysis
import DatasetIO
import ExampleData
import Foundation
import Testing

@Suite("export command", .enabled(if: referenceBinary != nil, "set IMGEDA_REFERENCE_BIN (make test does); its venv has pyarrow and duckdb"))
struct ExportCommandTests {
    /// Every value of every column, read back with pyarrow and duckdb (Parquet) and Python's
    /// csv module, equals the manifest's.
    @Test func parquetAndCSVHoldEveryValueOfTheManifest() throws {
        let ws = try Workspace()
        _ = Fixtures.libvipsStarted
        _ = try ExampleDataset.write(to: ws.file("example"))
        // A name with a comma and a quote, to exercise CSV quoting.
        try ws.write(try Fixtures.jpeg(Fixtures.scene(3)), to: "example/odd, \"name\".jpg")
        let manifest = ws.file("m.jsonl")
        #expect(try Imgeda.run(["scan", ws.file("example"), "-o", manifest, "--quiet"]).status == 0)
        #expect(try Imgeda.run(["export", "parquet", "-m", manifest, "-o", ws.file("m.parquet")]).status == 0)
        #expect(try Imgeda.run(["export", "csv", "-m", manifest, "-o", ws.file("m.csv")]).status == 0)

        let python = ((try #require(referenceBinary)) as NSString).deletingLastPathComponent + "/python"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts/verify_export.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, manifest, ws.file("m.parquet"), ws.file("m.csv")]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == "OK", "\(text)")
    }

    @Test func unknownFormatAndMissingManifestAreOneLine() throws {
        let ws = try Workspace()
        let bad = try Imgeda.run(["export", "xlsx", "-m", ws.file("m.jsonl"), "-o", ws.file("x")])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("xlsx"))
        let missing = try Imgeda.run(["export", "csv", "-m", ws.file("m.jsonl"), "-o", ws.file("x.csv")])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("manifest not found"))
        #expect(!FileManager.default.fileExists(atPath: ws.file("x.csv")))
    }
}
