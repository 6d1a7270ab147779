import CImgedaSupport
public import DatasetAnalysis
import DatasetIO
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A fixed pool of worker processes that analyse files, supervised so that a decoder that
/// crashes or hangs on one file costs that file and nothing else.
///
/// The supervisor is one thread running a `poll` loop over the workers' pipes. It pulls
/// files from a source (any iterator of paths: a list, a discovery walk, a download queue)
/// as workers have room, and hands back plain ``Completion`` values. When a worker's pipe
/// closes (the process died) or its file has taken longer than the timeout (the process is
/// killed), the file gets a record saying so and a fresh worker takes the slot. Workers are
/// this executable started again with a hidden first argument, and die with the supervisor
/// (`PR_SET_PDEATHSIG`), so `kill -9` of a scan leaves no orphans. A ``StopToken`` ends the
/// loop: no new files start, files in flight get ``Configuration/stopGrace`` to finish.
public final class WorkerPool {
    public struct Configuration: Sendable {
        /// The executable to start with ``WorkerProtocol/subcommand`` (normally this program).
        public var executable: String
        public var settings: ScanSettings
        public var workers: Int
        /// Seconds one file may take before its worker is killed.
        public var timeout: Double
        /// Seconds in-flight files may take to finish after a stop request.
        public var stopGrace: Double = 5
        /// What the workers do with each file.
        public var job: Job = .analyse
        /// Bytes of address space one worker may use (`RLIMIT_AS`); nil for
        /// ``WorkerPool/defaultMemoryLimit(maxPixels:)`` of the settings' `maxPixels`.
        public var memoryLimit: UInt64?
        /// Let libvips' untrusted loaders (ImageMagick in this build) read files.
        public var allowUntrustedLoaders = false
        /// More environment for the workers, `KEY=VALUE` (a debugging switch such as
        /// ``ScanWorker/stderrSwitch``).
        public var environment: [String] = []

        public init(executable: String, settings: ScanSettings, workers: Int, timeout: Double) {
            self.executable = executable
            self.settings = settings
            self.workers = max(1, workers)
            self.timeout = timeout
        }
    }

    /// The work a pool's processes do.
    public enum Job: Sendable {
        /// Analyse each file into a manifest record.
        case analyse
        /// Make a JPEG thumbnail of each file, `side` pixels on its longer side.
        case thumbnail(side: Int)
    }

    /// The address space one worker may use unless told otherwise: 1 GiB for the process
    /// itself (the Swift runtime, libvips and its codecs reserve a few hundred MiB of
    /// address space before the first file) plus 8 bytes per pixel of the largest image
    /// allowed, room for its decoded pixels and a working copy. With the default
    /// `--max-pixels` of 250 million that is about 2.9 GiB.
    public static func defaultMemoryLimit(maxPixels: Int) -> UInt64 {
        (1 << 30) + UInt64(max(0, maxPixels)) * 8
    }

    /// One finished file: its manifest line (a thumbnail worker's JPEG) and problem flags.
    public struct Completion: Sendable {
        /// The file's position in the order it was pulled from the source (0, 1, 2, …).
        public var sequence: Int
        public var path: FilePathBytes
        /// The manifest line (a scan worker's), or the JPEG bytes (a thumbnail worker's).
        public var payload: [UInt8]
        public var flags: RecordFlags
    }

    /// How a run ended.
    public struct Outcome: Sendable {
        /// Files pulled from the source but not finished because a stop was requested, in
        /// the order they were pulled. Files the source still holds are not pulled.
        public var unfinished: [FilePathBytes] = []
        /// Files whose worker was killed for taking longer than the timeout.
        public var timedOut = 0
        /// Why the run stopped early, if it did.
        public var stopped: StopReason?
    }

    /// A file handed to a worker, or waiting to be.
    private struct Assignment {
        var sequence: Int
        var path: FilePathBytes
    }

    private struct Slot {
        var pid: pid_t = -1
        var toChild: Int32 = -1
        var fromChild: Int32 = -1
        var buffer: [UInt8] = []
        /// Files sent to this worker, in order; the first is the one being analysed.
        var queue: [Assignment] = []
        /// When the first file in `queue` started (its predecessor's answer, or its sending).
        var startedAt: Double = 0
        var completedAny = false
    }

    /// Files sent ahead to each worker, so that it never waits for the supervisor between
    /// files. A crash or hang is still pinned on the right file: a worker analyses its queue
    /// in order, so the culprit is the first unanswered one; the others are sent again.
    static let pipelineDepth = 2

    private let configuration: Configuration
    private let settingsJSON: String
    private var slots: [Slot] = []
    private var failedStarts = 0
    /// Files taken back from a worker that died with them queued behind the culprit.
    private var retry: [Assignment] = []
    private var timedOut = 0

    public init(configuration: Configuration) throws(PipelineError) {
        self.configuration = configuration
        guard let data = try? JSONEncoder().encode(configuration.settings) else {
            throw PipelineError(.internal, "internal error: settings could not be encoded")
        }
        settingsJSON = String(decoding: data, as: UTF8.self)
        cimgeda_ignore_sigpipe()
    }

    deinit {
        for index in slots.indices { retire(index, kill: true) }
    }

    /// Works through the files `source` yields, calling `completion` as each finishes (in
    /// completion order), until the source is empty or `stop` trips.
    ///
    /// Workers start as files arrive for them, so a short list starts few processes.
    public func run(
        source: inout some IteratorProtocol<FilePathBytes>,
        stop: StopToken,
        completion: (Completion) throws -> Void
    ) throws -> Outcome {
        try run(pull: { source.next().map { .file($0) } ?? .end }, wakeDescriptor: -1, stop: stop, completion: completion)
    }

    /// Works through the files of `feed` as they arrive, until it is finished and empty or
    /// `stop` trips (see ``run(source:stop:completion:)``).
    public func run(feed: WorkFeed, stop: StopToken, completion: (Completion) throws -> Void) throws -> Outcome {
        try run(pull: feed.pull, wakeDescriptor: feed.wakeDescriptor, stop: stop, completion: completion)
    }

    /// The supervisor's loop: `pull` gives the next file, says none is there yet (then
    /// `wakeDescriptor`, when not -1, becomes readable when one arrives), or says the end.
    private func run(
        pull: () -> WorkFeed.Pull, wakeDescriptor: Int32, stop: StopToken, completion: (Completion) throws -> Void
    ) throws -> Outcome {
        while slots.count < configuration.workers { slots.append(Slot()) }
        timedOut = 0
        var pulled = 0
        var exhausted = false
        var stopDeadline: Double?
        var fds: [pollfd] = []
        var busy: [Int] = []
        /// The next file to hand out: one taken back from a dead worker, else the source's next.
        func nextJob() -> Assignment? {
            if !retry.isEmpty { return retry.removeFirst() }
            guard !exhausted else { return nil }
            switch pull() {
            case .file(let path):
                defer { pulled += 1 }
                return Assignment(sequence: pulled, path: path)
            case .later:
                return nil
            case .end:
                exhausted = true
                return nil
            }
        }
        while true {
            let stopping = stop.isStopped
            if stopping && stopDeadline == nil { stopDeadline = Monotonic.now() + configuration.stopGrace }
            // Hand out work, one file per worker per round, keeping each queue full.
            if !stopping {
                handOut: for depth in 1...Self.pipelineDepth {
                    for index in slots.indices where slots[index].queue.count < depth {
                        guard let job = nextJob() else { break handOut }
                        if slots[index].pid < 0 { try start(index) }
                        let request = WorkerProtocol.request(job: UInt64(job.sequence), path: job.path)
                        guard ScanWorker.writeAll(slots[index].toChild, request) else {
                            // The worker died; take its queue back (this file first) and replace it.
                            retry.insert(job, at: 0)
                            try replace(index, reason: nil, completion: completion)
                            continue
                        }
                        if slots[index].queue.isEmpty { slots[index].startedAt = Monotonic.now() }
                        slots[index].queue.append(job)
                    }
                }
            }
            busy.removeAll(keepingCapacity: true)
            for index in slots.indices where !slots[index].queue.isEmpty { busy.append(index) }
            if busy.isEmpty && ((exhausted && retry.isEmpty) || stopping) { break }
            if let stopDeadline, Monotonic.now() > stopDeadline {
                // Files still in flight after the grace period are dropped; the next run
                // analyses them.
                for index in busy { retire(index, kill: true) }
                break
            }

            // Wait for an answer, a deadline or a stop request (the token's descriptor stays
            // readable once tripped, so it is watched only until then).
            fds.removeAll(keepingCapacity: true)
            for index in busy { fds.append(pollfd(fd: slots[index].fromChild, events: Int16(POLLIN), revents: 0)) }
            if !stopping && stop.wakeDescriptor >= 0 {
                fds.append(pollfd(fd: stop.wakeDescriptor, events: Int16(POLLIN), revents: 0))
            }
            // A feed that had nothing: wake when it has.
            if !stopping && !exhausted && wakeDescriptor >= 0 {
                fds.append(pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0))
            }
            let now = Monotonic.now()
            var earliest = now + 0.25
            for index in busy { earliest = min(earliest, slots[index].startedAt + configuration.timeout) }
            let waitMS = Int32(max(0, min(250, (earliest - now) * 1000)).rounded(.up))
            let ready = poll(&fds, nfds_t(fds.count), waitMS)
            if ready < 0 && errno != EINTR {
                throw PipelineError(.supervisor, "waiting for workers failed: \(String(cString: strerror(errno)))")
            }
            for (position, index) in busy.enumerated() where fds[position].revents != 0 {
                try drain(index, completion: completion)
            }
            // Timeouts.
            let later = Monotonic.now()
            for index in slots.indices
            where !slots[index].queue.isEmpty
                && later - slots[index].startedAt > configuration.timeout
            {
                let seconds = configuration.timeout
                let shown = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
                timedOut += 1
                try replace(index, reason: "timed out after \(shown) s (the decoder hung)", completion: completion)
            }
        }
        let unfinished = (retry + slots.flatMap(\.queue)).sorted { $0.sequence < $1.sequence }.map(\.path)
        retry.removeAll()
        for index in slots.indices { slots[index].queue.removeAll() }
        return Outcome(unfinished: unfinished, timedOut: timedOut, stopped: stop.reason)
    }

    /// Works through `files` in order (see ``run(source:stop:completion:)``).
    public func run(
        files: [FilePathBytes], stop: StopToken, completion: (Completion) throws -> Void
    ) throws -> Outcome {
        var source = files.makeIterator()
        return try run(source: &source, stop: stop, completion: completion)
    }

    /// Closes every worker's input so it exits, and reaps it.
    public func shutdown() {
        for index in slots.indices { retire(index, kill: false) }
        slots.removeAll()
    }

    // MARK: - Worker life cycle

    private func start(_ index: Int) throws(PipelineError) {
        let arguments: [String]
        switch configuration.job {
        case .analyse: arguments = [configuration.executable, ScanWorker.subcommand, settingsJSON]
        case .thumbnail(let side): arguments = [configuration.executable, ScanWorker.thumbnailSubcommand, String(side)]
        }
        // Quiet libvips warnings (they would interleave with our progress display), keep
        // glibc from growing a malloc arena per thread, which fragments over long runs, and
        // let a crashing decoder die at once: the Swift runtime's backtracer would spend
        // seconds symbolicating a crash whose only use is the record's "decoder crashed".
        let memoryLimit = configuration.memoryLimit ?? Self.defaultMemoryLimit(maxPixels: configuration.settings.maxPixels)
        var environment = [
            "VIPS_WARNING=0", "MALLOC_ARENA_MAX=2", "SWIFT_BACKTRACE=enable=no", "\(ScanWorker.memoryLimitSwitch)=\(memoryLimit)",
        ]
        if configuration.allowUntrustedLoaders { environment.append("\(ScanWorker.untrustedLoadersSwitch)=1") }
        environment += configuration.environment
        var cArguments = arguments.map { strdup($0) } + [nil]
        var cEnvironment = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in cArguments { free(pointer) }
            for pointer in cEnvironment { free(pointer) }
        }
        var toChild: Int32 = -1, fromChild: Int32 = -1
        let pid = cimgeda_spawn_piped(configuration.executable, &cArguments, &cEnvironment, &toChild, &fromChild)
        guard pid > 0 else {
            throw PipelineError(
                .workerStart, "cannot start a worker process (\(configuration.executable)): \(String(cString: strerror(errno)))")
        }
        slots[index] = Slot(pid: pid, toChild: toChild, fromChild: fromChild)
    }

    /// Closes the worker's pipes, kills it if asked, and reaps it.
    private func retire(_ index: Int, kill shouldKill: Bool) {
        guard slots.indices.contains(index), slots[index].pid > 0 else { return }
        if shouldKill { kill(slots[index].pid, SIGKILL) }
        if slots[index].toChild >= 0 { close(slots[index].toChild) }
        if slots[index].fromChild >= 0 { close(slots[index].fromChild) }
        var status: Int32 = 0
        while waitpid(slots[index].pid, &status, 0) < 0 && errno == EINTR {}
        let queue = slots[index].queue
        slots[index] = Slot()
        slots[index].queue = queue
    }

    /// Kills the worker in `index` (if still running), records the file it was analysing as
    /// failed with `reason` (when given), sends the files queued behind it again, and starts
    /// a replacement.
    private func replace(_ index: Int, reason: String?, completion: (Completion) throws -> Void) throws {
        let hadCompleted = slots[index].completedAny
        retire(index, kill: true)
        var queue = slots[index].queue
        slots[index].queue = []
        if let reason, !queue.isEmpty {
            let culprit = queue.removeFirst()
            switch configuration.job {
            case .analyse: try completion(Self.failureCompletion(sequence: culprit.sequence, path: culprit.path, reason: reason))
            case .thumbnail: try completion(Completion(sequence: culprit.sequence, path: culprit.path, payload: [], flags: .corrupt))
            }
            failedStarts = 0
        } else if !hadCompleted {
            failedStarts += 1
            if failedStarts >= 3 {
                throw PipelineError(
                    .workersExitAtStart, "worker processes exit as soon as they start",
                    remedy: .runWorkerByHand(command: "\(configuration.executable) \(ScanWorker.subcommand)"))
            }
        }
        retry.insert(contentsOf: queue, at: 0)
        try start(index)
    }

    /// Reads what a worker wrote; on end-of-file, the worker has died.
    private func drain(_ index: Int, completion: (Completion) throws -> Void) throws {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let got = chunk.withUnsafeMutableBytes { read(slots[index].fromChild, $0.baseAddress, $0.count) }
        if got < 0 && (errno == EINTR || errno == EAGAIN) { return }
        if got <= 0 {
            var status: Int32 = 0
            let pid = slots[index].pid
            kill(pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let signal = cimgeda_wait_signal(status)
            let reason =
                signal != 0
                ? "decoder crashed (\(Self.signalName(signal))) while reading this file"
                : "decoder crashed (worker exited with status \(cimgeda_wait_exit_code(status))) while reading this file"
            if slots[index].toChild >= 0 { close(slots[index].toChild) }
            if slots[index].fromChild >= 0 { close(slots[index].fromChild) }
            slots[index].pid = -1  // already reaped
            slots[index].toChild = -1
            slots[index].fromChild = -1
            try replace(index, reason: reason, completion: completion)
            return
        }
        slots[index].buffer.append(contentsOf: chunk[0..<got])
        for frame in WorkerProtocol.takeFrames(&slots[index].buffer) where frame.count >= 9 {
            let sequence = Int(WorkerProtocol.readUInt64(frame[...]))
            let flags = RecordFlags(rawValue: frame[8])
            guard let position = slots[index].queue.firstIndex(where: { $0.sequence == sequence }) else { continue }
            let job = slots[index].queue.remove(at: position)
            slots[index].startedAt = Monotonic.now()
            slots[index].completedAny = true
            failedStarts = 0
            try completion(Completion(sequence: sequence, path: job.path, payload: Array(frame[9...]), flags: flags))
        }
    }

    static func failureCompletion(sequence: Int, path: FilePathBytes, reason: String) -> Completion {
        var record = ImageRecord(path: path.display, filename: path.lastComponent.display)
        if !path.isValidUTF8 { record.pathRaw = path.base64 }
        if let version = Discovery.currentVersion(of: path) {
            record.fileSizeBytes = version.size
            record.mtime = version.mtime
        }
        record.isCorrupt = true
        record.corruptReason = reason
        record.analyzedAt = Timestamp.nowISO8601()
        return Completion(sequence: sequence, path: path, payload: ManifestEncoding.line(for: record), flags: .corrupt)
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGSEGV: return "SIGSEGV, segmentation fault"
        case SIGABRT: return "SIGABRT, abort"
        case SIGBUS: return "SIGBUS, bus error"
        case SIGFPE: return "SIGFPE, arithmetic error"
        case SIGILL: return "SIGILL, illegal instruction"
        case SIGKILL: return "SIGKILL, killed from outside, often for running out of memory"
        default: return "signal \(signal)"
        }
    }
}
