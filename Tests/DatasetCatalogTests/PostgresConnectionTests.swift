import DatasetAnalysis
import DatasetCatalog
import DatasetCatalogPostgres
import Testing

/// How a PostgreSQL store talks to its server: a command's store sends everything over one
/// connection, in turns.
@Suite("PostgreSQL connections", .postgresSchema)
struct PostgresConnectionTests {
    @Test func readinessTellsACurrentIndexFromAMissingOne() async throws {
        let store = try await PostgresCatalogStore.open(try PostgresTestServer.location(), connections: .one)
        let missing = try await store.readiness()
        #expect(!missing.exists && !missing.current && missing.version == 0)
        try await store.migrate()
        let made = try await store.readiness()
        #expect(made.exists && made.current && made.version == PostgresCatalogStore.currentVersion)
        try await store.dropTables()
        #expect(try await store.readiness().exists == false)
        await store.close()
    }

    /// Transactions and reads from many tasks at once take turns at the one connection: each
    /// commits its own rows (none lands in another's transaction, none waits forever).
    @Test(.timeLimit(.minutes(10)))
    func oneConnectionServesTasksAtOnceInTurn() async throws {
        let store = try await PostgresCatalogStore.open(try PostgresTestServer.location(), connections: .one)
        try await store.migrate()
        let writers = 6
        let each = 40
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    let images = (0..<each).map { SyntheticCatalog.image(writer * each + $0) }
                    try await store.upsert(images: images)
                    _ = try await store.search(try CatalogQuery.parse("tag:beach"), order: .newest, after: nil, limit: 5)
                    try await store.remove(paths: [images[0].path])
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.counts().images == writers * (each - 1))
        let all = try await store.search(CatalogQuery.parse(""), order: .path, after: nil, limit: 1_000).hits
        #expect(all.count == writers * (each - 1))
        await store.close()
    }
}
