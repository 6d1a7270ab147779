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
