import DatasetAnalysis
import DatasetPipeline
import Downloader
import Foundation
import Testing

/// Every URL against a misbehaving local server (127.0.0.1 only) ends with exactly one final
/// status and the right reason; transient faults are recovered; saved images are the bytes sent.
@Suite("Download against faults")
struct FaultInjectionTests {
    /// A configuration for the tests: quick timeouts and backoff, only 127.0.0.1 allowed.
    static func configuration(_ ws: Workspace, list: String, analyse: Bool = true) throws -> DownloadConfiguration {
        var config = DownloadConfiguration(
            source: ws.file(list), outputDir: ws.file("out"), workers: 1, workerExecutable: Imgeda.executable, toolVersion: "test")
        config.concurrency = 8
        config.analyse = analyse
        config.limits.stallTimeout = 10
        // Generous: a local 1 MB stream that passes its time limit on a loaded machine is a
        // transient timeout, retried, and the attempt counts below would then depend on load.
        config.limits.requestTimeout = 30
        config.limits.connectTimeout = 2
        config.limits.maxBytes = 300_000
        config.limits.addressPolicy = AddressPolicy(allowed: [try #require(AddressRange("127.0.0.1"))])
        config.retry = RetryPolicy(attempts: 3, baseDelay: 0.01, maxDelay: 0.05, maxRetryAfter: 5)
        return config
    }

    /// The newest journal line of each row, and how many lines each row has.
    static func journal(_ path: String) throws -> (newest: [Int: [String: Any]], lines: [Int: Int]) {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var newest: [Int: [String: Any]] = [:], lines: [Int: Int] = [:]
        for line in text.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let index = try #require(object["index"] as? Int)
            newest[index] = object
            lines[index, default: 0] += 1
        }
        return (newest, lines)
    }

    @Test func everyFaultEndsWithOneStatusAndTheRightReason() async throws {
        _ = Fixtures.libvipsStarted
        let ws = try Workspace()
        let server = try FaultServer.start()
        defer { server.stop() }
        let jpeg = try Fixtures.jpeg(Fixtures.scene(1, width: 120, height: 90))
        let png = try Fixtures.encode(Fixtures.scene(2, width: 100, height: 80), suffix: ".png")
        let webp = try Fixtures.encode(Fixtures.scene(3, width: 100, height: 80), suffix: ".webp")
        server.route("/a.jpg", .ok(jpeg, delay: 0.05))
        server.route("/b.png", .ok(png, contentType: "application/octet-stream"))
        server.route("/c.jpg", .ok(webp, contentType: "image/jpeg"))  // the name lies: the bytes are WebP
        server.route("/flaky", .flaky(failures: 2, status: 503, then: .ok(jpeg)))
        server.route("/busy", .flaky(failures: 1, status: 429, retryAfter: "1", then: .ok(png)))
        server.route("/gone", .status(404))
        server.route("/cut", .cutShort(jpeg, sent: jpeg.count / 2))
        server.route("/huge", .endless(bytes: 1_000_000))
        server.route("/big", .declared([0xFF, 0xD8, 0xFF] + [UInt8](repeating: 1, count: 400_000)))
        server.route("/page", .ok(Array("<!DOCTYPE html><html><body>hi</body></html>".utf8), contentType: "text/html"))
        server.route("/stall", .status(500))  // the stall itself has a test of its own
        server.route("/r1", .redirect("/r2", status: 301))
        server.route("/r2", .redirect(server.url("/r3"), status: 307))
        server.route("/r3", .redirect("/a.jpg"))
        server.route("/loopA", .redirect("/loopB"))
        server.route("/loopB", .redirect("/loopA"))
        for i in 0..<7 { server.route("/hop\(i)", .redirect("/hop\(i + 1)")) }
        server.route("/hop7", .ok(jpeg))
        server.route("/noai", .ok(jpeg, headers: [("X-Robots-Tag", "noai")]))
        server.route("/otherbot", .ok(png, headers: [("X-Robots-Tag", "otherbot: noimageai")]))
        let urls =
            [
                "/a.jpg", "/b.png", "/c.jpg", "/flaky", "/busy", "/gone", "/cut", "/huge", "/big", "/page", "/stall", "/r1", "/loopA",
                "/hop0", "/noai", "/otherbot",
            ].map(server.url) + ["ftp://127.0.0.1/x.jpg", "not a url"]
        let csv = "url,caption\n" + urls.enumerated().map { "\($1),\"caption \($0), with comma\"" }.joined(separator: "\n") + "\n"
        try ws.write(Array(csv.utf8), to: "list.csv")

        let summary = try await DownloadRunner(configuration: try Self.configuration(ws, list: "list.csv")).run()
        let (newest, lines) = try Self.journal(ws.file("out/download.jsonl"))
        #expect(newest.count == urls.count)
        #expect(lines.values.allSatisfy { $0 == 1 }, "every row has exactly one line: \(lines)")

        func expect(
            _ index: Int, _ status: String, _ reason: String?, attempts: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation
        ) {
            let line = newest[index] ?? [:]
            #expect(line["status"] as? String == status, "row \(index) \(urls[index]): \(line)", sourceLocation: sourceLocation)
            #expect(line["reason"] as? String == reason, "row \(index) \(urls[index]): \(line)", sourceLocation: sourceLocation)
            if let attempts { #expect(line["attempts"] as? Int == attempts, "row \(index): \(line)", sourceLocation: sourceLocation) }
        }
        expect(0, "ok", nil, attempts: 1)
        expect(1, "ok", nil)
        expect(2, "ok", nil)
        expect(3, "ok", nil, attempts: 3)  // two 503s recovered
        expect(4, "ok", nil, attempts: 2)  // a 429 with Retry-After recovered
        expect(5, "failed", "http_status", attempts: 1)  // a 404 is not retried
        // A body cut short by a closed connection is `truncated` when the client sees the
        // early end; under heavy load async-http-client was seen not to report that end (an
        // open question), and the attempt then ends at the time limit: transient either way,
        // retried, and never saved.
        #expect(["truncated", "timeout"].contains(newest[6]?["reason"] as? String ?? ""), "\(newest[6] ?? [:])")
        #expect(newest[6]?["attempts"] as? Int == 3)
        #expect(newest[6]?["retryable"] as? Bool == true)
        // Over the cap is final: not retryable, so the attempt that saw it was the last. Its
        // attempt count is not asserted: on a loaded machine an earlier attempt at the same
        // URL can stall (the test process's threads busy elsewhere) and be retried as a
        // timeout before the one that meets the cap — seen once in CI (3 attempts, 42 s).
        for row in [7, 8] {
            expect(row, "failed", "too_large")
            #expect(newest[row]?["retryable"] as? Bool == false, "row \(row): \(newest[row] ?? [:])")
        }
        expect(9, "failed", "not_image", attempts: 1)
        expect(10, "failed", "http_status", attempts: 3)  // 500 is transient: retried, then given up
        expect(11, "ok", nil)
        expect(12, "failed", "redirect_loop")
        expect(13, "failed", "too_many_redirects")
        expect(14, "skipped", "robots")
        expect(15, "ok", nil)
        expect(16, "failed", "invalid_url")
        expect(17, "failed", "invalid_url")
        #expect((newest[5]?["http_status"] as? Int) == 404)
        #expect((newest[9]?["detail"] as? String)?.contains("text/html") == true)
        #expect((newest[11]?["final_url"] as? String) == server.url("/a.jpg"))
        #expect((newest[0]?["extra"] as? [String: String])?["caption"] == "caption 0, with comma")

        // Saved images are the bytes sent, named by row with the extension of their content.
        let saved: [(Int, [UInt8], String)] = [
            (0, jpeg, "jpg"), (1, png, "png"), (2, webp, "webp"), (3, jpeg, "jpg"), (4, png, "png"), (11, jpeg, "jpg"), (15, png, "png"),
        ]
        for (index, bytes, ext) in saved {
            let file = ws.file("out/00000/\(String(format: "%09d", index)).\(ext)")
            #expect(FileManager.default.contents(atPath: file).map(Array.init) == bytes, "\(file)")
            #expect(newest[index]?["file"] as? String == "00000/\(String(format: "%09d", index)).\(ext)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: ws.file("out/00000"))
        #expect(files.count == saved.count, "only the images, no temporary files: \(files.sorted())")

        // The manifest, analysed in the same pass, has each image with its URL.
        let manifest = try records(ws.file("out/manifest.jsonl"))
        #expect(manifest.count == saved.count)
        #expect(Set(manifest.compactMap(\.sourceURL)) == Set(saved.map { urls[$0.0] }))
        #expect(manifest.allSatisfy { !$0.isCorrupt && $0.width > 0 })

        #expect(summary.total == urls.count)
        #expect(summary.ok == saved.count)
        #expect(summary.skipped == 1)
        #expect(summary.failed == urls.count - saved.count - 1)
        #expect(summary.failures.first { $0.reason == .invalidURL }?.count == 2)
        #expect(summary.analysed == saved.count)
    }

    /// A server that stops sending mid-body costs the stall limit, not the whole time limit.
    /// (A test of its own, with a short stall limit: elsewhere a loaded machine could take
    /// that long to notice a closed connection.)
    @Test func aServerThatStopsSendingMidBodyIsATimeout() async throws {
        let ws = try Workspace()
        let server = try FaultServer.start()
        defer { server.stop() }
        server.route("/stall", .stall(try Fixtures.jpeg(Fixtures.scene(11)), sent: 100))
        try ws.write(Array(server.url("/stall").utf8), to: "l.txt")
        var config = try Self.configuration(ws, list: "l.txt", analyse: false)
        config.limits.stallTimeout = 0.5
        config.limits.requestTimeout = 60
        config.retry = RetryPolicy(attempts: 2, baseDelay: 0.01)
        _ = try await DownloadRunner(configuration: config).run()
        let (newest, _) = try Self.journal(ws.file("out/download.jsonl"))
        #expect(newest[0]?["reason"] as? String == "timeout")
        #expect((newest[0]?["detail"] as? String)?.contains("stalled") == true)
        #expect(newest[0]?["attempts"] as? Int == 2)
        #expect(server.requests("/stall") == 2)
    }

    @Test func loopbackIsRefusedWithoutPermissionAndNothingIsSent() async throws {
        let ws = try Workspace()
        let server = try FaultServer.start()
        defer { server.stop() }
        server.route("/a.jpg", .ok(try Fixtures.jpeg(Fixtures.scene(4))))
        try ws.write(Array((server.url("/a.jpg") + "\nhttp://localhost:\(server.port)/a.jpg\n").utf8), to: "list.txt")
        var config = try Self.configuration(ws, list: "list.txt", analyse: false)
        config.limits.addressPolicy = AddressPolicy()
        _ = try await DownloadRunner(configuration: config).run()
        let (newest, _) = try Self.journal(ws.file("out/download.jsonl"))
        #expect(newest[0]?["reason"] as? String == "blocked_address")
        #expect(newest[1]?["reason"] as? String == "blocked_address")
        #expect((newest[0]?["detail"] as? String)?.contains("loopback") == true)
        #expect(server.requests("/a.jpg") == 0)
    }

    @Test func aRedirectToAnAddressOutsideTheAllowListIsRefused() async throws {
        let ws = try Workspace()
        let server = try FaultServer.start()
        defer { server.stop() }
        server.route("/away", .redirect("http://127.0.0.2:\(server.port)/a.jpg"))
        server.route("/a.jpg", .ok(try Fixtures.jpeg(Fixtures.scene(5))))
        try ws.write(Array((server.url("/away") + "\n" + server.url("/a.jpg") + "\n").utf8), to: "list.txt")
        _ = try await DownloadRunner(configuration: try Self.configuration(ws, list: "list.txt", analyse: false)).run()
        let (newest, _) = try Self.journal(ws.file("out/download.jsonl"))
        #expect(newest[0]?["status"] as? String == "failed")
        #expect(newest[0]?["reason"] as? String == "blocked_address")
        #expect((newest[0]?["final_url"] as? String)?.contains("127.0.0.2") == true)
        #expect(newest[1]?["status"] as? String == "ok")
        #expect(server.requests("/a.jpg") == 1)
        // The plain-http request went to the checked address, with the name in Host.
        #expect(server.hostHeaders.allSatisfy { $0 == "127.0.0.1:\(server.port)" })
    }

    @Test func duplicatesAreRecordedNotSavedTwice() async throws {
        let ws = try Workspace()
        let server = try FaultServer.start()
        defer { server.stop() }
        let jpeg = try Fixtures.jpeg(Fixtures.scene(6))
        server.route("/one.jpg", .ok(jpeg))
        server.route("/two.jpg", .ok(jpeg))
        try ws.write(Array((server.url("/one.jpg") + "\n").utf8), to: "first.txt")
        try ws.write(Array((server.url("/one.jpg") + "\n" + server.url("/two.jpg") + "\n").utf8), to: "list.txt")
        var config = try Self.configuration(ws, list: "list.txt", analyse: false)
        config.skipDuplicates = true
        config.concurrency = 1
        _ = try await DownloadRunner(configuration: config).run()
        let (newest, _) = try Self.journal(ws.file("out/download.jsonl"))
        #expect(newest[0]?["status"] as? String == "ok")
        #expect(newest[1]?["status"] as? String == "skipped")
        #expect(newest[1]?["reason"] as? String == "duplicate")
        #expect(newest[1]?["duplicate_of"] as? Int == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: ws.file("out/00000")) == ["000000000.jpg"])
    }

    @Test func aResumeRetriesTransientFailuresAndLeavesPermanentOnes() async throws {
        let ws = try Workspace()
        let server = try FaultServer.start()
        defer { server.stop() }
        let jpeg = try Fixtures.jpeg(Fixtures.scene(7))
        server.route("/ok.jpg", .ok(jpeg))
        server.route("/later", .flaky(failures: 3, status: 503, then: .ok(jpeg)))
        server.route("/gone", .status(410))
        try ws.write(Array([server.url("/ok.jpg"), server.url("/later"), server.url("/gone")].joined(separator: "\n").utf8), to: "l.txt")
        let config = try Self.configuration(ws, list: "l.txt", analyse: false)
        let first = try await DownloadRunner(configuration: config).run()
        #expect(first.ok == 1 && first.failed == 2)
        let second = try await DownloadRunner(configuration: config).run()
        #expect(second.ok == 2)
        #expect(second.attempted == 1, "only the transient failure is fetched again")
        #expect(server.requests("/ok.jpg") == 1)
        #expect(server.requests("/gone") == 1)
        var retry = config
        retry.retryFailed = true
        let third = try await DownloadRunner(configuration: retry).run()
        #expect(third.attempted == 1)
        #expect(server.requests("/gone") == 2)
        // Each finished run compacts the journal to one line per row, newest kept.
        let (newest, lines) = try Self.journal(ws.file("out/download.jsonl"))
        #expect(lines == [0: 1, 1: 1, 2: 1])
        #expect(newest[1]?["status"] as? String == "ok")
        #expect(newest[2]?["http_status"] as? Int == 410)
    }
}

@Suite("Download options")
struct DownloadOptionTests {
    @Test func reencodingResizesAndConvertsOnTheWayIn() async throws {
        _ = Fixtures.libvipsStarted
        let ws = try Workspace()
        let server = try FaultServer.start()
        defer { server.stop() }
        server.route(
            "/big.png", .ok(try Fixtures.encode(Fixtures.scene(9, width: 400, height: 300), suffix: ".png"), contentType: "image/png"))
        server.route("/page", .ok(Array("<html></html>".utf8), contentType: "text/html"))
        try ws.write(Array([server.url("/big.png"), server.url("/page")].joined(separator: "\n").utf8), to: "l.txt")
        var config = try FaultInjectionTests.configuration(ws, list: "l.txt")
        config.reencode = Reencoding(longSide: 100, format: .jpeg, quality: 80)
        _ = try await DownloadRunner(configuration: config).run()
        let all = try records(ws.file("out/manifest.jsonl"))
        let record = try #require(all.first)
        #expect(all.count == 1)
        #expect(record.format == "JPEG")
        #expect(max(record.width, record.height) == 100)
        #expect(record.path.hasSuffix("00000/000000000.jpg"))
        let (newest, _) = try FaultInjectionTests.journal(ws.file("out/download.jsonl"))
        #expect(newest[0]?["format"] as? String == "JPEG")
        #expect(newest[1]?["reason"] as? String == "not_image")
    }

    @Test func standardInputIsAList() throws {
        let ws = try Workspace()
        let server = try FaultServer.start()
        defer { server.stop() }
        let jpeg = try Fixtures.jpeg(Fixtures.scene(10))
        server.route("/a.jpg", .ok(jpeg))
        try ws.write(Array("# from a pipe\n\(server.url("/a.jpg"))\n".utf8), to: "l.txt")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "'\(Imgeda.executable)' download - -o out --allow-address 127.0.0.1 --no-analyse < l.txt"]
        process.currentDirectoryURL = URL(fileURLWithPath: ws.path)
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(FileManager.default.contents(atPath: ws.file("out/00000/000000000.jpg")).map(Array.init) == jpeg)
        #expect(!FileManager.default.fileExists(atPath: ws.file("out/manifest.jsonl")))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: ws.file("out")).filter { $0.hasPrefix(".stdin") }
        #expect(leftovers.isEmpty)
    }
}
