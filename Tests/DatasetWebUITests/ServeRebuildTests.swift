import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A running server and a `library rebuild` from another process: the rebuild renames a new
/// index file over the one the server opened, and the server must read the new one.
@Suite(.serialized)
struct ServeRebuildTests {
    /// The paths a search through the live server's API finds.
    static func paths(_ serve: ServeFixture, _ query: String) throws -> [String] {
        let reply = try serve.request("GET", "/api/images?order=path&q=" + query)
        #expect(reply.status == 200, "\(reply.body)")
        let page = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
        return try #require(page["images"] as? [[String: Any]]).compactMap { $0["path"] as? String }
    }

    @Test func aServerReadsTheIndexARebuildFromAnotherProcessPutInPlace() throws {
        let serve = try ServeFixture()
        let tagged = try Imgeda.run(["tag", serve.root, "add", "ephemeral", "--search", "path:*img_0001"])
        #expect(tagged.status == 0, "\(tagged.stderr)")
        #expect(try Self.paths(serve, "tag:ephemeral") == ["2023/beach/img_0001.jpg"])

        // The truth loses the tag (its sidecar deleted by hand), then another process rebuilds
        // the index from the truth: only the new index file lacks the tag.
        let state = serve.root + "/.imgeda"
        var before = stat()
        #expect(stat(state + "/index.sqlite", &before) == 0)
        try FileManager.default.removeItem(atPath: state + "/sidecars")
        let rebuilt = try Imgeda.run(["library", "rebuild", serve.root, "--json"])
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        var after = stat()
        #expect(stat(state + "/index.sqlite", &after) == 0)
        #expect(before.st_ino != after.st_ino, "the rebuild wrote the index in place")

        #expect(try Self.paths(serve, "tag:ephemeral").isEmpty)
        #expect(try Self.paths(serve, "").count == 9)
        // And the server keeps working on the new file: an edit through it is found again.
        let id = try serve.id(of: "2023/beach/img_0002.jpg")
        let added = try serve.post("/api/images/\(id)", json: #"{"add_tags": ["kept"]}"#)
        #expect(added.status == 200, "\(added.body)")
        #expect(try Self.paths(serve, "tag:kept") == ["2023/beach/img_0002.jpg"])
    }
}
