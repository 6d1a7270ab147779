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

/// What one server tells the others that share its index (team mode, through
/// ``CatalogChangeFeed``): a job's progress, a request to cancel a job it runs, or that the
/// library changed (a decision, an edit).
struct TeamMessage: Codable, Sendable {
    var server: String
    var job: WebJob?
    var cancel: Int?
    var changed: Bool?
}

extension WebJob {
    /// The index's record of a job; nil for a kind or status this version does not know.
    init?(_ job: CatalogJob) {
        guard let kind = WebJobKind(rawValue: job.kind), let status = WebJobStatus(rawValue: job.status) else { return nil }
        self.init(
            id: job.id, kind: kind, status: status, done: job.done, total: job.total, rate: 0, eta: nil, current: nil, error: job.error,
            createdAt: job.createdAt, startedAt: job.startedAt, finishedAt: job.finishedAt)
    }

    func catalogJob(owner: String?) -> CatalogJob {
        CatalogJob(
            id: id, kind: kind.rawValue, status: status.rawValue, done: done, total: total, error: error, owner: owner,
            createdAt: createdAt, startedAt: startedAt, finishedAt: finishedAt)
    }
}

/// Runs the web app's background jobs. The queue and the history live in the index
/// (``CatalogStore/addJob(kind:createdAt:)``, ``CatalogStore/claimJob(owner:startedAt:)``), so a
/// restart finds them: jobs that were running are marked interrupted and can be resumed, queued
/// ones run. At most `concurrency` run at once; each has a ``StopToken`` (cancel) and sends
/// ``JobProgress`` values, which every subscriber (a server-sent event stream) receives as
/// ``WebJob`` values.
actor JobRunner {
    private let configuration: WebConfiguration
    private var store: any CatalogStore { configuration.store }
    /// The jobs this server runs, with their live progress.
    private var live: [Int: WebJob] = [:]
    private var tokens: [Int: StopToken] = [:]
    private var subscribers: [UUID: AsyncStream<WebJob>.Continuation] = [:]
    private var lastPublished: [Int: Double] = [:]
    private var lastSaved: [Int: Double] = [:]
    /// Called after a job changed the index (the tag list and overview are cached).
    private let changed: @Sendable () async -> Void
    /// Team mode: messages to the other servers, sent in order by one task.
    private var outbox: AsyncStream<String>.Continuation?
    private var feedTasks: [Task<Void, Never>] = []

    /// Jobs the history shows.
    static let historyLimit = 200

    init(configuration: WebConfiguration, changed: @escaping @Sendable () async -> Void) {
        self.configuration = configuration
        self.changed = changed
    }

    /// At start: jobs left running by a server that stopped are interrupted; queued ones run.
    /// Returns how many were interrupted.
    func recover() async throws -> Int {
        let interrupted = try await store.interruptRunningJobs(finishedAt: Timestamp.nowISO8601())
        if let feed = store as? any CatalogChangeFeed { startFeed(feed) }
        await launchWaiting()
        return interrupted
    }

    /// Team mode: listen to the other servers (retrying after a lost connection) and send
    /// this server's messages in order.
    private func startFeed(_ feed: any CatalogChangeFeed) {
        let (messages, outbox) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        self.outbox = outbox
        feedTasks.append(
            Task.detached {
                for await message in messages { try? await feed.announce(message) }
            })
        feedTasks.append(
            Task.detached {  // The runner lives as long as the server; so does this listener.
                while !Task.isCancelled {
                    try? await feed.listen { message in await self.received(message) }
                    try? await Task.sleep(nanoseconds: 1_000_000_000)
                }
            })
    }

    /// Tells the other servers something (nothing without a feed).
    private func send(_ message: TeamMessage) {
        guard let outbox, let data = try? JSONEncoder().encode(message) else { return }
        outbox.yield(String(decoding: data, as: UTF8.self))
    }

    /// The library changed here (a decision, an edit): the other servers drop their caches.
    func announceChange() {
        send(TeamMessage(server: configuration.serverID, changed: true))
    }

    private func received(_ text: String) async {
        guard let message = try? JSONDecoder().decode(TeamMessage.self, from: Data(text.utf8)),
            message.server != configuration.serverID
        else { return }
        if let job = message.job, live[job.id] == nil { publish(job, toTeam: false) }
        if let id = message.cancel { tokens[id]?.stop(.requested) }
        if message.changed == true { await changed() }
    }

    func list() async throws -> [WebJob] {
        try await store.jobs(limit: Self.historyLimit).compactMap { live[$0.id] ?? WebJob($0) }
    }

    func job(_ id: Int) async throws -> WebJob {
        if let job = live[id] { return job }
        guard let job = try await store.job(id: id).flatMap(WebJob.init) else { throw APIError(.notFound, "there is no job \(id)") }
        return job
    }

    /// Queues a job; it starts as soon as fewer than `concurrency` jobs run.
    func start(_ kind: WebJobKind) async throws -> WebJob {
        let added = try await store.addJob(kind: kind.rawValue, createdAt: Timestamp.nowISO8601())
        guard let job = WebJob(added) else { throw APIError(.internalServerError, "the index returned a job this server cannot read") }
        publish(job)
        await launchWaiting()
        return live[job.id] ?? job
    }

    /// Asks a job to stop: a queued one never starts; a running one stops after the work in
    /// flight, keeping what it did.
    func cancel(_ id: Int) async throws -> WebJob {
        if var job = live[id] {
            tokens[id]?.stop(.requested)
            job.current = "stopping"
            return job
        }
        if try await store.cancelQueuedJob(id: id, finishedAt: Timestamp.nowISO8601()) {
            let job = try await self.job(id)
            publish(job)
            return job
        }
        let job = try await self.job(id)
        if job.status == .running, outbox != nil {
            // Another server runs it: ask that one to stop it.
            send(TeamMessage(server: configuration.serverID, cancel: id))
            return job
        }
        throw APIError(.conflict, "job \(id) has already ended (\(job.status.rawValue))")
    }

    /// Starts an interrupted, failed or cancelled job's work again as a new job (a scan
    /// resumes where it stopped: what it analysed is in the manifest).
    func resume(_ id: Int) async throws -> WebJob {
        let job = try await self.job(id)
        guard job.status.isFinal, job.status != .done else {
            throw APIError(.conflict, "job \(id) is \(job.status.rawValue); only an interrupted, failed or cancelled job resumes")
        }
        return try await start(job.kind)
    }

    /// Every job change from now on, starting with the current jobs.
    func subscribe() async -> (stream: AsyncStream<WebJob>, key: UUID) {
        let (stream, continuation) = AsyncStream<WebJob>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let key = UUID()
        subscribers[key] = continuation
        for job in ((try? await list()) ?? []).reversed() { continuation.yield(job) }
        continuation.onTermination = { _ in Task { await self.unsubscribe(key) } }
        return (stream, key)
    }

    private func unsubscribe(_ key: UUID) { subscribers[key] = nil }

    /// Ends one subscription (its stream finishes).
    func end(_ key: UUID) {
        subscribers[key]?.finish()
        subscribers[key] = nil
    }

    private func publish(_ job: WebJob, toTeam: Bool = true) {
        for continuation in subscribers.values { continuation.yield(job) }
        if toTeam { send(TeamMessage(server: configuration.serverID, job: job)) }
    }

    private func launchWaiting() async {
        while live.count < max(1, configuration.jobConcurrency) {
            let claimed: CatalogJob?
            do {
                claimed = try await store.claimJob(owner: configuration.serverID, startedAt: Timestamp.nowISO8601())
            } catch {
                return
            }
            guard let claimed else { return }
            guard let job = WebJob(claimed) else {
                var unknown = claimed
                unknown.status = WebJobStatus.failed.rawValue
                unknown.error = "this server does not know the job kind '\(claimed.kind)'"
                unknown.finishedAt = Timestamp.nowISO8601()
                try? await store.updateJob(unknown)
                continue
            }
            live[job.id] = job
            let token = StopToken()
            tokens[job.id] = token
            publish(job)
            let work = JobWork(kind: job.kind, configuration: configuration)
            let id = job.id
            Task.detached {
                let outcome = await work.run(stop: token) { progress in await self.progress(id, progress) }
                await self.finish(id, outcome)
            }
        }
    }

    private func progress(_ id: Int, _ progress: JobProgress) async {
        guard var job = live[id] else { return }
        job.apply(progress)
        live[id] = job
        // Ten updates a second at most to the browsers, one a second to the index.
        let now = Monotonic.now()
        if now - (lastPublished[id] ?? 0) >= 0.1 || progress.isFinished {
            lastPublished[id] = now
            publish(job)
        }
        if now - (lastSaved[id] ?? 0) >= 1 {
            lastSaved[id] = now
            try? await store.updateJob(job.catalogJob(owner: configuration.serverID))
        }
    }

    private func finish(_ id: Int, _ outcome: JobWork.Outcome) async {
        guard var job = live[id] else { return }
        switch outcome {
        case .done(let note):
            job.status = .done
            job.error = note
        case .stopped: job.status = .cancelled
        case .failed(let message):
            job.status = .failed
            job.error = message
        }
        if job.status == .done { job.done = max(job.done, job.total) }
        job.finishedAt = Timestamp.nowISO8601()
        job.eta = nil
        job.current = nil
        try? await store.updateJob(job.catalogJob(owner: configuration.serverID))
        live[id] = nil
        tokens[id] = nil
        lastPublished[id] = nil
        lastSaved[id] = nil
        publish(job)
        await changed()
        announceChange()
        await launchWaiting()
    }
}

/// The work of one job, away from the runner's state.
struct JobWork: Sendable {
    let kind: WebJobKind
    let configuration: WebConfiguration

    enum Outcome: Sendable {
        /// Finished; `note` says what it could not do (files no thumbnail could be made of).
        case done(note: String?)
        case stopped
        case failed(String)
    }

    func run(stop: StopToken, progress: @escaping @Sendable (JobProgress) async -> Void) async -> Outcome {
        do {
            var note: String?
            switch kind {
            case .update: try await update(stop: stop, progress: progress)
            case .duplicates: try await duplicates(progress: progress)
            case .thumbnails: note = try await thumbnails(stop: stop, progress: progress)
            }
            return stop.isStopped ? .stopped : .done(note: note)
        } catch let error as ImgedaError {
            return stop.isStopped ? .stopped : .failed(error.description)
        } catch {
            return stop.isStopped ? .stopped : .failed("\(error)")
        }
    }

    private func update(stop: StopToken, progress: @escaping @Sendable (JobProgress) async -> Void) async throws {
        let library = configuration.library
        // Nothing changed: a stat walk compared with the index says so, and nothing is read.
        if let unchanged = try await LibraryIndexer.unchanged(library, in: configuration.store) {
            let meter = ProgressMeter(total: unchanged.images, startedAt: Monotonic.now())
            await progress(meter.progress(done: unchanged.images, at: Monotonic.now()))
            return
        }
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

    /// The library's bulk generation (`imgeda library thumbnails`' code path): supervised
    /// worker processes, so a file that crashes or hangs a decoder costs its thumbnail only.
    /// Returns a note naming the files no thumbnail could be made of, if any.
    private func thumbnails(stop: StopToken, progress: @escaping @Sendable (JobProgress) async -> Void) async throws -> String? {
        let library = configuration.library
        let sources = try await library.thumbnailSources(configuration.store)
        let workers = Thumbnailer.Configuration(executable: configuration.workerExecutable, workers: configuration.scanWorkers)
        let (updates, sink) = JobProgress.stream()
        let forward = Task { for await value in updates { await progress(value) } }
        defer { forward.cancel() }
        let batch = try await library.thumbnailCache.generateInBackground(
            sources, sizes: Set(ThumbnailCache.Size.allCases), configuration: workers, stop: stop, progress: sink)
        await forward.value
        guard !batch.failed.isEmpty else { return nil }
        let named = batch.failed.prefix(3).map { library.relativePath($0) ?? $0 }.joined(separator: ", ")
        return "no thumbnail could be made of \(batch.failed.count) file\(batch.failed.count == 1 ? "" : "s"): \(named)"
            + (batch.failed.count > 3 ? ", …" : "")
    }
}
