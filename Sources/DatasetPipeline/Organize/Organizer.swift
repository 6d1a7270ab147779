import CImgedaSupport
import Crypto
public import DatasetAnalysis
package import DatasetIO
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One line of an `organize` journal (a ``SyncedJournal``).
public struct OrganizeJournalLine: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The run begins: its mode and destination.
        case start
        /// A folder is about to be created (undo removes it again when empty).
        case mkdir
        /// An operation is about to be performed.
        case begin
        /// An operation ended, with its status.
        case done
        /// Every operation of the run has ended.
        case finish
        /// `--undo` put everything back.
        case undone
    }

    public var kind: Kind
    /// The operation's number within the run.
    public var index: Int?
    /// `begin`: the operation, in journals whose plan is not kept beside them (older ones);
    /// otherwise the plan kept beside the journal holds it under ``index``
    /// (``Organizer/keptPlan(journal:)``), and the line stays short.
    public var operation: OrganizePlan.Operation?
    /// `begin`: the absolute destination; `mkdir`: the folder; `start`: the destination root.
    public var path: String?
    public var mode: OrganizePlan.Mode?
    /// `done`: "ok" or "failed".
    public var status: String?
    /// `done`: how it was done (copied, moved, already there), or why it failed.
    public var detail: String?
    /// `done`: the SHA-256 of the bytes now at the destination, where it was taken: a move
    /// (undo restores its source from them), a digest the plan recorded, a file already
    /// there. A plain copy has none: its source is the record (``Copier``).
    public var sha256: String?

    public init(
        kind: Kind, index: Int? = nil, operation: OrganizePlan.Operation? = nil, path: String? = nil, mode: OrganizePlan.Mode? = nil,
        status: String? = nil, detail: String? = nil, sha256: String? = nil
    ) {
        self.kind = kind
        self.index = index
        self.operation = operation
        self.path = path
        self.mode = mode
        self.status = status
        self.detail = detail
        self.sha256 = sha256
    }
}

extension OrganizeJournalLine: JournalLineWriting {
    /// The line's JSON without `JSONEncoder` (one or two lines per file): the same keys and
    /// values its `Codable` conformance reads, absent ones left out. A line that carries an
    /// operation (journals of older versions) is left to `JSONEncoder`.
    package func write(to writer: inout JSONWriter) -> Bool {
        guard operation == nil else { return false }
        writer.beginObject()
        writer.key("kind")
        writer.string(kind.rawValue)
        if let index {
            writer.key("index")
            writer.int(index)
        }
        if let path {
            writer.key("path")
            writer.string(path)
        }
        if let mode {
            writer.key("mode")
            writer.string(mode.rawValue)
        }
        if let status {
            writer.key("status")
            writer.string(status)
        }
        if let detail {
            writer.key("detail")
            writer.string(detail)
        }
        if let sha256 {
            writer.key("sha256")
            writer.string(sha256)
        }
        writer.endObject()
        return true
    }
}

/// Carries out an ``OrganizePlan``, crash-safe and verified.
///
/// Every operation is written to the journal (and flushed to disk) before it is performed,
/// in batches of ``batchSize``. A copy goes to a temporary name in the destination folder
/// with the source's mtime and permissions (``Copier``); once every copy of the batch is on
/// disk (one `syncfs` of the destination's file system rather than an `fsync` per file,
/// which costs a disk flush each) each is read back and compared byte for byte with its
/// source (and with the plan's SHA-256 where it has one), then linked into place (never over
/// an existing file). A move on one
/// file system links the source itself into place after checking its SHA-256; across file
/// systems it copies as above. Sources are removed only after the destination folders are
/// flushed. So after `kill -9` at any moment every file is at its source, its destination,
/// or both with the same bytes; ``finishInterrupted(in:workers:killAfterSteps:stop:resuming:)``
/// completes such a run, and ``undo(journal:)`` reverses any run.
///
/// The whole plan is written beside the journal (``planPath(journal:)``) before the run
/// starts, so a run that was killed or stopped is finished as it was planned — every file
/// under the name and sequence number the plan gave it — not planned again from what is left.
///
/// Files are copied by ``workers`` threads; while one batch is flushed, read back and put
/// in place, the next is copied (``Executor``), so the disk and the hashing overlap.
public struct Organizer: Sendable {
    /// Test hook: the process kills itself (SIGKILL) after this many steps (journal writes,
    /// copies, links, removals), so tests can interrupt it at chosen points.
    public static let killSwitch = "IMGEDA_TEST_ORGANIZE_KILL_AFTER"
    /// Operations journaled and flushed together: one `fsync` of the journal per batch
    /// instead of one per file, and still every operation is on disk before it starts.
    public static let batchSize = 256

    public var plan: OrganizePlan
    public var workers: Int
    public var killAfterSteps: Int?

    public init(plan: OrganizePlan, workers: Int = 4, killAfterSteps: Int? = nil) {
        self.plan = plan
        self.workers = max(1, workers)
        self.killAfterSteps = killAfterSteps
    }

    /// Where the journals of runs into `destination` are kept.
    public static func journalFolder(destination: String) -> String { destination + "/.imgeda/organize" }

    /// Carries out the plan. `progress` receives values after each batch (files done,
    /// rate, ETA; `current` holds the MB/s).
    public func run(
        stop: StopToken? = nil, progress: @escaping @Sendable (JobProgress) -> Void = { _ in }
    ) throws(ImgedaError) -> OrganizeOutcome {
        let folder = Self.journalFolder(destination: plan.destination)
        try FileSystem.createDirectories(folder)
        let stamp = Timestamp.nowISO8601().filter { $0.isNumber }
        let journal = SyncedJournal<OrganizeJournalLine>(path: "\(folder)/journal-\(stamp)-\(getpid()).jsonl")
        let steps = Steps(limit: killAfterSteps)
        try Self.writePlan(plan, to: Self.planPath(journal: journal.path))
        try journal.append([OrganizeJournalLine(kind: .start, path: plan.destination, mode: plan.mode)])
        steps.step()
        let items = plan.operations.enumerated().map {
            Item(index: $0.offset, operation: $0.element, destination: plan.destinationPath($0.element))
        }
        let executor = Executor(
            journal: journal, mode: plan.mode, root: plan.destination, workers: workers, steps: steps, planKept: true)
        var outcome = OrganizeOutcome(journal: journal.path, mode: plan.mode)
        let meter = ProgressMeter(total: items.count, startedAt: Monotonic.now())
        try executor.executeAll(items, into: &outcome, stop: stop) { done, sofar in
            let p = meter.progress(done: done, at: Monotonic.now())
            progress(
                JobProgress(
                    done: p.done, total: p.total, elapsed: p.elapsed, rate: p.rate, eta: p.eta,
                    current: Self.megabytesPerSecond(sofar.bytes, p.elapsed)))
        }
        if !outcome.stopped {
            try journal.append([OrganizeJournalLine(kind: .finish)])
            steps.step()
        }
        outcome.seconds = Monotonic.now() - meter.startedAt
        return outcome
    }

    /// Where the plan of the run journaled at `journal` is kept: `journal-….plan.json`
    /// beside `journal-….jsonl`.
    public static func planPath(journal: String) -> String {
        (journal.hasSuffix(".jsonl") ? String(journal.dropLast(".jsonl".count)) : journal) + ".plan.json"
    }

    static func writePlan(_ plan: OrganizePlan, to path: String) throws(ImgedaError) {
        try AtomicFile.write(try planJSON(plan), to: path)
    }

    /// The plan as JSON that its `Decodable` conformance reads: everything but the operations
    /// by `JSONEncoder`, the operations (all but a few bytes of a large plan) written by
    /// ``OrganizePlan/Operation/appendJSON(to:)`` into the place the encoder left for them.
    static func planJSON(_ plan: OrganizePlan) throws(ImgedaError) -> [UInt8] {
        do {
            var rest = plan
            rest.operations = []
            let head = Array(try JSONEncoder().encode(rest))
            // The encoder escapes every quote inside a string, so this is only the key itself.
            let empty = Array(#""operations":[]"#.utf8)
            guard let at = head.firstRange(of: empty) else { return Array(try JSONEncoder().encode(plan)) }
            var out: [UInt8] = []
            out.reserveCapacity(head.count + 400 * plan.operations.count)
            out += head[..<at.lowerBound]
            out += #""operations":["#.utf8
            for (i, operation) in plan.operations.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                guard operation.appendJSON(to: &out) else { return Array(try JSONEncoder().encode(plan)) }
            }
            out.append(UInt8(ascii: "]"))
            out += head[at.upperBound...]
            return out
        } catch {
            throw ImgedaError(.internal, "the plan could not be encoded: \(error)")
        }
    }

    /// The plan kept beside `journal`; nil when there is none (a journal of an older
    /// version) or it cannot be read.
    public static func keptPlan(journal: String) -> OrganizePlan? {
        guard let data = FileManager.default.contents(atPath: planPath(journal: journal)) else { return nil }
        return try? JSONDecoder().decode(OrganizePlan.self, from: data)
    }

    static func megabytesPerSecond(_ bytes: Int, _ seconds: Double) -> String {
        String(format: "%.1f MB/s", seconds > 0 ? Double(bytes) / 1e6 / seconds : 0)
    }

    /// Journals in `folder` of runs that did not finish (killed, or stopped), oldest first.
    public static func interruptedJournals(in folder: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return names.filter { $0.hasPrefix("journal-") && $0.hasSuffix(".jsonl") }.sorted().map { "\(folder)/\($0)" }.filter { path in
            guard let lines = SyncedJournal<OrganizeJournalLine>(path: path).read() else { return false }
            return !lines.contains { $0.kind == .finish || $0.kind == .undone }
        }
    }

    /// Finishes every interrupted run journaled in `folder`: each operation begun and not
    /// done is completed (or found complete). When `resuming` accepts the run's kept plan
    /// (the same request as now), the operations it had not begun are carried out too, so
    /// every file gets the name and sequence number that plan gave it; otherwise the caller
    /// plans them afresh. The journal is then marked finished — unless `stop` tripped
    /// between batches, which leaves it interrupted for the next run.
    public static func finishInterrupted(
        in folder: String, workers: Int = 4, killAfterSteps: Int? = nil, stop: StopToken? = nil,
        resuming: (OrganizePlan) -> Bool = { _ in false }
    ) throws(ImgedaError) -> OrganizeOutcome? {
        var total: OrganizeOutcome?
        let steps = Steps(limit: killAfterSteps)
        for path in interruptedJournals(in: folder) {
            let journal = SyncedJournal<OrganizeJournalLine>(path: path)
            let lines = journal.read() ?? []
            guard let start = lines.first(where: { $0.kind == .start }), let mode = start.mode, let root = start.path else { continue }
            let done = Set(lines.filter { $0.kind == .done }.compactMap(\.index))
            let begun = lines.filter { $0.kind == .begin }
            let kept = keptPlan(journal: path)
            var pending: [Item] = []
            for line in begun where !done.contains(line.index ?? -1) {
                guard let index = line.index, let destination = line.path else { continue }
                guard let operation = line.operation ?? kept?.operation(at: index) else {
                    throw ImgedaError(
                        .notFound, "cannot finish the interrupted run of \(path): the plan kept beside it is missing or unreadable",
                        remedy: "put back \(planPath(journal: path)), or move the journal away to leave that run as it is")
                }
                pending.append(Item(index: index, operation: operation, destination: destination))
            }
            var unbegun: [Item] = []
            if let plan = kept, plan.destination == root, plan.mode == mode, resuming(plan) {
                let started = Set(begun.compactMap(\.index))
                unbegun = plan.operations.enumerated().filter { !started.contains($0.offset) }.map {
                    Item(index: $0.offset, operation: $0.element, destination: plan.destinationPath($0.element))
                }
            }
            var outcome = total ?? OrganizeOutcome(journal: path, mode: mode)
            let executor = Executor(journal: journal, mode: mode, root: root, workers: workers, steps: steps, planKept: kept != nil)
            var part = OrganizeOutcome(journal: path, mode: mode)
            try executor.execute(pending, into: &part, journalBegin: false)
            let carried = try executor.executeAll(unbegun, into: &part, stop: stop)
            if !part.stopped {
                try journal.append([OrganizeJournalLine(kind: .finish)])
                steps.step()
            }
            outcome.recovered += pending.count + carried
            outcome.absorb(part)
            total = outcome
            if part.stopped { break }
        }
        return total
    }

    /// Puts back what the run of `journal` did, newest first: sources restored from their
    /// destination copy (checked by SHA-256, with their mtime and permissions), destination
    /// copies removed once the source holds the same bytes, and the folders the run created
    /// removed when empty. Files changed since are left as they are and reported.
    public static func undo(journal path: String) throws(ImgedaError) -> OrganizeUndoResult {
        let journal = SyncedJournal<OrganizeJournalLine>(path: path)
        guard let lines = journal.read(), lines.contains(where: { $0.kind == .start }) else {
            throw ImgedaError(.notFound, "\(path) is not an organize journal", remedy: "name a journal-….jsonl that organize wrote")
        }
        if lines.contains(where: { $0.kind == .undone }) {
            throw ImgedaError(.invalidArgument, "\(path) was undone already; nothing to do")
        }
        var result = OrganizeUndoResult(journal: path)
        var doneSHA: [Int: String] = [:]
        for line in lines where line.kind == .done && line.status == "ok" {
            if let i = line.index, let sha = line.sha256 { doneSHA[i] = sha }
        }
        let mode = lines.first { $0.kind == .start }?.mode ?? .copy
        let kept = keptPlan(journal: path)
        for line in lines.reversed() where line.kind == .begin {
            guard let destination = line.path else { continue }
            guard let op = line.operation ?? kept?.operation(at: line.index) else {
                throw ImgedaError(
                    .notFound, "cannot undo \(path): the plan kept beside it is missing or unreadable",
                    remedy: "put back \(planPath(journal: path)) (the journal names each operation by its number in it)")
            }
            guard op.action != .inPlace else { continue }
            let expected = doneSHA[line.index ?? -1] ?? op.sha256
            let destinationSHA = OrganizeSurvey.sha256(of: destination)
            var sourceSHA = OrganizeSurvey.sha256(of: op.source)
            // Without a recorded digest (a plain copy) the source is the record while it exists.
            let wanted = expected.isEmpty ? (sourceSHA ?? destinationSHA ?? "") : expected
            if sourceSHA != wanted, destinationSHA == wanted, op.action == .place || mode == .move {
                do throws(OrganizeFailure) {
                    do throws(ImgedaError) {
                        try FileSystem.createDirectories(FileSystem.parentFolder(of: op.source))
                    } catch {
                        throw OrganizeFailure(reason: error.description)
                    }
                    try Copier.copyVerified(from: destination, to: op.source, expected: wanted, steps: nil)
                    sourceSHA = wanted
                    result.restored += 1
                } catch {
                    result.failed.append(.init(path: op.source, reason: error.reason))
                    continue
                }
            }
            guard sourceSHA == wanted else {
                if destinationSHA != wanted {
                    result.failed.append(
                        .init(path: op.source, reason: "changed since it was organised: neither it nor \(destination) holds the bytes"))
                }
                continue
            }
            if op.action == .place, destinationSHA == wanted {
                if unlink(destination) == 0 { result.removed += 1 }
            }
        }
        for line in lines.reversed() where line.kind == .mkdir {
            if let folder = line.path, rmdir(folder) == 0 { result.folders += 1 }
        }
        if result.failed.isEmpty { try journal.append([OrganizeJournalLine(kind: .undone)]) }
        return result
    }
}

extension OrganizePlan {
    /// Operation `index` of the plan; nil when there is none.
    func operation(at index: Int?) -> Operation? {
        guard let index, operations.indices.contains(index) else { return nil }
        return operations[index]
    }
}

/// An operation with its number in the run and its absolute destination.
struct Item: Sendable {
    var index: Int
    var operation: OrganizePlan.Operation
    var destination: String
}

struct OrganizeFailure: Error {
    var reason: String
}

extension OrganizeOutcome {
    /// Adds what another part of the run did (counts, bytes, failures).
    mutating func absorb(_ part: OrganizeOutcome) {
        placed += part.placed
        alreadyThere += part.alreadyThere
        inPlace += part.inPlace
        sourcesRemoved += part.sourcesRemoved
        bytes += part.bytes
        failed += part.failed
        stopped = stopped || part.stopped
    }
}

/// Performs batches of operations for ``Organizer``, in two stages that overlap from one
/// batch to the next: ``start(_:journalBegin:)`` journals the batch, creates its folders and
/// copies its files to temporary names (parallel); ``finish(_:)`` flushes them to disk,
/// reads each copy back against its digest, links it into place, removes the sources of a
/// move and journals the outcome. ``executeAll(_:into:stop:progress:)`` finishes batch N on a
/// second thread while batch N+1 is copied, so the disk's flush and the hashing overlap.
struct Executor: Sendable {
    let journal: SyncedJournal<OrganizeJournalLine>
    let mode: OrganizePlan.Mode
    let root: String
    let workers: Int
    let steps: Steps
    /// Whether the plan is kept beside the journal: `begin` lines then name each operation
    /// by its number in it instead of repeating it (most of a journal's size, and of the
    /// time spent writing it).
    let planKept: Bool
    private let shared = Shared()

    init(
        journal: SyncedJournal<OrganizeJournalLine>, mode: OrganizePlan.Mode, root: String, workers: Int, steps: Steps, planKept: Bool
    ) {
        self.journal = journal
        self.mode = mode
        self.root = root
        self.workers = workers
        self.steps = steps
        self.planKept = planKept
    }

    struct Result: Sendable {
        var status: String
        var detail: String
        var sha256: String?
        var removeSource: Bool
        var bytes: Int
        /// A copy waiting under its temporary name for the batch's flush and read-back.
        var copy: Copier.Copied?
    }

    /// A batch whose copies are made and not yet flushed, checked or in place.
    struct Started: Sendable {
        var batch: [Item]
        var results: [Result?]
    }

    /// What both stages share: the journal's writer (one append at a time: `start` of the
    /// next batch and `finish` of this one run at once) and the folders already cleared of
    /// temporaries an earlier killed process left (once per folder and run is enough: this
    /// process leaves none behind that it does not handle).
    private final class Shared: @unchecked Sendable {
        // @unchecked Sendable: `cleaned` changes only under `lock`, and `journaling`
        // serialises whole appends.
        let journaling = NSLock()
        private let lock = NSLock()
        private var cleaned = Set<String>()

        /// The folders of `folders` not cleared yet, now marked cleared.
        func uncleaned(_ folders: Set<String>) -> [String] {
            lock.withLock {
                let new = folders.subtracting(cleaned)
                cleaned.formUnion(new)
                return Array(new)
            }
        }
    }

    private func append(_ lines: [OrganizeJournalLine]) throws(ImgedaError) {
        shared.journaling.lock()
        defer { shared.journaling.unlock() }
        try journal.append(lines)
    }

    /// Both stages of one batch, one after the other.
    func execute(_ batch: [Item], into outcome: inout OrganizeOutcome, journalBegin: Bool = true) throws(ImgedaError) {
        guard !batch.isEmpty else { return }
        outcome.absorb(try finish(try start(batch, journalBegin: journalBegin)))
    }

    /// Every item of `items`, in batches of ``Organizer/batchSize``, each batch's finish
    /// overlapping the next one's copies. `stop` is looked at between batches; `progress`
    /// gets the number of items finished after each batch. Returns how many were finished.
    @discardableResult
    func executeAll(
        _ items: [Item], into outcome: inout OrganizeOutcome, stop: StopToken?, progress: (Int, OrganizeOutcome) -> Void = { _, _ in }
    ) throws(ImgedaError) -> Int {
        let finishing = FinishingSlot()
        let finisher = DispatchQueue(label: "imgeda.organize.finish")
        var next = 0, finished = 0
        var inFlight = 0
        /// Waits for the batch being finished, if any, and takes its outcome.
        func collect() throws(ImgedaError) {
            guard inFlight > 0 else { return }
            let result = finishing.wait()
            let count = inFlight
            inFlight = 0
            switch result {
            case .success(let part):
                outcome.absorb(part)
                finished += count
                progress(finished, outcome)
            case .failure(let error): throw error
            }
        }
        while next < items.count {
            if stop?.isStopped == true {
                outcome.stopped = true
                break
            }
            let batch = Array(items[next..<min(next + Organizer.batchSize, items.count)])
            let started: Started
            do {
                started = try start(batch)
            } catch {
                try? collect()
                throw error
            }
            try collect()
            inFlight = batch.count
            finisher.async { [self] in
                finishing.put(Swift.Result { () throws(ImgedaError) -> OrganizeOutcome in try finish(started) })
            }
            next += batch.count
        }
        try collect()
        return finished
    }

    /// Journals the batch (its folders to create and, unless it was journaled already, its
    /// operations), creates the folders and carries out each operation as far as it goes
    /// before the flush: copies to temporary names, links of moves within a file system,
    /// checks of what is already there.
    func start(_ batch: [Item], journalBegin: Bool = true) throws(ImgedaError) -> Started {
        // Folders to create, parents first, each journaled so undo can remove it.
        var missing: [String] = []
        // Folders already looked at (missing or there): each is looked at once per batch.
        var seen = Set<String>()
        for item in batch where item.operation.action == .place {
            var folder = FileSystem.parentFolder(of: item.destination)
            var chain: [String] = []
            while !folder.isEmpty, folder != "/", seen.insert(folder).inserted, !FileManager.default.fileExists(atPath: folder) {
                chain.append(folder)
                folder = FileSystem.parentFolder(of: folder)
            }
            missing += chain.reversed()
        }
        var lines = missing.map { OrganizeJournalLine(kind: .mkdir, path: $0) }
        if journalBegin {
            lines += batch.map {
                OrganizeJournalLine(kind: .begin, index: $0.index, operation: planKept ? nil : $0.operation, path: $0.destination)
            }
        }
        try append(lines)
        steps.step()
        for folder in missing { try FileSystem.createDirectories(folder) }
        let folders = Set(batch.map { FileSystem.parentFolder(of: $0.destination) })
        for folder in shared.uncleaned(folders) { AtomicFile.removeAbandonedTemporaries(in: folder) }

        let results = Slots<Result>(count: batch.count)
        let counter = Counter()
        let mode = self.mode
        let steps = self.steps
        DispatchQueue.concurrentPerform(iterations: min(workers, batch.count)) { _ in
            let buffers = Copier.Buffers()
            while let i = counter.next(below: batch.count) {
                results[i] = Self.perform(batch[i], mode: mode, buffers: buffers, steps: steps)
            }
        }
        return Started(batch: batch, results: results.values)
    }

    /// Flushes the batch's copies (one `syncfs`), reads each back against its digest, links
    /// it into place, flushes the folder entries before any source is removed, removes the
    /// sources of a move, and journals how each operation ended.
    func finish(_ started: Started) throws(ImgedaError) -> OrganizeOutcome {
        let batch = started.batch
        var results = started.results
        var outcome = OrganizeOutcome(journal: journal.path, mode: mode)
        // Every copy's bytes reach the disk before any of them is read back and named.
        let waiting = batch.indices.filter { results[$0]?.copy != nil }
        if !waiting.isEmpty {
            let flushed = Durability.flush(fileSystemOf: root, orEach: waiting.compactMap { results[$0]?.copy?.temporary }, folders: [])
            let checked = Slots<Result>(count: waiting.count)
            let counter = Counter()
            let steps = self.steps
            let pending = waiting.map { (i: $0, result: results[$0]) }
            // A move records the digest of what it moved (undo restores the source from it).
            let digest = mode == .move
            DispatchQueue.concurrentPerform(iterations: min(workers, waiting.count)) { _ in
                let buffers = Copier.Buffers()
                while let n = counter.next(below: pending.count) {
                    guard var result = pending[n].result, let copy = result.copy else { continue }
                    let item = batch[pending[n].i]
                    result.copy = nil
                    do throws(OrganizeFailure) {
                        guard flushed else {
                            throw OrganizeFailure(reason: "cannot flush the copy to disk (is the disk full?); left the source")
                        }
                        result.sha256 = try Copier.verify(
                            copy, source: item.operation.source, destination: item.destination, digest: digest, buffers: buffers)
                        try Copier.linkIntoPlace(copy.temporary, item.destination)
                        steps.step()
                    } catch {
                        unlink(copy.temporary)
                        result = Result(status: "failed", detail: error.reason, sha256: nil, removeSource: false, bytes: 0)
                    }
                    checked[n] = result
                }
            }
            for (n, i) in waiting.enumerated() { results[i] = checked[n] }
        }
        // The destinations' folder entries reach the disk before any source is removed.
        if results.contains(where: { $0?.removeSource == true }) {
            let folders = Set(batch.map { FileSystem.parentFolder(of: $0.destination) })
            _ = Durability.flush(fileSystemOf: root, orEach: [], folders: Array(folders))
        }
        var done: [OrganizeJournalLine] = []
        for (i, item) in batch.enumerated() {
            guard var result = results[i] else { continue }
            if result.removeSource {
                if unlink(item.operation.source) == 0 || errno == ENOENT {
                    outcome.sourcesRemoved += 1
                    steps.step()
                } else {
                    result.status = "failed"
                    result.detail = "placed, but the source could not be removed: \(String(cString: strerror(errno)))"
                }
            }
            switch (result.status, result.detail) {
            case ("ok", "already there"), ("ok", "placed earlier"): outcome.alreadyThere += 1
            case ("ok", "in place"): outcome.inPlace += 1
            case ("ok", _): outcome.placed += 1
            default: outcome.failed.append(.init(path: item.operation.source, reason: result.detail))
            }
            outcome.bytes += result.bytes
            done.append(
                OrganizeJournalLine(kind: .done, index: item.index, status: result.status, detail: result.detail, sha256: result.sha256))
        }
        try append(done)
        steps.step()
        return outcome
    }

    /// One operation up to the flush; idempotent, so a re-run after a crash finishes it.
    static func perform(_ item: Item, mode: OrganizePlan.Mode, buffers: Copier.Buffers, steps: Steps) -> Result {
        let op = item.operation
        let destination = item.destination
        func failed(_ reason: String) -> Result { Result(status: "failed", detail: reason, sha256: nil, removeSource: false, bytes: 0) }
        switch op.action {
        case .inPlace:
            return Result(status: "ok", detail: "in place", sha256: op.sha256, removeSource: false, bytes: 0)
        case .alreadyThere, .place:
            if access(destination, F_OK) == 0 {
                let sourceExists = access(op.source, F_OK) == 0
                // Already placed (an earlier, interrupted run), or there before the plan.
                guard let there = OrganizeSurvey.sha256(of: destination) else { return failed("cannot read \(destination)") }
                var expected = op.sha256
                if expected.isEmpty, sourceExists { expected = OrganizeSurvey.sha256(of: op.source) ?? "" }
                guard expected.isEmpty || there == expected else {
                    return failed(
                        op.action == .place
                            ? "another file appeared at \(destination) since the plan; left both as they are"
                            : "\(destination) changed since the plan; left both as they are")
                }
                var remove = false
                if mode == .move, sourceExists {
                    guard OrganizeSurvey.sha256(of: op.source) == there else {
                        return failed("the source changed since the plan (SHA-256 differs); left it in place")
                    }
                    remove = true
                }
                return Result(
                    status: "ok", detail: op.action == .alreadyThere ? "already there" : "placed earlier", sha256: there,
                    removeSource: remove, bytes: 0)
            }
            guard op.action == .place else { return failed("\(destination) is gone since the plan") }
            // A source that is gone fails to open below; asked only then.
            func gone() -> Bool { access(op.source, F_OK) != 0 && errno == ENOENT }
            if mode == .move, let sha = linkInPlace(op, destination: destination, steps: steps) {
                switch sha {
                case .success(let digest):
                    return Result(status: "ok", detail: "moved", sha256: digest, removeSource: true, bytes: op.size)
                case .failure(let failure): return failed(gone() ? "the source is gone since the plan" : failure.reason)
                }
            }
            do throws(OrganizeFailure) {
                let copy = try Copier.copyToTemporary(from: op.source, to: destination, expected: op.sha256, buffers: buffers, steps: steps)
                return Result(status: "ok", detail: "copied", sha256: nil, removeSource: mode == .move, bytes: op.size, copy: copy)
            } catch {
                return failed(gone() ? "the source is gone since the plan" : error.reason)
            }
        }
    }

    /// A move within one file system: the source's SHA-256 is checked, then the same file is
    /// linked at the destination (never over an existing file); the source name is removed
    /// later. Nil when a link is not possible here (another file system), so the caller copies.
    static func linkInPlace(_ op: OrganizePlan.Operation, destination: String, steps: Steps) -> Swift.Result<String, OrganizeFailure>? {
        var source = stat(), folder = stat()
        guard stat(op.source, &source) == 0, stat(FileSystem.parentFolder(of: destination), &folder) == 0,
            source.st_dev == folder.st_dev
        else { return nil }
        guard let digest = OrganizeSurvey.sha256(of: op.source) else { return .failure(OrganizeFailure(reason: "cannot read the source")) }
        guard op.sha256.isEmpty || digest == op.sha256 else {
            return .failure(OrganizeFailure(reason: "the source changed since the plan (SHA-256 differs); left it in place"))
        }
        if link(op.source, destination) != 0 {
            let error = errno
            if error == EEXIST {
                return .failure(OrganizeFailure(reason: "another file appeared at \(destination) since the plan; left both as they are"))
            }
            return nil
        }
        steps.step()
        return .success(digest)
    }
}

/// Getting written files onto the disk.
enum Durability {
    /// Flushes the file system holding `path` (`syncfs`): one disk flush for a whole batch
    /// of new files and folder entries. Should that fail, each of `files` and `folders` is
    /// flushed on its own. Returns whether everything reached the disk.
    static func flush(fileSystemOf path: String, orEach files: [String], folders: [String]) -> Bool {
        let root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if root >= 0 {
            defer { close(root) }
            if cimgeda_syncfs(root) == 0 { return true }
        }
        var ok = true
        for file in files {
            let fd = open(file, O_RDONLY | O_CLOEXEC)
            if fd < 0 || fsync(fd) != 0 { ok = false }
            if fd >= 0 { close(fd) }
        }
        for folder in folders {
            let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if fd < 0 || fsync(fd) != 0 { ok = false }
            if fd >= 0 { close(fd) }
        }
        return ok
    }
}

/// Verified copies: the kernel copies, the copy is read back beside its source after the
/// flush, and a link puts it in place.
///
/// The copy itself is made by the kernel (`copy_file_range`, no pass through this process;
/// reading and writing where it cannot), like `cp`. After the flush,
/// ``verify(_:source:destination:digest:buffers:)`` reads the copy and its source side by side
/// and compares them byte for byte: what the kernel returns for the copy after the flush is
/// what its source holds. (Those bytes come from the page cache the flush wrote from; a disk that loses or
/// garbles data it acknowledged is beyond what a read-back through the kernel can see.)
///
/// A SHA-256 is taken only where something records or checks it, in the same pass: where
/// the plan recorded the source's digest (a possible exact copy, a written plan, a library's
/// content key) the copy must match it, so a source changed since the plan is caught; and a
/// move records the digest of what it moved in its journal, because undo restores a removed
/// source from its copy and must know the copy still holds those bytes. A plain copy needs
/// none: its source stays, and undo removes a copy only when it still equals its source.
enum Copier {
    /// 256 KiB: the chunk compared (and hashed) at a time, and the read/write buffer where
    /// the kernel cannot copy; a chunk of the copy and of its source stay in the core's cache.
    static let bufferSize = 256 << 10

    /// One worker's scratch memory for reading, reused from file to file.
    final class Buffers {
        let first = UnsafeMutableRawBufferPointer.allocate(byteCount: Copier.bufferSize, alignment: 4096)
        let second = UnsafeMutableRawBufferPointer.allocate(byteCount: Copier.bufferSize, alignment: 4096)
        deinit {
            first.deallocate()
            second.deallocate()
        }
    }

    /// A copy under its temporary name, not flushed, not yet checked.
    struct Copied: Sendable {
        var temporary: String
        /// The source's SHA-256 as the plan recorded it; empty when the plan did not hash it.
        var expected: String
    }

    /// Copies `source` to `destination` (which must not exist), flushed to disk and checked
    /// against `expected` when it is not empty (see ``copyToTemporary(from:to:expected:buffers:steps:)``).
    static func copyVerified(from source: String, to destination: String, expected: String, steps: Steps?) throws(OrganizeFailure) {
        let buffers = Buffers()
        let copy = try copyToTemporary(from: source, to: destination, expected: expected, buffers: buffers, steps: steps)
        do throws(OrganizeFailure) {
            let fd = open(copy.temporary, O_RDONLY | O_CLOEXEC)
            let synced = fd >= 0 && fsync(fd) == 0
            let error = errno
            if fd >= 0 { close(fd) }
            guard synced else {
                throw OrganizeFailure(reason: "cannot write \(destination): \(String(cString: strerror(error))) (is the disk full?)")
            }
            _ = try verify(copy, source: source, destination: destination, digest: false, buffers: buffers)
            try linkIntoPlace(copy.temporary, destination)
        } catch {
            unlink(copy.temporary)
            throw error
        }
        steps?.step()
    }

    /// Copies `source` to a temporary name beside `destination`, with the source's
    /// permissions and times, and returns that name. The kernel copies the bytes
    /// (`copy_file_range`; read and write where it cannot). The copy is neither flushed (the
    /// caller flushes a batch at once), nor checked (``verify(_:source:destination:digest:buffers:)``),
    /// nor in place (``linkIntoPlace(_:_:)``). On failure nothing is left behind.
    static func copyToTemporary(
        from source: String, to destination: String, expected: String, buffers: Buffers, steps: Steps?
    ) throws(OrganizeFailure) -> Copied {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw OrganizeFailure(reason: "cannot read the source: \(String(cString: strerror(errno)))") }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw OrganizeFailure(reason: "the source is not a regular file")
        }
        let temporary = AtomicFile.temporaryName(for: destination)
        var output = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if output < 0, errno == EEXIST {
            // Left by an earlier process of the same number (killed; its number since reused).
            unlink(temporary)
            output = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        }
        guard output >= 0 else {
            throw OrganizeFailure(
                reason: "cannot write in \(FileSystem.parentFolder(of: destination)): \(String(cString: strerror(errno)))")
        }
        var kept = false
        // The temporary name goes unless the copy is handed back.
        defer {
            close(output)
            if !kept { unlink(temporary) }
        }
        try kernelCopy(from: input, to: output, size: Int(info.st_size), destination: destination, buffer: buffers.first)
        _ = fchmod(output, info.st_mode & 0o7777)
        var times = [info.st_atim, info.st_mtim]
        _ = futimens(output, &times)
        // The disk starts on this copy now rather than in the batch's flush (which still
        // makes it durable): without it the disk writes only while that flush waits.
        _ = cimgeda_start_writeback(output)
        kept = true
        steps?.step()
        return Copied(temporary: temporary, expected: expected)
    }

    /// Reads the copy and its source side by side and compares them byte for byte. Returns
    /// their SHA-256, taken in the same pass, when `digest` asks for it or the plan recorded
    /// one (which it must then equal); nil otherwise. Leaves the temporary to the caller.
    ///
    /// Reading into two buffers costs no more than mapping both files: for photo-sized files
    /// (100 KiB) the copy into this process is as cheap as mapping, faulting in and unmapping
    /// their pages (measured: 2,000 pairs, about 37 µs of CPU a pair either way), and a file
    /// truncated meanwhile is a short read here, not a SIGBUS.
    ///
    /// - Complexity: one read of each file, plus a SHA-256 pass only where a digest is needed.
    static func verify(_ copy: Copied, source: String, destination: String, digest: Bool, buffers: Buffers) throws(OrganizeFailure)
        -> String?
    {
        let original = open(source, O_RDONLY | O_CLOEXEC)
        guard original >= 0 else { throw OrganizeFailure(reason: "cannot read the source: \(String(cString: strerror(errno)))") }
        defer { close(original) }
        let written = open(copy.temporary, O_RDONLY | O_CLOEXEC)
        guard written >= 0 else { throw OrganizeFailure(reason: "cannot read back \(destination): \(String(cString: strerror(errno)))") }
        defer { close(written) }
        let hashing = digest || !copy.expected.isEmpty
        var hasher = SHA256()
        while true {
            let count = try fill(buffers.first, from: original) { "cannot read the source: \($0)" }
            let back = try fill(buffers.second, from: written) { "cannot read back \(destination): \($0)" }
            guard count == back, same(buffers.first, buffers.second, count) else {
                throw OrganizeFailure(
                    reason:
                        "the copy at \(destination) does not read back with its source's bytes (did the source change meanwhile?); removed it"
                )
            }
            if count == 0 { break }
            if hashing { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffers.first[0..<count])) }
            // Both ended short of a full chunk, at the same length: both files ended.
            if count < buffers.first.count { break }
        }
        guard hashing else { return nil }
        let sha = FileAnalyzer.hex(hasher.finalize())
        guard copy.expected.isEmpty || sha == copy.expected else {
            throw OrganizeFailure(reason: "the source changed since the plan (SHA-256 differs); left it in place")
        }
        return sha
    }

    /// Whether the first `count` bytes of `a` and `b` are equal.
    private static func same(_ a: UnsafeMutableRawBufferPointer, _ b: UnsafeMutableRawBufferPointer, _ count: Int) -> Bool {
        guard count > 0 else { return true }
        guard let x = a.baseAddress, let y = b.baseAddress else { return false }
        return memcmp(x, y, count) == 0
    }

    /// Reads from `fd` until `buffer` is full or the file ends; returns the bytes read. A read
    /// that returns less than asked for ends it too: from a regular file that is its end (a
    /// file that grows meanwhile then no longer compares equal, so nothing is taken on trust).
    private static func fill(
        _ buffer: UnsafeMutableRawBufferPointer, from fd: Int32, failure: (String) -> String
    ) throws(OrganizeFailure) -> Int {
        var filled = 0
        while filled < buffer.count {
            let wanted = buffer.count - filled
            let count = read(fd, buffer.baseAddress.map { $0 + filled }, wanted)
            if count < 0 {
                if errno == EINTR { continue }
                throw OrganizeFailure(reason: failure(String(cString: strerror(errno))))
            }
            filled += count
            if count < wanted { break }
        }
        return filled
    }

    /// Copies `input` from its current offset to its end inside the kernel
    /// (`copy_file_range`: no pass through this process, and shared blocks where the file
    /// system can). Goes on by reading and writing, from where it stopped, when the kernel
    /// cannot (another file system on older kernels, a file system without it). Stops once
    /// `size` bytes (the source's size when it was opened) are copied, without asking for the
    /// end: a source that grew meanwhile no longer reads back like its copy (``verify(_:source:destination:digest:buffers:)``).
    private static func kernelCopy(
        from input: Int32, to output: Int32, size: Int, destination: String, buffer: UnsafeMutableRawBufferPointer
    ) throws(OrganizeFailure) {
        var copied = 0
        while true {
            let count = cimgeda_copy_file_range(input, output, 1 << 30)
            if count > 0 {
                copied += count
                if copied >= size { return }
                continue
            }
            if count == 0 { return }
            switch errno {
            case EINTR: continue
            case EXDEV, ENOSYS, EINVAL, EOPNOTSUPP, EBADF, EPERM, ETXTBSY: break
            default: throw OrganizeFailure(reason: "cannot copy to \(destination): \(String(cString: strerror(errno)))")
            }
            break
        }
        while true {
            let count = try fill(buffer, from: input) { "cannot read the source: \($0)" }
            if count == 0 { return }
            var offset = 0
            while offset < count {
                let written = write(output, buffer.baseAddress.map { $0 + offset }, count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw OrganizeFailure(reason: "cannot write \(destination): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }

    /// Gives the flushed copy at `temporary` its name `destination` and removes the temporary
    /// name. A link never replaces a file that appeared meanwhile (rename would).
    static func linkIntoPlace(_ temporary: String, _ destination: String) throws(OrganizeFailure) {
        guard link(temporary, destination) == 0 else {
            let reason =
                errno == EEXIST
                ? "another file appeared at \(destination) since the plan; left both as they are" : String(cString: strerror(errno))
            throw OrganizeFailure(reason: reason)
        }
        unlink(temporary)
    }
}

/// The outcome of the batch being finished on the finisher's thread, handed to the thread
/// that waits for it.
final class FinishingSlot: @unchecked Sendable {
    // @unchecked Sendable: `value` changes only under `lock`; `ready` orders each put
    // before the wait that takes it.
    private var value: Swift.Result<OrganizeOutcome, ImgedaError>?
    private let lock = NSLock()
    private let ready = DispatchSemaphore(value: 0)

    func put(_ result: Swift.Result<OrganizeOutcome, ImgedaError>) {
        lock.withLock { value = result }
        ready.signal()
    }

    func wait() -> Swift.Result<OrganizeOutcome, ImgedaError> {
        ready.wait()
        return lock.withLock {
            defer { value = nil }
            return value ?? .failure(ImgedaError(.internal, "a batch's outcome went missing"))
        }
    }
}

/// Counts steps for ``Organizer/killSwitch`` and kills the process at the limit.
final class Steps: @unchecked Sendable {
    // @unchecked Sendable: the count changes only under the lock.
    private let limit: Int?
    private var count = 0
    private let lock = NSLock()

    init(limit: Int?) { self.limit = limit }

    func step() {
        guard let limit else { return }
        let reached = lock.withLock {
            count += 1
            return count >= limit
        }
        if reached { kill(getpid(), SIGKILL) }
    }
}
