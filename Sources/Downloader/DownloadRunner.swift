import Crypto
public import DatasetAnalysis
import DatasetIO
public import DatasetPipeline
import Foundation
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Everything a download needs to know.
public struct DownloadConfiguration: Sendable {
    /// The URL list (a path, or `-` for standard input).
    public var source: String
    public var format: URLListFormat?
    public var urlColumn: String?
    public var outputDir: String
    /// Requests in flight at once.
    public var concurrency = 32
    public var limits = FetchLimits()
    public var retry = RetryPolicy()
    /// Fetch again the rows that failed for a permanent reason (and skipped ones).
    public var retryFailed = false
    /// Record content already received (same SHA-256) as a duplicate instead of saving it again.
    public var skipDuplicates = false
    /// Analyse each image into `manifest.jsonl` as it lands.
    public var analyse = true
    public var workers: Int
    public var settings = ScanSettings()
    /// Seconds one image's analysis may take before its worker is killed.
    public var analysisTimeout = 30.0
    /// The executable that runs analysis workers (this program).
    public var workerExecutable: String
    public var toolVersion: String
    /// Re-encode images on the way in, if set.
    public var reencode: Reencoding?
    /// Only the rows of this part (by ``Shard``'s hash of each row's URL); the output folder
    /// then holds this part alone, and `imgeda merge` joins the parts' manifests.
    public var shard: Shard?

    public init(source: String, outputDir: String, workers: Int, workerExecutable: String, toolVersion: String) {
        self.source = source
        self.outputDir = outputDir
        self.workers = max(1, workers)
        self.workerExecutable = workerExecutable
        self.toolVersion = toolVersion
    }

    public var journalPath: String { "\(outputDir)/download.jsonl" }
    public var manifestPath: String { "\(outputDir)/manifest.jsonl" }
}

/// What a download found before fetching anything.
public struct DownloadPlan: Sendable {
    public var total: Int
    /// Rows finished by earlier runs that this run leaves alone.
    public var alreadyDone: Int
    /// Saved images of earlier runs whose analysis is missing from the manifest.
    public var toAnalyse: Int
}

/// Downloads a URL list into a folder, analysing each image as it lands.
///
/// Rows are fetched `concurrency` at a time through one ``Fetcher``; each ends with exactly
/// one line in `download.jsonl` (written after its image is on disk, so a line `ok` always
/// has its file); saved images go to a ``WorkFeed`` that the crash-isolated scan workers
/// drain into `manifest.jsonl`, in the same pass. Re-running resumes: rows that succeeded or
/// failed for a permanent reason are left alone (unless `retryFailed`), transient failures
/// are retried, and images saved but not yet analysed are analysed.
///
/// ```swift
/// let summary = try await DownloadRunner(configuration: configuration).run(stop: StopToken())
/// ```
public struct DownloadRunner: Sendable {
    public var configuration: DownloadConfiguration
    /// Seconds between progress values.
    public var progressInterval = 0.1
    /// Seconds in-flight requests may take to finish after a stop request.
    public var stopGrace = 5.0

    public init(configuration: DownloadConfiguration) {
        self.configuration = configuration
    }

    public func run(
        stop: StopToken = StopToken(), progress: ProgressSink? = nil, planned: @escaping @Sendable (DownloadPlan) -> Void = { _ in }
    ) async throws -> DownloadSummary {
        defer { progress?.finish() }
        let config = configuration
        let started = Monotonic.now()
        try FileSystem.createDirectories(config.outputDir)
        try OutputPath.requireManifestOrAbsent(config.manifestPath)
        let lock = try ManifestLock(manifest: config.manifestPath)
        defer { lock.release() }

        // Standard input is read once into a file, so the list can be counted and re-read.
        var listPath = config.source
        var spooled: String?
        if config.source == "-" {
            let path = "\(config.outputDir)/.stdin-\(getpid()).list"
            try Self.spoolStandardInput(to: path)
            listPath = path
            spooled = path
        }
        defer { if let spooled { unlink(spooled) } }
        let format = config.format ?? (config.source == "-" ? .text : URLListFormat.guess(path: config.source))
        let total = try URLSource.countRows(path: listPath, format: format, urlColumn: config.urlColumn)
        // The rows of this shard (all of them without one), keyed by URL so that a row keeps
        // its part when rows are added, removed or reordered around it.
        var inShard = [Bool](repeating: true, count: total)
        if let shard = config.shard {
            let rows = try URLSource(path: listPath, format: format, urlColumn: config.urlColumn)
            while let row = try rows.next(), row.index < total { inShard[row.index] = shard.contains(key: row.url) }
        }
        let shardTotal = config.shard == nil ? total : inShard.lazy.filter { $0 }.count

        let state = try JournalState.load(config.journalPath, keepHashes: config.skipDuplicates)
        ImageFiles.removeAbandonedTemporaries(in: config.outputDir)

        // The manifest: rows already analysed, or a new header.
        // One flag per row (not a set of indices): a byte a row at millions of rows.
        var analysed = [Bool](repeating: false, count: total)
        if FileManager.default.fileExists(atPath: config.manifestPath) {
            if let shard = config.shard, let header = try ManifestReader(path: config.manifestPath).header(), header.shard != shard {
                throw ImgedaError(
                    .outputConflict,
                    "\(config.manifestPath) holds \(header.shard.map { "shard \($0)" } ?? "a whole download"), not shard \(shard)",
                    remedy: "download each shard into a folder of its own")
            }
            _ = try ManifestReader(path: config.manifestPath).forEachRecord { record in
                if let index = ImageFiles.index(ofFile: record.path), index < total { analysed[index] = true }
            }
        } else if config.analyse {
            var header = ManifestHeader(
                inputDir: Self.absolute(config.outputDir), inputDirs: [Self.absolute(config.outputDir)],
                schemaVersion: ManifestEncoding.schemaVersion, settings: config.settings, totalFiles: shardTotal,
                createdAt: Timestamp.nowISO8601(), tool: "imgeda-swift", toolVersion: config.toolVersion)
            header.workingDir = FileManager.default.currentDirectoryPath
            header.shard = config.shard
            try AtomicFile.replace(config.manifestPath) { write in try write(ManifestEncoding.line(for: header)) }
        }

        // Which rows this run fetches.
        var alreadyDone = 0
        var unanalysed: [(index: Int, file: String)] = []
        var redo = [Bool](repeating: false, count: total)
        for index in 0..<total where inShard[index] {
            guard let outcome = state.outcome(of: index) else {
                redo[index] = true
                continue
            }
            switch outcome.status {
            case .ok:
                guard let file = state.file(of: index), FileManager.default.fileExists(atPath: "\(config.outputDir)/\(file)") else {
                    redo[index] = true
                    continue
                }
                alreadyDone += 1
                if config.analyse && !analysed[index] { unanalysed.append((index, file)) }
            case .failed, .skipped:
                if outcome.retryable || config.retryFailed {
                    redo[index] = true
                } else {
                    alreadyDone += 1
                }
            }
        }
        analysed = []
        inShard = []
        planned(DownloadPlan(total: shardTotal, alreadyDone: alreadyDone, toAnalyse: unanalysed.count))

        let journal = try JournalWriter(path: config.journalPath)
        let stats = DownloadStats(alreadyDone: alreadyDone)
        let feed = WorkFeed()
        let duplicates = DuplicateRegistry(state.hashes)

        // The analysis: the scan's supervised worker pool, on a thread of its own, taking
        // images from the feed as they land.
        let analysis: Task<Int, any Error>? =
            config.analyse
            ? Task.detached {
                try await Self.analyse(feed: feed, config: config, stop: stop, journal: journal, stats: stats)
            } : nil
        let urls = try JournalState.urls(of: Set(unanalysed.map(\.index)), in: config.journalPath)
        for (index, file) in unanalysed {
            let url = Self.attachment(index: index, url: urls[index] ?? "")
            await feed.push(FilePathBytes("\(config.outputDir)/\(file)"), attachment: url)
        }

        // A stop request ends the feed at once: the pool stops taking images, and rows still
        // finishing must not wait for room in its queue (their images are analysed next run).
        let stopWatcher = Task.detached {
            while !stop.isStopped && !Task.isCancelled { try? await Task.sleep(nanoseconds: 100_000_000) }
            if stop.isStopped { feed.finish() }
        }
        defer { stopWatcher.cancel() }

        // Progress, from the counters, until the fetching ends.
        let toDo = max(0, shardTotal - alreadyDone)
        let interval = progressInterval
        let ticker: Task<Void, Never>? = progress.map { sink in
            Task.detached {
                let meter = ProgressMeter(total: toDo, startedAt: Monotonic.now())
                while !Task.isCancelled {
                    sink.yield(stats.progress(meter: meter, total: shardTotal))
                    try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                }
                sink.yield(stats.progress(meter: meter, total: shardTotal))
            }
        }

        let fetcher = Fetcher(limits: config.limits)
        let source = try URLSource(path: listPath, format: format, urlColumn: config.urlColumn)
        var fetchError: (any Error)?
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var inFlight = 0
                while let row = try source.next() {
                    if stop.isStopped { break }
                    guard row.index < redo.count, redo[row.index] else { continue }
                    if inFlight >= config.concurrency {
                        try await group.next()
                        inFlight -= 1
                        if stop.isStopped { break }
                    }
                    group.addTask {
                        try await Self.process(
                            row, config: config, fetcher: fetcher, journal: journal, feed: feed, stats: stats,
                            duplicates: duplicates, stop: stop)
                    }
                    inFlight += 1
                }
                // Rows in flight finish; after a stop request they get `stopGrace` seconds.
                if stop.isStopped {
                    let grace = stopGrace
                    group.addTask {
                        try? await Task.sleep(nanoseconds: UInt64(grace * 1e9))
                        throw CancellationError()
                    }
                }
                while inFlight > 0 {
                    try await group.next()
                    inFlight -= 1
                }
                group.cancelAll()
            }
        } catch is CancellationError {
            // The grace period ended: rows still in flight are fetched again next time.
        } catch {
            fetchError = error
        }
        await fetcher.shutdown()
        feed.finish()
        var analysedNow = 0
        if let analysis {
            do {
                analysedNow = try await analysis.value
            } catch {
                fetchError = fetchError ?? error
            }
        }
        // The progress shows the analysis catching up after the last row is fetched.
        ticker?.cancel()
        await ticker?.value
        journal.close()
        if let fetchError { throw fetchError }
        // A run that got through every row leaves one line per row (retries and resumed runs
        // appended newer lines for some). A stopped run is left alone: it is resumed soon.
        if !stop.isStopped {
            try JournalCompaction.compact(config.journalPath)
        }

        // The journal is the truth: the summary is read back from it.
        let tally = try JournalState.tally(config.journalPath)
        var summary = DownloadSummary()
        summary.total = shardTotal
        summary.ok = tally.ok
        summary.failed = tally.failed
        summary.skipped = tally.skipped
        summary.retryable = tally.retryable
        summary.failures = tally.groups
        summary.alreadyDone = alreadyDone
        summary.attempted = stats.finished
        summary.failedThisRun = stats.notOK
        summary.bytes = stats.bytes
        summary.analysed = analysedNow
        summary.unfinished = max(0, shardTotal - tally.ok - tally.failed - tally.skipped)
        summary.stopped = stop.isStopped
        summary.seconds = Monotonic.now() - started
        summary.outputDir = config.outputDir
        summary.journal = config.journalPath
        summary.manifest = config.analyse ? config.manifestPath : ""
        return summary
    }

    // MARK: - One row

    static func process(
        _ row: URLRow, config: DownloadConfiguration, fetcher: Fetcher, journal: JournalWriter, feed: WorkFeed,
        stats: DownloadStats, duplicates: DuplicateRegistry, stop: StopToken
    ) async throws {
        let started = Monotonic.now()
        var entry = JournalEntry(index: row.index, url: row.url, status: .failed, extra: row.extra)
        func finish() throws {
            entry.elapsed = Monotonic.now() - started
            entry.retryable = entry.status == .failed && (entry.reason?.isTransient(httpStatus: entry.httpStatus) ?? false)
            try journal.append(entry)
            stats.record(entry)
        }
        if let problem = row.problem {
            entry.reason = .invalidURL
            entry.detail = problem
            return try finish()
        }
        guard Target(row.url) != nil else {
            entry.reason = .invalidURL
            entry.detail = Target.problem(with: row.url)
            return try finish()
        }
        var attempt = 0
        while true {
            attempt += 1
            entry.attempts = attempt
            switch await fetcher.fetch(row.url) {
            case .failure(let failure):
                // Abandoned because the download is stopping: no line; the next run fetches it.
                if failure.cancelled || Task.isCancelled { return }
                entry.finalURL = failure.finalURL
                // The server asked not to be used for AI: a deliberate skip, not a failure.
                entry.status = failure.reason == .robots ? .skipped : .failed
                entry.reason = failure.reason
                entry.detail = failure.detail
                entry.httpStatus = failure.httpStatus
                if failure.isTransient, !stop.isStopped,
                    let wait = config.retry.delay(after: attempt, retryAfter: failure.retryAfter)
                {
                    do {
                        try await Task.sleep(nanoseconds: UInt64(wait * 1e9))
                    } catch {
                        return
                    }
                    continue
                }
                if failure.isTransient, let retryAfter = failure.retryAfter, retryAfter > config.retry.maxRetryAfter {
                    entry.detail =
                        (entry.detail ?? "")
                        + "; Retry-After \(Int(retryAfter)) s is longer than the \(Int(config.retry.maxRetryAfter)) s we wait"
                }
                return try finish()
            case .success(let body):
                entry.finalURL = body.finalURL
                entry.httpStatus = body.httpStatus
                entry.contentType = body.contentType
                try await save(body, row: row, entry: &entry, config: config, feed: feed, duplicates: duplicates)
                return try finish()
            }
        }
    }

    /// Checks a received body, and saves it if it is an image.
    static func save(
        _ body: FetchedBody, row: URLRow, entry: inout JournalEntry, config: DownloadConfiguration, feed: WorkFeed,
        duplicates: DuplicateRegistry
    ) async throws {
        var bytes = body.bytes
        entry.bytes = bytes.count
        if bytes.count < config.limits.minBytes {
            entry.reason = .tooSmall
            entry.detail = "\(bytes.count) bytes, under the minimum of \(config.limits.minBytes)"
            return
        }
        guard let header = bytes.withUnsafeBytes({ ImageHeaderSniffer.sniff($0) }),
            let ext = ImageFiles.fileExtension(format: header.format)
        else {
            entry.reason = .notImage
            entry.detail = "not an image: Content-Type \(body.contentType ?? "none"), starting with \(Self.preview(bytes))"
            return
        }
        var format = header.format
        var ext2 = ext
        if let reencode = config.reencode {
            switch await Reencoder.reencode(bytes, with: reencode) {
            case .success(let encoded):
                bytes = encoded.bytes
                format = encoded.format
                ext2 = encoded.fileExtension
            case .failure(let problem):
                entry.reason = .decodeFailed
                entry.detail = problem.message
                return
            }
        }
        let sha = Self.sha256Hex(bytes)
        entry.sha256 = sha
        entry.format = format
        entry.bytes = bytes.count
        if config.skipDuplicates, let first = duplicates.claim(sha, index: row.index) {
            entry.status = .skipped
            entry.reason = .duplicate
            entry.duplicateOf = first
            entry.detail = "the same bytes as row \(first)"
            return
        }
        let relative = ImageFiles.relativePath(index: row.index, extension: ext2)
        let path = "\(config.outputDir)/\(relative)"
        let folder = "\(config.outputDir)/\(ImageFiles.folder(index: row.index))"
        let data = bytes
        do {
            // Blocking file work (write, fsync, rename) on NIO's thread pool.
            try await NIOThreadPool.singleton.runIfActive {
                try FileSystem.createDirectories(folder)
                try AtomicFile.write(data, to: path)
            }
        } catch {
            entry.reason = .writeFailed
            entry.detail = FileSystem.describe(error)
            return
        }
        entry.status = .ok
        entry.reason = nil
        entry.detail = nil
        entry.file = relative
        if config.analyse {
            await feed.push(FilePathBytes(path), attachment: attachment(index: row.index, url: row.url))
        }
    }

    // MARK: - Analysis

    /// Runs the worker pool on a thread of its own until the feed ends; returns the images analysed.
    static func analyse(
        feed: WorkFeed, config: DownloadConfiguration, stop: StopToken, journal: JournalWriter, stats: DownloadStats
    ) async throws -> Int {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
            let thread = Thread {
                continuation.resume(
                    with: Result { try analyseBlocking(feed: feed, config: config, stop: stop, journal: journal, stats: stats) })
            }
            thread.name = "imgeda download analysis"
            thread.start()
        }
    }

    static func analyseBlocking(
        feed: WorkFeed, config: DownloadConfiguration, stop: StopToken, journal: JournalWriter, stats: DownloadStats
    ) throws -> Int {
        let pool = try WorkerPool(
            configuration: .init(
                executable: config.workerExecutable, settings: config.settings, workers: config.workers,
                timeout: config.analysisTimeout))
        defer { pool.shutdown() }
        let appender = try ManifestAppender(path: config.manifestPath)
        defer { appender.close() }
        var buffer: [UInt8] = []
        var lastFlush = Monotonic.now()
        var done = 0
        _ = try pool.run(feed: feed, stop: stop) { completion in
            let attached = feed.takeAttachment(for: completion.path)
            let (index, url) = Self.splitAttachment(attached)
            buffer.append(contentsOf: ManifestEncoding.withSourceURL(completion.payload, url.isEmpty ? nil : url))
            done += 1
            stats.analysed()
            if completion.flags.contains(.corrupt), let index, !url.isEmpty {
                // The bytes looked like an image but do not decode: the row's newest line says so.
                var entry = JournalEntry(index: index, url: url, status: .failed, attempts: 1)
                entry.reason = .decodeFailed
                entry.detail = "the image does not decode (its manifest record gives the reason)"
                entry.file = String(completion.path.display.dropFirst(config.outputDir.count + 1))
                try journal.append(entry)
            }
            let now = Monotonic.now()
            if now - lastFlush >= 1 || buffer.count >= 1 << 20 {
                try appender.append(buffer)
                buffer.removeAll(keepingCapacity: true)
                journal.sync()
                lastFlush = now
            }
        }
        try appender.append(buffer)
        return done
    }

    /// The feed's attachment for an image: its row and URL.
    static func attachment(index: Int, url: String) -> String { "\(index)\t\(url)" }

    static func splitAttachment(_ text: String?) -> (Int?, String) {
        guard let text, let tab = text.firstIndex(of: "\t") else { return (nil, "") }
        return (Int(text[..<tab]), String(text[text.index(after: tab)...]))
    }

    // MARK: - Helpers

    static func preview(_ bytes: [UInt8]) -> String {
        let head = bytes.prefix(24).map { (32...126).contains($0) ? Character(Unicode.Scalar($0)) : "." }
        return "'\(String(head))'"
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let cwd = FileManager.default.currentDirectoryPath
        return path == "." ? cwd : "\(cwd)/\(path)"
    }

    static func spoolStandardInput(to path: String) throws {
        let reader = try BufferedByteReader(path: "-")
        try AtomicFile.replace(path) { write in
            var chunk: [UInt8] = []
            while let line = try reader.nextLine() {
                chunk.append(contentsOf: line)
                chunk.append(0x0A)
                if chunk.count >= 1 << 20 {
                    try write(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            try write(chunk)
        }
    }
}

/// Counters shared by the row tasks, read for progress.
final class DownloadStats: @unchecked Sendable {
    // @unchecked Sendable: every property is read and written only while holding `lock`.
    private let lock = NSLock()
    private var _finished = 0
    private var _ok = 0
    private var _notOK = 0
    private var _bytes: Int64 = 0
    private var _analysed = 0
    private let alreadyDone: Int

    init(alreadyDone: Int) { self.alreadyDone = alreadyDone }

    func record(_ entry: JournalEntry) {
        lock.withLock {
            _finished += 1
            if entry.status == .ok {
                _ok += 1
                _bytes += Int64(entry.bytes ?? 0)
            } else {
                _notOK += 1
            }
        }
    }

    func analysed() { lock.withLock { _analysed += 1 } }

    var finished: Int { lock.withLock { _finished } }
    var notOK: Int { lock.withLock { _notOK } }
    var bytes: Int64 { lock.withLock { _bytes } }

    /// Done counts rows finished by earlier runs too; the rate and ETA are this run's.
    func progress(meter: ProgressMeter, total: Int) -> JobProgress {
        let (finished, ok, bytes, analysed) = lock.withLock { (_finished, _ok, _bytes, _analysed) }
        let now = Monotonic.now()
        var progress = meter.progress(done: finished, at: now)
        let seconds = max(progress.elapsed, 1e-9)
        progress.done = alreadyDone + finished
        progress.total = total
        let megabytes = Double(bytes) / 1e6 / seconds
        progress.current = "\(ok) ok, \(analysed) analysed, \(String(format: "%.1f", megabytes)) MB/s"
        return progress
    }
}

/// SHA-256 → the first row that brought those bytes (for `--skip-duplicates`).
final class DuplicateRegistry: @unchecked Sendable {
    // @unchecked Sendable: `first` is read and written only while holding `lock`.
    private let lock = NSLock()
    private var first: [String: Int]

    init(_ known: [String: Int]) { first = known }

    /// The row that already has `sha`, or nil after recording `index` as its first.
    func claim(_ sha: String, index: Int) -> Int? {
        lock.withLock {
            if let earlier = first[sha], earlier != index { return earlier }
            first[sha] = index
            return nil
        }
    }
}
