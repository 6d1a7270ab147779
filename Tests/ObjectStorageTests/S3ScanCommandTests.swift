import DatasetAnalysis
import DatasetIO
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `imgeda scan s3://…`, `-o s3://…` and `s3://` manifests, run like a user runs them,
/// against moto's server on 127.0.0.1.
@Suite(.serialized) struct S3ScanCommandTests {
    /// A folder with JPEGs (one in a subfolder, one with a space and a non-ASCII name), a PNG
    /// and a file that is not an image, uploaded to `bucket` under `data/`.
    func dataset(_ moto: MotoServer, bucket: String) throws -> (Workspace, String) {
        _ = Fixtures.libvipsStarted
        let workspace = try Workspace()
        try Fixtures.jpegFolder(workspace, folder: "imgs", count: 5)
        try Fixtures.jpegFolder(workspace, folder: "imgs/sub dir", count: 2)
        try workspace.write(try Fixtures.jpeg(Fixtures.scene(42)), to: "imgs/été ü.jpg")
        try workspace.write(try Fixtures.encode(Fixtures.scene(7), suffix: ".png"), to: "imgs/p.png")
        try workspace.write(Array("not an image at all".utf8), to: "imgs/broken.jpg")
        try workspace.write(Array("notes".utf8), to: "imgs/readme.txt")
        try moto.createBucket(bucket, uploading: workspace.file("imgs"), prefix: "data/")
        return (workspace, workspace.file("imgs"))
    }

    /// Records by path relative to the scan root, with what differs between a disk and a
    /// bucket by nature (modification time, analysis time, ETag, URL) cleared.
    func comparable(_ manifest: String, root: String) throws -> [String: ImageRecord] {
        var byPath: [String: ImageRecord] = [:]
        for var record in try records(manifest) {
            let path = record.path.hasPrefix(root + "/") ? String(record.path.dropFirst(root.count + 1)) : record.path
            record.path = path
            record.mtime = 0
            record.analyzedAt = ""
            record.etag = nil
            record.sourceURL = nil
            byPath[path] = record
        }
        return byPath
    }

    @Test func aBucketScanEqualsTheScanOfTheSameFilesOnDisk() throws {
        guard let moto = try MotoServer.shared() else { return print("skipped: \(MotoServer.skipReason)") }
        let (workspace, folder) = try dataset(moto, bucket: "imgeda-scan-equal")
        let disk = try Imgeda.run(["scan", folder, "-o", workspace.file("disk.jsonl"), "--workers", "2"])
        #expect(disk.status == 0, "\(disk.stderr)")
        let s3 = try Imgeda.run(
            ["scan", "s3://imgeda-scan-equal/data", "-o", workspace.file("s3.jsonl"), "--workers", "2"],
            environment: moto.environment())
        #expect(s3.status == 0, "\(s3.stderr)")
        let fromDisk = try comparable(workspace.file("disk.jsonl"), root: folder)
        let fromS3 = try comparable(workspace.file("s3.jsonl"), root: folder)
        #expect(fromDisk.count == 10)
        #expect(Set(fromS3.keys) == Set(fromDisk.keys))
        for (path, record) in fromDisk {
            #expect(fromS3[path] == record, "\(path)")
        }
        #expect(fromS3["broken.jpg"]?.isCorrupt == true)
        #expect(fromS3["sub dir/img_0001.jpg"]?.sha256 == fromDisk["sub dir/img_0001.jpg"]?.sha256)
        let raw = try records(workspace.file("s3.jsonl"))
        #expect(raw.allSatisfy { $0.etag?.isEmpty == false })
        #expect(Set(raw.compactMap(\.sourceURL)).contains("s3://imgeda-scan-equal/data/été ü.jpg"))
        let header = try #require(try ManifestReader(path: workspace.file("s3.jsonl")).header())
        #expect(header.inputDir == "s3://imgeda-scan-equal/data/")
    }

    @Test func manifestsAreWrittenToAndReadFromS3AndResumeByETag() throws {
        guard let moto = try MotoServer.shared() else { return print("skipped: \(MotoServer.skipReason)") }
        let (workspace, _) = try dataset(moto, bucket: "imgeda-scan-out")
        let manifest = "s3://imgeda-scan-out/manifests/m.jsonl"
        let first = try Imgeda.run(
            ["scan", "s3://imgeda-scan-out/data/", "-o", manifest, "--workers", "2"], environment: moto.environment())
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("10 images in \(manifest)"), "\(first.stdout)")
        // The uploaded manifest, read with boto3.
        let uploaded = try moto.object("imgeda-scan-out", "manifests/m.jsonl")
        try workspace.write(uploaded, to: "copy.jsonl")
        #expect(try records(workspace.file("copy.jsonl")).count == 10)

        // Every command that reads a manifest reads it from S3.
        let info = try Imgeda.run(["info", "-m", manifest], environment: moto.environment())
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("10"), "\(info.stdout)")
        let check = try Imgeda.run(["check", "corrupt", "-m", manifest], environment: moto.environment())
        #expect(check.stdout.contains("broken.jpg"), "\(check.stdout)\(check.stderr)")

        // One object changes: only it is analysed again; the others are kept by key, size and ETag.
        _ = try moto.boto3(
            "s3.put_object(Bucket='imgeda-scan-out', Key='data/img_0000.jpg', Body=open(path, 'rb').read())",
            ["path": workspace.file("imgs/p.png")])
        let again = try Imgeda.run(
            ["scan", "s3://imgeda-scan-out/data/", "-o", manifest, "--workers", "2"], environment: moto.environment())
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("(1 analysed, 9 reused)"), "\(again.stdout)")
        try workspace.write(try moto.object("imgeda-scan-out", "manifests/m.jsonl"), to: "copy2.jsonl")
        let after = try records(workspace.file("copy2.jsonl"))
        #expect(after.count == 10)
        #expect(after.first { $0.path == "img_0000.jpg" }?.format.uppercased() == "PNG")

        // An object deleted: its record goes once the listing has ended without it.
        _ = try moto.boto3("s3.delete_object(Bucket='imgeda-scan-out', Key='data/p.png')", [:])
        let third = try Imgeda.run(
            ["scan", "s3://imgeda-scan-out/data/", "-o", manifest, "--workers", "2"], environment: moto.environment())
        #expect(third.status == 0, "\(third.stderr)")
        #expect(third.stdout.contains("9 images in \(manifest)"), "\(third.stdout)")
        try workspace.write(try moto.object("imgeda-scan-out", "manifests/m.jsonl"), to: "copy3.jsonl")
        let remaining = try records(workspace.file("copy3.jsonl"))
        #expect(remaining.count == 9)
        #expect(!remaining.contains { $0.path == "p.png" })
        #expect(try ManifestReader(path: workspace.file("copy3.jsonl")).header()?.totalFiles == 9)
    }

    /// Ctrl-C keeps what was analysed and says how to resume; the re-run completes the
    /// manifest with every object once.
    @Test func ctrlCKeepsWhatIsDoneAndTheRerunResumes() throws {
        guard let moto = try MotoServer.shared() else { return print("skipped: \(MotoServer.skipReason)") }
        _ = Fixtures.libvipsStarted
        let workspace = try Workspace()
        try Fixtures.jpegFolder(workspace, folder: "imgs", count: 40, size: 64)
        try moto.createBucket("imgeda-scan-stop", uploading: workspace.file("imgs"), prefix: "data/")
        let manifest = workspace.file("m.jsonl")
        let arguments = ["scan", "s3://imgeda-scan-stop/data/", "-o", manifest, "--workers", "2"]
        // Each analysis takes 150 ms longer, so the scan is still running when it is stopped.
        let running = try Imgeda.start(arguments, environment: moto.environment(["IMGEDA_TEST_DELAY_MS": "150"]))
        for _ in 0..<1200 {
            let lines = (try? String(contentsOfFile: manifest, encoding: .utf8))?.split(separator: "\n").count ?? 0
            if lines >= 2 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        running.signal(SIGINT)
        let stopped = running.wait()
        #expect(stopped.status == 130, "\(stopped.stderr)")
        #expect(stopped.stderr.contains("Resume with: imgeda scan s3://imgeda-scan-stop/data/"), "\(stopped.stderr)")
        let partial = try records(manifest)
        #expect(partial.count > 0 && partial.count < 40, "records after Ctrl-C: \(partial.count)")

        let again = try Imgeda.run(arguments, environment: moto.environment())
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("reused"), "\(again.stdout)")
        let all = try records(manifest)
        #expect(all.count == 40)
        #expect(Set(all.map(\.path)).count == 40)
        #expect(all.allSatisfy { !$0.isCorrupt })
    }

    /// Keys in class folders get their class, as files on disk do, though the listing is
    /// streamed (the layout is known only at its end); a key named only `.jpg` is scanned on
    /// S3 as on disk (one extension rule).
    @Test func aStreamedScanLabelsClassFoldersAndTakesDotOnlyNamesAsDiskDoes() throws {
        guard let moto = try MotoServer.shared() else { return print("skipped: \(MotoServer.skipReason)") }
        _ = Fixtures.libvipsStarted
        let workspace = try Workspace()
        try Fixtures.jpegFolder(workspace, folder: "imgs/cats", count: 3, size: 48)
        try Fixtures.jpegFolder(workspace, folder: "imgs/dogs", count: 2, size: 48)
        try workspace.write(try Fixtures.jpeg(Fixtures.scene(9)), to: "imgs/dogs/.jpg")
        try moto.createBucket("imgeda-scan-classes", uploading: workspace.file("imgs"), prefix: "set/")
        let disk = try Imgeda.run(["scan", workspace.file("imgs"), "-o", workspace.file("disk.jsonl"), "--workers", "2"])
        #expect(disk.status == 0, "\(disk.stderr)")
        let s3 = try Imgeda.run(
            ["scan", "s3://imgeda-scan-classes/set/", "-o", workspace.file("s3.jsonl"), "--workers", "2"],
            environment: moto.environment(["IMGEDA_TEST_S3_PAGE_SIZE": "2"]))
        #expect(s3.status == 0, "\(s3.stderr)")
        let fromDisk = try comparable(workspace.file("disk.jsonl"), root: workspace.file("imgs"))
        let fromS3 = try comparable(workspace.file("s3.jsonl"), root: workspace.file("imgs"))
        #expect(fromDisk.count == 6)
        #expect(fromS3 == fromDisk)
        #expect(fromS3["dogs/.jpg"]?.className == "dogs")
        #expect(fromS3["cats/img_0000.jpg"]?.className == "cats")
        let header = try #require(try ManifestReader(path: workspace.file("s3.jsonl")).header())
        #expect(header.totalFiles == 6)
    }

    /// Listing is streamed into the analysis: a proxy in front of the S3 server holds the
    /// last page of a listing of 2-key pages until it has seen an object fetched. A scan
    /// that listed everything before fetching would make it wait in vain (and say so).
    @Test func objectsAreFetchedBeforeTheListingEnds() throws {
        guard let moto = try MotoServer.shared() else { return print("skipped: \(MotoServer.skipReason)") }
        let python = try #require(testToolsPython)
        _ = Fixtures.libvipsStarted
        let workspace = try Workspace()
        try Fixtures.jpegFolder(workspace, folder: "imgs", count: 20, size: 40)
        try moto.createBucket("imgeda-scan-stream", uploading: workspace.file("imgs"), prefix: "data/")
        let log = workspace.file("proxy.log")
        let proxy = Process()
        proxy.executableURL = URL(fileURLWithPath: python)
        proxy.arguments = ["-c", Self.holdingProxy, moto.endpoint, log]
        let out = Pipe()
        proxy.standardOutput = out
        // Not the test runner's stderr: a pipe held open would keep `swift test` waiting.
        proxy.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try proxy.run()
        // SIGKILL: the test process's blocked signals are inherited, so SIGTERM would wait.
        defer {
            kill(proxy.processIdentifier, SIGKILL)
            proxy.waitUntilExit()
        }
        let port = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int(port) != nil, "proxy port: \(port)")
        let result = try Imgeda.run(
            ["scan", "s3://imgeda-scan-stream/data/", "-o", workspace.file("m.jsonl"), "--workers", "1"],
            environment: moto.environment(["AWS_ENDPOINT_URL": "http://127.0.0.1:\(port)", "IMGEDA_TEST_S3_PAGE_SIZE": "2"]))
        #expect(result.status == 0, "\(result.stderr)")
        let events = (try String(contentsOfFile: log, encoding: .utf8)).split(separator: "\n").map(String.init)
        #expect(events.filter { $0.hasPrefix("list") }.count >= 10, "\(events)")
        #expect(events.contains("last page released after a fetch"), "\(events)")
        #expect(!events.contains("last page released on timeout"), "\(events)")
        #expect(try records(workspace.file("m.jsonl")).count == 20)
        #expect(try ManifestReader(path: workspace.file("m.jsonl")).header()?.totalFiles == 20)
    }

    /// A proxy on 127.0.0.1 (port printed) to the S3 server in argv[1], logging each request
    /// to argv[2] and holding the listing's last page until an object has been fetched
    /// (30 s at most). The Host header passes unchanged, so signatures still verify.
    static let holdingProxy = """
        import http.client, os, sys, threading, time, urllib.parse
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        upstream = urllib.parse.urlparse(sys.argv[1])
        log = open(sys.argv[2], "a", buffering=1)
        fetched = threading.Event()
        class Proxy(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args):
                pass
            def forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query, keep_blank_values=True)
                listing = "list-type" in query
                if self.command == "GET" and not listing:
                    log.write("get " + self.path + "\\n")
                    fetched.set()
                connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
                connection.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
                answer = connection.getresponse()
                data = answer.read()
                if listing:
                    log.write("list\\n")
                    if "continuation-token" in query and b"<IsTruncated>false</IsTruncated>" in data:
                        held = fetched.wait(30)
                        log.write("last page released after a fetch\\n" if held else "last page released on timeout\\n")
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = forward
        server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
        server.daemon_threads = True
        print(server.server_address[1], flush=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        # Ends with its parent (the tests), whatever happens to them.
        parent = os.getppid()
        while os.getppid() == parent:
            time.sleep(0.5)
        """

    /// The AWS flow's last steps: a report and plots of an `s3://` manifest written to S3
    /// (locally first, then uploaded), with their content types; an `-o` naming no object is
    /// one line.
    @Test func reportAndPlotsAreWrittenToS3() throws {
        guard let moto = try MotoServer.shared() else { return print("skipped: \(MotoServer.skipReason)") }
        _ = Fixtures.libvipsStarted
        let workspace = try Workspace()
        try Fixtures.jpegFolder(workspace, folder: "imgs", count: 4, size: 48)
        try moto.createBucket("imgeda-report-out")
        let manifest = "s3://imgeda-report-out/runs/r1/manifest.jsonl"
        let scan = try Imgeda.run(["scan", workspace.file("imgs"), "-o", manifest, "--workers", "2"], environment: moto.environment())
        #expect(scan.status == 0, "\(scan.stderr)")
        let report = try Imgeda.run(
            ["report", "-m", manifest, "-o", "s3://imgeda-report-out/runs/r1/report.html", "--no-thumbnails"],
            environment: moto.environment())
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("Wrote s3://imgeda-report-out/runs/r1/report.html"), "\(report.stdout)")
        let html = String(decoding: try moto.object("imgeda-report-out", "runs/r1/report.html"), as: UTF8.self)
        #expect(html.hasPrefix("<!DOCTYPE html>"), "\(html.prefix(80))")
        #expect(html.hasSuffix("</html>\n") || html.hasSuffix("</html>"))
        let type = try moto.boto3(
            "print(s3.head_object(Bucket='imgeda-report-out', Key='runs/r1/report.html')['ContentType'])", [:])
        #expect(type == "text/html; charset=utf-8")

        let plots = try Imgeda.run(
            ["plot", "all", "-m", manifest, "-o", "s3://imgeda-report-out/runs/r1/plots", "--format", "svg"],
            environment: moto.environment())
        #expect(plots.status == 0, "\(plots.stderr)")
        #expect(plots.stdout.contains("s3://imgeda-report-out/runs/r1/plots/brightness.svg"), "\(plots.stdout)")
        let keys = try moto.boto3(
            "print('\\n'.join(o['Key'] for o in s3.list_objects_v2(Bucket='imgeda-report-out', Prefix='runs/r1/plots/')['Contents']))",
            [:]
        ).split(separator: "\n").map(String.init)
        #expect(keys.contains("runs/r1/plots/brightness.svg"), "\(keys)")
        #expect(keys.count >= 5 && keys.allSatisfy { $0.hasSuffix(".svg") }, "\(keys)")
        let svg = String(decoding: try moto.object("imgeda-report-out", "runs/r1/plots/brightness.svg"), as: UTF8.self)
        #expect(svg.contains("<svg"))
        // Nothing was written to a local path that looks like the URL.
        #expect(!FileManager.default.fileExists(atPath: "s3:"))

        let noName = try Imgeda.run(
            ["report", "-m", manifest, "-o", "s3://imgeda-report-out/runs/"], environment: moto.environment())
        #expect(noName.status == 1)
        #expect(noName.stderr.split(separator: "\n").count == 1, "\(noName.stderr)")
        #expect(noName.stderr.contains("names no object"), "\(noName.stderr)")
    }

    @Test func aWrongSecretIsOneClearLineAndExitOne() throws {
        guard let moto = try MotoServer.shared() else { return print("skipped: \(MotoServer.skipReason)") }
        let workspace = try Workspace()
        try moto.createBucket("imgeda-scan-secret")
        let result = try Imgeda.run(
            ["scan", "s3://imgeda-scan-secret/data", "-o", workspace.file("m.jsonl")],
            environment: moto.environment(["AWS_SECRET_ACCESS_KEY": "wrong-secret"]))
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("Error: the secret key for access key \(moto.accessKeyID) is wrong"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: workspace.file("m.jsonl")))
        let info = try Imgeda.run(
            ["info", "-m", "s3://imgeda-scan-secret/m.jsonl"], environment: moto.environment(["AWS_SECRET_ACCESS_KEY": "wrong"]))
        #expect(info.status == 1)
        #expect(info.stderr.hasPrefix("Error: the secret key"), "\(info.stderr)")
    }

    @Test func noCredentialsAndBadURLsAreOneLine() throws {
        let workspace = try Workspace()
        let none = try Imgeda.run(
            ["scan", "s3://imgeda-anything/data", "-o", workspace.file("m.jsonl")],
            environment: isolatedAWSEnvironment(["AWS_ENDPOINT_URL": "http://127.0.0.1:9"]))
        #expect(none.status == 1)
        #expect(none.stderr.hasPrefix("Error: no AWS credentials found; tried"), "\(none.stderr)")
        #expect(none.stderr.split(separator: "\n").count == 1)
        let bad = try Imgeda.run(["info", "-m", "s3://X/m.jsonl"], environment: isolatedAWSEnvironment())
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("not a valid S3 bucket name"), "\(bad.stderr)")
        let mixed = try Imgeda.run(
            ["scan", "s3://imgeda-anything/x", workspace.path, "-o", workspace.file("m.jsonl")], environment: isolatedAWSEnvironment())
        #expect(mixed.status == 1)
        #expect(mixed.stderr.contains("one s3:// prefix at a time"), "\(mixed.stderr)")
        let append = try Imgeda.run(
            ["scan", "s3://imgeda-anything/x", "--append", "-o", workspace.file("m.jsonl")], environment: isolatedAWSEnvironment())
        #expect(append.status == 1)
        #expect(append.stderr.contains("--append is for folders"), "\(append.stderr)")
    }
}
