public import DatasetAnalysis
public import DatasetCatalog
import Foundation
internal import PostgresNIO

extension ImgedaError.Code {
    /// A `--db` URL that cannot be used as written.
    public static let invalidDatabaseURL = Self(rawValue: "invalid_database_url")
    /// The database server could not be reached, or refused the login.
    public static let databaseUnavailable = Self(rawValue: "database_unavailable")
    /// The database server refused a statement (a damaged or foreign schema, no permission).
    public static let databaseFailed = Self(rawValue: "database_failed")
}

/// The catalog in a PostgreSQL database, through postgres-nio: for teams, one server shared
/// by several people's commands (and, later, the web UI), with the behaviour of the SQLite
/// store — the conformance suite runs against both.
///
/// Tables (in the location's schema): `schema_version` (one row per applied migration),
/// `image` (one row per library path; a column per record field from the field table, plus
/// the capture date, quality, duplicate group and `fts`, a tsvector of the path, camera and
/// lens), `decision` (one row per content with a sidecar, with `fts` over its tags and
/// caption) and `tag`. Both `fts` columns have GIN indexes; their words are
/// ``CatalogWords``', the same as SQLite's FTS5 `unicode61` tokenizer sees, written as
/// tsvector literals so no text-search configuration of the server changes them. Text columns
/// that are compared or sorted use the "C" collation: byte order, as SQLite compares, so a
/// keyset continues exactly where the last page ended whatever the server's locale.
///
/// Nothing blocks a thread: every method is async over postgres-nio, whose event loops are
/// NIO's — a pool for a server, one connection taken in turns for a command
/// (``Connections``). Writes of many rows go in multi-row statements inside one
/// transaction; migrations take an advisory lock, so two commands opening a new database at
/// once do not both create it.
///
/// ```swift
/// let store = try await PostgresCatalogStore.open(try PostgresLocation(url: "postgresql://ana@127.0.0.1/photos"))
/// try await store.migrate()
/// let page = try await store.search(try CatalogQuery.parse("tag:beach"), order: .newest, after: nil, limit: 50)
/// ```
public final class PostgresCatalogStore: CatalogStore {
    public let location: PostgresLocation
    let link: PostgresLink
    let logger: Logger

    /// The migrations, in order; the version of the schema is the number applied. Append
    /// only: a released migration is never edited.
    static let migrations: [[String]] = [version1, version2, version3, version4, version5, version6, version7]

    /// The schema version this build makes and reads.
    public static var currentVersion: Int { migrations.count }

    /// Connects (one connection first, so a wrong host, port, user or database is one clear
    /// error now rather than a pool retrying behind the scenes). With `.pool` that connection
    /// only probes and a small pool serves the statements; with `.one` it serves them all.
    public static func open(
        _ location: PostgresLocation, connections: Connections = .pool, candidateBound: Int = CatalogSQL.candidateBound,
        keyedSortFactor: Int = CatalogSQL.keyedSortFactor
    ) async throws -> PostgresCatalogStore {
        var logger = Logger(label: "imgeda.catalog.postgres")
        // Library code does not print: postgres-nio logs nothing below critical here.
        logger.logLevel = .critical
        let probe = try await connect(location, logger: logger)
        switch connections {
        case .one:
            return PostgresCatalogStore(
                location: location, logger: logger, link: .one(OneConnection(probe)), candidateBound: candidateBound,
                keyedSortFactor: keyedSortFactor)
        case .pool:
            try? await probe.close()
            var configuration = PostgresClient.Configuration(
                host: location.host, port: location.port, username: location.user, password: location.password,
                database: location.database, tls: Self.tls(location.tls))
            configuration.options.additionalStartupParameters = Self.startupParameters(location)
            configuration.options.maximumConnections = 4
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            let running = Task { await client.run() }
            return PostgresCatalogStore(
                location: location, logger: logger, link: .pool(client, running: running), candidateBound: candidateBound,
                keyedSortFactor: keyedSortFactor)
        }
    }

    /// A new connection to `location`, or one clear error.
    static func connect(_ location: PostgresLocation, logger: Logger) async throws -> PostgresConnection {
        let configuration = try connectionConfiguration(location)
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        } catch {
            throw ImgedaError(
                .databaseUnavailable, "cannot connect to \(location): \(describe(error))",
                remedy: "check that the server runs and that the URL's user, password and database are right")
        }
    }

    /// Up to how many images a term's index may find for a page to be read from them
    /// (``CatalogSQL/candidateBound``; tests lower it to try both plans on small indexes).
    let candidateBound: Int

    /// How many pages of a word's candidates a page sorts first (``CatalogSQL/keyedSortFactor``;
    /// tests lower it so that short pages read again).
    let keyedSortFactor: Int

    /// The candidate counts of the last few seconds' pages (they only choose a page's plan).
    let candidateCounts = CandidateCounts()

    private init(location: PostgresLocation, logger: Logger, link: PostgresLink, candidateBound: Int, keyedSortFactor: Int) {
        self.location = location
        self.logger = logger
        self.link = link
        self.candidateBound = candidateBound
        self.keyedSortFactor = keyedSortFactor
    }

    deinit {
        if case .pool(_, let running) = link { running.cancel() }
    }

    /// Closes the store's connections.
    public func close() async {
        switch link {
        case .pool(_, let running):
            running.cancel()
            await running.value
        case .one(let one):
            await one.close()
        }
    }

    /// The session settings of every connection: the location's schema, a name for the
    /// server's activity view, and no JIT compilation — a search page's estimated cost can
    /// cross `jit_above_cost` at a million rows, and compiling it took about 100 ms, more
    /// than running it.
    static func startupParameters(_ location: PostgresLocation) -> [(String, String)] {
        [("search_path", location.schema), ("application_name", "imgeda"), ("jit", "off")]
    }

    private static func connectionConfiguration(_ location: PostgresLocation) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        do {
            tls = try connectionTLS(location.tls)
        } catch {
            throw ImgedaError(
                .databaseUnavailable, "cannot set up TLS for \(location), which sslmode=require asks for: \(error)",
                remedy: "check the system's CA certificates (the ca-certificates package), or use sslmode=prefer on a network you trust")
        }
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: tls)
        configuration.options.additionalStartupParameters = Self.startupParameters(location)
        return configuration
    }

    /// The TLS settings of a mode, as libpq's `sslmode` means them: `require` encrypts and
    /// verifies the server's certificate against the system's roots; `prefer` encrypts when
    /// the server offers it and verifies nothing — as libpq's `prefer`, since a connection
    /// that falls back to plain text when refused gains nothing against an impostor from a
    /// check. Not loading the roots also saves each connection the parse of the system's
    /// certificate bundle, which is most of an `imgeda search`'s own start-up on PostgreSQL.
    static func tlsConfiguration(_ mode: PostgresLocation.TLSMode) -> TLSConfiguration? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable: return nil
        case .prefer: configuration.certificateVerification = .none
        case .require: break
        }
        return configuration
    }

    private static func tls(_ mode: PostgresLocation.TLSMode) -> PostgresClient.Configuration.TLS {
        guard let configuration = tlsConfiguration(mode) else { return .disable }
        return mode == .require ? .require(configuration) : .prefer(configuration)
    }

    /// A connection's TLS for `mode`, its context made by `makeContext`: `prefer` goes without
    /// TLS when no context can be made (as it would with a server that offers none);
    /// `require` never does — the failure is thrown, and nothing is sent in plain text.
    static func connectionTLS(
        _ mode: PostgresLocation.TLSMode, makeContext: (TLSConfiguration) throws -> NIOSSLContext = { try NIOSSLContext(configuration: $0) }
    ) throws -> PostgresConnection.Configuration.TLS {
        guard let configuration = tlsConfiguration(mode) else { return .disable }
        switch mode {
        case .disable: return .disable
        case .prefer: return (try? makeContext(configuration)).map { .prefer($0) } ?? .disable
        case .require: return .require(try makeContext(configuration))
        }
    }

    /// postgres-nio's errors hide their detail from `description` (it may hold secrets); this
    /// takes the server's message, or the connection's cause, which name no password.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let state = error.serverInfo?[.sqlState].map { " [\($0)]" } ?? ""
                return message + state
            }
            if let underlying = error.underlying { return "\(underlying)" }
            return "\(error.code)"
        }
        if let error = error as? ImgedaError { return error.message }
        return "\(error)"
    }

    /// Runs `body`, turning postgres-nio's errors into one line that names the database.
    func wrap<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ImgedaError {
            throw error
        } catch let error as PSQLError {
            if error.serverInfo == nil {
                throw ImgedaError(
                    .databaseUnavailable, "lost the connection to \(location): \(Self.describe(error))",
                    remedy: "check that the server runs, then run the command again")
            }
            throw ImgedaError(
                .databaseFailed, "the index at \(location) refused a statement: \(Self.describe(error))",
                remedy: .rebuildIndex)
        } catch {
            throw ImgedaError(.databaseFailed, "reading the index at \(location) failed: \(Self.describe(error))")
        }
    }

    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let logger = logger
        return try await withConnection { connection in
            try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    func fetch(_ sql: String, _ arguments: [RecordField.Value] = []) async throws -> [PostgresRow] {
        let query = try Self.query(sql, arguments)
        let logger = logger
        return try await withConnection { connection in try await connection.query(query, logger: logger).collect() }
    }

    /// Runs `body` on a connection (a pooled one, or the one in its turn), turning
    /// postgres-nio's errors into one line that names the database.
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await wrap {
            switch link {
            case .pool(let client, _): try await client.withConnection { connection in try await body(connection) }
            case .one(let one): try await one.withTurn(logger: logger, body)
            }
        }
    }

    static func query(_ sql: String, _ arguments: [RecordField.Value]) throws -> PostgresQuery {
        var binds = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .int(let v): binds.append(v)
            case .double(let v): binds.append(v)
            case .bool(let v): binds.append(v)
            case .string(let v): binds.append(v)
            case .null: binds.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    // MARK: - Schema

    static func sqlType(_ kind: RecordField.Kind) -> String {
        switch kind {
        case .int: "BIGINT"
        case .double: "DOUBLE PRECISION"
        case .bool: "BOOLEAN"
        case .string: #"TEXT COLLATE "C""#
        }
    }

    static var version1: [String] {
        let fields = CatalogColumns.recordFields.map { "\(CatalogColumns.name($0)) \(sqlType($0.kind))" }
        return [
            """
            CREATE TABLE image (
                id BIGSERIAL PRIMARY KEY,
                lib_path TEXT COLLATE "C" NOT NULL UNIQUE,
                \(fields.joined(separator: ",\n    ")),
                capture_local TEXT COLLATE "C", capture_offset TEXT, capture_source TEXT,
                quality INTEGER, duplicate_group BIGINT,
                fts TSVECTOR NOT NULL
            )
            """,
            "CREATE INDEX image_sha ON image (sha256)",
            "CREATE INDEX image_newest ON image ((COALESCE(capture_local, '')) DESC, lib_path)",
            "CREATE INDEX image_quality ON image ((COALESCE(quality, -1)) DESC, lib_path)",
            "CREATE INDEX image_fts ON image USING GIN (fts)",
            """
            CREATE TABLE decision (
                sha256 TEXT COLLATE "C" PRIMARY KEY,
                status TEXT NOT NULL,
                rating INTEGER,
                caption TEXT,
                keeper BOOLEAN NOT NULL,
                tag_text TEXT NOT NULL,
                sidecar TEXT NOT NULL,
                fts TSVECTOR NOT NULL
            )
            """,
            "CREATE INDEX decision_status ON decision (status)",
            "CREATE INDEX decision_fts ON decision USING GIN (fts)",
            #"CREATE TABLE tag (sha256 TEXT COLLATE "C" NOT NULL, category TEXT NOT NULL, value TEXT NOT NULL)"#,
            "CREATE INDEX tag_value ON tag (lower(value), lower(category))",
            "CREATE INDEX tag_sha ON tag (sha256)",
        ]
    }

    /// Sorting by file size and by pixels, a keyset each (descending key, then path).
    static var version3: [String] {
        [("image_size", CatalogOrder.size), ("image_pixels", .pixels)].map { name, order in
            "CREATE INDEX \(name) ON image ((\(CatalogSQL.orderKey(order, alias: ""))) DESC, lib_path)"
        }
    }

    /// A range of capture dates (`date:2023-07`) finds its images by the plain column, as
    /// SQLite's `v2-capture-index` does (the search planner counts and reads them there).
    static var version4: [String] {
        ["CREATE INDEX IF NOT EXISTS image_capture ON image (capture_local)"]
    }

    /// Walking an order among a camera's or a flag's images only (``CatalogSQL/walkIndexes``),
    /// as SQLite's `v5-walk-indexes` does.
    static var version5: [String] {
        CatalogSQL.walkIndexes.map { $0.definition(PostgresDialect()) }
    }

    /// The camera walk index by path made again with the camera's make and model included:
    /// PostgreSQL answers a condition on an expression from the index alone only when the
    /// columns under the expression are in it too, so counting a camera's images (the
    /// planner's count, up to ``CatalogSQL/candidateBound``) read the table instead — at 1M,
    /// 20,000 rows of a camera cost a 286 ms table scan, and 12 ms from the index (EXPLAIN
    /// ANALYZE on a loaded machine).
    static var version6: [String] {
        CatalogSQL.walkIndexes.filter { $0.leading == .camera && $0.order == .path }.flatMap { index in
            let columns = [RecordField.cameraMake, .cameraModel].map(CatalogColumns.name).joined(separator: ", ")
            return ["DROP INDEX IF EXISTS \(index.name)", index.definition(PostgresDialect()) + " INCLUDE (\(columns))"]
        }
    }

    /// The tables a sound schema has.
    static let tables = ["schema_version", "image", "decision", "tag", "job"] + postingTables

    public func migrate() async throws {
        // An index at the current schema (every command opens one) costs one statement: no
        // transaction, no lock, no catalog views.
        if (try? await isCurrent()) == true { return }
        let schema = location.schema
        try await transaction { connection in
            // One migrator at a time per schema: the others wait, then find the work done.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("imgeda.catalog." + schema)))", logger: logger)
            if schema != "public" {
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: logger)
            }
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_version (
                    version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: logger)
            var current = 0
            for try await version in try await connection.query("SELECT COALESCE(MAX(version), 0) FROM schema_version", logger: logger)
                .decode(Int.self)
            {
                current = version
            }
            for (index, statements) in Self.migrations.enumerated() where index + 1 > current {
                for statement in statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO schema_version (version) VALUES (\(index + 1))", logger: logger)
            }
            // Record fields added to the field table after this index was made.
            var existing: Set<String> = []
            let columns = try await connection.query(
                "SELECT column_name::text FROM information_schema.columns WHERE table_schema = \(schema) AND table_name = 'image'",
                logger: logger)
            for try await name in columns.decode(String.self) { existing.insert(name) }
            for field in CatalogColumns.recordFields where !existing.contains(CatalogColumns.name(field)) {
                try await connection.query(
                    PostgresQuery(unsafeSQL: "ALTER TABLE image ADD COLUMN \(CatalogColumns.name(field)) \(Self.sqlType(field.kind))"),
                    logger: logger)
            }
        }
    }

    /// Whether the schema is at this imgeda's version with a column for every record field,
    /// in one statement (it fails when there is no `schema_version` table).
    func isCurrent() async throws -> Bool {
        try await readiness().current
    }

    /// The index's state in one statement: whether it exists (its `schema_version` table),
    /// the version of its schema, and whether that is this imgeda's with a column for every
    /// record field — so a command reading a current index sends nothing more before its work.
    public func readiness() async throws -> (exists: Bool, version: Int, current: Bool) {
        let names = CatalogColumns.recordFields.map(CatalogColumns.name)
        let query = try Self.query(
            """
            SELECT (SELECT COALESCE(MAX(version), 0)::bigint FROM schema_version),
                (SELECT COUNT(*)::bigint FROM pg_attribute WHERE attrelid = to_regclass('image') AND attnum > 0
                    AND NOT attisdropped AND attname = ANY(string_to_array($1, ',')))
            """, [.string(names.joined(separator: ","))])
        let logger = logger
        return try await withConnection { connection in
            do {
                let rows = try await connection.query(query, logger: logger).collect()
                guard let row = rows.first else { return (true, 0, false) }
                let (version, columns) = try row.decode((Int, Int).self)
                return (true, version, version == Self.migrations.count && columns == names.count)
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P01" {
                return (false, 0, false)  // undefined_table: no `schema_version` table, no index
            }
        }
    }

    /// The schema's version, 0 when there is no index here: one statement.
    public func schemaVersion() async throws -> Int {
        let query = try Self.query("SELECT COALESCE(MAX(version), 0)::bigint FROM schema_version", [])
        let logger = logger
        return try await withConnection { connection in
            do {
                let rows = try await connection.query(query, logger: logger).collect()
                return try rows.first?.decode(Int.self) ?? 0
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P01" {
                return 0  // undefined_table: no `schema_version` table, no index
            }
        }
    }

    /// Whether this location holds a catalog at all (its `schema_version` table), so that a
    /// command can build a missing one from the files.
    public func exists() async throws -> Bool {
        let rows = try await fetch("SELECT to_regclass('schema_version') IS NOT NULL")
        return try rows.first?.decode(Bool.self) ?? false
    }

    public func integrityProblems() async throws -> [String] {
        var problems: [String] = []
        for table in Self.tables {
            let rows = try await fetch("SELECT to_regclass($1) IS NOT NULL", [.string(table)])
            if try rows.first?.decode(Bool.self) != true { problems.append("the table \(table) is missing") }
        }
        guard problems.isEmpty else { return problems }
        let version = try await schemaVersion()
        if version != Self.migrations.count {
            problems.append("the schema is at version \(version), this imgeda knows \(Self.migrations.count)")
        }
        // Every decision's sidecar must read back (the index's copy of the truth).
        let sidecars = try await fetch("SELECT sha256, sidecar FROM decision")
        for row in sidecars {
            let (sha, json) = try row.decode((String, String).self)
            if (try? JSONDecoder().decode(Sidecar.self, from: Data(json.utf8))) == nil {
                problems.append("the decisions of \(sha) do not read as a sidecar")
            }
        }
        return problems
    }

    /// Drops the catalog's tables (the rebuildable index; the files stay). `migrate()` makes
    /// them again.
    public func dropTables() async throws {
        try await transaction { connection in
            for table in Self.tables.reversed() {
                try await connection.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(table) CASCADE"), logger: logger)
            }
        }
    }

    /// Drops the location's schema with everything in it — for tests and tools that made a
    /// schema of their own. Refuses `public`, which other software may share.
    public func dropSchema() async throws {
        guard location.schema != "public" else {
            throw ImgedaError(.databaseFailed, "refusing to drop the schema public", remedy: "use dropTables() instead")
        }
        _ = try await fetch("DROP SCHEMA IF EXISTS \(location.schema) CASCADE")
    }

    // MARK: - Writes

    /// How many rows one multi-row statement carries: PostgreSQL takes at most 65,535
    /// arguments per statement, and an image row has about 70.
    static let rowsPerStatement = 500

    static var imageColumns: [String] {
        ["lib_path"] + CatalogColumns.recordFields.map(CatalogColumns.name)
            + ["capture_local", "capture_offset", "capture_source", "quality", "duplicate_group", "fts"]
    }

    public func upsert(images: [CatalogImage]) async throws {
        guard !images.isEmpty else { return }
        try await transaction { connection in try await Self.upsert(images, on: connection, logger: logger) }
    }

    /// An image's values in ``imageColumns``' order (the last, `fts`, a tsvector literal).
    static func row(_ image: CatalogImage) -> [RecordField.Value] {
        values(image) + [.string(Self.tsvector(searchTexts(image)))]
    }

    /// An image's values in ``imageColumns``' order but the last, `fts`.
    static func values(_ image: CatalogImage) -> [RecordField.Value] {
        var row: [RecordField.Value] = [.string(image.path)]
        row += CatalogColumns.values(of: image.record)
        row += [
            Self.optional(image.capture?.local), Self.optional(image.capture?.offset),
            Self.optional(image.capture?.source.rawValue), image.quality.map { .int($0) } ?? .null,
            image.duplicateGroup.map { .int($0) } ?? .null,
        ]
        return row
    }

    /// The texts of an image's `fts` column: its path, camera and lens.
    static func searchTexts(_ image: CatalogImage) -> [String] {
        [image.path, image.record.cameraName ?? "", image.record.lensModel ?? ""]
    }

    /// Images as rows of `COPY … FROM STDIN`'s text format, in ``imageColumns``' order:
    /// columns separated by tabs, `\N` for NULL, `t`/`f` for booleans, integers in decimal,
    /// doubles as Swift prints them (shortest round-trip form, which PostgreSQL reads back
    /// exactly). Written byte by byte into one buffer: no text per value but the doubles'.
    static func copyRows(_ images: [CatalogImage]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(images.count * 1_500)
        var words: [UInt8] = []
        for image in images {
            for value in values(image) {
                switch value {
                case .null: out += [0x5C, UInt8(ascii: "N")]
                case .bool(let v): out.append(v ? UInt8(ascii: "t") : UInt8(ascii: "f"))
                case .int(let v): appendDecimal(v, into: &out)
                case .double(let v): out += v.description.utf8
                case .string(let v): Escape.postgresCopyText(v, into: &out)
                }
                out.append(0x09)
            }
            words.removeAll(keepingCapacity: true)
            appendTSVector(searchTexts(image), into: &words)
            words.withUnsafeBufferPointer { Escape.postgresCopyText(bytes: $0, into: &out) }
            out.append(0x0A)
        }
        return out
    }

    /// An integer in decimal, written in place (no text made for it).
    static func appendDecimal(_ value: Int, into out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var count = 0
        var rest = magnitude
        repeat {
            count += 1
            rest /= 10
        } while rest > 0
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
        var index = out.count - 1
        repeat {
            out[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            index -= 1
        } while magnitude > 0
    }

    /// Writes images in multi-row statements, replacing the rows of their paths.
    static func upsert(_ images: [CatalogImage], on connection: PostgresConnection, logger: Logger) async throws {
        // One row per path (the last wins), as one statement cannot update a row twice.
        var latest: [String: Int] = [:]
        for (index, image) in images.enumerated() { latest[image.path] = index }
        let unique = images.indices.filter { latest[images[$0].path] == $0 }.map { images[$0] }
        let columns = Self.imageColumns
        let updates = columns.dropFirst().map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
        for start in stride(from: 0, to: unique.count, by: Self.rowsPerStatement) {
            let batch = unique[start..<min(unique.count, start + Self.rowsPerStatement)]
            var arguments: [RecordField.Value] = []
            var rows: [String] = []
            for image in batch {
                let row = Self.row(image)
                let first = arguments.count
                arguments += row
                let placeholders = (1...row.count).map { "$\(first + $0)" }
                rows.append("(" + placeholders.dropLast().joined(separator: ", ") + ", \(placeholders.last ?? "NULL")::tsvector)")
            }
            let sql = """
                INSERT INTO image (\(columns.joined(separator: ", "))) VALUES \(rows.joined(separator: ", "))
                ON CONFLICT (lib_path) DO UPDATE SET \(updates)
                """
            try await connection.query(try Self.query(sql, arguments), logger: logger)
        }
    }

    /// Replaces everything in one transaction on one connection: readers see the previous
    /// index until it commits, and a crash rolls it back. The image table's secondary indexes
    /// (its GIN full-text index among them) are dropped for the load and made once after it.
    public func replaceAll(_ load: (any CatalogBulkLoad) async throws -> Void) async throws {
        try await migrate()
        try await transaction { connection in
            let tables = (["image", "decision", "tag"] + Self.postingTables).joined(separator: ", ")
            try await connection.query(PostgresQuery(unsafeSQL: "TRUNCATE \(tables)"), logger: logger)
            // The postings are filled once at the end (``refillPostings(on:logger:)``).
            try await Self.setPostingTriggers(enabled: false, on: connection, logger: logger)
            var deferred: [(name: String, definition: String)] = []
            let indexes = try await connection.query(
                """
                SELECT indexname::text, indexdef::text FROM pg_indexes
                WHERE schemaname = current_schema() AND tablename = 'image'
                AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'image'::regclass)
                """, logger: logger)
            for try await (name, definition) in indexes.decode((String, String).self) { deferred.append((name, definition)) }
            for index in deferred {
                try await connection.query(PostgresQuery(unsafeSQL: "DROP INDEX \(index.name)"), logger: logger)
            }
            // The path's unique constraint too: `COPY` cannot replace a row, so a path given
            // twice is loaded twice and the older row removed before the constraint returns.
            var uniques: [(name: String, definition: String)] = []
            let constraints = try await connection.query(
                "SELECT conname::text, pg_get_constraintdef(oid)::text FROM pg_constraint WHERE conrelid = 'image'::regclass AND contype = 'u'",
                logger: logger)
            for try await (name, definition) in constraints.decode((String, String).self) { uniques.append((name, definition)) }
            for unique in uniques {
                try await connection.query(PostgresQuery(unsafeSQL: "ALTER TABLE image DROP CONSTRAINT \(unique.name)"), logger: logger)
            }
            let bulk = PostgresBulkLoad(connection: connection, logger: logger, uniques: uniques, deferred: deferred.map(\.definition))
            try await load(bulk)
            try await bulk.finishImages()
            try await bulk.makeIndexes()
            try await Self.refillPostings(on: connection, logger: logger)
        }
    }

    public func remove(paths: [String]) async throws {
        guard !paths.isEmpty else { return }
        try await transaction { connection in
            for start in stride(from: 0, to: paths.count, by: 10_000) {
                let batch = Array(paths[start..<min(paths.count, start + 10_000)])
                try await connection.query("DELETE FROM image WHERE lib_path = ANY(\(batch))", logger: logger)
            }
        }
    }

    public func apply(sidecars: [Sidecar]) async throws {
        guard !sidecars.isEmpty else { return }
        try await transaction { connection in try await Self.apply(sidecars, on: connection, logger: logger) }
    }

    /// Replaces the decisions and tags of these contents.
    static func apply(_ sidecars: [Sidecar], on connection: PostgresConnection, logger: Logger) async throws {
        var latest: [String: Sidecar] = [:]
        for sidecar in sidecars { latest[sidecar.sha256] = sidecar }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let all = latest.values.sorted { $0.sha256 < $1.sha256 }
        // Rows of (sha, status, rating, caption, keeper, tag text, sidecar, fts) and of tags.
        var decisions: [[RecordField.Value]] = []
        var tags: [[RecordField.Value]] = []
        for sidecar in all where !sidecar.isEmpty {
            let tagText = sidecar.tags.map(\.text).joined(separator: "\n")
            let json = String(decoding: try encoder.encode(sidecar), as: UTF8.self)
            decisions.append([
                .string(sidecar.sha256), .string(sidecar.status.rawValue), sidecar.rating.map { .int($0) } ?? .null,
                Self.optional(sidecar.caption), .bool(sidecar.keeper), .string(tagText), .string(json),
                .string(Self.tsvector([tagText, sidecar.caption ?? ""])),
            ])
            for tag in sidecar.tags { tags.append([.string(sidecar.sha256), .string(tag.category), .string(tag.value)]) }
        }
        let shas = all.map(\.sha256)
        for start in stride(from: 0, to: shas.count, by: 10_000) {
            let batch = Array(shas[start..<min(shas.count, start + 10_000)])
            try await connection.query("DELETE FROM decision WHERE sha256 = ANY(\(batch))", logger: logger)
            try await connection.query("DELETE FROM tag WHERE sha256 = ANY(\(batch))", logger: logger)
        }
        try await Self.insert(
            decisions, into: "decision (sha256, status, rating, caption, keeper, tag_text, sidecar, fts)", castLast: "tsvector",
            on: connection, logger: logger)
        try await Self.insert(tags, into: "tag (sha256, category, value)", castLast: nil, on: connection, logger: logger)
    }

    /// Inserts rows in multi-row statements.
    private static func insert(
        _ rows: [[RecordField.Value]], into table: String, castLast: String?, on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard let width = rows.first?.count else { return }
        let perStatement = max(1, 60_000 / width)
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            var arguments: [RecordField.Value] = []
            var tuples: [String] = []
            for row in rows[start..<min(rows.count, start + perStatement)] {
                let first = arguments.count
                arguments += row
                var placeholders = (1...row.count).map { "$\(first + $0)" }
                if let castLast, let last = placeholders.popLast() { placeholders.append("\(last)::\(castLast)") }
                tuples.append("(" + placeholders.joined(separator: ", ") + ")")
            }
            try await connection.query(
                try query("INSERT INTO \(table) VALUES \(tuples.joined(separator: ", "))", arguments), logger: logger)
        }
    }

    /// Refreshes the planner's statistics after a bulk write, so the first searches after a
    /// rebuild use the indexes, and marks the image table's pages all-visible (`VACUUM`), so
    /// the planner's counts read their indexes alone (an index-only scan of a page not yet
    /// vacuumed visits the table for every row: 20,000 table reads to count a term at 1M).
    /// Autovacuum would do both a minute or more later — while the first searches run.
    ///
    /// The image table's statistics cover only ``analyzedColumns``: its other columns are
    /// read, never compared, and sampling all 80 (the hashes among them) cost 3.8 s at 1M
    /// where these take 2.1 s (psql on a loaded machine).
    public func optimize() async throws {
        _ = try await fetch(
            "VACUUM (ANALYZE) image (\(Self.analyzedColumns.joined(separator: ", "))), decision, tag, \(Self.postingTables.joined(separator: ", "))"
        )
    }

    /// The image table's columns a search compares, sorts or joins on, whose statistics the
    /// planner reads: the query language's comparisons and flags (from its own tables), the
    /// other filters' columns, the order keys' columns and the full-text column.
    static var analyzedColumns: [String] {
        let compared = CatalogQuery.NumericKey.names.compactMap { name, key -> RecordField? in
            if case .record(let field) = key { return field }
            return nil
        }
        let flags = CatalogQuery.Flag.allCases.compactMap(\.recordField)
        let filtered: [RecordField] = [
            .sha256, .cameraMake, .cameraModel, .lensModel, .format, .split, .className, .width, .height, .fileSizeBytes,
        ]
        let columns = Set(CatalogColumns.recordFields)
        var names = ["lib_path", "capture_local", "quality", "duplicate_group", "fts"]
        for field in compared + flags + filtered where columns.contains(field) && !names.contains(CatalogColumns.name(field)) {
            names.append(CatalogColumns.name(field))
        }
        return names
    }

    public func removeAll() async throws {
        _ = try await fetch("TRUNCATE image, decision, tag, \(Self.postingTables.joined(separator: ", "))")
    }

    // MARK: - Reads

    public func counts() async throws -> (images: Int, sidecars: Int) {
        let rows = try await fetch("SELECT (SELECT COUNT(*) FROM image), (SELECT COUNT(*) FROM decision)")
        guard let row = rows.first else { return (0, 0) }
        let (images, sidecars) = try row.decode((Int, Int).self)
        return (images, sidecars)
    }

    public func indexedFiles() async throws -> [IndexedFile] {
        let size = CatalogColumns.name(.fileSizeBytes)
        let mtime = CatalogColumns.name(.mtime)
        let rows = try await fetch("SELECT lib_path, sha256, \(size), \(mtime), duplicate_group FROM image ORDER BY lib_path")
        return try rows.map { row in
            let (path, sha, size, mtime, group) = try row.decode((String, String?, Int?, Double?, Int?).self)
            return IndexedFile(path: path, sha256: sha, fileSizeBytes: size ?? 0, mtime: mtime ?? 0, duplicateGroup: group)
        }
    }

    /// The rows streamed from the server in its own order (no sort) and checked as they
    /// arrive; none is kept.
    public func holds(exactly files: FileVersions) async throws -> IndexedLibrary? {
        let size = CatalogColumns.name(.fileSizeBytes)
        let mtime = CatalogColumns.name(.mtime)
        let query = try Self.query("SELECT lib_path, \(size), \(mtime), duplicate_group FROM image", [])
        let logger = logger
        return try await withConnection { connection in
            let rows = try await connection.query(query, logger: logger)
            var images = 0
            var groups = Set<Int>()
            for try await (path, fileSize, modified, group) in rows.decode((String, Int?, Double?, Int?).self) {
                guard let version = files[path], version.size == fileSize ?? 0, version.mtime == modified ?? 0 else { return nil }
                images += 1
                if let group { groups.insert(group) }
            }
            return images == files.count ? IndexedLibrary(images: images, duplicateGroups: groups.count) : nil
        }
    }

    public func imageCounts(by fields: [RecordField]) async throws -> [(record: ImageRecord, count: Int)] {
        guard !fields.isEmpty else { return [(ImageRecord(path: "", filename: ""), try await counts().images)] }
        let columns = fields.map(CatalogColumns.name).joined(separator: ", ")
        let rows = try await fetch("SELECT COUNT(*), \(columns) FROM image GROUP BY \(columns)")
        return try rows.map { row in
            let values = try row.map(Self.value)
            guard case .int(let count) = values[0] else { throw ImgedaError(.invalidFormat, "a count of the index is not a number") }
            return (CatalogColumns.record(from: Array(values.dropFirst()), fields: fields), count)
        }
    }

    public func images(_ fields: [RecordField], afterRow row: Int?, limit: Int) async throws -> (images: [CatalogImage], lastRow: Int?) {
        let columns = (["id", "lib_path"] + fields.map(CatalogColumns.name)).joined(separator: ", ")
        let rows = try await fetch("SELECT \(columns) FROM image WHERE id > $1 ORDER BY id LIMIT \(max(1, limit))", [.int(row ?? Int.min)])
        var last: Int?
        let images = try rows.map { row in
            let values = try row.map(Self.value)
            guard case .int(let id) = values[0], case .string(let libraryPath) = values[1] else {
                throw ImgedaError(.invalidFormat, "an image of the index has no row number or path")
            }
            last = id
            return CatalogImage(path: libraryPath, record: CatalogColumns.record(from: Array(values.dropFirst(2)), fields: fields))
        }
        return (images, last)
    }

    public func image(path: String) async throws -> CatalogImage? {
        let rows = try await fetch(Self.imageSelect + " WHERE lib_path = $1", [.string(path)])
        guard let row = rows.first else { return nil }
        return try Self.image(from: row)
    }

    /// The statement reading whole images (``image(from:)`` reads its rows), to which a
    /// `WHERE` is added.
    static var imageSelect: String {
        let columns = CatalogColumns.recordFields.map(CatalogColumns.name).joined(separator: ", ")
        return "SELECT capture_local, capture_offset, capture_source, quality, duplicate_group, lib_path, \(columns) FROM image"
    }

    /// An image from a row of ``imageSelect``.
    static func image(from row: PostgresRow) throws -> CatalogImage {
        let values = try row.map(Self.value)
        let record = CatalogColumns.record(from: Array(values.dropFirst(6)))
        func string(_ i: Int) -> String? {
            if case .string(let v) = values[i] { return v }
            return nil
        }
        func int(_ i: Int) -> Int? {
            if case .int(let v) = values[i] { return v }
            return nil
        }
        var capture: CaptureDate?
        if let local = string(0), let source = string(2).flatMap(CaptureDate.Source.init(rawValue:)) {
            capture = CaptureDate(local: local, offset: string(1), source: source)
        }
        return CatalogImage(path: string(5) ?? "", record: record, capture: capture, quality: int(3), duplicateGroup: int(4))
    }

    public func sidecar(sha256: String) async throws -> Sidecar? {
        let rows = try await fetch("SELECT sidecar FROM decision WHERE sha256 = $1", [.string(sha256)])
        guard let row = rows.first else { return nil }
        return try JSONDecoder().decode(Sidecar.self, from: Data(try row.decode(String.self).utf8))
    }

    public func allSidecars() async throws -> [Sidecar] {
        let rows = try await fetch("SELECT sidecar FROM decision ORDER BY sha256")
        let decoder = JSONDecoder()
        return try rows.map { try decoder.decode(Sidecar.self, from: Data(try $0.decode(String.self).utf8)) }
    }

    /// The cameras each `camera:` term of `query` matches, looked up first: the page then
    /// compares the camera with values, and one camera's images are walked in order along
    /// its camera index (PostgreSQL does not walk an index for a subquery's values).
    func cameras(_ query: CatalogQuery) async throws -> [String: [String]] {
        var cameras: [String: [String]] = [:]
        for term in query.terms {
            guard case .camera(let text) = term.filter, cameras[text] == nil else { continue }
            let statement = CatalogSQL.camerasStatement(containing: text, dialect: PostgresDialect())
            cameras[text] = try await fetch(statement.sql, statement.arguments).map { try $0.decode(String.self) }
        }
        return cameras
    }

    /// How to read a page of `query` (``CatalogSQL/plan(counts:bound:)``), and the counts that chose it.
    func plan(_ query: CatalogQuery, cameras: [String: [String]]) async throws -> (plan: CatalogPlan, counts: [(term: Int, count: Int)]) {
        var counts: [(term: Int, count: Int)] = []
        let counted = CatalogSQL.candidateCounts(query, dialect: PostgresDialect(), bound: candidateBound, cameras: cameras)
        // A query's only counted term with postings is read along them whatever its count:
        // counting it would cost a statement (its tag rows read) and choose nothing.
        if counted.count == 1, let only = counted.first, CatalogSQL.Postings.hold(query.terms[only.term].filter) {
            return (.candidates(term: only.term), [])
        }
        for counted in counted {
            let count = try await candidateCounts.count(counted.sql, counted.arguments) {
                try await fetch(counted.sql, counted.arguments).first?.decode(Int.self) ?? 0
            }
            counts.append((counted.term, count))
            if count == 0 { break }  // nothing can be fewer
        }
        return (CatalogSQL.plan(counts: counts, bound: candidateBound), counts)
    }

    /// The rows of a page of `query` (its hits' columns and the sort key last), by its plan:
    /// a word's many candidates sorted by a bounded sort first
    /// (``CatalogSQL/keyedSortBound(_:plan:counts:limit:factor:)``), and all of them when those
    /// come back short of the page.
    func pageRows(
        _ query: CatalogQuery, order: CatalogOrder, after cursor: CatalogCursor?, limit: Int, backward: Bool
    ) async throws -> [PostgresRow] {
        let cameras = try await cameras(query)
        let (plan, counts) = try await plan(query, cameras: cameras)
        if let bound = CatalogSQL.keyedSortBound(query, plan: plan, counts: counts, limit: limit, factor: keyedSortFactor) {
            var sql = CatalogSQL(query, dialect: PostgresDialect(), cameras: cameras)
            sql.keyedSortLimit = bound.first
            let text = sql.pageStatement(order: order, after: cursor, limit: limit, backward: backward, plan: plan)
            let rows = try await pageRows(text, sql.arguments, plan: plan)
            if CatalogSQL.isFull(rows.count, limit: limit) { return rows }
        }
        var sql = CatalogSQL(query, dialect: PostgresDialect(), cameras: cameras)
        let text = sql.pageStatement(order: order, after: cursor, limit: limit, backward: backward, plan: plan)
        return try await pageRows(text, sql.arguments, plan: plan)
    }

    /// The rows of a page statement. A walk runs with sequential and bitmap scans off for
    /// the statement: the counts said every index at hand finds many images, but the
    /// planner's own estimate of a condition it cannot measure (`ILIKE '%…%'` is guessed at
    /// a few dozen rows) would read the whole table and sort it (1.3 s at 1M) instead of
    /// walking the order's index to the first page (2 ms).
    ///
    /// On a pool the settings are `SET LOCAL` in a transaction of the page's own (BEGIN, the
    /// settings, the page, COMMIT); on one connection they are the session's, changed only
    /// when the next statement wants them otherwise, so a search sends its page alone.
    func pageRows(_ text: String, _ arguments: [RecordField.Value], plan: CatalogPlan) async throws -> [PostgresRow] {
        let query = try Self.query(text, arguments)
        let logger = logger
        switch link {
        case .pool:
            guard plan == .walk else { return try await fetch(text, arguments) }
            return try await transaction { connection in
                for setting in Self.walkSettings {
                    try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL \(setting) = off"), logger: logger)
                }
                return try await connection.query(query, logger: logger).collect()
            }
        case .one(let one):
            return try await wrap {
                try await one.withTurn(walk: plan == .walk, logger: logger) { connection in
                    try await connection.query(query, logger: logger).collect()
                }
            }
        }
    }

    /// The planner settings turned off for a walk's page.
    static let walkSettings = ["enable_seqscan", "enable_bitmapscan"]

    public func search(_ query: CatalogQuery, order: CatalogOrder, after cursor: CatalogCursor?, limit: Int) async throws -> CatalogPage {
        let rows = try await pageRows(query, order: order, after: cursor, limit: limit, backward: false)
        let pageSize = max(1, limit)
        var hits: [CatalogHit] = []
        var next: CatalogCursor?
        for (index, row) in rows.prefix(pageSize).enumerated() {
            let values = try row.map(Self.value)
            hits.append(CatalogSQL.hit(Array(values.prefix(CatalogSQL.hitColumnCount))))
            if index == pageSize - 1, rows.count > pageSize, let path = hits.last?.path, let key = values.last {
                next = CatalogSQL.cursor(path: path, sortKey: key)
            }
        }
        return CatalogPage(hits: hits, next: next)
    }

    public func search(_ query: CatalogQuery, order: CatalogOrder, before cursor: CatalogCursor, limit: Int) async throws -> [CatalogHit] {
        let rows = try await pageRows(query, order: order, after: cursor, limit: limit, backward: true)
        return try rows.prefix(max(1, limit)).map { CatalogSQL.hit(Array(try $0.map(Self.value).prefix(CatalogSQL.hitColumnCount))) }
    }

    public func count(_ query: CatalogQuery) async throws -> Int {
        let sql = CatalogSQL(query, dialect: PostgresDialect(), cameras: try await cameras(query))
        let rows = try await fetch(sql.countStatement(), sql.arguments)
        return try rows.first?.decode(Int.self) ?? 0
    }

    // MARK: - Values

    static func optional(_ text: String?) -> RecordField.Value { text.map { .string($0) } ?? .null }

    /// A cell as the value it holds, by its type.
    static func value(_ cell: PostgresCell) throws -> RecordField.Value {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .int(try cell.decode(Int.self))
        case .float4, .float8: return .double(try cell.decode(Double.self))
        case .bool: return .bool(try cell.decode(Bool.self))
        default: return .string(try cell.decode(String.self))
        }
    }

    /// A tsvector literal of the texts' words (``CatalogWords``), in order, with positions.
    /// Each text starts a new stretch of positions, so a phrase never spans two texts (as an
    /// FTS5 phrase never spans two columns).
    static func tsvector(_ texts: [String]) -> String {
        var out: [UInt8] = []
        appendTSVector(texts, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// ``tsvector(_:)``'s literal, written as UTF-8 bytes.
    static func appendTSVector(_ texts: [String], into out: inout [UInt8]) {
        if appendASCIITSVector(texts, into: &out) { return }
        appendFoldedTSVector(texts, into: &out)
    }

    /// Distinct words up to which ``appendASCIITSVector(_:into:)`` looks each word up along
    /// the list (an image's texts have a dozen).
    static let asciiDistinctWords = 64

    /// ``appendTSVector(_:into:)`` of ASCII texts, on their bytes (``CatalogWords/asciiWords(_:)``'s
    /// words, without a String per word: a third of each row's cost in the bulk load's
    /// `COPY` before): false, with nothing written, when a text has a byte above 0x7F or the
    /// texts more than ``asciiDistinctWords`` distinct words.
    static func appendASCIITSVector(_ texts: [String], into out: inout [UInt8]) -> Bool {
        // A struct's own fields, not variables captured by a closure: no access checks per byte.
        var words = ASCIIWords()
        for text in texts {
            var start = words.letters.count
            for byte in text.utf8 {
                guard byte < 0x80 else { return false }
                let isUpper = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")
                if isUpper || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                {
                    words.letters.append(isUpper ? byte | 0x20 : byte)
                } else {
                    guard words.endWord(from: start) else { return false }
                    start = words.letters.count
                }
            }
            guard words.endWord(from: start) else { return false }
            words.position += 100
        }
        let letters = words.letters
        let occurrences = words.occurrences
        for (number, word) in words.distinct.enumerated() {
            if number > 0 { out.append(UInt8(ascii: " ")) }
            // Letters and digits only: nothing to double inside the quotes.
            out.append(UInt8(ascii: "'"))
            out.append(contentsOf: letters[word.start..<(word.start + word.count)])
            out.append(UInt8(ascii: "'"))
            out.append(UInt8(ascii: ":"))
            // At most 256 positions a lexeme.
            var written = 0
            for occurrence in occurrences where occurrence.word == number && written < 256 {
                if written > 0 { out.append(UInt8(ascii: ",")) }
                appendDecimal(occurrence.position, into: &out)
                written += 1
            }
        }
        return true
    }

    /// The words of ``appendASCIITSVector(_:into:)``'s texts.
    struct ASCIIWords {
        /// Each distinct word's lowercased letters and digits, one after another.
        var letters: [UInt8] = []
        var distinct: [(start: Int, count: Int)] = []
        /// Each occurrence as (word's number, position), in order.
        var occurrences: [(word: Int, position: Int)] = []
        var position = 0

        init() {
            letters.reserveCapacity(256)
            distinct.reserveCapacity(16)
            occurrences.reserveCapacity(32)
        }

        /// Ends the word whose bytes were appended from `start`: numbered, or its bytes
        /// dropped again when it is a word seen before. False past ``asciiDistinctWords``.
        mutating func endWord(from start: Int) -> Bool {
            let count = letters.count - start
            guard count > 0 else { return true }
            position += 1
            var number = distinct.count
            for (index, word) in distinct.enumerated() where word.count == count {
                var same = true
                for k in 0..<count where letters[word.start + k] != letters[start + k] {
                    same = false
                    break
                }
                if same {
                    number = index
                    break
                }
            }
            if number == distinct.count {
                guard number < asciiDistinctWords else { return false }
                distinct.append((start, count))
            } else {
                letters.removeLast(count)
            }
            // PostgreSQL keeps positions up to 16,383.
            occurrences.append((number, min(position, 16_383)))
            return true
        }
    }

    /// ``appendTSVector(_:into:)`` of any texts, word by word as ``CatalogWords/words(_:)``
    /// splits them.
    static func appendFoldedTSVector(_ texts: [String], into out: inout [UInt8]) {
        // The distinct words in order; a table of their numbers only once there are many (an
        // image has a dozen, which a look along the list finds sooner than a hash).
        var words: [String] = []
        words.reserveCapacity(16)
        var numbers: [String: Int]?
        // Each occurrence as (word's number, position), in order.
        var occurrences: [(word: Int, position: Int)] = []
        occurrences.reserveCapacity(32)
        var position = 0
        for text in texts {
            for word in CatalogWords.words(text) {
                position += 1
                let number: Int
                if let known = numbers != nil ? numbers?[word] : words.firstIndex(of: word) {
                    number = known
                } else {
                    number = words.count
                    words.append(word)
                    numbers?[word] = number
                    if numbers == nil && words.count >= 32 {
                        numbers = Dictionary(uniqueKeysWithValues: words.enumerated().map { ($1, $0) })
                    }
                }
                // PostgreSQL keeps positions up to 16,383.
                occurrences.append((number, min(position, 16_383)))
            }
            position += 100
        }
        for (number, word) in words.enumerated() {
            if number > 0 { out.append(UInt8(ascii: " ")) }
            appendLexeme(word, into: &out)
            out.append(UInt8(ascii: ":"))
            // At most 256 positions a lexeme.
            var written = 0
            for occurrence in occurrences where occurrence.word == number && written < 256 {
                if written > 0 { out.append(UInt8(ascii: ",")) }
                appendDecimal(occurrence.position, into: &out)
                written += 1
            }
        }
    }

    /// A lexeme quoted for tsvector and tsquery input.
    static func lexeme(_ word: String) -> String {
        var out: [UInt8] = []
        appendLexeme(word, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// ``lexeme(_:)`` as UTF-8 bytes: in quotes, a backslash doubled, a quote doubled.
    static func appendLexeme(_ word: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "'"))
        for byte in word.utf8 {
            if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "'") { out.append(byte) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "'"))
    }
}

/// PostgreSQL's side of ``CatalogSQL``: numbered arguments, `lower()` and `ILIKE` for case,
/// real booleans, and the two tsvector columns with their GIN indexes.
struct PostgresDialect: CatalogSQLDialect {
    func placeholder(_ number: Int) -> String { "$\(number)" }

    func equalsIgnoringCase(_ expression: String, _ placeholder: String) -> String {
        "lower(\(expression)) = lower(\(placeholder))"
    }

    func likeIgnoringCase(_ expression: String, _ placeholder: String) -> String {
        "\(expression) ILIKE \(placeholder) ESCAPE '\\'"
    }

    func isTrue(_ expression: String) -> String { "\(expression)" }

    var falseLiteral: String { "FALSE" }

    /// Matches what FTS5 matches for the same text (see `SQLiteDialect.ftsQuery`): one word
    /// as a prefix (its last token), several words as the exact phrase; in the image's path,
    /// camera and lens, or in its content's tags and caption. Each side uses its GIN index.
    func fullTextIDs(_ text: String, bind: (RecordField.Value) -> String) -> String? {
        guard let query = Self.tsquery(text) else { return nil }
        let q = bind(.string(query))
        return """
            SELECT id FROM image WHERE fts @@ \(q)::tsquery \
            UNION SELECT im.id FROM decision dd JOIN image im ON im.sha256 = dd.sha256 WHERE dd.fts @@ \(q)::tsquery
            """
    }

    /// The candidates' rows, fenced by `OFFSET 0` so the planner cannot fold them into the
    /// page, where it would weigh them against walking an order's index for the `LIMIT` (and,
    /// with matches that come late in that order, read most of the table). They are exactly
    /// the term's matches, so the page does not test its condition again.
    func candidatesFirst(_ filter: CatalogQuery.Filter, rows candidates: String) -> (from: String, keepsCondition: Bool) {
        ("(\(candidates) OFFSET 0) i", false)
    }

    /// The matching rows of each side: the image's own words, and its content's in the text
    /// postings (narrow rows, one per image: at 1M, counting `"golden hour"` read 1,168 pages of
    /// the wide decision rows, 21–34 ms under load, and 466 of the postings, 8 ms).
    func fullTextEstimate(_ text: String, bind: (RecordField.Value) -> String) -> String? {
        guard let query = Self.tsquery(text) else { return nil }
        let q = bind(.string(query))
        return
            "SELECT 1 FROM image WHERE fts @@ \(q)::tsquery UNION ALL SELECT 1 FROM \(PostgresCatalogStore.textTable) WHERE fts @@ \(q)::tsquery"
    }

    /// The planner picks the index (sequential and bitmap scans are off for a walk): an
    /// order's, or a walk index along a term, whose condition the page's conditions include.
    func orderWalk(_ order: CatalogOrder, along index: CatalogSQL.WalkIndex?) -> String { "image i" }

    static func tsquery(_ text: String) -> String? {
        let words = CatalogWords.words(text)
        guard !words.isEmpty else { return nil }
        let single = text.split(whereSeparator: { $0.isWhitespace }).count == 1
        var lexemes = words.map(PostgresCatalogStore.lexeme)
        if single, let last = lexemes.popLast() { lexemes.append(last + ":*") }
        return lexemes.joined(separator: " <-> ")
    }
}

/// Writes a new index inside ``PostgresCatalogStore/replaceAll(_:)``'s transaction: images by
/// `COPY … FROM STDIN` into the table without its path constraint, which
/// ``finishImages()`` puts back once each path holds its newest row only, and without its
/// other indexes, which ``makeIndexes()`` makes.
struct PostgresBulkLoad: CatalogBulkLoad {
    let connection: PostgresConnection
    let logger: Logger
    /// The image table's unique constraints, dropped for the load.
    let uniques: [(name: String, definition: String)]
    /// The image table's other indexes, dropped for the load.
    let deferred: [String]
    private let finished = OnceFlag()
    private let indexed = OnceFlag()

    init(connection: PostgresConnection, logger: Logger, uniques: [(name: String, definition: String)], deferred: [String]) {
        self.connection = connection
        self.logger = logger
        self.uniques = uniques
        self.deferred = deferred
    }

    func insert(images: [CatalogImage]) async throws {
        guard !images.isEmpty else { return }
        let rows = PostgresCatalogStore.copyRows(images)
        try await connection.copyFrom(table: "image", columns: PostgresCatalogStore.imageColumns, logger: logger) { writer in
            try await writer.write(ByteBuffer(bytes: rows))
        }
    }

    /// Every batch in one `COPY`: the server reads one batch while the next is written.
    func insert(batches next: () async throws -> [CatalogImage]?) async throws {
        try await connection.copyFrom(table: "image", columns: PostgresCatalogStore.imageColumns, logger: logger) { writer in
            while let batch = try await next() {
                guard !batch.isEmpty else { continue }
                try await writer.write(ByteBuffer(bytes: PostgresCatalogStore.copyRows(batch)))
            }
        }
    }

    /// Puts the unique constraints back; a path loaded twice first loses
    /// its older rows (ids grow in load order, so the newest record keeps the largest). Once.
    func finishImages() async throws {
        guard finished.claim() else { return }
        // Index builds sort in this much of the server's memory (for this transaction only):
        // the default 64 MB makes the GIN index of a million images spill to disk many times.
        try await connection.query("SET LOCAL maintenance_work_mem = '256MB'", logger: logger)
        // Most loads give each path once, so the constraints are tried first, in a savepoint;
        // only when one refuses a path given twice are the older rows found (a pass over
        // every path) and removed, and the constraints made again.
        try await connection.query("SAVEPOINT unique_paths", logger: logger)
        do {
            try await addUniques()
            try await connection.query("RELEASE SAVEPOINT unique_paths", logger: logger)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            try await connection.query("ROLLBACK TO SAVEPOINT unique_paths", logger: logger)
            try await connection.query(
                """
                DELETE FROM image i USING (SELECT lib_path, max(id) AS keep FROM image GROUP BY lib_path HAVING COUNT(*) > 1) d
                WHERE i.lib_path = d.lib_path AND i.id <> d.keep
                """, logger: logger)
            try await addUniques()
        }
    }

    /// The secondary indexes (the GIN full-text index among them), once.
    func makeIndexes() async throws {
        guard indexed.claim() else { return }
        for definition in deferred {
            try await connection.query(PostgresQuery(unsafeSQL: definition), logger: logger)
        }
    }

    private func addUniques() async throws {
        for unique in uniques {
            try await connection.query(
                PostgresQuery(unsafeSQL: "ALTER TABLE image ADD CONSTRAINT \(unique.name) \(unique.definition)"), logger: logger)
        }
    }

    func sharedContentIDs() async throws -> [Int] {
        let rows = try await connection.query(
            """
            SELECT id FROM image WHERE sha256 IN (SELECT sha256 FROM image WHERE sha256 IS NOT NULL GROUP BY sha256 HAVING COUNT(*) > 1)
            """, logger: logger)
        var ids: [Int] = []
        for try await id in rows.decode(Int.self) { ids.append(id) }
        return ids
    }

    func images(ids: [Int]) async throws -> [CatalogImage] {
        var images: [CatalogImage] = []
        for start in stride(from: 0, to: ids.count, by: 10_000) {
            let batch = Array(ids[start..<min(ids.count, start + 10_000)])
            let rows = try await connection.query(
                PostgresQuery(unsafeSQL: PostgresCatalogStore.imageSelect + " WHERE id = ANY($1)", binds: try Self.bindings(batch)),
                logger: logger)
            for try await row in rows { images.append(try PostgresCatalogStore.image(from: row)) }
        }
        return images
    }

    func images(paths: [String]) async throws -> [CatalogImage] {
        var images: [CatalogImage] = []
        for start in stride(from: 0, to: paths.count, by: 10_000) {
            let batch = Array(paths[start..<min(paths.count, start + 10_000)])
            let rows = try await connection.query(
                PostgresQuery(unsafeSQL: PostgresCatalogStore.imageSelect + " WHERE lib_path = ANY($1)", binds: try Self.bindings(batch)),
                logger: logger)
            for try await row in rows { images.append(try PostgresCatalogStore.image(from: row)) }
        }
        return images
    }

    static func bindings(_ values: some PostgresEncodable) throws -> PostgresBindings {
        var binds = PostgresBindings(capacity: 1)
        try binds.append(values)
        return binds
    }

    func apply(sidecars: [Sidecar]) async throws {
        guard !sidecars.isEmpty else { return }
        try await PostgresCatalogStore.apply(sidecars, on: connection, logger: logger)
    }

    func setDuplicateGroups(_ groups: [String: Int]) async throws {
        let all = groups.sorted { $0.key < $1.key }
        for start in stride(from: 0, to: all.count, by: 10_000) {
            let batch = all[start..<min(all.count, start + 10_000)]
            let paths = batch.map(\.key)
            let numbers = batch.map(\.value)
            try await connection.query(
                """
                UPDATE image SET duplicate_group = v.g FROM unnest(\(paths)::text[], \(numbers)::bigint[]) AS v(p, g)
                WHERE image.lib_path = v.p
                """, logger: logger)
        }
    }
}
