import DatasetAnalysis
import DatasetCatalog
import DatasetIO
import DatasetPipeline
import Foundation
import HTTPTypes

/// The kinds of background work the web app starts.
public enum WebJobKind: String, Sendable, Codable, CaseIterable {
    /// Scan the library (new and changed files only) and bring the index up to date.
    case update
    /// Search duplicates again (the index sync regroups them from the manifest's hashes).
    case duplicates
    /// Make the thumbnails and previews of every image.
    case thumbnails
}

public enum WebJobStatus: String, Sendable, Codable, CaseIterable {
    case queued, running, done, failed, cancelled, interrupted

    var isFinal: Bool { self != .queued && self != .running }
}

/// A job as the API and the server-sent events show it.
public struct WebJob: Sendable, Codable, Hashable {
    public var id: Int
    public var kind: WebJobKind
    public var status: WebJobStatus
    public var done: Int
    public var total: Int
    public var rate: Double
    public var eta: Double?
    public var current: String?
    public var error: String?
    public var createdAt: String
    public var startedAt: String?
    public var finishedAt: String?

    enum CodingKeys: String, CodingKey {
        case id, kind, status, done, total, rate, eta, current, error
        case createdAt = "created_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    mutating func apply(_ progress: JobProgress) {
        done = progress.done
        total = progress.total
        rate = progress.rate
        eta = progress.eta
        current = progress.current
    }
}

/// Runs the web app's background jobs: at most `concurrency` at once, the rest queued; each
/// with a ``StopToken`` (cancel) and ``JobProgress`` values, which every subscriber (a
/// server-sent event stream) receives as ``WebJob`` values.
actor JobRunner {
    private let configuration: WebConfiguration
    private var jobs: [Int: WebJob] = [:]
    private var tokens: [Int: StopToken] = [:]
    private var nextID = 1
    private var running = 0
    private var subscribers: [UUID: AsyncStream<WebJob>.Continuation] = [:]
    private var lastPublished: [Int: Double] = [:]
    /// Called after a job changed the index (the tag list and overview are cached).
    private let changed: @Sendable () async -> Void

    /// Finished jobs kept for the history.
    static let historyLimit = 200

    init(configuration: WebConfiguration, changed: @escaping @Sendable () async -> Void) {
        self.configuration = configuration
        self.changed = changed
    }

    func list() -> [WebJob] { jobs.values.sorted { $0.id > $1.id } }

    func job(_ id: Int) throws -> WebJob {
        guard let job = jobs[id] else { throw APIError(.notFound, "there is no job \(id)") }
        return job
    }

    /// Queues a job; it starts as soon as fewer than `concurrency` jobs run.
    func start(_ kind: WebJobKind) -> WebJob {
        let job = WebJob(
            id: nextID, kind: kind, status: .queued, done: 0, total: 0, rate: 0, eta: nil, current: nil, error: nil,
            createdAt: Timestamp.nowISO8601(), startedAt: nil, finishedAt: nil)
        nextID += 1
        jobs[job.id] = job
        tokens[job.id] = StopToken()
        publish(job)
        trimHistory()
        launchWaiting()
        return job
    }

    /// Asks a job to stop: a queued one never starts; a running one stops after the work in
    /// flight, keeping what it did.
    func cancel(_ id: Int) throws -> WebJob {
        guard var job = jobs[id] else { throw APIError(.notFound, "there is no job \(id)") }
        guard !job.status.isFinal else { throw APIError(.conflict, "job \(id) has already ended (\(job.status.rawValue))") }
        tokens[id]?.stop(.requested)
        if job.status == .queued {
            job.status = .cancelled
            job.finishedAt = Timestamp.nowISO8601()
            jobs[id] = job
            publish(job)
        }
        return job
    }

    /// Starts an interrupted, failed or cancelled job's work again as a new job.
    func resume(_ id: Int) throws -> WebJob {
        guard let job = jobs[id] else { throw APIError(.notFound, "there is no job \(id)") }
        guard job.status.isFinal, job.status != .done else {
            throw APIError(.conflict, "job \(id) is \(job.status.rawValue); only an interrupted, failed or cancelled job resumes")
        }
        return start(job.kind)
    }

    /// Every job change from now on, starting with the current jobs.
    func subscribe() -> (stream: AsyncStream<WebJob>, key: UUID) {
        let (stream, continuation) = AsyncStream<WebJob>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let key = UUID()
        subscribers[key] = continuation
        for job in list().reversed() { continuation.yield(job) }
        continuation.onTermination = { _ in Task { await self.unsubscribe(key) } }
        return (stream, key)
    }

    private func unsubscribe(_ key: UUID) { subscribers[key] = nil }

    /// Ends one subscription (its stream finishes).
    func end(_ key: UUID) {
        subscribers[key]?.finish()
        subscribers[key] = nil
    }

    /// Ends every subscription (server shutdown) and stops running jobs.
    func shutdown() {
        for token in tokens.values { token.stop(.requested) }
        for continuation in subscribers.values { continuation.finish() }
        subscribers = [:]
    }

    private func publish(_ job: WebJob) {
        for continuation in subscribers.values { continuation.yield(job) }
    }

    private func trimHistory() {
        let finished = jobs.values.filter(\.status.isFinal).map(\.id).sorted()
        for id in finished.dropLast(Self.historyLimit) {
            jobs[id] = nil
            tokens[id] = nil
        }
    }

    private func launchWaiting() {
        while running < max(1, configuration.jobConcurrency),
            let next = jobs.values.filter({ $0.status == .queued }).min(by: { $0.id < $1.id })
        {
            var job = next
            job.status = .running
            job.startedAt = Timestamp.nowISO8601()
            jobs[job.id] = job
            running += 1
            publish(job)
            let token = tokens[job.id] ?? StopToken()
            let work = JobWork(kind: job.kind, configuration: configuration)
            let id = job.id
            Task.detached {
                let outcome = await work.run(stop: token) { progress in await self.progress(id, progress) }
                await self.finish(id, outcome)
            }
        }
    }

    private func progress(_ id: Int, _ progress: JobProgress) {
        guard var job = jobs[id], job.status == .running else { return }
        job.apply(progress)
        jobs[id] = job
        // Ten updates a second at most: a live bar, not a flood of events.
        let now = Monotonic.now()
        if now - (lastPublished[id] ?? 0) >= 0.1 || progress.isFinished {
            lastPublished[id] = now
            publish(job)
        }
    }

    private func finish(_ id: Int, _ outcome: JobWork.Outcome) async {
        running -= 1
        lastPublished[id] = nil
        if var job = jobs[id] {
            switch outcome {
            case .done: job.status = .done
            case .stopped: job.status = .cancelled
            case .failed(let message):
                job.status = .failed
                job.error = message
            }
            if job.status == .done { job.done = max(job.done, job.total) }
            job.finishedAt = Timestamp.nowISO8601()
            job.eta = nil
            jobs[id] = job
            publish(job)
        }
        await changed()
        launchWaiting()
    }
}

/// The work of one job, away from the runner's state.
struct JobWork: Sendable {
    let kind: WebJobKind
    let configuration: WebConfiguration

    enum Outcome: Sendable {
        case done, stopped
        case failed(String)
    }

    func run(stop: StopToken, progress: @escaping @Sendable (JobProgress) async -> Void) async -> Outcome {
        do {
            switch kind {
            case .update: try await update(stop: stop, progress: progress)
            case .duplicates: try await duplicates(progress: progress)
            case .thumbnails: try await thumbnails(stop: stop, progress: progress)
            }
            return stop.isStopped ? .stopped : .done
        } catch let error as ImgedaError {
            return stop.isStopped ? .stopped : .failed(error.description)
        } catch {
            return stop.isStopped ? .stopped : .failed("\(error)")
        }
    }

    private func update(stop: StopToken, progress: @escaping @Sendable (JobProgress) async -> Void) async throws {
        let library = configuration.library
        try FileSystem.createDirectories(library.state)
        let scan = library.scanConfiguration(
            workers: configuration.scanWorkers, workerExecutable: configuration.workerExecutable, toolVersion: configuration.toolVersion)
        let (updates, sink) = JobProgress.stream()
        let forward = Task { for await value in updates { await progress(value) } }
        let summary = try await ScanRunner(configuration: scan).run(stop: stop, progress: sink)
        await forward.value
        if summary.stopped != nil { return }
        _ = try await LibraryIndexer.sync(library, into: configuration.store)
    }

    private func duplicates(progress: @escaping @Sendable (JobProgress) async -> Void) async throws {
        let meter = ProgressMeter(total: 1, startedAt: Monotonic.now())
        await progress(meter.progress(done: 0, at: Monotonic.now()))
        _ = try await LibraryIndexer.sync(configuration.library, into: configuration.store)
        await progress(meter.progress(done: 1, at: Monotonic.now()))
    }

    private func thumbnails(stop: StopToken, progress: @escaping @Sendable (JobProgress) async -> Void) async throws {
        let store = configuration.store
        let total = try await store.counts().images
        let meter = ProgressMeter(total: total, startedAt: Monotonic.now())
        var done = 0
        var cursor: CatalogCursor?
        await progress(meter.progress(done: 0, at: Monotonic.now()))
        repeat {
            let page = try await store.search(.all, order: .path, after: cursor, limit: 100)
            for hit in page.hits {
                if stop.isStopped { return }
                if let sha = hit.sha256 {
                    let source = configuration.library.absolutePath(hit.path)
                    for size in PreviewSize.allCases { _ = try? await configuration.previews.file(for: sha, source: source, size: size) }
                }
                done += 1
                await progress(meter.progress(done: done, at: Monotonic.now(), current: hit.path))
            }
            cursor = page.next
        } while cursor != nil && !stop.isStopped
    }
}
