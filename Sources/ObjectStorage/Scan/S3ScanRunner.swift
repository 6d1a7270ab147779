public import DatasetAnalysis
public import DatasetIO
public import DatasetPipeline
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Everything a scan of an S3 prefix needs to know.
public struct S3ScanConfiguration: Sendable {
    /// The prefix to scan (`s3://bucket/train/`; a key without a trailing `/` is taken as a folder).
    public var source: S3Location
    /// The manifest, on local disk (an `s3://` output is written locally first, then uploaded).
    public var output: String
    public var settings: ScanSettings
    public var extensions: [String]
    public var workers: Int
    /// Objects fetched at once.
    public var concurrency = 16
    public var resume = true
    public var force = false
    /// Seconds one image's analysis may take.
    public var timeout: Double
    public var workerExecutable: String
    public var toolVersion: String
    /// Largest object fetched, in bytes; a larger one becomes a record saying so.
    public var maxObjectBytes = 512 << 20
    public var workerMemoryLimit: UInt64?
    public var allowUntrustedLoaders = false
    /// Where fetched objects wait for a worker (removed at the end); nil for the system's
    /// temporary folder.
    public var stagingFolder: String?
    /// Only the keys of this part (by the key relative to the prefix, as a folder's shard
    /// takes relative paths), and the part is recorded in the header.
    public var shard: Shard?
    /// Only these keys, relative to the prefix (`scan --keys-from`).
    public var onlyPaths: Set<[UInt8]>?
    /// Keys per listing page (nil: the server's, 1,000 on S3); small pages let a test see
    /// the scan start before the listing ends.
    public var pageSize: Int?

    public init(
        source: S3Location, output: String, settings: ScanSettings = ScanSettings(),
        extensions: [String] = Discovery.defaultExtensions, workers: Int, timeout: Double = 30, workerExecutable: String,
        toolVersion: String
    ) {
        self.source = source
        self.output = output
        self.settings = settings
        self.extensions = extensions
        self.workers = max(1, workers)
        self.timeout = timeout
        self.workerExecutable = workerExecutable
        self.toolVersion = toolVersion
    }
}

/// Scans the images under an S3 prefix into a manifest, as ``ScanRunner`` scans a folder.
///
/// The prefix is listed page by page while its objects are fetched `concurrency` at a time
/// and handed to the crash-isolated workers through a ``WorkFeed`` (a bounded queue:
/// fetching waits when the analysis is behind, and listing waits for fetching, so memory and
/// staging space stay flat whatever the bucket's size); each staged object is deleted as soon
/// as its record is written. Only the objects in flight are held, never the key list, so the
/// total is known when the listing ends: progress shows done/listed until then, and the
/// manifest is rewritten once at the end with the header's total (and class labels, when the
/// keys sit in class folders). Records' paths are the keys relative to the
/// prefix, so a scan of a bucket equals a scan of the same files on disk; each record
/// carries its object's `etag` and `source_url`. Re-running resumes: records whose key,
/// size and ETag are unchanged are kept. An object that cannot be fetched becomes a
/// corrupt record with the reason (and is fetched again next run); the scan goes on.
///
/// ```swift
/// let s3 = try S3Client()
/// let summary = try await S3ScanRunner(configuration: configuration, client: s3).run()
/// ```
public struct S3ScanRunner: Sendable {
    public var configuration: S3ScanConfiguration
    public let client: S3Client
    /// Seconds between progress values.
    public var progressInterval = 0.1

    public init(configuration: S3ScanConfiguration, client: S3Client) {
        self.configuration = configuration
        self.client = client
    }

    public func run(
        stop: StopToken = StopToken(), progress: ProgressSink? = nil, planned: @escaping @Sendable (ScanPlan) -> Void = { _ in }
    ) async throws -> ScanSummary {
        defer { progress?.finish() }
        let config = configuration
        let started = Monotonic.now()
        try OutputPath.requireManifestOrAbsent(config.output)
        let lock = try ManifestLock(manifest: config.output)
        defer { lock.release() }
        let root = S3Location(bucket: config.source.bucket, key: config.source.prefix)

        // The listing, filtered as discovery filters files, read page by page as the scan
        // goes. The first wanted key is looked for before anything is written: a prefix with
        // no image is an error, not an empty manifest.
        var listing = WantedKeys(
            iterator: client.listObjects(root, pageSize: config.pageSize).makeAsyncIterator(), root: root,
            wanted: Discovery.wantedExtensions(config.extensions), shard: config.shard, only: config.onlyPaths)
        let first = try await listing.next()
        // A shard may hold no key of a small prefix: it still writes its (empty) part.
        guard first != nil || config.shard != nil else {
            throw PipelineError(
                .noImages,
                "no images found in \(root) with the extensions \(config.extensions.map { "." + $0 }.joined(separator: " "))",
                remedy: .otherExtensions)
        }
        var summary = ScanSummary()
        // The header's total is known only when the listing ends; the manifest is rewritten
        // with it then (``finish``).
        var header = ManifestHeader(
            inputDir: root.description, inputDirs: [root.description], schemaVersion: ManifestEncoding.schemaVersion,
            settings: config.settings, totalFiles: 0, createdAt: Timestamp.nowISO8601(), tool: "imgeda-swift",
            toolVersion: config.toolVersion)
        header.workingDir = ""
        header.shard = config.shard

        // Resume: the newest record of each key an earlier run wrote, kept for now; each is
        // confirmed (its key's size and ETag unchanged) or dropped as the listing reaches it.
        var previous: [String: PreviousRecord] = [:]
        if FileManager.default.fileExists(atPath: config.output) && config.resume && !config.force {
            let kept = try Self.keepPrevious(config: config, header: header, root: root)
            previous = kept.records
            summary.notes += kept.notes
        } else {
            try AtomicFile.replace(config.output) { write in try write(ManifestEncoding.line(for: header)) }
        }
        var plan = ScanPlan(discovered: 0, reused: previous.count, pending: 0, notes: summary.notes)
        plan.streamed = true
        planned(plan)

        let staging = config.stagingFolder ?? FileManager.default.temporaryDirectory.path
        let folder = "\(staging)/imgeda-s3-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let appender = try SharedAppender(path: config.output)
        defer { appender.close() }
        let counters = S3ScanCounters()
        let inFlight = InFlightObjects()
        // Room for every worker to have one file waiting: more would only fill the disk.
        let feed = WorkFeed(capacity: max(4, config.workers * 2))
        let analysis = Task.detached {
            try await Self.analyse(
                feed: feed, config: config, root: root, inFlight: inFlight, appender: appender, counters: counters, stop: stop)
        }
        let stopWatcher = Task.detached {
            while !stop.isStopped && !Task.isCancelled { try? await Task.sleep(nanoseconds: 100_000_000) }
            if stop.isStopped { feed.finish() }
        }
        defer { stopWatcher.cancel() }
        let interval = progressInterval
        let ticker: Task<Void, Never>? = progress.map { sink in
            Task.detached {
                let start = Monotonic.now()
                // done/listed while the listing runs (no ETA: the total is not known yet).
                func value() -> JobProgress {
                    let known = counters.listingEnded
                    let meter = ProgressMeter(total: counters.pending, startedAt: start)
                    var value = meter.progress(done: counters.done, at: Monotonic.now(), current: counters.current)
                    if !known { value.eta = nil }
                    return value
                }
                while !Task.isCancelled {
                    sink.yield(value())
                    try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                }
                sink.yield(value())
            }
        }

        var fetchError: (any Error)?
        var listed = ListingOutcome()
        let client = client
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var running = 0
                var next = first
                var index = 0
                var classFolders = ClassFolders()
                let splits = DatasetDetector.keyLayout(root.description)
                while let object = next {
                    if stop.isStopped { break }
                    let relative = Self.relativeKey(object.key, root: root)
                    listed.keys += 1
                    classFolders.add(relative)
                    if let old = previous.removeValue(forKey: relative) {
                        if old.size == object.size && old.etag == object.etag {
                            listed.reused += 1
                            counters.kept(old.flags)
                            next = try await listing.next()
                            continue
                        }
                        listed.staleLines.insert(old.line)
                    }
                    if running >= config.concurrency {
                        try await group.next()
                        running -= 1
                    }
                    counters.listed()
                    let item = S3ScanItem(
                        index: index, object: object, relative: relative, split: splits.labels(relativePath: relative).split)
                    group.addTask {
                        try await Self.fetch(
                            item, root: root, config: config, client: client, folder: folder, feed: feed, inFlight: inFlight,
                            appender: appender, counters: counters)
                    }
                    running += 1
                    index += 1
                    next = try await listing.next()
                }
                listed.complete = next == nil
                listed.classFolders = classFolders
                counters.endListing()
                try await group.waitForAll()
            }
        } catch {
            fetchError = error
            stop.stop(.cancelled)
        }
        feed.finish()
        let outcome: WorkerPool.Outcome
        do {
            outcome = try await analysis.value
        } catch {
            ticker?.cancel()
            throw fetchError ?? error
        }
        ticker?.cancel()
        await ticker?.value
        if let fetchError { throw fetchError }

        // The header's total, stale records dropped (and, once the whole listing was read,
        // those of keys no longer there), class folders labelled.
        var dropped = listed.staleLines
        if listed.complete { dropped.formUnion(previous.values.map(\.line)) }
        header.totalFiles = listed.keys
        let layout = DatasetDetector.keyLayout(root.description, classFolders: listed.classFolders)
        try Self.finish(config.output, header: header, dropping: dropped, layout: layout)

        summary.discovered = listed.keys
        summary.reused = listed.reused
        summary.analysed = counters.done
        summary.problems = counters.problems
        summary.unfinished = counters.pending - counters.done
        summary.totalRecords = summary.reused + counters.done
        summary.stopped = outcome.stopped ?? (stop.isStopped ? stop.reason : nil)
        summary.timedOut = outcome.timedOut
        summary.seconds = Monotonic.now() - started
        return summary
    }

    /// What the listing found, for the summary and the manifest's last rewrite.
    struct ListingOutcome {
        /// Wanted keys listed.
        var keys = 0
        /// Of those, with a kept record of an earlier run.
        var reused = 0
        /// Lines (record numbers) of earlier records whose object has changed.
        var staleLines = Set<Int>()
        /// Whether the listing was read to its end (not stopped).
        var complete = false
        var classFolders = ClassFolders()
    }

    // MARK: - Fetching

    /// Fetches one object into the staging folder and queues it for a worker; an object that
    /// cannot be fetched becomes a record with the reason.
    static func fetch(
        _ item: S3ScanItem, root: S3Location, config: S3ScanConfiguration, client: S3Client, folder: String, feed: WorkFeed,
        inFlight: InFlightObjects, appender: SharedAppender, counters: S3ScanCounters
    ) async throws {
        let object = item.object
        let location = S3Location(bucket: root.bucket, key: object.key)
        let reason: String
        if object.size > config.maxObjectBytes {
            reason = "the object is \(object.size) bytes, over the limit of \(config.maxObjectBytes)"
        } else {
            do {
                let bytes = try await client.get(location, maxBytes: config.maxObjectBytes)
                let suffix = Discovery.fileExtension(ofName: Array(fileName(object.key).utf8)).map { String(decoding: $0, as: UTF8.self) }
                let path = "\(folder)/\(item.index).\(suffix ?? "bin")"
                // A staged copy, not an output: no fsync (it is read at once and deleted; a
                // crash loses nothing the next run does not fetch again).
                guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                    throw ImgedaError(.ioFailed, "cannot write the staged copy \(path) of \(location)")
                }
                inFlight.insert(item)
                await feed.push(FilePathBytes(path), attachment: String(item.index))
                return
            } catch let error as ImgedaError {
                // Credentials and endpoint problems hold for every object: stop, say it once.
                if error.code == .s3Credentials || (error.code == .s3Refused && error.message.contains("access key")) { throw error }
                reason = "could not read \(location): \(error.message)"
            }
        }
        var record = ImageRecord(path: item.relative, filename: fileName(item.relative))
        record.fileSizeBytes = object.size
        record.mtime = object.lastModified?.timeIntervalSince1970 ?? 0
        record.isCorrupt = true
        record.corruptReason = reason
        record.sourceURL = location.description
        record.split = item.split
        // No ETag: the next run fetches it again.
        try appender.append(ManifestEncoding.line(for: record))
        counters.finished(RecordFlags(record), current: item.relative)
    }

    // MARK: - Analysis

    /// The worker pool on a thread of its own, until the feed ends.
    static func analyse(
        feed: WorkFeed, config: S3ScanConfiguration, root: S3Location, inFlight: InFlightObjects, appender: SharedAppender,
        counters: S3ScanCounters, stop: StopToken
    ) async throws -> WorkerPool.Outcome {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<WorkerPool.Outcome, any Error>) in
            let thread = Thread {
                continuation.resume(
                    with: Result {
                        var pool = WorkerPool.Configuration(
                            executable: config.workerExecutable, settings: config.settings, workers: config.workers,
                            timeout: config.timeout)
                        pool.memoryLimit = config.workerMemoryLimit
                        pool.allowUntrustedLoaders = config.allowUntrustedLoaders
                        let workers = try WorkerPool(configuration: pool)
                        defer { workers.shutdown() }
                        var buffer: [UInt8] = []
                        var lastFlush = Monotonic.now()
                        let outcome = try workers.run(feed: feed, stop: stop) { completion in
                            unlink(completion.path.display)
                            guard let attached = feed.takeAttachment(for: completion.path), let index = Int(attached),
                                let item = inFlight.remove(index)
                            else { return }
                            buffer.append(contentsOf: relabel(completion.payload, item: item, root: root))
                            counters.finished(completion.flags, current: item.relative)
                            let now = Monotonic.now()
                            if now - lastFlush >= 1 || buffer.count >= 1 << 20 {
                                try appender.append(buffer)
                                buffer.removeAll(keepingCapacity: true)
                                lastFlush = now
                            }
                        }
                        try appender.append(buffer)
                        return outcome
                    })
            }
            thread.name = "imgeda s3 analysis"
            thread.start()
        }
    }

    /// A worker's record of a staged file, as the object's: its key relative to the prefix,
    /// its name, modification time, ETag and URL, and its split.
    static func relabel(_ payload: [UInt8], item: S3ScanItem, root: S3Location) -> [UInt8] {
        guard var record = ManifestReader.record(line: payload) else { return payload }
        record.path = item.relative
        record.filename = fileName(item.relative)
        record.pathRaw = nil
        record.mtime = item.object.lastModified?.timeIntervalSince1970 ?? 0
        record.etag = item.object.etag
        record.sourceURL = S3Location(bucket: root.bucket, key: item.object.key).description
        record.split = item.split
        return ManifestEncoding.line(for: record)
    }

    // MARK: - Resume

    /// The newest record an earlier run wrote for a key, at `line` of the rewritten manifest.
    struct PreviousRecord {
        var line: Int
        var size: Int
        var etag: String?
        var flags: RecordFlags
    }

    /// Keeps the newest record of each key that this analyzer version wrote (dropping
    /// superseded and damaged lines), rewriting the manifest atomically with the new header.
    static func keepPrevious(config: S3ScanConfiguration, header: ManifestHeader, root: S3Location) throws -> (
        records: [String: PreviousRecord], notes: [PipelineNote]
    ) {
        let reader = try ManifestReader(path: config.output)
        if let previous = try reader.header(), !previous.inputDir.isEmpty, previous.inputDir != root.description {
            throw PipelineError(
                .manifestOfOtherFolders, "\(config.output) already holds a scan of \(previous.inputDir)",
                remedy: "write this scan to another manifest, or analyse everything again to replace it")
        }
        var newest: [String: (line: Int, record: PreviousRecord)] = [:]
        var lineNumber = 0
        let report = try reader.forEachRawRecord { _, record in
            defer { lineNumber += 1 }
            guard record.analyzerVersion == ImageRecord.currentAnalyzerVersion else {
                newest[record.path] = nil
                return
            }
            newest[record.path] = (
                lineNumber, PreviousRecord(line: 0, size: record.fileSizeBytes, etag: record.etag, flags: RecordFlags(record))
            )
        }
        var notes: [PipelineNote] = []
        if report.truncatedTail {
            notes.append(PipelineNote("the manifest's last line was cut short (an interrupted run); that object is analysed again"))
        }
        if report.malformedLines > 0 { notes.append(PipelineNote("\(report.malformedLines) damaged manifest lines were dropped")) }
        // Old line number → path, in the order the lines are written again.
        var keep: [Int: String] = [:]
        for (path, entry) in newest { keep[entry.line] = path }
        var records: [String: PreviousRecord] = [:]
        lineNumber = 0
        var written = 0
        try AtomicFile.replace(config.output) { write in
            try write(ManifestEncoding.line(for: header))
            try reader.forEachRawRecord { line, _ in
                defer { lineNumber += 1 }
                guard let path = keep[lineNumber], var record = newest[path]?.record else { return }
                try write(Array(line) + [0x0A])
                record.line = written
                records[path] = record
                written += 1
            }
        }
        return (records, notes)
    }

    /// The manifest's last rewrite (atomic): the header with the listing's total, without the
    /// records in `dropping` (by record number), and with each record's class when the keys
    /// sit in class folders.
    static func finish(_ path: String, header: ManifestHeader, dropping: Set<Int>, layout: DatasetLayout) throws {
        let reader = try ManifestReader(path: path)
        let classified = layout.format == "classification"
        var lineNumber = 0
        try AtomicFile.replace(path) { write in
            try write(ManifestEncoding.line(for: header))
            try reader.forEachRawRecord { line, _ in
                defer { lineNumber += 1 }
                guard !dropping.contains(lineNumber) else { return }
                if classified, var record = ManifestReader.record(line: Array(line)) {
                    let labels = layout.labels(relativePath: record.path)
                    record.split = labels.split
                    record.className = labels.className
                    try write(ManifestEncoding.line(for: record))
                } else {
                    try write(Array(line) + [0x0A])
                }
            }
        }
    }

    // MARK: - Helpers

    /// A key relative to the scanned prefix (the record's path).
    static func relativeKey(_ key: String, root: S3Location) -> String {
        String(decoding: key.utf8.dropFirst(root.key.utf8.count), as: UTF8.self)
    }

    static func fileName(_ key: String) -> String {
        String(key.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(key))
    }
}

/// The listing as the scan takes it: objects whose name has a wanted extension (discovery's
/// rule), no folder markers, only the shard's keys and the listed ones.
struct WantedKeys {
    var iterator: S3Listing.AsyncIterator
    let root: S3Location
    let wanted: Set<[UInt8]>
    let shard: Shard?
    let only: Set<[UInt8]>?

    mutating func next() async throws -> S3Object? {
        while let object = try await iterator.next() {
            guard !object.key.hasSuffix("/"),
                Discovery.hasWantedExtension(Array(S3ScanRunner.fileName(object.key).utf8), wanted)
            else { continue }
            let key = object.key.utf8.dropFirst(root.key.utf8.count)
            if let shard, !shard.contains(key: key) { continue }
            if let only, !only.contains(Array(key)) { continue }
            return object
        }
        return nil
    }
}

/// One object on its way through the scan.
struct S3ScanItem: Sendable {
    var index: Int
    var object: S3Object
    var relative: String
    var split: String?
}

/// Objects fetched and waiting for (or in) a worker, by their index: only these are held,
/// never the whole listing.
final class InFlightObjects: @unchecked Sendable {
    // @unchecked Sendable: `items` is read and written only while holding `lock`.
    private let lock = NSLock()
    private var items: [Int: S3ScanItem] = [:]

    func insert(_ item: S3ScanItem) { lock.withLock { items[item.index] = item } }
    func remove(_ index: Int) -> S3ScanItem? { lock.withLock { items.removeValue(forKey: index) } }
}

/// The manifest's appender, shared by the analysis thread and the fetch tasks.
final class SharedAppender: @unchecked Sendable {
    // @unchecked Sendable: `appender` is used only while holding `lock`.
    private let lock = NSLock()
    private let appender: ManifestAppender

    init(path: String) throws {
        appender = try ManifestAppender(path: path)
    }

    func append(_ bytes: [UInt8]) throws {
        try lock.withLock { try appender.append(bytes) }
    }

    func close() { lock.withLock { appender.close() } }
}

/// Records written, keys listed and problems found, for progress and the summary.
final class S3ScanCounters: @unchecked Sendable {
    // @unchecked Sendable: every property is read and written only while holding `lock`.
    private let lock = NSLock()
    private var _done = 0
    private var _pending = 0
    private var _listingEnded = false
    private var _problems = ProblemCounts()
    private var _current: String?

    func finished(_ flags: RecordFlags, current: String) {
        lock.withLock {
            _done += 1
            _problems.add(flags)
            _current = current
        }
    }

    /// A record of an earlier run kept.
    func kept(_ flags: RecordFlags) { lock.withLock { _problems.add(flags) } }
    /// One more key to analyse.
    func listed() { lock.withLock { _pending += 1 } }
    func endListing() { lock.withLock { _listingEnded = true } }

    var done: Int { lock.withLock { _done } }
    /// Keys listed so far that this run analyses.
    var pending: Int { lock.withLock { _pending } }
    var listingEnded: Bool { lock.withLock { _listingEnded } }
    var problems: ProblemCounts { lock.withLock { _problems } }
    var current: String? { lock.withLock { _current } }
}
