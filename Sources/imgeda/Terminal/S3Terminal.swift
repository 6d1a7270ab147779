import DatasetAnalysis
import DatasetIO
import DatasetPipeline
import Foundation
import ObjectStorage

#if canImport(Glibc)
    import Glibc
#endif

/// S3 for the commands: `s3://` manifests read by every command (staged to local copies),
/// `-o s3://…` written locally then uploaded, and the scan of an `s3://` prefix with the
/// terminal's progress bar.
enum S3Terminal {
    /// This process's folder for staged manifests, removed when the process exits.
    static let stagingFolder = FileManager.default.temporaryDirectory.path + "/imgeda-s3-\(getpid())"

    /// Lets every reader of a manifest accept `s3://bucket/key` (called once at start-up).
    static func register() {
        RemoteManifests.register { url in
            let location = try S3Location(url: url)
            try FileSystem.createDirectories(stagingFolder)
            let local = "\(stagingFolder)/\(UInt32.random(in: 0...UInt32.max))-\(location.name)"
            try withClient { s3 in try await s3.download(location, to: local) }
            return local
        }
        atexit {
            // Only this process's own folder: a name derived from its pid.
            let folder = FileManager.default.temporaryDirectory.path + "/imgeda-s3-\(getpid())"
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    /// Runs `body` with a client made from the environment, and closes it.
    static func withClient<T: Sendable>(_ body: @escaping @Sendable (S3Client) async throws -> T) throws -> T {
        let client = try S3Client()
        return try runBlocking {
            do {
                let result = try await body(client)
                await client.shutdown()
                return result
            } catch {
                await client.shutdown()
                throw error
            }
        }
    }

    /// An output that may be on S3: the local file to write, and how to upload it.
    struct Output {
        var target: S3Location?
        var local: String

        /// Uploads the local file when the output is on S3 (multipart when large).
        func upload(contentType: String = "application/x-ndjson") throws {
            guard let target else { return }
            let local = local
            try S3Terminal.withClient { s3 in try await s3.upload(file: local, to: target, contentType: contentType) }
        }
    }

    /// `output` as a local file: itself, or for `s3://…` a local file in the staging folder,
    /// holding the existing manifest's content when `fetchExisting` (so a scan resumes).
    /// The bucket and credentials are checked now, before the command's work.
    static func output(_ output: String, fetchExisting: Bool, example: String = "s3://bucket/manifests/m.jsonl") throws -> Output {
        guard S3Location.isS3(output) else { return Output(target: nil, local: output) }
        let target = try S3Location(url: output)
        guard !target.key.isEmpty, !target.key.hasSuffix("/") else {
            throw ImgedaError(.invalidArgument, "\(output) names no object", remedy: "end it with the file's name, e.g. \(example)")
        }
        try FileSystem.createDirectories(stagingFolder)
        let local = "\(stagingFolder)/out-\(target.name)"
        // A listing checks the bucket and the credentials now, not after the scan's work.
        try withClient { s3 in
            let page = try await s3.listPage(bucket: target.bucket, prefix: target.key, continuation: nil, pageSize: 1)
            if fetchExisting, page.objects.first?.key == target.key { try await s3.download(target, to: local) }
        }
        return Output(target: target, local: local)
    }

    /// An output folder that may be on S3 (`plot -o s3://bucket/plots/`): the local folder
    /// to write, and the prefix its files are uploaded under.
    struct FolderOutput {
        var target: S3Location?
        var local: String

        /// Where the file `name` ends up, as the user named the folder.
        func display(_ name: String) -> String {
            target.map { S3Location(bucket: $0.bucket, key: $0.key + name).description } ?? "\(local)/\(name)"
        }

        /// Uploads the files `names` of the local folder when the folder is on S3.
        func upload(_ names: [String], contentType: @escaping @Sendable (String) -> String) throws {
            guard let target else { return }
            let local = local
            try S3Terminal.withClient { s3 in
                for name in names {
                    try await s3.upload(
                        file: "\(local)/\(name)", to: S3Location(bucket: target.bucket, key: target.key + name),
                        contentType: contentType(name))
                }
            }
        }
    }

    /// `output` as a local folder: itself, or for `s3://bucket/prefix/` a folder in the
    /// staging folder whose files are uploaded under the prefix (checked now: bucket and
    /// credentials).
    static func outputFolder(_ output: String) throws -> FolderOutput {
        guard S3Location.isS3(output) else { return FolderOutput(target: nil, local: output) }
        var target = try S3Location(url: output)
        if !target.key.isEmpty && !target.key.hasSuffix("/") { target = S3Location(bucket: target.bucket, key: target.key + "/") }
        let local = "\(stagingFolder)/out-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(local)
        let bucket = target.bucket
        let key = target.key
        try withClient { s3 in _ = try await s3.listPage(bucket: bucket, prefix: key, continuation: nil, pageSize: 1) }
        return FolderOutput(target: target, local: local)
    }

    /// Scans an S3 prefix with the progress bar (Ctrl-C stops it as it stops a scan of folders).
    static func scan(_ configuration: S3ScanConfiguration, quiet: Bool, planned: @escaping @Sendable (ScanPlan) -> Void) throws
        -> ScanSummary
    {
        let (updates, sink) = JobProgress.stream()
        let display = ProgressDisplay(label: "Scanning", quiet: quiet)
        let drawn = display.follow(updates)
        defer {
            drawn.wait()
            display.finish()
        }
        var configuration = configuration
        // A test switch: small listing pages, so a test sees analysis start before the listing ends.
        if let pageSize = ProcessInfo.processInfo.environment["IMGEDA_TEST_S3_PAGE_SIZE"].flatMap({ Int($0) }) {
            configuration.pageSize = pageSize
        }
        let stop = StopSignals.token
        do {
            return try withClient { [configuration] s3 in
                try await S3ScanRunner(configuration: configuration, client: s3).run(stop: stop, progress: sink, planned: planned)
            }
        } catch {
            // The runner finishes the stream when it ran; the bar must not wait for it otherwise.
            sink.finish()
            throw error
        }
    }
}
