import Foundation
import Testing

/// `imgeda serve` in a real browser (Playwright driving Debian's Chromium) and its API against
/// its own OpenAPI document (schemathesis). Both need the test tools' Python
/// (`IMGEDA_TEST_PYTHON`, which `make test` sets); without it they are skipped.
@Suite(.serialized)
struct ServeBrowserTests {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts").path

    static func run(_ executable: String, _ arguments: [String], cwd: String) throws -> (status: Int32, output: String) {
        let process = Process()
        // schemathesis keeps a cache folder in its working directory: the workspace's.
        process.currentDirectoryURL = URL(fileURLWithPath: cwd)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test(.enabled(if: testToolsPython != nil && FileManager.default.fileExists(atPath: "/usr/bin/chromium")))
    func aPersonBrowsesTagsDecidesRestoresAndWatchesJobs() throws {
        let python = try #require(testToolsPython)
        // A library whose only duplicate pair is city/original.jpg and city/copy.jpg.
        // Each file the server's scan workers analyse takes 3 s, so the update job (which finds one
        // file added by the script) is still running when the queued job behind it is cancelled.
        let serve = try ServeFixture(environment: ["IMGEDA_TEST_DELAY_MS": "3000"])
        let result = try Self.run(python, ["\(Self.scripts)/e2e.py", "http://127.0.0.1:\(serve.port)"], cwd: serve.ws.path)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("e2e ok"))
        // What the browser did is in the truth: the tag in a sidecar, the copy back in place.
        let search = try Imgeda.run(["search", serve.root, "tag:golden-hour"])
        #expect(search.stdout.contains("img_0002.jpg"), "\(search.stdout)\(search.stderr)")
        #expect(FileManager.default.fileExists(atPath: serve.ws.file("photos/city/copy.jpg")))
    }

    /// A truncated JPEG and a text file named .png have no thumbnail: their tiles show the
    /// server's "cannot decode" picture, never the browser's broken-image icon.
    @Test(.enabled(if: testToolsPython != nil && FileManager.default.fileExists(atPath: "/usr/bin/chromium")))
    func everyGalleryTileShowsAPictureEvenOfAnUndecodableFile() throws {
        let python = try #require(testToolsPython)
        let serve = try ServeFixture { ws in
            let whole = try Fixtures.jpeg(Fixtures.scene(81, width: 120, height: 90))
            try ws.write(Array(whole.prefix(whole.count / 2)), to: "photos/broken/truncated.jpg")
            try ws.write(Array("not a picture\n".utf8), to: "photos/broken/notes.png")
        }
        let result = try Self.run(python, ["\(Self.scripts)/gallery_tiles.py", "http://127.0.0.1:\(serve.port)"], cwd: serve.ws.path)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("tiles ok: 11"), "\(result.output)")
        // The placeholder is a picture of its own, with the scan's reason escaped in it.
        let tile = try serve.request("GET", "/thumbs/\(try serve.id(of: "broken/notes.png"))")
        #expect(tile.status == 200)
        #expect(tile.headers["content-type"] == "image/svg+xml", "\(tile.headers)")
        #expect(tile.body.contains("cannot decode"))
    }

    @Test(.enabled(if: testToolsPython != nil))
    func theAPIKeepsToItsOpenAPIDocument() throws {
        let python = try #require(testToolsPython)
        let serve = try ServeFixture()
        let base = "http://127.0.0.1:\(serve.port)"
        let result = try Self.run("/bin/sh", ["\(Self.scripts)/schemathesis.sh", python, base, try serve.csrf()], cwd: serve.ws.path)
        #expect(result.status == 0, "\(result.output.suffix(4000))")
        #expect(result.output.contains("passed"))
    }
}
