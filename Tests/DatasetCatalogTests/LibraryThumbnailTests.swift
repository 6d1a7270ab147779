import DatasetAnalysis
import DatasetCatalog
import Foundation
import Testing

@Suite("library thumbnails")
struct LibraryThumbnailTests {
    @Test func bulkThumbnailsAreMadeOnceAndCachedByContent() throws {
        let lib = try LibraryFixture()
        let made = try lib.run(["library", "thumbnails", lib.root, "--json", "--workers", "2"])
        #expect(made.status == 0, "\(made.stderr)")
        let batch = try #require(try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any])
        #expect(batch["contents"] as? Int == 6)
        #expect(batch["made"] as? Int == 12)
        #expect((batch["failed"] as? [Any])?.isEmpty == true)
        let small = try FileManager.default.subpathsOfDirectory(atPath: "\(lib.root)/.imgeda/thumbnails/small").filter {
            $0.hasSuffix(".jpg")
        }
        #expect(small.count == 6)

        // Moving a file keeps its thumbnails (keyed by content): nothing to make after an update.
        #expect(rename("\(lib.root)/city/street_0.jpg", "\(lib.root)/moved.jpg") == 0)
        #expect(try lib.run(["library", "update", lib.root, "--quiet", "--workers", "1"]).status == 0)
        let again = try lib.run(["library", "thumbnails", lib.root, "--size", "small"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("0 made, 6 already there"), "\(again.stdout)")
        let bad = try lib.run(["library", "thumbnails", lib.root, "--size", "huge"])
        #expect(bad.status == 1)
    }
}
