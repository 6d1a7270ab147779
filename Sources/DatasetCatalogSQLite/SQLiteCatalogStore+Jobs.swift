import DatasetAnalysis
public import DatasetCatalog
internal import GRDB

extension SQLiteCatalogStore {
    static let jobTable = """
        CREATE TABLE job (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL, status TEXT NOT NULL,
            done INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0,
            error TEXT, owner TEXT,
            created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT
        );
        CREATE INDEX job_status ON job(status, id);
        """

    static let jobColumns = "id, kind, status, done, total, error, owner, created_at, started_at, finished_at"

    static func job(_ row: Row) -> CatalogJob {
        CatalogJob(
            id: row["id"], kind: row["kind"], status: row["status"], done: row["done"], total: row["total"], error: row["error"],
            owner: row["owner"], createdAt: row["created_at"], startedAt: row["started_at"], finishedAt: row["finished_at"])
    }

    public func addJob(kind: String, createdAt: String) async throws -> CatalogJob {
        try await wrap {
            try await pool.write { db in
                try db.execute(sql: "INSERT INTO job (kind, status, created_at) VALUES (?, 'queued', ?)", arguments: [kind, createdAt])
                return CatalogJob(id: Int(db.lastInsertedRowID), kind: kind, status: "queued", createdAt: createdAt)
            }
        }
    }

    public func claimJob(owner: String, startedAt: String) async throws -> CatalogJob? {
        // A write transaction: SQLite lets one writer in at a time, so one taker per job.
        try await wrap {
            try await pool.write { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT \(Self.jobColumns) FROM job WHERE status = 'queued' ORDER BY id LIMIT 1")
                else { return nil }
                var job = Self.job(row)
                job.status = "running"
                job.owner = owner
                job.startedAt = startedAt
                try db.execute(
                    sql: "UPDATE job SET status = 'running', owner = ?, started_at = ? WHERE id = ?", arguments: [owner, startedAt, job.id])
                return job
            }
        }
    }

    public func updateJob(_ job: CatalogJob) async throws {
        try await wrap {
            try await pool.write { db in
                try db.execute(
                    sql: """
                        UPDATE job SET status = ?, done = ?, total = ?, error = ?, owner = ?, started_at = ?, finished_at = ?
                        WHERE id = ?
                        """,
                    arguments: [job.status, job.done, job.total, job.error, job.owner, job.startedAt, job.finishedAt, job.id])
            }
        }
    }

    public func cancelQueuedJob(id: Int, finishedAt: String) async throws -> Bool {
        try await wrap {
            try await pool.write { db in
                try db.execute(
                    sql: "UPDATE job SET status = 'cancelled', finished_at = ? WHERE id = ? AND status = 'queued'",
                    arguments: [finishedAt, id])
                return db.changesCount == 1
            }
        }
    }

    public func job(id: Int) async throws -> CatalogJob? {
        try await wrap {
            try await pool.read { db in
                try Row.fetchOne(db, sql: "SELECT \(Self.jobColumns) FROM job WHERE id = ?", arguments: [id]).map(Self.job)
            }
        }
    }

    public func jobs(limit: Int) async throws -> [CatalogJob] {
        try await wrap {
            try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT \(Self.jobColumns) FROM job ORDER BY id DESC LIMIT ?", arguments: [limit]).map(Self.job)
            }
        }
    }

    public func interruptRunningJobs(finishedAt: String) async throws -> Int {
        try await wrap {
            try await pool.write { db in
                try db.execute(
                    sql: "UPDATE job SET status = 'interrupted', finished_at = ? WHERE status = 'running'", arguments: [finishedAt])
                return db.changesCount
            }
        }
    }
}
