import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The JSON API on a live server: pages by keyset, search, edits that reach the sidecar,
/// duplicate decisions, trash and restore, jobs.
@Suite(.serialized)
struct ServeAPITests {
    static func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func galleryPagesFollowTheKeysetToTheEnd() throws {
        let serve = try ServeFixture()
        var seen: [String] = []
        var after: String?
        repeat {
            let reply = try serve.request("GET", "/api/images?order=path&limit=3" + (after.map { "&after=\($0)" } ?? ""))
            #expect(reply.status == 200)
            let page = try #require(try Self.json(reply.body) as? [String: Any])
            let images = try #require(page["images"] as? [[String: Any]])
            #expect(images.count <= 3)
            seen += images.compactMap { $0["path"] as? String }
            after = page["next"] as? String
        } while after != nil
        #expect(seen.count == 9)
        #expect(seen == seen.sorted())
        #expect(Set(seen).count == seen.count)
        let bad = try serve.request("GET", "/api/images?q=tag:%22unclosed")
        #expect(bad.status == 400)
        #expect(bad.body.contains("never closed"))
        let badLimit = try serve.request("GET", "/api/images?limit=0")
        #expect(badLimit.status == 400)
    }

    @Test func anEditReachesTheSidecarAndTheSearch() throws {
        let serve = try ServeFixture()
        let id = try serve.id(of: "2023/beach/img_0001.jpg")
        let edited = try serve.post(
            "/api/images/\(id)", json: #"{"add_tags": ["sunset", "place:Lisbon"], "rating": 4, "status": "selected"}"#)
        #expect(edited.status == 200, "\(edited.body)")
        let found = try serve.request("GET", "/api/images?tag=sunset")
        let page = try #require(try Self.json(found.body) as? [String: Any])
        let paths = (page["images"] as? [[String: Any]])?.compactMap { $0["path"] as? String }
        #expect(paths == ["2023/beach/img_0001.jpg"])
        // The truth is the sidecar file: the CLI (reading the same library) sees the tag.
        let cli = try Imgeda.run(["search", serve.root, "tag:place:Lisbon rating>=4 status:selected"])
        #expect(cli.stdout.contains("img_0001.jpg"), "\(cli.stdout)\(cli.stderr)")
        let tags = try serve.request("GET", "/api/tags?prefix=su")
        #expect(tags.body.contains("\"sunset\""))
        #expect(!tags.body.contains("Lisbon"))
        let removed = try serve.post("/api/images/\(id)", json: #"{"remove_tags": ["sunset"]}"#)
        #expect(removed.status == 200)
        #expect(!removed.body.contains("\"sunset\""))
        let badRating = try serve.post("/api/images/\(id)", json: #"{"rating": 9}"#)
        #expect(badRating.status == 400)
        let badBody = try serve.post("/api/images/\(id)", json: #"{"rating": "many"}"#)
        #expect(badBody.status == 400)
    }

    @Test func keepingACopyTrashesTheOthersAndRestoreBringsThemBack() throws {
        let serve = try ServeFixture()
        let groups = try #require(try Self.json(try serve.request("GET", "/api/duplicates").body) as? [[String: Any]])
        let group = try #require(
            groups.first { ($0["members"] as? [[String: Any]])?.contains { ($0["path"] as? String) == "city/copy.jpg" } == true })
        let number = try #require(group["group"] as? Int)
        let keep = try serve.id(of: "city/original.jpg")
        let decided = try serve.post("/api/duplicates/\(number)/keep", json: #"{"keep": "\#(keep)"}"#)
        #expect(decided.status == 200, "\(decided.body)")
        #expect(decided.body.contains("city/copy.jpg"))
        #expect(FileManager.default.fileExists(atPath: serve.ws.file("photos/.imgeda/trash/city/copy.jpg")))
        #expect(!FileManager.default.fileExists(atPath: serve.ws.file("photos/city/copy.jpg")))
        let trash = try serve.request("GET", "/api/trash")
        #expect(trash.body.contains("city/copy.jpg"))
        let undecided = try serve.request("GET", "/api/duplicates").body
        #expect(!undecided.contains("city/original.jpg"))
        let restored = try serve.post("/api/trash/restore", json: #"{"paths": ["city/copy.jpg"]}"#)
        #expect(restored.status == 200, "\(restored.body)")
        #expect(FileManager.default.fileExists(atPath: serve.ws.file("photos/city/copy.jpg")))
        // The update job re-indexes it.
        var indexed = false
        for _ in 0..<600 where !indexed {
            indexed = try serve.request("GET", "/api/images?q=path:city/copy").body.contains("city/copy.jpg")
            if !indexed { usleep(100_000) }
        }
        #expect(indexed)
    }

    @Test func filesAreServedByIdWithTheirTypeOnly() throws {
        let serve = try ServeFixture()
        let id = try serve.id(of: "city/original.jpg")
        let file = try serve.request("GET", "/files/\(id)")
        #expect(file.status == 200)
        #expect(file.headers["content-type"] == "image/jpeg")
        let thumb = try serve.request("GET", "/thumbs/\(id)?size=1024")
        #expect(thumb.status == 200)
        let badSize = try serve.request("GET", "/thumbs/\(id)?size=99999")
        #expect(badSize.status == 400)
        let openapi = try serve.request("GET", "/openapi.yaml")
        #expect(openapi.status == 200)
        #expect(openapi.body.hasPrefix("openapi: 3.1.0"))
    }

    @Test func jobsRunQueueAndCancel() throws {
        // The update has a new file to analyse, slowed by the test switch, so the job queued
        // behind it is still waiting when it is cancelled (an unchanged library's update
        // ends after its stat walk, before the cancel could arrive).
        let serve = try ServeFixture(environment: ["IMGEDA_TEST_DELAY_MS": "1500"])
        let files = try FileManager.default.subpathsOfDirectory(atPath: serve.root)
        let picture = try #require(files.first { $0.hasSuffix(".jpg") && !$0.hasPrefix(".") })
        try FileManager.default.copyItem(atPath: "\(serve.root)/\(picture)", toPath: "\(serve.root)/added-for-the-update.jpg")
        let first = try serve.post("/api/jobs", json: #"{"kind": "update"}"#)
        #expect(first.status == 202)
        let second = try serve.post("/api/jobs", json: #"{"kind": "thumbnails"}"#)
        let secondJob = try #require(try Self.json(second.body) as? [String: Any])
        let secondID = try #require(secondJob["id"] as? Int)
        // One job at a time: the second waits, so cancelling it means it never runs.
        let cancelled = try serve.post("/api/jobs/\(secondID)/cancel")
        #expect(cancelled.status == 200, "\(cancelled.body)")
        var statuses: [String] = []
        for _ in 0..<600 {
            let jobs = try #require(try Self.json(try serve.request("GET", "/api/jobs").body) as? [[String: Any]])
            statuses = jobs.sorted { ($0["id"] as? Int ?? 0) < ($1["id"] as? Int ?? 0) }.compactMap { $0["status"] as? String }
            if statuses.first == "done" || statuses.first == "failed" { break }
            usleep(100_000)
        }
        #expect(statuses == ["done", "cancelled"])
        let again = try serve.post("/api/jobs/\(secondID)/cancel")
        #expect(again.status == 409)
        let resumed = try serve.post("/api/jobs/\(secondID)/resume")
        #expect(resumed.status == 202)
        let unknown = try serve.post("/api/jobs", json: #"{"kind": "format-disk"}"#)
        #expect(unknown.status == 400)
    }

    @Test func aRestartMarksRunningJobsInterruptedAndTheyResume() throws {
        let serve = try ServeFixture()
        for i in 0..<150 {
            try serve.ws.write(try Fixtures.jpeg(Fixtures.scene(UInt64(500 + i), width: 320, height: 240)), to: "photos/new/n\(i).jpg")
        }
        let started = try serve.post("/api/jobs", json: #"{"kind": "update"}"#)
        let id = try #require((try Self.json(started.body) as? [String: Any])?["id"] as? Int)
        // Kill the server while the scan is under way (some files done, not all).
        var running = false
        for _ in 0..<600 where !running {
            let job = try #require(try Self.json(try serve.request("GET", "/api/jobs/\(id)").body) as? [String: Any])
            running = job["status"] as? String == "running" && (job["done"] as? Int ?? 0) > 0
            if !running { usleep(50_000) }
        }
        #expect(running)
        serve.running.signal(SIGKILL)
        _ = serve.running.wait()

        let again = try Imgeda.start(["serve", serve.root, "--port", "0", "--workers", "1"])
        defer {
            again.signal(SIGTERM)
            _ = again.wait()
        }
        let (_, port) = try ServeFixture.address(of: again)
        let job = try #require(try Self.json(try RawHTTP.send(port: port, method: "GET", path: "/api/jobs/\(id)").body) as? [String: Any])
        #expect(job["status"] as? String == "interrupted")
        let csrf = try #require(
            (try Self.json(try RawHTTP.send(port: port, method: "GET", path: "/api/session").body) as? [String: Any])?["csrf_token"]
                as? String)
        let resumed = try RawHTTP.send(
            port: port, method: "POST", path: "/api/jobs/\(id)/resume",
            headers: ["X-CSRF-Token": csrf, "Content-Type": "application/json"],
            body: "{}")
        #expect(resumed.status == 202, "\(resumed.body)")
        let newID = try #require((try Self.json(resumed.body) as? [String: Any])?["id"] as? Int)
        var status = ""
        for _ in 0..<1200 where status != "done" && status != "failed" {
            let body = try RawHTTP.send(port: port, method: "GET", path: "/api/jobs/\(newID)").body
            status = (try Self.json(body) as? [String: Any])?["status"] as? String ?? ""
            if status != "done" { usleep(100_000) }
        }
        #expect(status == "done")
        let indexed = try RawHTTP.send(port: port, method: "GET", path: "/api/images?q=path:new/&limit=200").body
        #expect(((try Self.json(indexed) as? [String: Any])?["images"] as? [Any])?.count == 150)
    }
}
