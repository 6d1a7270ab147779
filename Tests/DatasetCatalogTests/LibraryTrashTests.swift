import DatasetAnalysis
import DatasetCatalog
import DatasetIO
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("library trash")
struct LibraryTrashTests {
    /// The sidecar of the content at a library path, read from its file.
    static func sidecar(_ lib: LibraryFixture, _ path: String) throws -> Sidecar? {
        let all = try records(try lib.library.manifest)
        let sha = try #require(all.last { $0.path.hasSuffix("/" + path) }?.sha256)
        return try lib.library.sidecars.read(sha256: sha)
    }

    @Test func trashMovesTheFileWithItsSidecarAndRestorePutsBothBack() throws {
        let lib = try LibraryFixture()
        let file = "\(lib.root)/city/street_1.jpg"
        #expect(try lib.run(["tag", lib.root, "add", "night", "--path", file]).status == 0)
        let before = try #require(try Self.sidecar(lib, "city/street_1.jpg"))
        let live = try lib.library.sidecars.path(for: before.sha256)

        #expect(try lib.run(["library", "trash", lib.root, file]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: file))
        #expect(!FileManager.default.fileExists(atPath: live), "the sidecar left with its only file")
        let trashed = "\(try lib.library.trash)/.sidecars/city/street_1.jpg.json"
        #expect(FileManager.default.fileExists(atPath: trashed))
        let list = try lib.run(["library", "trash", lib.root, "--list"])
        #expect(list.stdout == "city/street_1.jpg\n")
        #expect(try lib.search("tag:night").isEmpty)
        // The index rebuilt from the truth agrees: the trashed decisions are not in the library.
        #expect(try lib.run(["library", "rebuild", lib.root, "--json"]).status == 0)
        #expect(try lib.search("tag:night").isEmpty)

        let restored = try lib.run(["library", "restore", lib.root])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(FileManager.default.fileExists(atPath: file))
        #expect(!FileManager.default.fileExists(atPath: trashed))
        #expect(try Self.sidecar(lib, "city/street_1.jpg") == before)
        #expect(try lib.search("tag:night") == ["city/street_1.jpg"])
        #expect(try lib.run(["library", "trash", lib.root, "--list"]).stdout.isEmpty)
    }

    @Test func aTrashedCopyTakesOnlyItsOwnDecisionAndTheOthersKeepTheTags() throws {
        let lib = try LibraryFixture { ws in
            try ws.write(try Fixtures.jpeg(Fixtures.scene(77, width: 120, height: 90)), to: "photos/pair/a.jpg")
            try ws.write(try Fixtures.jpeg(Fixtures.scene(77, width: 120, height: 90)), to: "photos/pair/b.jpg")
        }
        #expect(try lib.run(["tag", lib.root, "add", "shared", "--search", "path:pair"]).status == 0)
        #expect(try lib.run(["library", "keep", lib.root, "\(lib.root)/pair/a.jpg"]).status == 0)
        let before = try #require(try Self.sidecar(lib, "pair/a.jpg"))
        #expect(before.copies["pair/b.jpg"] == .trash)

        #expect(try lib.run(["library", "trash", lib.root, "\(lib.root)/pair/b.jpg"]).status == 0)
        let staying = try #require(try Self.sidecar(lib, "pair/a.jpg"))
        #expect(staying.tags == before.tags)
        #expect(staying.copies["pair/b.jpg"] == nil)
        #expect(staying.copies["pair/a.jpg"] == before.copies["pair/a.jpg"])
        let part = try JSONDecoder().decode(
            Sidecar.self, from: Data(contentsOf: URL(fileURLWithPath: "\(try lib.library.trash)/.sidecars/pair/b.jpg.json")))
        #expect(part.copies == ["pair/b.jpg": .trash] && part.tags.isEmpty)
        #expect(try lib.search("tag:shared") == ["pair/a.jpg"])

        #expect(try lib.run(["library", "restore", lib.root, "pair/b.jpg"]).status == 0)
        #expect(try Self.sidecar(lib, "pair/a.jpg") == before)
        #expect(try lib.search("tag:shared") == ["pair/a.jpg", "pair/b.jpg"])
    }

    @Test func onlyEmptyTrashDeletesAndOnlyWhenConfirmed() throws {
        let lib = try LibraryFixture()
        #expect(try lib.run(["tag", lib.root, "add", "gone", "--search", "path:city/street_0"]).status == 0)
        #expect(try lib.run(["library", "trash", lib.root, "--search", "path:city"]).status == 0)
        let refused = try lib.run(["library", "empty-trash", lib.root])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--yes"))
        #expect(try lib.run(["library", "trash", lib.root, "--list"]).stdout.split(separator: "\n").count == 3)
        let emptied = try lib.run(["library", "empty-trash", lib.root, "--yes"])
        #expect(emptied.status == 0, "\(emptied.stderr)")
        #expect(emptied.stdout.contains("Deleted 3 files"))
        #expect(!FileManager.default.fileExists(atPath: try lib.library.trash))
        #expect(try lib.search("").count == 3)
    }
}
