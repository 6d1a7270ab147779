import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

@Suite("diff command")
struct DiffCommandTests {
    @Test func addedRemovedChangedMovedAndRenamed() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "data/a", count: 6, size: 64)
        #expect(try Imgeda.run(["scan", ws.file("data"), "-o", ws.file("v1.jsonl"), "--quiet"]).status == 0)
        let fm = FileManager.default
        try fm.createDirectory(atPath: ws.file("data/b"), withIntermediateDirectories: true)
        try fm.moveItem(atPath: ws.file("data/a/img_0000.jpg"), toPath: ws.file("data/b/img_0000.jpg"))  // moved
        try fm.moveItem(atPath: ws.file("data/a/img_0001.jpg"), toPath: ws.file("data/a/renamed.jpg"))  // renamed
        try fm.removeItem(atPath: ws.file("data/a/img_0002.jpg"))  // removed
        try ws.write(try Fixtures.jpeg(Fixtures.scene(77, width: 80, height: 60)), to: "data/a/img_0003.jpg")  // changed
        try ws.write(try Fixtures.jpeg(Fixtures.scene(78, width: 80, height: 60)), to: "data/a/new.jpg")  // added
        #expect(try Imgeda.run(["scan", ws.file("data"), "-o", ws.file("v2.jsonl"), "--quiet"]).status == 0)

        let run = try Imgeda.run(["diff", "--old", ws.file("v1.jsonl"), "--new", ws.file("v2.jsonl"), "-o", ws.file("diff.json")])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("added 1, removed 1, changed 1, moved or renamed 2, unchanged 2"), "\(run.stdout)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ws.file("diff.json")))) as? [String: Any])
        #expect((object["added"] as? [String])?.map { ($0 as NSString).lastPathComponent } == ["new.jpg"])
        #expect((object["removed"] as? [String])?.map { ($0 as NSString).lastPathComponent } == ["img_0002.jpg"])
        let moved = try #require(object["moved"] as? [[String: Any]])
        #expect(moved.count == 2)
        let renamed = moved.first { ($0["to"] as? String)?.hasSuffix("renamed.jpg") == true }
        #expect(renamed?["renamed"] as? Bool == true)
        let relocated = moved.first { ($0["to"] as? String)?.hasSuffix("b/img_0000.jpg") == true }
        #expect(relocated?["renamed"] as? Bool == false)
        let changed = try #require((object["changed"] as? [[String: Any]])?.first)
        #expect((changed["path"] as? String)?.hasSuffix("img_0003.jpg") == true)
        let fields = try #require(changed["fields"] as? [String: Any])
        #expect(fields["sha256"] != nil && fields["width"] != nil)
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(summary["total_old"] as? Int == 6 && summary["total_new"] as? Int == 6)
    }

    /// Two versions of a dataset in different folders, each scanned from where it lies:
    /// paths are compared relative to each scan root, so unchanged files are unchanged.
    @Test func versionsInDifferentFoldersCompareFileByFile() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "v1/images", count: 200, size: 32)
        let fm = FileManager.default
        try fm.copyItem(atPath: ws.file("v1/images"), toPath: ws.file("release-2/images"))
        for i in 0..<3 {  // renamed: same bytes, same folder, another name
            try fm.moveItem(
                atPath: ws.file("release-2/images/img_\(String(format: "%04d", i)).jpg"),
                toPath: ws.file("release-2/images/renamed_\(i).jpg"))
        }
        for i in 3..<5 { try fm.removeItem(atPath: ws.file("release-2/images/img_\(String(format: "%04d", i)).jpg")) }
        for i in 0..<5 {
            try ws.write(try Fixtures.jpeg(Fixtures.scene(UInt64(900 + i), width: 32, height: 24)), to: "release-2/images/new_\(i).jpg")
        }
        // One relative scan, one absolute, from different folders.
        #expect(try Imgeda.run(["scan", "images", "-o", ws.file("old.jsonl"), "--quiet"], cwd: ws.file("v1")).status == 0)
        #expect(try Imgeda.run(["scan", ws.file("release-2/images"), "-o", ws.file("new.jsonl"), "--quiet"]).status == 0)

        let run = try Imgeda.run(["diff", "--old", ws.file("old.jsonl"), "--new", ws.file("new.jsonl"), "--json"], cwd: ws.path)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(summary["total_old"] as? Int == 200 && summary["total_new"] as? Int == 203)
        #expect(object["unchanged_count"] as? Int == 195)
        #expect(summary["changed_count"] as? Int == 0)
        #expect(summary["moved_count"] as? Int == 3)
        #expect(summary["removed_count"] as? Int == 2 && summary["added_count"] as? Int == 5)
        let moved = try #require(object["moved"] as? [[String: Any]])
        #expect(moved.allSatisfy { $0["renamed"] as? Bool == true })
        #expect(moved.map { $0["from"] as? String ?? "" }.sorted() == ["img_0000.jpg", "img_0001.jpg", "img_0002.jpg"])
        #expect((object["removed"] as? [String]) == ["img_0003.jpg", "img_0004.jpg"])
        #expect((object["added"] as? [String]) == (0..<5).map { "new_\($0).jpg" })
    }

    @Test func missingManifestIsOneLineAndExitOne() throws {
        let ws = try Workspace()
        let run = try Imgeda.run(["diff", "--old", ws.file("nope.jsonl"), "--new", ws.file("nope2.jsonl")])
        #expect(run.status == 1)
        #expect(run.stderr.contains("manifest not found"))
        #expect(run.stderr.split(separator: "\n").count <= 2)
    }
}
