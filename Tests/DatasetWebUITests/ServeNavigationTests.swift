import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Orders, neighbours, the event stream's heartbeat, the overview's cache and the thumbnails
/// job, on a live server.
@Suite(.serialized)
struct ServeNavigationTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Every image of a gallery query, page by page: (id, path, file size).
    static func gallery(_ serve: ServeFixture, _ parameters: String) throws -> [(id: String, path: String, size: Int)] {
        var seen: [(id: String, path: String, size: Int)] = []
        var after: String?
        repeat {
            let reply = try serve.request("GET", "/api/images?limit=2&\(parameters)" + (after.map { "&after=\($0)" } ?? ""))
            #expect(reply.status == 200, "\(reply.body)")
            let page = try Self.json(reply.body)
            for image in try #require(page["images"] as? [[String: Any]]) {
                seen.append(
                    (
                        try #require(image["id"] as? String), try #require(image["path"] as? String),
                        try #require(image["file_size_bytes"] as? Int)
                    ))
                #expect(
                    (image["file_size"] as? String)?.hasSuffix(" KB") == true || (image["file_size"] as? String)?.hasSuffix(" B") == true)
            }
            after = page["next"] as? String
        } while after != nil
        return seen
    }

    @Test func sortingBySizePagesEveryImageOnceLargestFirst() throws {
        let serve = try ServeFixture()
        let bySize = try Self.gallery(serve, "order=size")
        #expect(bySize.count == 9)
        #expect(Set(bySize.map(\.path)).count == 9)
        // Largest first; equal sizes (the two byte-identical copies) by path.
        let expected = bySize.sorted { ($0.size, $1.path) > ($1.size, $0.path) }
        #expect(bySize.map(\.path) == expected.map(\.path))
        #expect(bySize.first?.size ?? 0 > bySize.last?.size ?? 0)
        let sizes = bySize.map { FileManager.default.fileSize(serve.ws.file("photos/" + $0.path)) }
        #expect(bySize.map(\.size) == sizes)
        let byPixels = try Self.gallery(serve, "order=pixels")
        #expect(Set(byPixels.map(\.path)) == Set(bySize.map(\.path)))
        #expect(byPixels.first?.path.hasPrefix("city/") == true)  // 120 × 90, the largest picture
        let page = try serve.request("GET", "/?order=size")
        #expect(page.body.contains(#"<option value="size" selected>sort: file size</option>"#))
        let unknown = try serve.request("GET", "/api/images?order=biggest")
        #expect(unknown.status == 400)
        #expect(unknown.body.contains("size"))
    }

    @Test func anImageOpenedByADirectLinkKnowsItsNeighbours() throws {
        let serve = try ServeFixture()
        // Parameters in the order the server writes them (query first, order last).
        for parameters in ["order=path", "order=size", "", "q=path%3A2023%2Fbeach&order=path"] {
            let all = try Self.gallery(serve, parameters)
            try #require(all.count >= 3, "\(parameters)")
            let link = parameters.isEmpty ? "" : "?" + parameters
            for (k, image) in all.enumerated() {
                let detail = try Self.json(try serve.request("GET", "/api/images/\(image.id)\(link)").body)
                #expect(detail["previous"] as? String == (k > 0 ? all[k - 1].id : nil), "\(parameters) at \(k)")
                #expect(detail["next"] as? String == (k + 1 < all.count ? all[k + 1].id : nil), "\(parameters) at \(k)")
            }
            // The page links to them, carrying the same query and order.
            let middle = all.count / 2
            let html = try serve.request("GET", "/image/\(all[middle].id)\(link)").body
            #expect(
                html.contains(#"<a id="prev" href="/image/\#(all[middle - 1].id)\#(link.replacingOccurrences(of: "&", with: "&amp;"))">"#))
            #expect(
                html.contains(#"<a id="next" href="/image/\#(all[middle + 1].id)\#(link.replacingOccurrences(of: "&", with: "&amp;"))">"#))
            let first = try serve.request("GET", "/image/\(all[0].id)\(link)").body
            #expect(first.contains(#"<span id="prev" hidden></span>"#))
        }
        // The gallery's cells link to the image pages with the gallery's query and order.
        let gallery = try serve.request("GET", "/?order=path&tag=a%26b").body
        #expect(gallery.contains(#"data-link="?tag=a%26b&amp;order=path""#))
        let bad = try serve.request("GET", "/image/\(try serve.id(of: "city/copy.jpg"))?order=sideways")
        #expect(bad.status == 400)
    }

    @Test func theEventStreamSendsAHeartbeatWhenNothingHappens() throws {
        let serve = try ServeFixture(environment: ["IMGEDA_TEST_SSE_HEARTBEAT_MS": "300"])
        let text = try RawHTTP.stream(port: serve.port, path: "/api/jobs/events", seconds: 10) { text in
            text.components(separatedBy: ": heartbeat\n\n").count >= 3
        }
        #expect(text.components(separatedBy: ": heartbeat\n\n").count >= 3, "\(text.suffix(500))")
        #expect(text.contains("text/event-stream"))
    }

    @Test func theOverviewIsReadFromTheIndexAgainOnlyWhenTheManifestChanges() throws {
        let serve = try ServeFixture()
        let manifest = serve.ws.file("photos/.imgeda/manifest.jsonl")
        func formats() throws -> [String: Int] {
            let overview = try Self.json(try serve.request("GET", "/api/overview").body)
            return try #require((overview["summary"] as? [String: Any])?["formats"] as? [String: Int])
        }
        func decided() throws -> Int {
            try #require((try Self.json(try serve.request("GET", "/api/overview").body)["summary"] as? [String: Any])?["decided"] as? Int)
        }
        #expect(try formats() == ["JPEG": 9])
        let decidedBefore = try decided()

        // An edit changes the index's counts, not the images' part.
        let id = try serve.id(of: "city/original.jpg")
        #expect(try serve.post("/api/images/\(id)", json: #"{"add_tags": ["kept"]}"#).status == 200)
        #expect(try decided() == decidedBefore + 1)

        // The images' part comes from the index, not the manifest: a manifest edited by hand
        // (a new modification time) is read again, through the index, which it did not change.
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        let range = try #require(text.range(of: #""JPEG""#))
        try text.replacingCharacters(in: range, with: #""JPEX""#).write(toFile: manifest, atomically: false, encoding: .utf8)
        var status = stat()
        #expect(stat(manifest, &status) == 0)
        var later = [status.st_atim, timespec(tv_sec: status.st_mtim.tv_sec + 2, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, manifest, &later, 0) == 0)
        #expect(try formats() == ["JPEG": 9])

        // An update from another process adds a file to the index and writes the manifest:
        // the overview counts it.
        try serve.ws.write(try Fixtures.encode(Fixtures.scene(90, width: 64, height: 48), suffix: ".png"), to: "photos/new/added.png")
        let updated = try Imgeda.run(["library", "update", serve.root, "--quiet", "--workers", "1"])
        #expect(updated.status == 0, "\(updated.stderr)")
        #expect(try formats() == ["JPEG": 9, "PNG": 1])
    }

    @Test func theNextServerShowsTheSavedOverviewWhileTheManifestIsUnchanged() throws {
        let serve = try ServeFixture()
        let saved = serve.ws.file("photos/.imgeda/overview.json")
        func formats(_ port: Int) throws -> [String: Int] {
            let overview = try Self.json(try RawHTTP.send(port: port, method: "GET", path: "/api/overview").body)
            return try #require((overview["summary"] as? [String: Any])?["formats"] as? [String: Int])
        }
        /// The formats a next server on the library shows.
        func nextServer() throws -> [String: Int] {
            let next = try Imgeda.start(["serve", serve.root, "--port", "0", "--workers", "1"])
            defer {
                next.signal(SIGTERM)
                _ = next.wait()
            }
            return try formats(try ServeFixture.address(of: next).port)
        }
        #expect(try formats(serve.port) == ["JPEG": 9])
        let text = try String(contentsOfFile: saved, encoding: .utf8)
        #expect(text.contains("<svg"))

        // A next server on the same manifest reads the saved part, not the index: a saved
        // file changed by hand shows.
        let range = try #require(text.range(of: #""JPEG""#))
        try text.replacingCharacters(in: range, with: #""JPEX""#).write(toFile: saved, atomically: false, encoding: .utf8)
        #expect(try nextServer() == ["JPEX": 9])

        // Once the manifest changed (a new modification time), the saved part is not used:
        // the overview is made from the index again and saved again.
        let manifest = serve.ws.file("photos/.imgeda/manifest.jsonl")
        var status = stat()
        #expect(stat(manifest, &status) == 0)
        var later = [status.st_atim, timespec(tv_sec: status.st_mtim.tv_sec + 2, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, manifest, &later, 0) == 0)
        #expect(try nextServer() == ["JPEG": 9])
        #expect(try String(contentsOfFile: saved, encoding: .utf8).contains(#""JPEG""#))

        // A damaged saved file is made again too.
        try "{not json".write(toFile: saved, atomically: false, encoding: .utf8)
        #expect(try nextServer() == ["JPEG": 9])
    }

    @Test func theThumbnailsJobRunsInCrashIsolatedWorkers() throws {
        // A decoder that crashes on one file costs that file's thumbnails, not the server.
        let serve = try ServeFixture(environment: ["IMGEDA_TEST_CRASH_ON": "exif.jpg"])
        let started = try serve.post("/api/jobs", json: #"{"kind": "thumbnails"}"#)
        #expect(started.status == 202, "\(started.body)")
        let id = try #require(try Self.json(started.body)["id"] as? Int)
        var job: [String: Any] = [:]
        for _ in 0..<1200 {
            job = try Self.json(try serve.request("GET", "/api/jobs/\(id)").body)
            if let status = job["status"] as? String, status != "queued" && status != "running" { break }
            usleep(100_000)
        }
        #expect(job["status"] as? String == "done", "\(job)")
        #expect(job["error"] as? String == "no thumbnail could be made of 1 file: hostile/exif.jpg", "\(job)")
        // Eight contents (the two copies share theirs): seven made in both sizes.
        #expect(job["total"] as? Int == 8)
        let folder = serve.ws.file("photos/.imgeda/thumbnails")
        let files = (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".jpg") }
        #expect(files.count == 14, "\(files)")
        #expect(try serve.request("GET", "/api/session").status == 200)
    }
}

extension FileManager {
    fileprivate func fileSize(_ path: String) -> Int {
        ((try? attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? -1
    }
}
