import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

@Suite(
    "export columns",
    .enabled(if: referenceBinary != nil, "set IMGEDA_REFERENCE_BIN (make test does); its venv has imgeda, pyarrow and duckdb"))
struct ExportColumnsTests {
    /// A manifest whose first record has every field set (split, class_name, path_raw,
    /// frame_count… included) and whose second has only a path: both exports have a column for
    /// every field, named as the reference names it in that format, and pyarrow, duckdb and
    /// Python's csv module read back every value.
    @Test func everyFieldHasAColumnNamedAsTheReferenceNamesIt() throws {
        let ws = try Workspace()
        var full = ImageRecord(path: "train/cat/a.jpg", filename: "a.jpg")
        var pixels = PixelStats()
        var corners = CornerStats()
        for field in RecordField.manifestOrder where field != .path {
            let value: RecordField.Value =
                switch field.kind {
                case .int: .int(1000 + field.rawValue)
                case .double: .double(0.25 + Double(field.rawValue))
                case .bool: .bool(true)
                case .string: .string("\(field.jsonKey), \"value\"")
                }
            let set =
                switch field.group {
                case .record: field.set(value, in: &full)
                case .pixelStats: field.set(value, in: &pixels)
                case .cornerStats: field.set(value, in: &corners)
                }
            #expect(set, "\(field)")
        }
        full.pixelStats = pixels
        full.cornerStats = corners
        var bytes = ManifestEncoding.line(for: ManifestHeader(inputDir: ws.path, tool: "imgeda-swift"))
        bytes += ManifestEncoding.line(for: full)
        bytes += ManifestEncoding.line(for: ImageRecord(path: "val/dog/b.jpg", filename: "b.jpg"))
        try ws.write(bytes, to: "m.jsonl")
        let manifest = ws.file("m.jsonl")

        let parquet = try Imgeda.run(["export", "parquet", "-m", manifest, "-o", ws.file("m.parquet")])
        #expect(parquet.status == 0, "\(parquet.stderr)")
        #expect(parquet.stdout.contains("(\(RecordField.manifestOrder.count) columns)"), "\(parquet.stdout)")
        #expect(try Imgeda.run(["export", "csv", "-m", manifest, "-o", ws.file("m.csv")]).status == 0)

        // Our column lists, exactly.
        let header = try String(contentsOfFile: ws.file("m.csv"), encoding: .utf8).split(separator: "\n").first.map(String.init)
        #expect(header == ExportColumns.csv.map(\.name).joined(separator: ","))

        let python = ((try #require(referenceBinary)) as NSString).deletingLastPathComponent + "/python"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts/verify_export.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            script, manifest, ws.file("m.parquet"), ws.file("m.csv"), ExportColumns.parquet.map(\.name).joined(separator: ","),
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == "OK", "\(text)")
    }
}
