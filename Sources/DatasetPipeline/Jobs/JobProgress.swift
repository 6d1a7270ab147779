/// How far a job has come, as a value: what the terminal's progress bar draws and what a
/// server-sent event stream sends, so both show the same thing.
public struct JobProgress: Sendable, Hashable, Codable {
    /// Items finished.
    public var done: Int
    /// Items this run will process.
    public var total: Int
    /// Seconds since the job started.
    public var elapsed: Double
    /// Items per second so far: 0 (no rate) until ``ProgressMeter/minimumElapsed`` has
    /// passed, so a job that ends at once shows no absurd figure.
    public var rate: Double
    /// Seconds left at that rate, or nil while there is no rate yet.
    public var eta: Double?
    /// The item that finished last (a path), if any.
    public var current: String?

    public init(done: Int, total: Int, elapsed: Double, rate: Double, eta: Double?, current: String?) {
        self.done = done
        self.total = total
        self.elapsed = elapsed
        self.rate = rate
        self.eta = eta
        self.current = current
    }

    /// Whether every item is done.
    public var isFinished: Bool { done >= total }
}

/// Turns counts and clock readings into ``JobProgress`` values. The clock is passed in (a
/// monotonic reading in seconds), so the arithmetic is tested without waiting.
public struct ProgressMeter: Sendable {
    public let total: Int
    public let startedAt: Double
    /// Seconds a job runs before it has a rate (and an ETA): over a shorter time a few
    /// items give a meaningless figure (millions per second for a job that ends at once).
    public static let minimumElapsed = 0.5

    public init(total: Int, startedAt: Double) {
        self.total = total
        self.startedAt = startedAt
    }

    /// The progress when `done` items are finished at time `now`.
    public func progress(done: Int, at now: Double, current: String? = nil) -> JobProgress {
        let elapsed = max(0, now - startedAt)
        let rate = elapsed >= Self.minimumElapsed ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(max(0, total - done)) / rate : nil
        return JobProgress(done: done, total: total, elapsed: elapsed, rate: rate, eta: eta, current: current)
    }
}

/// Where progress values go: an `AsyncStream`'s continuation, or nowhere.
public typealias ProgressSink = AsyncStream<JobProgress>.Continuation

extension JobProgress {
    /// A stream for progress values and its continuation. Only the newest value is kept
    /// for a slow reader: a display wants the present, not a backlog.
    public static func stream() -> (stream: AsyncStream<JobProgress>, sink: ProgressSink) {
        let (stream, continuation) = AsyncStream<JobProgress>.makeStream(bufferingPolicy: .bufferingNewest(1))
        return (stream, continuation)
    }
}
