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
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ws.file("diff.json")))) as? [String: Any])
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

    @Test func missingManifestIsOneLineAndExitOne() throws {
        let ws = try Workspace()
        let run = try Imgeda.run(["diff", "--old", ws.file("nope.jsonl"), "--new", ws.file("nope2.jsonl")])
        #expect(run.status == 1)
        #expect(run.stderr.contains("manifest not found"))
        #expect(run.stderr.split(separator: "\n").count <= 2)
    }
}
