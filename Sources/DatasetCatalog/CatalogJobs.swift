/// A background job (the web app's scans, duplicate searches, thumbnails) as the index keeps
/// it: the queue, who runs what, and the history. Jobs live in the index because several
/// servers share one (PostgreSQL) and a restart must find what was running.
public struct CatalogJob: Sendable, Hashable, Codable {
    public var id: Int
    public var kind: String
    /// `queued`, `running`, `done`, `failed`, `cancelled` or `interrupted`.
    public var status: String
    public var done: Int
    public var total: Int
    public var error: String?
    /// The server that runs (or ran) it.
    public var owner: String?
    public var createdAt: String
    public var startedAt: String?
    public var finishedAt: String?

    public init(
        id: Int, kind: String, status: String, done: Int = 0, total: Int = 0, error: String? = nil, owner: String? = nil,
        createdAt: String, startedAt: String? = nil, finishedAt: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.status = status
        self.done = done
        self.total = total
        self.error = error
        self.owner = owner
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    /// The statuses of a job still to be done or being done.
    public static let liveStatuses: Set<String> = ["queued", "running"]
}

/// How servers that share one index hear about each other's work (team mode): job progress,
/// decisions, cancel requests. PostgreSQL's LISTEN/NOTIFY carries it; the embedded SQLite
/// index serves one process, which needs no feed, so it does not conform.
public protocol CatalogChangeFeed: Sendable {
    /// Sends `message` to every listener of this index, other processes included.
    func announce(_ message: String) async throws

    /// Calls `receive` with every message announced from now on (this process's own
    /// included), until the task is cancelled or the connection is lost (then it throws).
    func listen(_ receive: @escaping @Sendable (String) async -> Void) async throws
}
