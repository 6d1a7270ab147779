import DatasetAnalysis
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `imgeda download` run as a user runs it, against a local server on 127.0.0.1.
@Suite("download command")
struct DownloadCommandTests {
    /// A server with `count` distinct JPEGs at /i0.jpg…, each answered after `delay` seconds.
    static func imageServer(count: Int, delay: Double = 0) throws -> (FaultServer, [[UInt8]]) {
        _ = Fixtures.libvipsStarted
        let server = try FaultServer.start()
        var images: [[UInt8]] = []
        for i in 0..<count {
            let jpeg = try Fixtures.jpeg(Fixtures.scene(UInt64(500 + i), width: 64, height: 48))
            images.append(jpeg)
            server.route("/i\(i).jpg", .ok(jpeg, delay: delay))
        }
        return (server, images)
    }

    static func journalIndices(_ path: String) -> [Int] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["index"] as? Int
        }
    }

    @Test func aDownloadIsAnalysedAndEveryCommandReadsItsManifest() throws {
        let ws = try Workspace()
        let (server, images) = try Self.imageServer(count: 5)
        defer { server.stop() }
        server.route("/missing.jpg", .status(404))
        let list = (0..<5).map { server.url("/i\($0).jpg") } + [server.url("/missing.jpg")]
        try ws.write(Array(("url,label\n" + list.map { "\($0),x" }.joined(separator: "\n")).utf8), to: "list.csv")
        let run = try Imgeda.run(
            ["download", "list.csv", "-o", "out", "--allow-private-network", "--url-column", "url", "--concurrency", "4"], cwd: ws.path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("5 of 6 rows ok, 1 failed"), "\(run.stdout)")
        #expect(run.stdout.contains("http_status (failed)"), "\(run.stdout)")
        #expect(run.stdout.contains(server.url("/missing.jpg")))
        for (i, bytes) in images.enumerated() {
            #expect(FileManager.default.contents(atPath: ws.file("out/00000/00000000\(i).jpg")).map(Array.init) == bytes)
        }
        let all = try records(ws.file("out/manifest.jsonl"))
        #expect(all.count == 5)
        #expect(all.allSatisfy { $0.sourceURL?.hasPrefix("http://127.0.0.1:") == true })
        try ws.write(Array("min_images_total: 1\nmax_corrupt_pct: 0\n".utf8), to: "policy.yml")
        let commands = [
            ["info", "-m", "out/manifest.jsonl"], ["check", "corrupt", "-m", "out/manifest.jsonl"],
            ["gate", "-m", "out/manifest.jsonl", "-p", "policy.yml"],
        ]
        for command in commands {
            let result = try Imgeda.run(command, cwd: ws.path)
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        let json = try Imgeda.run(["download", "list.csv", "-o", "out", "--allow-private-network", "--json"], cwd: ws.path)
        #expect(json.status == 0)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(summary["ok"] as? Int == 5)
        #expect(summary["already_done"] as? Int == 6)
        #expect(summary["attempted"] as? Int == 0)
    }

    @Test func killedWithSIGKILLAndResumedEveryURLIsInTheJournalOnce() throws {
        let ws = try Workspace()
        let count = 60
        let (server, images) = try Self.imageServer(count: count, delay: 0.05)
        defer { server.stop() }
        try ws.write(Array((0..<count).map { server.url("/i\($0).jpg") }.joined(separator: "\n").utf8), to: "list.txt")
        let arguments = [
            "download", "list.txt", "-o", "out", "--allow-address", "127.0.0.1", "--concurrency", "3", "--workers", "1", "--quiet",
        ]
        let running = try Imgeda.start(arguments, cwd: ws.path)
        // Kill it once some rows are done and others are in flight.
        var waited = 0
        while Self.journalIndices(ws.file("out/download.jsonl")).count < 12 && waited < 3000 {
            usleep(10_000)
            waited += 1
        }
        running.signal(SIGKILL)
        _ = running.wait()
        let before = Self.journalIndices(ws.file("out/download.jsonl")).count
        #expect(before >= 12 && before < count, "killed part-way (\(before) of \(count) rows)")

        let rerun = try Imgeda.run(arguments, cwd: ws.path)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let indices = Self.journalIndices(ws.file("out/download.jsonl"))
        #expect(indices.sorted() == Array(0..<count), "every URL exactly once")
        let names = try FileManager.default.contentsOfDirectory(atPath: ws.file("out/00000"))
        #expect(names.filter { $0.hasPrefix(".") }.isEmpty, "no partial file: \(names.filter { $0.hasPrefix(".") })")
        #expect(names.count == count)
        for (i, bytes) in images.enumerated() {
            #expect(FileManager.default.contents(atPath: ws.file("out/00000/\(String(format: "%09d", i)).jpg")).map(Array.init) == bytes)
        }
        let analysed = Set(try records(ws.file("out/manifest.jsonl")).map(\.path))
        #expect(analysed.count == count, "every image analysed once the run completes")
    }

    @Test func ctrlCKeepsWhatIsDoneAndPrintsTheResumeCommand() throws {
        let ws = try Workspace()
        let (server, _) = try Self.imageServer(count: 40, delay: 0.2)
        defer { server.stop() }
        try ws.write(Array((0..<40).map { server.url("/i\($0).jpg") }.joined(separator: "\n").utf8), to: "list.txt")
        let running = try Imgeda.start(
            ["download", "list.txt", "-o", "out", "--allow-address", "127.0.0.1", "--concurrency", "2", "--no-analyse"], cwd: ws.path)
        var waited = 0
        while Self.journalIndices(ws.file("out/download.jsonl")).count < 4 && waited < 3000 {
            usleep(10_000)
            waited += 1
        }
        running.signal(SIGINT)
        let result = running.wait()
        #expect(result.status == 130, "\(result.stderr)")
        #expect(result.stdout.contains("Download stopped"), "\(result.stdout)")
        #expect(result.stdout.contains("Resume with: imgeda download list.txt -o out --allow-address 127.0.0.1"), "\(result.stdout)")
        let done = Self.journalIndices(ws.file("out/download.jsonl"))
        #expect(done.count >= 4 && done.count < 40)
        #expect(Set(done).count == done.count)
        let names = try FileManager.default.contentsOfDirectory(atPath: ws.file("out/00000"))
        #expect(names.count == done.count, "one image per ok line, no temporary file: \(names)")
    }

    @Test func badInputIsOneLineAndExitStatusOne() throws {
        let ws = try Workspace()
        try ws.write(Array("http://127.0.0.1:9/a.jpg\n".utf8), to: "list.txt")
        try ws.write(Array("download:\n  stall_timeot: 3\n".utf8), to: "imgeda.yml")
        let cases: [([String], String)] = [
            (["download", "nothing.txt", "-o", "out"], "URL list not found"),
            (["download", "list.txt", "-o", "out", "--allow-address", "localhost"], "not an address"),
            (["download", "list.txt", "-o", "out", "--config", "imgeda.yml"], "imgeda.yml:2"),
            (["download", "list.txt", "-o", "out", "--profile", "turbo"], "unknown profile"),
            (["download", "list.txt", "-o", "out", "--concurrency", "0"], "--concurrency"),
            (["config", "show", "download", "--config", "imgeda.yml"], "did you mean 'stall_timeout'"),
        ]
        for (arguments, expected) in cases {
            let run = try Imgeda.run(arguments, cwd: ws.path)
            #expect(run.status == 1, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains(expected), "\(arguments): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(arguments): one line: \(run.stderr)")
        }
    }

    @Test func configShowSaysWhereEachValueComesFrom() throws {
        let ws = try Workspace()
        try ws.write(Array("download:\n  per_host: 3\n".utf8), to: "imgeda.yml")
        let run = try Imgeda.run(
            ["config", "show", "download", "--profile", "fast", "--config", "imgeda.yml"], environment: ["IMGEDA_DOWNLOAD_RETRIES": "4"],
            cwd: ws.path)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("per_host ") && $0.contains("3") && $0.hasSuffix("imgeda.yml:2") })
        #expect(lines.contains { $0.hasPrefix("retries ") && $0.contains("4") && $0.hasSuffix("IMGEDA_DOWNLOAD_RETRIES") })
        #expect(lines.contains { $0.hasPrefix("concurrency ") && $0.contains("128") && $0.hasSuffix("profile fast") })
        #expect(lines.contains { $0.hasPrefix("max_redirects ") && $0.hasSuffix("default") })
    }
}
