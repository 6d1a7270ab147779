import ArgumentParser
import DatasetAnalysis
import DatasetPipeline
import DatasetReport
import Downloader
import Foundation

extension Imgeda {
    struct Download: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "download",
            abstract: "Download a URL list into a folder of images, analysed as they land.",
            discussion: """
                SOURCE is a text file (one URL a line), a CSV/TSV file with a header (the URL \
                column found by name, or --url-column), JSON Lines, or `-` for standard input. \
                Images are named by row (00000/000000012.jpg) with the extension of the bytes \
                received. DIR/download.jsonl says how each row ended (status, reason, detail); \
                DIR/manifest.jsonl is the scan manifest of the images, ready for `info`, \
                `check`, `report` and `gate`.

                Only http(s) to public addresses: loopback, private and link-local addresses \
                (cloud metadata at 169.254.169.254) are refused unless --allow-private-network \
                or --allow-address. Re-running resumes; Ctrl-C keeps what is done.

                Settings are layered: defaults < --profile < --config FILE (its `download:` \
                section) < IMGEDA_DOWNLOAD_* environment variables < flags. See them with \
                `imgeda config show download`.
                """
        )

        @Argument(help: "The URL list (text, CSV, TSV, JSON Lines), or - for standard input.", completion: .file())
        var source: String

        @Option(name: [.short, .long], help: "Folder for the images, download.jsonl and manifest.jsonl.", completion: .directory)
        var output = "./imgeda_download"

        @Option(help: "The column holding the URLs (CSV, TSV, JSON Lines).")
        var urlColumn: String?

        @Option(help: "The list's format: text, csv, tsv, jsonl (default: from the file name).")
        var inputFormat: String?

        @Option(help: "A built-in profile: polite, fast or archive.")
        var profile: String?

        @Option(help: "A YAML file whose `download:` section holds settings.", completion: .file(extensions: ["yml", "yaml"]))
        var config: String?

        @Option(help: "Requests in flight at once (default 32).")
        var concurrency: Int?

        @Option(help: "Connections at once to one host (default 16).")
        var perHost: Int?

        @Option(help: "Seconds one attempt may take, redirects and body included (default 30).")
        var timeout: Double?

        @Option(help: "Seconds without a byte before an attempt is given up (default 10).")
        var stallTimeout: Double?

        @Option(help: "Seconds to establish a connection (default 10).")
        var connectTimeout: Double?

        @Option(help: "Further attempts after a transient failure: connect errors, timeouts, 408, 429, 5xx (default 2).")
        var retries: Int?

        @Option(help: "Seconds of the first retry's backoff, doubling with full jitter (default 1).")
        var backoff: Double?

        @Option(help: "Longest backoff in seconds (default 30).")
        var maxBackoff: Double?

        @Option(help: "Longest Retry-After honoured, in seconds (default 120).")
        var maxRetryAfter: Double?

        @Option(help: "Largest image accepted, in MiB (default 32).")
        var maxSize: Double?

        @Option(help: "Smallest image accepted, in bytes (default 1).")
        var minSize: Int?

        @Option(help: "Redirects followed (default 5).")
        var maxRedirects: Int?

        @Flag(help: "Download even when X-Robots-Tag says noai or noimageai.")
        var ignoreRobotsTag = false

        @Flag(help: "Allow loopback, private and link-local addresses.")
        var allowPrivateNetwork = false

        @Option(help: "An address or CIDR range allowed even though private (repeatable).")
        var allowAddress: [String] = []

        @Flag(help: "Record content already received (same SHA-256) as a duplicate of its first row.")
        var skipDuplicates = false

        @Flag(help: "Fetch again rows that failed for a permanent reason in an earlier run.")
        var retryFailed = false

        @Flag(help: "Do not analyse the images (no manifest.jsonl).")
        var noAnalyse = false

        @Option(help: "Analysis worker processes (default: all cores).")
        var workers: Int?

        @Option(help: "The User-Agent header.")
        var userAgent: String?

        @Option(help: "Re-encode to this longest side in pixels.")
        var resize: Int?

        @Option(help: "Re-encode to jpeg, png or webp.")
        var format: String?

        @Option(help: "JPEG and WebP quality when re-encoding (default 90).")
        var quality: Int?

        @Option(
            help: ArgumentHelp(
                "Download only part I of N of the rows (1 ≤ I ≤ N), chosen by a hash of each row's URL.",
                discussion: "Run each part into its own folder, then join their manifests with `imgeda merge`.",
                valueName: "I/N"))
        var shard: String?

        @Flag(help: "Print the summary as JSON.")
        var json = false

        @Flag(name: [.short, .long], help: "Print nothing but errors.")
        var quiet = false

        /// The flags given, by setting key (see `DownloadSettings.table`).
        var flagValues: [String: String] {
            var values: [String: String] = [:]
            func put(_ key: String, _ value: (some CustomStringConvertible)?) {
                if let value { values[key] = value.description }
            }
            put("concurrency", concurrency)
            put("per_host", perHost)
            put("timeout", timeout)
            put("stall_timeout", stallTimeout)
            put("connect_timeout", connectTimeout)
            put("retries", retries)
            put("backoff", backoff)
            put("max_backoff", maxBackoff)
            put("max_retry_after", maxRetryAfter)
            put("max_size", maxSize)
            put("min_size", minSize)
            put("max_redirects", maxRedirects)
            if ignoreRobotsTag { values["ignore_robots_tag"] = "true" }
            if allowPrivateNetwork { values["allow_private_network"] = "true" }
            if !allowAddress.isEmpty { values["allow_address"] = allowAddress.joined(separator: ",") }
            if skipDuplicates { values["skip_duplicates"] = "true" }
            if noAnalyse { values["analyse"] = "false" }
            put("workers", workers)
            put("user_agent", userAgent)
            put("resize", resize)
            put("format", format)
            put("quality", quality)
            return values
        }

        func validate() throws {
            if let inputFormat, URLListFormat(rawValue: inputFormat.lowercased()) == nil {
                throw ValidationError(
                    "--input-format must be one of \(URLListFormat.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(inputFormat)')"
                )
            }
            if let shard { _ = try Shard(parsing: shard) }
            if source != "-" && !FileManager.default.fileExists(atPath: source) {
                throw ValidationError("URL list not found: \(source) (give a file, or - to read standard input)")
            }
        }

        func run() throws {
            let settings: ResolvedDownloadSettings
            do {
                settings = try DownloadSettings.resolve(
                    profile: profile, configFile: config, environment: ProcessInfo.processInfo.environment, flags: flagValues)
            } catch {
                throw ValidationError(error.description)
            }
            var configuration = DownloadConfiguration(
                source: source, outputDir: Self.trimmed(output), workers: ProcessInfo.processInfo.activeProcessorCount,
                workerExecutable: Scan.executablePath(), toolVersion: Imgeda.version)
            configuration.urlColumn = urlColumn
            configuration.format = inputFormat.flatMap { URLListFormat(rawValue: $0.lowercased()) }
            configuration.retryFailed = retryFailed
            if let shard { configuration.shard = try Shard(parsing: shard) }
            do {
                try settings.apply(to: &configuration)
            } catch {
                throw ValidationError(error.description)
            }

            let runner = DownloadRunner(configuration: configuration)
            let (updates, sink) = JobProgress.stream()
            let display = ProgressDisplay(label: "Downloading", quiet: quiet || json, unit: "rows/s", showsDetail: true)
            let drawn = display.follow(updates)
            let quiet = self.quiet || json
            let listName = source == "-" ? "standard input" : source
            let outcome = Self.wait {
                try await runner.run(stop: StopSignals.token, progress: sink) { plan in
                    guard !quiet else { return }
                    var line = "\(Plural.count(plan.total, "row")) in \(listName)"
                    if plan.alreadyDone > 0 { line += "; \(Console.grouped(plan.alreadyDone)) done by an earlier run" }
                    if plan.toAnalyse > 0 { line += "; \(Console.grouped(plan.toAnalyse)) saved images to analyse" }
                    Console.err(line + ".")
                }
            }
            drawn.wait()
            display.finish()
            var summary: DownloadSummary
            switch outcome {
            case .success(let value): summary = value
            case .failure(let error as ImgedaError): throw ValidationError(error.description)
            case .failure(let error as PipelineError): throw ValidationError(error.commandLine)
            case .failure(let error): throw ValidationError("download failed: \(error)")
            }
            summary.resumeCommand = resumeCommand()
            if json {
                Console.out(try JSONRenderer.text(summary))
            } else if !self.quiet {
                for line in DownloadRenderer.text(summary) { Console.out(line) }
            }
            if summary.stopped { throw ExitCode(130) }
        }

        /// This command again, as typed (a resume runs the same command).
        private func resumeCommand() -> String {
            let words = Array(CommandLine.arguments.dropFirst())
            let command = (["imgeda"] + words).map(Scan.shellQuoted).joined(separator: " ")
            return source == "-" ? command + "  # with the same list on standard input" : command
        }

        static func trimmed(_ path: String) -> String {
            var result = path
            while result.count > 1 && result.hasSuffix("/") { result.removeLast() }
            return result
        }

        /// Runs async work from this synchronous command (the root command is not async):
        /// the work runs on Swift's pool while this thread waits.
        static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) -> Result<T, any Error> {
            let box = ResultBox<T>()
            let done = DispatchSemaphore(value: 0)
            Task {
                do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
                done.signal()
            }
            done.wait()
            return box.result ?? .failure(CancellationError())
        }
    }
}

/// Carries a task's result to the thread waiting for it.
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: written once by the task before it signals the semaphore, read by
    // the waiting thread only after the signal.
    var result: Result<T, any Error>?
}
