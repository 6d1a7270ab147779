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
        func upload() throws {
            guard let target else { return }
            let local = local
            try S3Terminal.withClient { s3 in try await s3.upload(file: local, to: target, contentType: "application/x-ndjson") }
        }
    }

    /// `output` as a local file: itself, or for `s3://…` a local file in the staging folder,
    /// holding the existing manifest's content when `fetchExisting` (so a scan resumes).
    static func output(_ output: String, fetchExisting: Bool) throws -> Output {
        guard S3Location.isS3(output) else { return Output(target: nil, local: output) }
        let target = try S3Location(url: output)
        guard !target.key.isEmpty, !target.key.hasSuffix("/") else {
            throw ImgedaError(
                .invalidArgument, "\(output) names no object", remedy: "end it with the manifest's name, e.g. s3://bucket/manifests/m.jsonl"
            )
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
        let stop = StopSignals.token
        do {
            return try withClient { s3 in
                try await S3ScanRunner(configuration: configuration, client: s3).run(stop: stop, progress: sink, planned: planned)
            }
        } catch {
            // The runner finishes the stream when it ran; the bar must not wait for it otherwise.
            sink.finish()
            throw error
        }
    }
}
