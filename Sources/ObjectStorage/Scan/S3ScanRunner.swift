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
/// The prefix is listed (paginated), objects are fetched `concurrency` at a time and handed
/// to the crash-isolated workers through a ``WorkFeed`` (a bounded queue: fetching waits
/// when the analysis is behind, so memory and staging space stay flat), each staged object
/// is deleted as soon as its record is written. Records' paths are the keys relative to the
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

        // The listing, filtered as discovery filters files: by extension, no folder markers.
        let wanted = Set(config.extensions.map { $0.lowercased() })
        var found: [S3Object] = []
        for try await object in client.listObjects(root) {
            if stop.isStopped { break }
            guard !object.key.hasSuffix("/"), wanted.contains(Self.fileExtension(object.key)) else { continue }
            let key = object.key.utf8.dropFirst(root.key.utf8.count)
            if let shard = config.shard, !shard.contains(key: key) { continue }
            if let only = config.onlyPaths, !only.contains(Array(key)) { continue }
            found.append(object)
        }
        let objects = found
        // A shard may hold no key of a small prefix: it still writes its (empty) part.
        guard !objects.isEmpty || config.shard != nil else {
            throw PipelineError(
                .noImages,
                "no images found in \(root) with the extensions \(config.extensions.map { "." + $0 }.joined(separator: " "))",
                remedy: .otherExtensions)
        }
        var summary = ScanSummary()
        summary.discovered = objects.count
        let relative = objects.map { String($0.key.dropFirst(root.key.count)) }
        // Dataset layouts from the keys alone (split and class folders), as a folder's scan
        // finds them; layouts described by annotation files (YOLO, COCO, VOC) are not read here.
        let layout = DatasetDetector.detect(root.description, relativePaths: relative)
        let labels = relative.map { layout.labels(relativePath: $0) }
        summary.notes += layout.problems.map { PipelineNote($0) }

        var header = ManifestHeader(
            inputDir: root.description, inputDirs: [root.description], schemaVersion: ManifestEncoding.schemaVersion,
            settings: config.settings, totalFiles: objects.count, createdAt: Timestamp.nowISO8601(), tool: "imgeda-swift",
            toolVersion: config.toolVersion)
        header.workingDir = ""
        header.shard = config.shard

        // Resume: the newest record of each key stays when the key's size and ETag are unchanged.
        var toDo = Array(objects.indices)
        if FileManager.default.fileExists(atPath: config.output) && config.resume && !config.force {
            let kept = try Self.resume(config: config, header: header, root: root, objects: objects, relative: relative)
            toDo = kept.pending
            summary.reused = kept.reused
            summary.problems = kept.problems
            summary.notes += kept.notes
        } else {
            try AtomicFile.replace(config.output) { write in try write(ManifestEncoding.line(for: header)) }
        }
        let pending = toDo
        planned(
            ScanPlan(
                discovered: objects.count, reused: summary.reused, pending: pending.count, notes: summary.notes, layouts: [layout]))
        guard !pending.isEmpty else {
            summary.totalRecords = summary.reused
            summary.seconds = Monotonic.now() - started
            return summary
        }

        let staging = config.stagingFolder ?? FileManager.default.temporaryDirectory.path
        let folder = "\(staging)/imgeda-s3-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let appender = try SharedAppender(path: config.output)
        defer { appender.close() }
        let counters = S3ScanCounters(problems: summary.problems)
        // Room for every worker to have one file waiting: more would only fill the disk.
        let feed = WorkFeed(capacity: max(4, config.workers * 2))
        let analysis = Task.detached {
            try await Self.analyse(
                feed: feed, config: config, root: root, objects: objects, relative: relative, labels: labels,
                folder: folder, appender: appender, counters: counters, stop: stop)
        }
        let stopWatcher = Task.detached {
            while !stop.isStopped && !Task.isCancelled { try? await Task.sleep(nanoseconds: 100_000_000) }
            if stop.isStopped { feed.finish() }
        }
        defer { stopWatcher.cancel() }
        let total = pending.count
        let interval = progressInterval
        let ticker: Task<Void, Never>? = progress.map { sink in
            Task.detached {
                let meter = ProgressMeter(total: total, startedAt: Monotonic.now())
                while !Task.isCancelled {
                    sink.yield(meter.progress(done: counters.done, at: Monotonic.now(), current: counters.current))
                    try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                }
                sink.yield(meter.progress(done: counters.done, at: Monotonic.now(), current: counters.current))
            }
        }

        var fetchError: (any Error)?
        let client = client
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var inFlight = 0
                for index in pending {
                    if stop.isStopped { break }
                    if inFlight >= config.concurrency {
                        try await group.next()
                        inFlight -= 1
                    }
                    group.addTask {
                        try await Self.fetch(
                            index, objects[index], relative: relative[index], label: labels[index], root: root, config: config,
                            client: client, folder: folder, feed: feed, appender: appender, counters: counters)
                    }
                    inFlight += 1
                }
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
        summary.analysed = counters.done
        summary.problems = counters.problems
        summary.unfinished = total - counters.done
        summary.totalRecords = summary.reused + counters.done
        summary.stopped = outcome.stopped ?? (stop.isStopped ? stop.reason : nil)
        summary.timedOut = outcome.timedOut
        summary.seconds = Monotonic.now() - started
        return summary
    }

    // MARK: - Fetching

    /// Fetches one object into the staging folder and queues it for a worker; an object that
    /// cannot be fetched becomes a record with the reason.
    static func fetch(
        _ index: Int, _ object: S3Object, relative: String, label: (split: String?, className: String?), root: S3Location,
        config: S3ScanConfiguration, client: S3Client, folder: String, feed: WorkFeed, appender: SharedAppender,
        counters: S3ScanCounters
    ) async throws {
        let location = S3Location(bucket: root.bucket, key: object.key)
        let reason: String
        if object.size > config.maxObjectBytes {
            reason = "the object is \(object.size) bytes, over the limit of \(config.maxObjectBytes)"
        } else {
            do {
                let bytes = try await client.get(location, maxBytes: config.maxObjectBytes)
                let path = "\(folder)/\(index).\(fileExtension(object.key))"
                // A staged copy, not an output: no fsync (it is read at once and deleted; a
                // crash loses nothing the next run does not fetch again).
                guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                    throw ImgedaError(.ioFailed, "cannot write the staged copy \(path) of \(location)")
                }
                await feed.push(FilePathBytes(path), attachment: String(index))
                return
            } catch let error as ImgedaError {
                // Credentials and endpoint problems hold for every object: stop, say it once.
                if error.code == .s3Credentials || (error.code == .s3Refused && error.message.contains("access key")) { throw error }
                reason = "could not read \(location): \(error.message)"
            }
        }
        var record = ImageRecord(path: relative, filename: fileName(relative))
        record.fileSizeBytes = object.size
        record.mtime = object.lastModified?.timeIntervalSince1970 ?? 0
        record.isCorrupt = true
        record.corruptReason = reason
        record.sourceURL = location.description
        record.split = label.split
        record.className = label.className
        // No ETag: the next run fetches it again.
        try appender.append(ManifestEncoding.line(for: record))
        counters.finished(RecordFlags(record), current: relative)
    }

    // MARK: - Analysis

    /// The worker pool on a thread of its own, until the feed ends.
    static func analyse(
        feed: WorkFeed, config: S3ScanConfiguration, root: S3Location, objects: [S3Object], relative: [String],
        labels: [(split: String?, className: String?)], folder: String, appender: SharedAppender, counters: S3ScanCounters,
        stop: StopToken
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
                                index < objects.count
                            else { return }
                            let line = relabel(
                                completion.payload, object: objects[index], relative: relative[index], label: labels[index],
                                root: root)
                            buffer.append(contentsOf: line)
                            counters.finished(completion.flags, current: relative[index])
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
    /// its name, modification time, ETag and URL, and its split and class.
    static func relabel(
        _ payload: [UInt8], object: S3Object, relative: String, label: (split: String?, className: String?), root: S3Location
    ) -> [UInt8] {
        guard var record = ManifestReader.record(line: payload) else { return payload }
        record.path = relative
        record.filename = fileName(relative)
        record.pathRaw = nil
        record.mtime = object.lastModified?.timeIntervalSince1970 ?? 0
        record.etag = object.etag
        record.sourceURL = S3Location(bucket: root.bucket, key: object.key).description
        record.split = label.split
        record.className = label.className
        return ManifestEncoding.line(for: record)
    }

    // MARK: - Resume

    struct Resumed {
        var pending: [Int]
        var reused: Int
        var problems: ProblemCounts
        var notes: [PipelineNote]
    }

    /// Keeps the newest record of each listed key whose size and ETag match (and that this
    /// analyzer version wrote), rewriting the manifest atomically with the new header.
    static func resume(
        config: S3ScanConfiguration, header: ManifestHeader, root: S3Location, objects: [S3Object], relative: [String]
    ) throws -> Resumed {
        let reader = try ManifestReader(path: config.output)
        if let previous = try reader.header(), !previous.inputDir.isEmpty, previous.inputDir != root.description {
            throw PipelineError(
                .manifestOfOtherFolders, "\(config.output) already holds a scan of \(previous.inputDir)",
                remedy: "write this scan to another manifest, or analyse everything again to replace it")
        }
        var byPath: [String: Int] = [:]
        for (index, path) in relative.enumerated() { byPath[path] = index }
        var newest: [Int: (line: Int, valid: Bool, flags: RecordFlags)] = [:]
        var lineNumber = 0
        let report = try reader.forEachRawRecord { _, record in
            defer { lineNumber += 1 }
            guard let index = byPath[record.path] else { return }
            let object = objects[index]
            let valid =
                record.analyzerVersion == ImageRecord.currentAnalyzerVersion && record.fileSizeBytes == object.size
                && record.etag == object.etag
            newest[index] = (lineNumber, valid, RecordFlags(record))
        }
        var keepLines = Set<Int>()
        var problems = ProblemCounts()
        for entry in newest.values where entry.valid {
            keepLines.insert(entry.line)
            problems.add(entry.flags)
        }
        var notes: [PipelineNote] = []
        if report.truncatedTail {
            notes.append(PipelineNote("the manifest's last line was cut short (an interrupted run); that object is analysed again"))
        }
        if report.malformedLines > 0 { notes.append(PipelineNote("\(report.malformedLines) damaged manifest lines were dropped")) }
        lineNumber = 0
        try AtomicFile.replace(config.output) { write in
            try write(ManifestEncoding.line(for: header))
            try reader.forEachRawRecord { line, _ in
                defer { lineNumber += 1 }
                if keepLines.contains(lineNumber) {
                    try write(Array(line) + [0x0A])
                }
            }
        }
        let pending = objects.indices.filter { newest[$0]?.valid != true }
        return Resumed(pending: pending, reused: keepLines.count, problems: problems, notes: notes)
    }

    // MARK: - Helpers

    static func fileExtension(_ key: String) -> String {
        let name = fileName(key)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    static func fileName(_ key: String) -> String {
        String(key.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(key))
    }
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

/// Records written and problems found, for progress and the summary.
final class S3ScanCounters: @unchecked Sendable {
    // @unchecked Sendable: every property is read and written only while holding `lock`.
    private let lock = NSLock()
    private var _done = 0
    private var _problems = ProblemCounts()
    private var _current: String?

    /// `problems`: those of the records kept from an earlier run.
    init(problems: ProblemCounts) { _problems = problems }

    func finished(_ flags: RecordFlags, current: String) {
        lock.withLock {
            _done += 1
            _problems.add(flags)
            _current = current
        }
    }

    var done: Int { lock.withLock { _done } }
    var problems: ProblemCounts { lock.withLock { _problems } }
    var current: String? { lock.withLock { _current } }
}
