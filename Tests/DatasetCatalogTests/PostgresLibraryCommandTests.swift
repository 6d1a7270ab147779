import DatasetAnalysis
import DatasetCatalog
import DatasetCatalogPostgres
import Foundation
import Testing

/// The library commands with `--db postgresql://…`, run like a user: the same library indexed
/// in SQLite and in PostgreSQL answers every search the same.
@Suite("library commands on PostgreSQL")
struct PostgresLibraryCommandTests {
    /// The test server's URL with a schema of this test's own, and that schema's location.
    static func database() throws -> (url: String, location: PostgresLocation) {
        guard let url = PostgresTestServer.url else { try Test.cancel(PostgresTestServer.notConfigured) }
        let schema = "imgeda_test_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let withSchema = url + (url.contains("?") ? "&" : "?") + "schema=\(schema)"
        return (withSchema, try PostgresLocation(url: withSchema))
    }

    static func dropSchema(_ location: PostgresLocation) async {
        guard let store = try? await PostgresCatalogStore.open(location) else { return }
        try? await store.dropSchema()
        await store.close()
    }

    @Test(.enabled(if: PostgresTestServer.url != nil, PostgresTestServer.notConfigured))
    func searchOnPostgresFindsWhatSQLiteFinds() async throws {
        let (db, location) = try Self.database()
        do {
            try Self.compareBackends(db: db)
        } catch {
            await Self.dropSchema(location)
            throw error
        }
        await Self.dropSchema(location)
    }

    static func compareBackends(db: String) throws {
        let lib = try LibraryFixture(count: 8)
        let made = try lib.run(["library", "init", lib.root, "--db", db, "--quiet", "--workers", "1"])
        #expect(made.status == 0, "\(made.stderr)")
        let beach0 = "\(lib.root)/2023/beach/img_0000.jpg"
        let city1 = "\(lib.root)/city/street_1.jpg"
        for edit in [
            ["add", "sunset", "place:Lisbon", "--path", beach0], ["caption", "Waves at dusk", "--path", beach0],
            ["add", "Café", "--path", city1], ["status", "rejected", "--path", city1], ["rate", "4", "--search", "tag:sunset"],
        ] {
            let tagged = try lib.run(["tag", lib.root] + edit + ["--db", db])
            #expect(tagged.status == 0, "\(edit): \(tagged.stderr)")
        }
        // The SQLite index learns the sidecars written through PostgreSQL by a rebuild (files
        // are the truth; both indexes are copies of them).
        #expect(try lib.run(["library", "rebuild", lib.root]).status == 0)
        #expect(FileManager.default.fileExists(atPath: "\(lib.root)/.imgeda/index.sqlite"))

        let queries = [
            "", "sunset", "SUNS", "lisbon", "tag:place:lisbon", "tag:SUNSET", #""waves at dusk""#, "dusk", "cafe", "CAFÉ",
            "city", "street", "path:city/", "jpg -tag:sunset", "is:tagged", "is:captioned", "status:rejected", "jpg -status:active",
            "rating>=4", "format:jpg width>=100", "date:2023", "quality>=0", "caption:WAVES", "nothing-matches-this",
        ]
        var found = 0
        for query in queries {
            for extra in [[], ["--json", "--order", "newest"], ["--order", "quality", "--limit", "3"]] {
                let sqlite = try lib.run(["search", lib.root, query] + extra)
                let postgres = try lib.run(["search", lib.root, query, "--db", db] + extra)
                #expect(sqlite.status == 0 && postgres.status == 0, "\(query): \(sqlite.stderr)\(postgres.stderr)")
                #expect(postgres.stdout == sqlite.stdout, "search \(query) \(extra)")
                if extra.isEmpty { found += postgres.stdout.split(separator: "\n").count }
            }
        }
        #expect(try lib.run(["search", lib.root, "jpg -tag:sunset", "--count", "--db", db]).stdout == "7\n")
        // The comparison compares something: most queries find images.
        #expect(try lib.run(["search", lib.root, "sunset", "--db", db]).stdout == beach0 + "\n")
        #expect(try lib.run(["search", lib.root, "cafe", "--db", db]).stdout == city1 + "\n")
        #expect(found > 50)

        // Decisions survive dropping the PostgreSQL index; the check finds it sound.
        let rebuilt = try lib.run(["library", "rebuild", lib.root, "--db", db])
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        #expect(try lib.run(["search", lib.root, "tag:sunset rating>=4", "--db", db]).stdout == beach0 + "\n")
        let check = try lib.run(["library", "check", lib.root, "--db", db])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    @Test(.enabled(if: PostgresTestServer.url != nil, PostgresTestServer.notConfigured))
    func aMissingPostgresIndexIsBuiltFromTheFiles() async throws {
        let (db, location) = try Self.database()
        let lib = try LibraryFixture(count: 4)
        // Indexed in SQLite only: the first command with --db finds no index there and builds it.
        let search = try lib.run(["search", lib.root, "path:city", "--db", db])
        await Self.dropSchema(location)
        #expect(search.status == 0, "\(search.stderr)")
        #expect(search.stdout.split(separator: "\n").count == 2)
        #expect(search.stderr.contains("no index at \(location)"))
    }

    /// The server the PostgreSQL cases run against answers; without one, this reports why
    /// they are skipped (the conformance suite's PostgreSQL cases end early then).
    @Test(.enabled(if: PostgresTestServer.url != nil, PostgresTestServer.notConfigured))
    func theTestServerAnswers() async throws {
        let (_, location) = try Self.database()
        let store = try await PostgresCatalogStore.open(location)
        try await store.migrate()
        #expect(try await store.schemaVersion() == PostgresCatalogStore.currentVersion)
        #expect(try await store.integrityProblems().isEmpty)
        try await store.dropSchema()
        #expect(try await store.exists() == false)
        await store.close()
    }

    @Test(arguments: [
        ("mysql://ana@127.0.0.1/photos", "PostgreSQL URL"),
        ("postgresql://127.0.0.1/photos", "names no user"),
        ("postgresql://ana@127.0.0.1:70000/photos", "port"),
        ("postgresql://ana@127.0.0.1/photos?schema=Bad-Name", "schema"),
        ("postgresql://ana@127.0.0.1/photos?colour=red", "colour"),
        ("postgresql://ana@127.0.0.1/photos?sslmode=maybe", "sslmode"),
        ("postgresql://ana:secret@127.0.0.1/photos?colour=red", "***"),
    ])
    func aBadDatabaseURLIsOneLineAndExitOne(url: String, expected: String) throws {
        let lib = try LibraryFixture(count: 2)
        let result = try lib.run(["search", lib.root, "", "--db", url])
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(!result.stderr.contains("secret"))
    }

    @Test func anUnreachableServerIsOneLineAndExitOne() throws {
        let lib = try LibraryFixture(count: 2)
        // Nothing listens on port 1 of the loopback: the connection is refused at once.
        let result = try lib.run(["search", lib.root, "", "--db", "postgresql://ana:secret@127.0.0.1:1/photos"])
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("cannot connect to postgresql://ana@127.0.0.1:1/photos"), "\(result.stderr)")
        #expect(!result.stderr.contains("secret"))
        // Nothing was written beside the library for it.
        #expect(!FileManager.default.fileExists(atPath: "\(lib.root)/.imgeda/index.sqlite.damaged"))
    }
}
