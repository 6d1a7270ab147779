import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

/// How `check` and `gate` name the split of every record they read.
@Suite("manifests as splits")
struct ManifestSplitsTests {
    static func manifest(_ ws: Workspace, _ name: String, _ records: [(String, String?)]) throws -> String {
        var bytes = ManifestEncoding.line(for: ManifestHeader(tool: "imgeda-swift"))
        for (path, split) in records {
            var record = ImageRecord(path: path, filename: path)
            record.split = split
            bytes += ManifestEncoding.line(for: record)
        }
        try ws.write(bytes, to: name)
        return ws.file(name)
    }

    @Test func severalManifestsAreNamedByFileAndClashingNamesByPath() {
        #expect(ManifestSplits.labelled(["m.jsonl"]).map(\.split) == [""])
        #expect(ManifestSplits.labelled(["a/train.jsonl", "b/val.jsonl"]).map(\.split) == ["train", "val"])
        #expect(ManifestSplits.labelled(["a/train.jsonl", "b/train.jsonl"]).map(\.split) == ["train", "b/train.jsonl"])
    }

    @Test func oneManifestKeepsItsRecordsSplitsAndSeveralOverrideThem() throws {
        let ws = try Workspace()
        let one = try Self.manifest(ws, "one.jsonl", [("a.jpg", "train"), ("b.jpg", nil)])
        let val = try Self.manifest(ws, "val.jsonl", [("c.jpg", "train")])
        var seen: [String] = []
        try ManifestSplits.forEachRecord(in: [one]) { seen.append("\($0.path):\($1)") }
        #expect(seen == ["a.jpg:train", "b.jpg:"])
        seen = []
        try ManifestSplits.forEachRecord(in: [one, val]) { seen.append("\($0.path):\($1)") }
        #expect(seen == ["a.jpg:one", "b.jpg:one", "c.jpg:val"])
    }

    @Test func aManifestWithoutRecordsIsAnError() throws {
        let ws = try Workspace()
        let empty = try Self.manifest(ws, "empty.jsonl", [])
        let error = #expect(throws: ImgedaError.self) { try ManifestSplits.forEachRecord(in: [empty]) { _, _ in } }
        #expect(error?.code == .noRecords)
    }
}
