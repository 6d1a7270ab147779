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
