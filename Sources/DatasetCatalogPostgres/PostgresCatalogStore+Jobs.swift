import DatasetAnalysis
public import DatasetCatalog
import PostgresNIO

extension PostgresCatalogStore {
    static var version2: [String] {
        [
            """
            CREATE TABLE job (
                id BIGSERIAL PRIMARY KEY,
                kind TEXT NOT NULL, status TEXT NOT NULL,
                done BIGINT NOT NULL DEFAULT 0, total BIGINT NOT NULL DEFAULT 0,
                error TEXT, owner TEXT,
                created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT
            )
            """,
            "CREATE INDEX job_status ON job (status, id)",
        ]
    }

    static let jobColumns = "id, kind, status, done, total, error, owner, created_at, started_at, finished_at"

    static func job(_ row: PostgresRow) throws -> CatalogJob {
        let (id, kind, status, done, total, error, owner, created, started, finished) = try row.decode(
            (Int, String, String, Int, Int, String?, String?, String, String?, String?).self)
        return CatalogJob(
            id: id, kind: kind, status: status, done: done, total: total, error: error, owner: owner, createdAt: created,
            startedAt: started, finishedAt: finished)
    }

    static func text(_ value: String?) -> RecordField.Value { value.map { .string($0) } ?? .null }

    public func addJob(kind: String, createdAt: String) async throws -> CatalogJob {
        let rows = try await fetch(
            "INSERT INTO job (kind, status, created_at) VALUES ($1, 'queued', $2) RETURNING \(Self.jobColumns)",
            [.string(kind), .string(createdAt)])
        guard let row = rows.first else { throw ImgedaError(.databaseFailed, "the index did not return the new job") }
        return try Self.job(row)
    }

    public func claimJob(owner: String, startedAt: String) async throws -> CatalogJob? {
        // SKIP LOCKED: servers asking at once each take a different job, none waits for another.
        let rows = try await fetch(
            """
            UPDATE job SET status = 'running', owner = $1, started_at = $2
            WHERE id = (SELECT id FROM job WHERE status = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING \(Self.jobColumns)
            """, [.string(owner), .string(startedAt)])
        return try rows.first.map(Self.job)
    }

    public func updateJob(_ job: CatalogJob) async throws {
        _ = try await fetch(
            """
            UPDATE job SET status = $1, done = $2, total = $3, error = $4, owner = $5, started_at = $6, finished_at = $7
            WHERE id = $8
            """,
            [
                .string(job.status), .int(job.done), .int(job.total), Self.text(job.error), Self.text(job.owner), Self.text(job.startedAt),
                Self.text(job.finishedAt), .int(job.id),
            ])
    }

    public func cancelQueuedJob(id: Int, finishedAt: String) async throws -> Bool {
        let rows = try await fetch(
            "UPDATE job SET status = 'cancelled', finished_at = $1 WHERE id = $2 AND status = 'queued' RETURNING id",
            [.string(finishedAt), .int(id)])
        return !rows.isEmpty
    }

    public func job(id: Int) async throws -> CatalogJob? {
        try await fetch("SELECT \(Self.jobColumns) FROM job WHERE id = $1", [.int(id)]).first.map(Self.job)
    }

    public func jobs(limit: Int) async throws -> [CatalogJob] {
        try await fetch("SELECT \(Self.jobColumns) FROM job ORDER BY id DESC LIMIT $1", [.int(limit)]).map(Self.job)
    }

    public func interruptRunningJobs(finishedAt: String) async throws -> Int {
        try await fetch(
            "UPDATE job SET status = 'interrupted', finished_at = $1 WHERE status = 'running' RETURNING id", [.string(finishedAt)]
        ).count
    }
}

extension PostgresCatalogStore: CatalogChangeFeed {
    /// One channel per schema: libraries in other schemas of the server hear nothing.
    var channel: String { "imgeda_" + location.schema }

    public func announce(_ message: String) async throws {
        _ = try await fetch("SELECT pg_notify($1, $2)::text", [.string(channel), .string(message)])
    }

    public func listen(_ receive: @escaping @Sendable (String) async -> Void) async throws {
        let channel = channel
        switch link {
        case .pool:
            try await withConnection { connection in
                try await connection.listen(on: channel) { notifications in
                    for try await notification in notifications { await receive(notification.payload) }
                }
            }
        case .one:
            // Listening holds a connection for as long as it lasts: a store of one
            // connection listens on a second, its own.
            let connection = try await Self.connect(location, logger: logger)
            do {
                try await wrap {
                    try await connection.listen(on: channel) { notifications in
                        for try await notification in notifications { await receive(notification.payload) }
                    }
                }
                try? await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        }
    }
}
