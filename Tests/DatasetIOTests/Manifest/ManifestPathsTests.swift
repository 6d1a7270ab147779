import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

/// Where relative record paths point when the dataset, the manifest or the reader moved.
@Suite("manifest paths")
struct ManifestPathsTests {
    /// A dataset copied elsewhere together with its manifest is found next to the manifest;
    /// a file found in neither place resolves against the scan's folder, as recorded.
    @Test func datasetMovedWithItsManifestIsFoundNextToIt() throws {
        let ws = try Workspace()
        try ws.write([1], to: "moved/data/x.jpg")
        var header = ManifestHeader(inputDir: "/gone/scans/data", inputDirs: ["/gone/scans/data"])
        header.workingDir = "/gone/scans"
        let paths = ManifestPaths(header: header, manifest: ws.file("moved/m.jsonl"))
        #expect(paths.resolve("data/x.jpg") == ws.file("moved/data/x.jpg"))
        #expect(paths.resolve("data/missing.jpg") == "/gone/scans/data/missing.jpg")
    }

    /// Names that are not UTF-8 keep their exact bytes when resolved.
    @Test func pathBytesThatAreNotUTF8SurviveResolving() {
        var header = ManifestHeader(inputDir: "/srv/data", inputDirs: ["/srv/data"])
        header.workingDir = "/srv"
        let paths = ManifestPaths(header: header, manifest: "/nowhere/m.jsonl")
        let name = Array("data/".utf8) + [0xFF, 0xFE] + Array(".jpg".utf8)
        #expect(paths.resolve(FilePathBytes(name)).bytes == Array("/srv/".utf8) + name)
        #expect(paths.resolve(FilePathBytes("/abs/x.jpg")).bytes == Array("/abs/x.jpg".utf8))
    }

    /// `.` and `..` fold lexically, and `..` never climbs above the root.
    @Test func dotsFoldLexically() {
        var header = ManifestHeader(inputDir: "/srv/a/b/data", inputDirs: ["/srv/a/b/data"])
        header.workingDir = "/srv/a/b/"
        let paths = ManifestPaths(header: header, manifest: "/nowhere/m.jsonl")
        #expect(paths.resolve("../../c/./x.jpg") == "/srv/c/x.jpg")
        #expect(paths.resolve("../../../../../x.jpg") == "/x.jpg")
        #expect(paths.relativeToRoot("./data//sub/y.jpg") == "sub/y.jpg")
    }
}
