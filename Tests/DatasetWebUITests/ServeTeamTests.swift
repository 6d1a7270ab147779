import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Team mode: two `imgeda serve` processes on one library whose index is in PostgreSQL
/// (`IMGEDA_TEST_POSTGRES_URL`; `.ci/start-postgres` starts one). Jobs are claimed from the
/// shared queue, progress crosses processes by LISTEN/NOTIFY, decisions are seen by both.
@Suite(.serialized)
struct ServeTeamTests {
    static var postgres: String? {
        ProcessInfo.processInfo.environment["IMGEDA_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test(.enabled(if: postgres != nil))
    func twoServersShareJobsProgressAndDecisions() throws {
        let base = try #require(Self.postgres)
        let schema = "imgeda_serve_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let db = base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"
        let a = try ServeFixture(database: db)
        let b = try Imgeda.start(["serve", a.root, "--port", "0", "--workers", "1", "--db", db])
        defer {
            b.signal(SIGTERM)
            _ = b.wait()
        }
        let (_, bPort) = try ServeFixture.address(of: b)
        for i in 0..<120 {
            try a.ws.write(try Fixtures.jpeg(Fixtures.scene(UInt64(900 + i), width: 320, height: 240)), to: "photos/team/t\(i).jpg")
        }

        // B's browser watches the jobs while A runs one: the events come through PostgreSQL.
        let started = try a.post("/api/jobs", json: #"{"kind": "update"}"#)
        let id = try #require((try Self.json(started.body) as? [String: Any])?["id"] as? Int)
        let events = try RawHTTP.stream(port: bPort, path: "/api/jobs/events", seconds: 300) { text in
            text.contains(#""id":\#(id),"kind":"update","rate""#) && text.contains(#""status":"done""#)
        }
        let jobEvents = events.components(separatedBy: "\n").filter { $0.hasPrefix("data: ") && $0.contains(#""id":\#(id),"#) }
        #expect(jobEvents.contains { $0.contains(#""status":"done""#) }, "\(events.suffix(2000))")
        #expect(jobEvents.contains { $0.contains(#""status":"running""#) })
        #expect(jobEvents.count >= 3)

        // B claims queued jobs from the same queue: a job started on B runs once, on either.
        let csrfB = try #require(
            (try Self.json(try RawHTTP.send(port: bPort, method: "GET", path: "/api/session").body) as? [String: Any])?["csrf_token"]
                as? String)
        let onB = try RawHTTP.send(
            port: bPort, method: "POST", path: "/api/jobs", headers: ["X-CSRF-Token": csrfB, "Content-Type": "application/json"],
            body: #"{"kind": "duplicates"}"#)
        #expect(onB.status == 202)

        // A decision in A's browser is what B shows.
        let groups = try #require(
            try Self.json(try RawHTTP.send(port: bPort, method: "GET", path: "/api/duplicates").body) as? [[String: Any]])
        let group = try #require(
            groups.first { ($0["members"] as? [[String: Any]])?.contains { ($0["path"] as? String) == "city/copy.jpg" } == true })
        let number = try #require(group["group"] as? Int)
        let keep = try a.id(of: "city/original.jpg")
        let decided = try a.post("/api/duplicates/\(number)/keep", json: #"{"keep": "\#(keep)"}"#)
        #expect(decided.status == 200, "\(decided.body)")
        let afterB = try RawHTTP.send(port: bPort, method: "GET", path: "/api/duplicates").body
        #expect(!afterB.contains("city/original.jpg"))
        #expect(try RawHTTP.send(port: bPort, method: "GET", path: "/api/trash").body.contains("city/copy.jpg"))
        let history = try RawHTTP.send(port: bPort, method: "GET", path: "/api/jobs").body
        #expect(history.contains(#""id":\#(id),"kind":"update""#))
    }

    @Test(.enabled(if: postgres != nil))
    func aCancelOnOneServerStopsAJobRunningOnAnother() throws {
        let base = try #require(Self.postgres)
        let schema = "imgeda_serve_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let db = base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"
        // A's workers take 300 ms a file, so its scan is still running when B asks it to stop.
        let a = try ServeFixture(database: db, environment: ["IMGEDA_TEST_DELAY_MS": "300"])
        for i in 0..<60 {
            try a.ws.write(try Fixtures.jpeg(Fixtures.scene(UInt64(700 + i), width: 64, height: 48)), to: "photos/team/c\(i).jpg")
        }
        let b = try Imgeda.start(["serve", a.root, "--port", "0", "--workers", "1", "--db", db])
        defer {
            b.signal(SIGTERM)
            _ = b.wait()
        }
        let (_, bPort) = try ServeFixture.address(of: b)
        func onB(_ method: String, _ path: String, headers: [String: String] = [:]) throws -> [String: Any] {
            let reply = try RawHTTP.send(port: bPort, method: method, path: path, headers: headers, body: method == "POST" ? "{}" : nil)
            return try #require(try Self.json(reply.body) as? [String: Any], "\(reply.status) \(reply.body)")
        }

        // A takes the job as it queues it (it runs nothing else).
        let started = try a.post("/api/jobs", json: #"{"kind": "update"}"#)
        let id = try #require((try Self.json(started.body) as? [String: Any])?["id"] as? Int)
        var seenRunning = false
        for _ in 0..<600 where !seenRunning {
            let job = try onB("GET", "/api/jobs/\(id)")
            seenRunning = job["status"] as? String == "running" && (job["done"] as? Int ?? 0) > 0
            if !seenRunning { usleep(100_000) }
        }
        #expect(seenRunning)

        // B does not run it: it asks A, through PostgreSQL, to stop it.
        let csrfB = try #require(try onB("GET", "/api/session")["csrf_token"] as? String)
        let cancel = try onB("POST", "/api/jobs/\(id)/cancel", headers: ["X-CSRF-Token": csrfB, "Content-Type": "application/json"])
        #expect(cancel["id"] as? Int == id, "\(cancel)")
        var job: [String: Any] = [:]
        for _ in 0..<600 {
            job = try #require(try Self.json(try a.request("GET", "/api/jobs/\(id)").body) as? [String: Any])
            if job["status"] as? String != "running" { break }
            usleep(100_000)
        }
        #expect(job["status"] as? String == "cancelled", "\(job)")
        #expect((job["done"] as? Int ?? 0) < (job["total"] as? Int ?? 0), "\(job)")
        // B's history says so too.
        var onBStatus = ""
        for _ in 0..<100 where onBStatus != "cancelled" {
            onBStatus = try onB("GET", "/api/jobs/\(id)")["status"] as? String ?? ""
            if onBStatus != "cancelled" { usleep(100_000) }
        }
        #expect(onBStatus == "cancelled")
    }
}
