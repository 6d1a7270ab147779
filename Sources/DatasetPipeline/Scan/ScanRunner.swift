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

/// Counts of problems among records.
public struct ProblemCounts: Sendable, Hashable {
    public var corrupt = 0
    public var dark = 0
    public var overexposed = 0
    public var blurry = 0
    public var borderArtifact = 0

    public init() {}

    mutating func add(_ flags: RecordFlags) {
        if flags.contains(.corrupt) { corrupt += 1 }
        if flags.contains(.dark) { dark += 1 }
        if flags.contains(.overexposed) { overexposed += 1 }
        if flags.contains(.blurry) { blurry += 1 }
        if flags.contains(.borderArtifact) { borderArtifact += 1 }
    }
}

/// What happened during a scan, reported as it happens.
public enum ScanEvent: Sendable {
    /// Discovery and resume are done: `pending` files will be analysed.
    case planned(discovered: Int, reused: Int, pending: Int, skipped: [SkippedEntry], notes: [String], layouts: [DatasetLayout])
    /// `done` of `pending` files are analysed.
    case progress(done: Int, pending: Int)
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
    /// The signal that stopped the scan, if one did.
    public var stoppedBySignal: Int32 = 0
    public var seconds = 0.0
    public var notes: [String] = []
}

/// Runs a scan: discovery, resume, supervised analysis and checkpointed writes.
///
/// The manifest is written append-only in checkpoints (every `checkpointEvery` records or
/// every two seconds, whichever comes first), each flushed with `fsync`, so a scan killed at
/// any moment leaves a manifest that the next run reads and resumes. On resume the manifest
/// is rewritten once, atomically, keeping exactly one current record per image: records of
/// changed, deleted or superseded files under the scanned roots, records from another
/// analyzer version, and damaged lines are dropped, and their files analysed again.
public struct ScanRunner {
    public var configuration: ScanConfiguration

    public init(configuration: ScanConfiguration) {
        self.configuration = configuration
    }

    /// Runs the scan. `wakeFD` and `stopSignal` connect it to signal handling: when
    /// `stopSignal()` returns non-zero, no new files are started, in-flight files finish
    /// (within a grace period), and everything done is flushed.
    public func run(
        wakeFD: Int32?, stopSignal: () -> Int32, events: (ScanEvent) -> Void
    ) throws -> ScanSummary {
        let started = WorkerPool.now()
        let config = configuration
        // Never append to a file that is not a manifest, and never with another scan at once.
        try OutputPath.requireManifestOrAbsent(config.output)
        let lock = try ManifestLock(manifest: config.output)
        defer { lock.release() }
        var summary = ScanSummary()
        let keptRoots = try ScanPreflight.check(config)
        var discovery = try Discovery.discover(roots: config.roots, extensions: config.extensions,
                                               followSymlinksOutside: config.followSymlinksOutside)
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
            let layout = DatasetDetector.detect(root, relativePaths: relative,
                                                rootSplit: DatasetDetector.splitOfRoot(root, among: config.roots))
            layouts.append(layout)
            summary.notes += layout.problems
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

        var pending = discovery.files
        let existing = FileManager.default.fileExists(atPath: config.output)
        if existing && config.resume && !config.force {
            let plan = try ResumePlan.make(manifest: config.output, discovered: discovery.files, roots: config.roots,
                                           settings: config.settings)
            pending = plan.pending
            summary.reused = plan.keptCount
            summary.problems = plan.keptProblems
            summary.notes += plan.notes
            try plan.rewrite(manifest: config.output, header: header)
        } else {
            try AtomicFile.replace(config.output) { write in try write(ManifestEncoding.line(for: header)) }
        }
        events(.planned(discovered: discovery.files.count, reused: summary.reused, pending: pending.count,
                        skipped: discovery.skipped, notes: summary.notes, layouts: layouts))

        guard !pending.isEmpty else {
            summary.totalRecords = summary.reused
            summary.seconds = WorkerPool.now() - started
            return summary
        }

        let appender = try ManifestAppender(path: config.output)
        defer { appender.close() }
        var poolConfiguration = WorkerPool.Configuration(
            executable: config.workerExecutable, settings: config.settings,
            workers: config.workers, timeout: config.timeout)
        poolConfiguration.memoryLimit = config.workerMemoryLimit
        poolConfiguration.allowUntrustedLoaders = config.allowUntrustedLoaders
        let pool = try WorkerPool(configuration: poolConfiguration)
        defer { pool.shutdown() }

        var buffer: [UInt8] = []
        var buffered = 0
        var lastFlush = WorkerPool.now()
        var done = 0
        let paths = pending.map(\.path)
        let unfinished = try pool.run(
            files: paths, wakeFD: wakeFD, stopRequested: { stopSignal() != 0 }
        ) { completion in
            if let label = labels[paths[completion.index]] {
                buffer.append(contentsOf: ManifestEncoding.labelled(completion.line, split: label.split, className: label.className))
            } else {
                buffer.append(contentsOf: completion.line)
            }
            buffered += 1
            done += 1
            summary.problems.add(completion.flags)
            let now = WorkerPool.now()
            if buffered >= config.checkpointEvery || now - lastFlush >= 2 {
                try appender.append(buffer)
                buffer.removeAll(keepingCapacity: true)
                buffered = 0
                lastFlush = now
            }
            events(.progress(done: done, pending: paths.count))
        }
        try appender.append(buffer)
        summary.analysed = done
        summary.unfinished = unfinished.count
        summary.totalRecords = summary.reused + done
        summary.stoppedBySignal = stopSignal()
        summary.seconds = WorkerPool.now() - started
        return summary
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let cwd = FileManager.default.currentDirectoryPath
        return path == "." ? cwd : (cwd as NSString).appendingPathComponent(path)
    }
}

/// Which records of an existing manifest stay, and which files need analysing.
struct ResumePlan {
    var pending: [DiscoveredFile]
    var keepLines: Set<Int>
    var keptCount: Int
    var keptProblems: ProblemCounts
    var notes: [String]

    static func make(
        manifest: String, discovered: [DiscoveredFile], roots: [String], settings: ScanSettings
    ) throws -> ResumePlan {
        let reader = try ManifestReader(path: manifest)
        var notes: [String] = []
        if let header = try reader.header(), header.tool == "imgeda-swift", header.settings != settings {
            // Flags were computed with other thresholds; say so rather than silently mixing.
            notes.append("the manifest was made with other settings; its records are kept as they are (use --force to analyse everything with the current settings)")
        }
        var current: [FilePathBytes: (size: Int, mtime: Double)] = [:]
        current.reserveCapacity(discovered.count)
        for file in discovered { current[file.path] = (file.size, file.mtime) }
        let rootPrefixes = roots.map { root -> [UInt8] in
            var bytes = Array(root.utf8)
            if bytes.last != UInt8(ascii: "/") { bytes.append(UInt8(ascii: "/")) }
            return bytes
        }

        // Pass 1: for each path, the line of its newest record and whether it is current.
        var newest: [FilePathBytes: (line: Int, valid: Bool, flags: RecordFlags)] = [:]
        var lineNumber = 0
        var outsideRoots: Set<Int> = []
        var otherVersion = 0
        let report = try reader.forEachRawRecord { _, record in
            defer { lineNumber += 1 }
            let path = FilePathBytes(path: record.path, pathRaw: record.pathRaw)
            if let version = current[path] {
                let sameVersion = record.analyzerVersion == ImageRecord.currentAnalyzerVersion
                if !sameVersion { otherVersion += 1 }
                let valid = sameVersion && record.fileSizeBytes == version.size && record.mtime == version.mtime
                newest[path] = (lineNumber, valid, RecordFlags(record))
            } else if !rootPrefixes.contains(where: { path.bytes.starts(with: $0) }) && !roots.contains(record.path) {
                // A record from another folder merged into this manifest: keep it untouched.
                outsideRoots.insert(lineNumber)
            }
        }
        var keepLines = outsideRoots
        var problems = ProblemCounts()
        var keptPaths = Set<FilePathBytes>()
        for (path, entry) in newest where entry.valid {
            keepLines.insert(entry.line)
            keptPaths.insert(path)
            problems.add(entry.flags)
        }
        if report.truncatedTail { notes.append("the manifest's last line was cut short (an interrupted run); that file is analysed again") }
        if report.malformedLines > 0 { notes.append("\(report.malformedLines) damaged manifest lines were dropped") }
        if otherVersion > 0 { notes.append("\(otherVersion) records from another analyzer version are analysed again") }
        let dropped = report.records - keepLines.count
        if dropped > 0 && otherVersion == 0 {
            notes.append("\(dropped) outdated records (changed, deleted or repeated files) were replaced")
        }
        let pending = discovered.filter { !keptPaths.contains($0.path) }
        return ResumePlan(pending: pending, keepLines: keepLines, keptCount: keptPaths.count + outsideRoots.count,
                          keptProblems: problems, notes: notes)
    }

    /// Writes the header and the kept records, atomically (the old file is read to the end
    /// before the new one replaces it).
    func rewrite(manifest: String, header: ManifestHeader) throws {
        let reader = try ManifestReader(path: manifest)
        var lineNumber = 0
        try AtomicFile.replace(manifest) { write in
            try write(ManifestEncoding.line(for: header))
            try reader.forEachRawRecord { line, _ in
                defer { lineNumber += 1 }
                if keepLines.contains(lineNumber) {
                    var bytes = Array(line)
                    bytes.append(0x0A)
                    try write(bytes)
                }
            }
        }
    }
}
