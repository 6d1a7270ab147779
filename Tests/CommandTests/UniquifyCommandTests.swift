import DatasetAnalysis
import DatasetPipeline
import Foundation
import ImageDecoding
import Testing

@Suite("uniquify command")
struct UniquifyCommandTests {
    /// Every file under `folder` outside `.imgeda/`, with its bytes.
    func contents(_ folder: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where !name.hasPrefix(".") {
            out[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        }
        return out
    }

    /// Three pictures, each with a byte-identical copy and a recompressed one, and a picture
    /// without copies.
    func duplicateSet(_ ws: Workspace) throws -> String {
        _ = Fixtures.libvipsStarted
        for seed in 1...3 {
            let picture = Fixtures.scene(UInt64(seed))
            let original = try Fixtures.jpeg(picture, quality: 92)
            try ws.write(original, to: "set/p\(seed)_original.jpg")
            try ws.write(original, to: "set/p\(seed)_same_bytes.jpg")
            try ws.write(try Fixtures.jpeg(picture, quality: 50), to: "set/p\(seed)_recompressed.jpg")
        }
        try ws.write(try Fixtures.encode(Fixtures.scene(9), suffix: ".png"), to: "set/unique.png")
        return ws.file("set")
    }

    /// The groups `check duplicates` finds in a fresh scan of `folder`.
    func duplicateGroups(_ folder: String, _ ws: Workspace) throws -> (exact: [[String: Any]], near: [[String: Any]]) {
        let manifest = ws.file("check-\(UUID().uuidString.prefix(4)).jsonl")
        let scan = try Imgeda.run(["scan", folder, "-o", manifest, "--quiet"])
        #expect(scan.status == 0, "\(scan.stderr)")
        let check = try Imgeda.run(["check", "duplicates", "-m", manifest, "--json"])
        #expect(check.status == 0, "\(check.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        let exact = try #require(result["exact_groups"] as? [[String: Any]])
        let near = try #require(result["near_groups"] as? [[String: Any]])
        return (exact, near)
    }

    @Test func afterUniquifyNoDuplicatesRemainAndRestoreGivesBackEveryByte() throws {
        let ws = try Workspace()
        let folder = try duplicateSet(ws)
        let before = try contents(folder)
        let found = try duplicateGroups(folder, ws)
        #expect(found.exact.count == 3 && found.near.count == 3, "the fixture must hold duplicates for this test to mean anything")

        let dry = try Imgeda.run(["uniquify", folder, "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("3 sets of duplicates"), "\(dry.stdout)")
        #expect(dry.stdout.contains("6 copies to edit"), "\(dry.stdout)")
        #expect(try contents(folder) == before)

        let run = try Imgeda.run(["uniquify", folder])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Edited 6 copies"), "\(run.stdout)\(run.stderr)")
        let after = try contents(folder)
        #expect(after.keys == before.keys)
        let changed = before.keys.filter { before[$0] != after[$0] }
        #expect(changed.count == 6)
        // One copy of each picture is kept as it was.
        for seed in 1...3 {
            #expect(before.keys.filter { $0.hasPrefix("p\(seed)_") && before[$0] == after[$0] }.count == 1)
        }
        #expect(before["unique.png"] == after["unique.png"])
        // Every edited file is still a readable image of its format.
        _ = Fixtures.libvipsStarted
        for name in changed {
            let bytes = try #require(after[name])
            let decoded = try [UInt8](bytes).withUnsafeBytes { try ImageDecoder().decode($0, options: DecodeOptions()) }
            #expect(decoded.format == "JPEG")
        }

        let again = try duplicateGroups(folder, ws)
        #expect(again.exact.isEmpty, "\(again.exact)")
        #expect(again.near.isEmpty, "\(again.near)")

        let restore = try Imgeda.run(["uniquify", folder, "--restore"])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stdout.contains("Restored 6 files"), "\(restore.stdout)")
        #expect(try contents(folder) == before)
    }

    @Test func aSecondRunKeepsTheFirstOriginals() throws {
        let ws = try Workspace()
        let folder = try duplicateSet(ws)
        let before = try contents(folder)
        #expect(try Imgeda.run(["uniquify", folder, "--backup-dir", ws.file("backup")]).status == 0)
        // Nothing is left to edit, and the backups still hold the first originals.
        let second = try Imgeda.run(["uniquify", folder, "--backup-dir", ws.file("backup")])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("nothing to change"), "\(second.stdout)")
        #expect(try Imgeda.run(["uniquify", folder, "--restore", "--backup-dir", ws.file("backup")]).status == 0)
        #expect(try contents(folder) == before)
        #expect(!FileManager.default.fileExists(atPath: ws.file("set/.imgeda/uniquify-backup")))
    }

    @Test func aStoppedRunChangesNothingMore() throws {
        let ws = try Workspace()
        let folder = try duplicateSet(ws)
        let before = try contents(folder)
        #expect(try Imgeda.run(["scan", folder, "-o", ws.file("m.jsonl"), "--quiet"]).status == 0)
        let scanned = try records(ws.file("m.jsonl"))
        let plan = UniquifyPlan.make(scanned)
        #expect(plan.toAlter == 6)
        let stop = StopToken()
        stop.stop()
        let uniquifier = Uniquifier(root: folder, backupDir: ws.file("backup"), threshold: plan.threshold)
        let outcome = try uniquifier.run(plan, records: scanned, stop: stop)
        #expect(outcome.stopped)
        #expect(outcome.changed.isEmpty && outcome.failed.isEmpty)
        #expect(try contents(folder) == before)
    }

    @Test func badInputIsOneLine() throws {
        let ws = try Workspace()
        let missing = try Imgeda.run(["uniquify", ws.file("nope")])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("is not a folder"))
        try FileManager.default.createDirectory(atPath: ws.file("empty"), withIntermediateDirectories: true)
        let nothing = try Imgeda.run(["uniquify", ws.file("empty"), "--restore"])
        #expect(nothing.status == 1)
        #expect(nothing.stderr.contains("nothing to restore"))
        #expect(nothing.stderr.split(separator: "\n").count == 1, "\(nothing.stderr)")
        let both = try Imgeda.run(["uniquify", ws.file("empty"), "--restore", "--dry-run"])
        #expect(both.status == 1)
    }
}
