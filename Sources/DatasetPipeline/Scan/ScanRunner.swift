public import DatasetAnalysis
public import DatasetIO
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Everything a scan needs to know.
public struct ScanConfiguration: Sendable {
    public var roots: [String]
    public var output: String
    public var settings: ScanSettings
    public var extensions: [String]
    public var workers: Int
    public var checkpointEvery: Int
    /// Reuse records of unchanged files from an existing manifest.
    public var resume: Bool
    /// Re-analyse everything, replacing the manifest.
    public var force: Bool
    /// Seconds one file may take before its decoder is killed.
    public var timeout: Double
    /// The executable that runs workers (this program).
    public var workerExecutable: String
    public var toolVersion: String
    /// Only these dataset splits (nil: everything).
    public var splits: Set<String>?
    /// Add to a manifest that holds scans of other folders (otherwise refused: mixing two
    /// datasets by accident is worse than an error).
    public var append = false
    /// Follow symlinks that lead out of the scanned folders.
    public var followSymlinksOutside = false
    /// Let libvips' untrusted loaders (ImageMagick in this build) read files.
    public var allowUntrustedLoaders = false
    /// Bytes of address space one worker may use; nil for
    /// ``WorkerPool/defaultMemoryLimit(maxPixels:)``.
    public var workerMemoryLimit: UInt64?
    /// More environment for the workers, `KEY=VALUE` (see ``WorkerPool/Configuration/environment``).
    public var workerEnvironment: [String] = []
    /// Folders under the roots never scanned (a library's state folder, with its thumbnails
    /// and trash).
    public var excludedFolders: [String] = []
    /// Only this part of the files (by ``Shard``'s hash of each file's path relative to its
    /// scanned folder); the manifest's header records it. Nil: every file.
    public var shard: Shard?
    /// Only the files whose path relative to their scanned folder is one of these (a batch of
    /// keys handed to one worker of a fan-out); nil: every file.
    public var onlyPaths: Set<[UInt8]>?

    public init(
        roots: [String], output: String, settings: ScanSettings = ScanSettings(),
        extensions: [String] = Discovery.defaultExtensions, workers: Int, checkpointEvery: Int = 500,
        resume: Bool = true, force: Bool = false, timeout: Double = 30,
        workerExecutable: String, toolVersion: String
    ) {
        self.roots = roots
        self.output = output
        self.settings = settings
        self.extensions = extensions
        self.workers = workers
        self.checkpointEvery = checkpointEvery
        self.resume = resume
        self.force = force
        self.timeout = timeout
        self.workerExecutable = workerExecutable
        self.toolVersion = toolVersion
    }
}

/// What discovery and resume found, before any file is analysed.
public struct ScanPlan: Sendable {
    /// Image files found (in the chosen splits).
    public var discovered: Int
    /// Records of unchanged files kept from the existing manifest.
    public var reused: Int
    /// Files this run analyses.
    public var pending: Int
    public var skipped: [SkippedEntry]
    public var notes: [PipelineNote]
    public var layouts: [DatasetLayout]
    /// The source is listed while its images are analysed (an S3 prefix): `discovered` and
    /// `pending` are not known yet, and `reused` counts the records an earlier run left that
    /// may be kept (each is kept if its object is unchanged when the listing reaches it).
    public var streamed = false

    public init(
        discovered: Int, reused: Int, pending: Int, skipped: [SkippedEntry] = [], notes: [PipelineNote] = [],
        layouts: [DatasetLayout] = []
    ) {
        self.discovered = discovered
        self.reused = reused
        self.pending = pending
        self.skipped = skipped
        self.notes = notes
        self.layouts = layouts
    }
}

/// The outcome of a scan.
public struct ScanSummary: Sendable {
    public var discovered = 0
    public var analysed = 0
    public var reused = 0
    /// Records in the manifest now.
    public var totalRecords = 0
    public var problems = ProblemCounts()
    public var skipped: [SkippedEntry] = []
    /// Files not analysed because the scan was stopped.
    public var unfinished = 0
    /// Why the scan stopped before the end (a signal, cancellation), if it did.
    public var stopped: StopReason?
    /// Files whose decoder was stopped for taking longer than the time limit.
    public var timedOut = 0
    public var seconds = 0.0
    public var notes: [PipelineNote] = []

    public init() {}

    /// The skipped entries counted by reason, the most common first (then by reason, so the
    /// order is the same every run).
    public var skippedByReason: [(reason: String, count: Int)] {
        var counts: [String: Int] = [:]
        for entry in skipped { counts[entry.reason, default: 0] += 1 }
        return counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { ($0.key, $0.value) }
    }
}

/// Runs a scan: discovery, resume, supervised analysis and checkpointed writes.
///
/// The manifest is written append-only in checkpoints (every `checkpointEvery` records or
/// every two seconds, whichever comes first), each flushed with `fsync`, so a scan killed at
/// any moment leaves a manifest that the next run reads and resumes. On resume the manifest
/// is rewritten once, atomically, keeping exactly one current record per image: records of
/// changed, deleted or superseded files under the scanned roots, records from another
/// analyzer version, and damaged lines are dropped, and their files analysed again.
///
/// A ``StopToken`` stops it: no new files start, files in flight finish (within a grace
/// period), and everything done is flushed; the summary says why it stopped. Progress
/// arrives as ``JobProgress`` values on an `AsyncStream`, which the run finishes when it ends.
///
/// ```swift
/// let (updates, sink) = JobProgress.stream()
/// Task { for await p in updates { print(p.done, p.total) } }
/// let summary = try await ScanRunner(configuration: configuration).run(progress: sink)
/// ```
public struct ScanRunner: Sendable {
    public var configuration: ScanConfiguration

    /// Seconds between progress values (the last one is always sent): often enough for a
    /// bar that looks live, rarely enough to cost nothing at thousands of files a second.
    public var progressInterval = 0.1

    public init(configuration: ScanConfiguration) {
        self.configuration = configuration
    }

    /// Runs the scan from async code, supervising the workers on a thread of its own.
    /// Cancelling the task stops the scan as Ctrl-C does: what is done stays in the manifest
    /// and the summary's `stopped` is ``StopReason/cancelled``.
    public func run(
        stop: StopToken = StopToken(), progress: ProgressSink? = nil,
        planned: @escaping @Sendable (ScanPlan) -> Void = { _ in }
    ) async throws -> ScanSummary {
        try await BlockingJob.run(stop: stop) { [self] in
            try run(stop: stop, progress: progress, planned: planned)
        }
    }

    /// Runs the scan on the calling thread. `planned` is called once discovery and resume
    /// are done, before the first file is analysed.
    public func run(
        stop: StopToken, progress: ProgressSink? = nil, planned: (ScanPlan) -> Void = { _ in }
    ) throws -> ScanSummary {
        defer { progress?.finish() }
        let started = Monotonic.now()
        let config = configuration
        // Never append to a file that is not a manifest, and never with another scan at once.
        try OutputPath.requireManifestOrAbsent(config.output)
        let lock = try ManifestLock(manifest: config.output)
        defer { lock.release() }
        var summary = ScanSummary()
        let keptRoots = try ScanPreflight.check(config)
        var discovery = try Discovery.discover(
            roots: config.roots, extensions: config.extensions,
            followSymlinksOutside: config.followSymlinksOutside, excluding: config.excludedFolders)
        summary.discovered = discovery.files.count
        summary.skipped = discovery.skipped

        // Dataset layouts (YOLO, COCO, VOC, classification): each record gets its split and class.
        var layouts: [DatasetLayout] = []
        var labels: [FilePathBytes: (split: String?, className: String?)] = [:]
        for root in config.roots {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let prefix = Array((root.hasSuffix("/") ? root : root + "/").utf8)
            let under = discovery.files.filter { $0.path.bytes.starts(with: prefix) }
            let relative = under.map { String(decoding: $0.path.bytes.dropFirst(prefix.count), as: UTF8.self) }
            let layout = DatasetDetector.detect(
                root, relativePaths: relative,
                rootSplit: DatasetDetector.splitOfRoot(root, among: config.roots))
            layouts.append(layout)
            summary.notes += layout.problems.map { PipelineNote($0) }
            guard layout.format != "flat" || !layout.splitCounts.isEmpty else { continue }
            for (file, path) in zip(under, relative) {
                let label = layout.labels(relativePath: path)
                if label.split != nil || label.className != nil { labels[file.path] = label }
            }
        }

        if let wanted = config.splits {
            discovery.files.removeAll { file in labels[file.path]?.split.map { !wanted.contains($0) } ?? true }
            summary.discovered = discovery.files.count
        }
        try ScanPreflight.requireImages(discovery, config: config)
        // A shard may hold no file of a small folder: it still writes its (empty) part, so
        // that the merge sees every part.
        if let shard = config.shard {
            discovery.files = ScanShards.files(discovery.files, in: shard, roots: config.roots)
            summary.discovered = discovery.files.count
        }
        if let wanted = config.onlyPaths {
            let found = ScanShards.files(discovery.files, named: wanted, roots: config.roots)
            discovery.files = found.files
            summary.discovered = discovery.files.count
            if found.missing > 0 {
                summary.notes.append(PipelineNote("\(found.missing) of the \(wanted.count) listed paths matched no image file"))
            }
        }

        let roots = config.roots.map(Self.absolute)
        let allRoots = keptRoots + roots.filter { root in !keptRoots.contains(root) }
        var header = ManifestHeader(
            inputDir: allRoots.first ?? "",
            inputDirs: allRoots,
            schemaVersion: ManifestEncoding.schemaVersion,
            settings: config.settings,
            totalFiles: discovery.files.count,
            createdAt: Timestamp.nowISO8601(),
            tool: "imgeda-swift",
            toolVersion: config.toolVersion
        )
        header.workingDir = FileManager.default.currentDirectoryPath
        header.shard = config.shard

        var pending = discovery.files
        let existing = FileManager.default.fileExists(atPath: config.output)
        if existing && config.resume && !config.force {
            let plan = try ResumePlan.make(
                manifest: config.output, discovered: discovery.files, roots: config.roots,
                settings: config.settings)
            pending = plan.pending
            summary.reused = plan.keptCount
            summary.problems = plan.keptProblems
            summary.notes += plan.notes
            try plan.rewrite(manifest: config.output, header: header)
        } else {
            try AtomicFile.replace(config.output) { write in try write(ManifestEncoding.line(for: header)) }
        }
        planned(
            ScanPlan(
                discovered: discovery.files.count, reused: summary.reused, pending: pending.count,
                skipped: discovery.skipped, notes: summary.notes, layouts: layouts))

        guard !pending.isEmpty else {
            summary.totalRecords = summary.reused
            summary.seconds = Monotonic.now() - started
            return summary
        }

        let appender = try ManifestAppender(path: config.output)
        defer { appender.close() }
        var poolConfiguration = WorkerPool.Configuration(
            executable: config.workerExecutable, settings: config.settings,
            workers: config.workers, timeout: config.timeout)
        poolConfiguration.memoryLimit = config.workerMemoryLimit
        poolConfiguration.allowUntrustedLoaders = config.allowUntrustedLoaders
        poolConfiguration.environment = config.workerEnvironment
        let pool = try WorkerPool(configuration: poolConfiguration)
        defer { pool.shutdown() }

        var buffer: [UInt8] = []
        var buffered = 0
        var lastFlush = Monotonic.now()
        var done = 0
        let meter = ProgressMeter(total: pending.count, startedAt: Monotonic.now())
        var lastProgress = -Double.infinity
        var source = pending.lazy.map(\.path).makeIterator()
        let outcome = try pool.run(source: &source, stop: stop) { completion in
            if let label = labels[completion.path] {
                buffer.append(contentsOf: ManifestEncoding.labelled(completion.payload, split: label.split, className: label.className))
            } else {
                buffer.append(contentsOf: completion.payload)
            }
            buffered += 1
            done += 1
            summary.problems.add(completion.flags)
            let now = Monotonic.now()
            if buffered >= config.checkpointEvery || now - lastFlush >= 2 {
                try appender.append(buffer)
                buffer.removeAll(keepingCapacity: true)
                buffered = 0
                lastFlush = now
            }
            if let progress, done == pending.count || now - lastProgress >= progressInterval {
                lastProgress = now
                progress.yield(meter.progress(done: done, at: now, current: completion.path.display))
            }
        }
        try appender.append(buffer)
        summary.analysed = done
        summary.unfinished = pending.count - done
        summary.totalRecords = summary.reused + done
        summary.stopped = outcome.stopped
        summary.timedOut = outcome.timedOut
        summary.seconds = Monotonic.now() - started
        return summary
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let cwd = FileManager.default.currentDirectoryPath
        return path == "." ? cwd : (cwd as NSString).appendingPathComponent(path)
    }
}
