import DatasetAnalysis
import DatasetCatalog
import DatasetCatalogSQLite
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("duplicates decided once")
struct DuplicateDecisionTests {
    /// photos/ with one scene three times: an exact copy and a harder-compressed copy (a near
    /// duplicate), plus an unrelated picture.
    static func fixture(_ name: String = #function) throws -> LibraryFixture {
        try LibraryFixture(name, count: 0) { ws in
            let scene = Fixtures.scene(5, width: 320, height: 240)
            try ws.write(try Fixtures.jpeg(scene, quality: 95), to: "photos/a/original.jpg")
            try ws.write(try Fixtures.jpeg(scene, quality: 95), to: "photos/b/copy.jpg")
            try ws.write(try Fixtures.jpeg(scene, quality: 30), to: "photos/c/small.jpg")
            try ws.write(try Fixtures.jpeg(Fixtures.scene(77, width: 320, height: 240)), to: "photos/other.jpg")
        }
    }

    static func groups(_ lib: LibraryFixture, all: Bool = false) throws -> [[String: Any]] {
        let result = try Imgeda.run(["library", "duplicates", lib.root, "--json"] + (all ? ["--all"] : []))
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
    }

    static func members(_ group: [String: Any]) -> [String] {
        (group["members"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
    }

    @Test func groupsPutTheBestQualityFirstAndAKeepDecisionSurvivesRebuildAndUpdate() throws {
        let lib = try Self.fixture()
        let groups = try Self.groups(lib)
        #expect(groups.count == 1)
        let group = try #require(groups.first)
        #expect(Set(Self.members(group)) == ["a/original.jpg", "b/copy.jpg", "c/small.jpg"])
        #expect(Self.members(group).last == "c/small.jpg", "the harder-compressed copy scores lowest")
        #expect(group["decided"] as? Bool == false)

        let keep = try Imgeda.run(["library", "keep", lib.root, "\(lib.root)/b/copy.jpg"])
        #expect(keep.status == 0, "\(keep.stderr)")
        #expect(try Self.groups(lib).isEmpty, "a decided group is not asked again")
        #expect(try lib.search("status:rejected") == ["c/small.jpg"])

        for file in SQLiteCatalogStore.files(of: try lib.library.index) { unlink(file) }
        #expect(try Imgeda.run(["library", "rebuild", lib.root]).status == 0)
        #expect(try Imgeda.run(["library", "update", lib.root, "--quiet", "--workers", "1"]).status == 0)
        #expect(try Self.groups(lib).isEmpty)
        let decided = try #require(try Self.groups(lib, all: true).first)
        #expect(decided["keeper"] as? String == "b/copy.jpg")
        #expect(decided["decided"] as? Bool == true)
        #expect(try lib.search("is:keeper") == ["a/original.jpg", "b/copy.jpg"], "byte-identical copies share the keeper mark")
    }

    @Test func notADuplicateTakesAPictureOutOfItsGroupForGood() throws {
        let lib = try Self.fixture()
        let marked = try Imgeda.run(["library", "not-duplicate", lib.root, "\(lib.root)/a/original.jpg", "\(lib.root)/c/small.jpg"])
        #expect(marked.status == 0, "\(marked.stderr)")
        let groups = try Self.groups(lib)
        #expect(groups.map(Self.members) == [["a/original.jpg", "b/copy.jpg"]])
        for file in SQLiteCatalogStore.files(of: try lib.library.index) { unlink(file) }
        #expect(try Imgeda.run(["library", "rebuild", lib.root]).status == 0)
        #expect(try Self.groups(lib).map(Self.members) == [["a/original.jpg", "b/copy.jpg"]])
        #expect(try lib.search("is:duplicate") == ["a/original.jpg", "b/copy.jpg"])
    }
}
