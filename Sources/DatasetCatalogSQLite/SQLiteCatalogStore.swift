public import DatasetAnalysis
public import DatasetCatalog
import Foundation
internal import GRDB
internal import GRDBSQLite

#if canImport(Glibc)
    import Glibc
#endif

/// The catalog in one SQLite file, through GRDB: the embedded default, zero set-up.
///
/// Tables: `image` (one row per library path; a column per record field, from the field
/// table, plus the capture date, quality and duplicate group), `decision` (one row per
/// content with a sidecar), `tag` (one row per tag of a content) and `image_fts`, an FTS5
/// index over each image's path, tags, caption, camera and lens. Migrations are named and
/// append-only; record fields added to the table later become columns when the index opens.
///
/// ```swift
/// let store = try SQLiteCatalogStore(path: "photos/.imgeda/index.sqlite")
/// try await store.migrate()
/// let page = try await store.search(try CatalogQuery.parse("tag:beach"), order: .newest, after: nil, limit: 50)
/// ```
public final class SQLiteCatalogStore: CatalogStore {
    public let path: String
    private let current: PoolBox

    /// The open index; another one after ``replaceAll(_:)`` or another process has put a new
    /// file in place.
    var pool: DatabasePool { current.pool }

    /// Opens (creating when absent) the index at `path`. Throws when the file is not a
    /// SQLite database.
    public init(
        path: String, candidateBound: Int = CatalogSQL.candidateBound, keyedSortFactor: Int = CatalogSQL.keyedSortFactor
    ) throws {
        self.path = path
        self.candidateBound = candidateBound
        self.keyedSortFactor = keyedSortFactor
        current = try PoolBox(path: path, readOnly: false)
    }

    /// Opens an existing index for reading only: nothing is written to its files, not even
    /// by opening it (for the checks that must leave an unchanged library untouched).
    public init(readingOnly path: String, candidateBound: Int = CatalogSQL.candidateBound) throws {
        self.path = path
        self.candidateBound = candidateBound
        keyedSortFactor = CatalogSQL.keyedSortFactor
        current = try PoolBox(path: path, readOnly: true)
    }

    /// Up to how many images a term's index may find for a page to be read from them
    /// (``CatalogSQL/candidateBound``; tests lower it to try both plans on small indexes).
    let candidateBound: Int

    /// How many pages of a word's candidates a page sorts first (``CatalogSQL/keyedSortFactor``;
    /// tests lower it so that short pages read again).
    let keyedSortFactor: Int

    /// The candidate counts of the last few seconds' pages (they only choose a page's plan).
    let candidateCounts = CandidateCounts()

    /// The page cache of each of an open index's connections, in KiB (SQLite's default is
    /// 2,000). A full-text page at 1M reads about 700 pages (its words' rowids, their text
    /// postings, the images it returns): with the default cache every one of them was read
    /// again from the file at every request, 680 `pread`s, and the page statement took 7–9 ms
    /// in the `sqlite3` shell; with 8 MB it is read once per connection and takes 5 ms. A
    /// connection's cache grows only as far as what it reads: a server holds at most this much
    /// per reader (GRDB's pool keeps up to five), at 100,000 images as at 1M.
    static let connectionCacheKiB = 8_192

    static func openPool(_ path: String, readOnly: Bool = false) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        // Read-only: no writer connection, so opening writes nothing (GRDB makes a missing
        // write-ahead log by creating and dropping a table, and the last connection to close
        // checkpoints into the file).
        configuration.readonly = readOnly
        let cache = connectionCacheKiB
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA cache_size = -\(cache)") }
        do {
            return try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw ImgedaError(
                .invalidFormat, "cannot open the index \(path): \(Self.describe(error))",
                remedy: "run `imgeda library rebuild` to make it again from the manifest and sidecars")
        }
    }

    /// The files that make up an index at `path` (the database and its WAL files).
    public static func files(of path: String) -> [String] { [path, path + "-wal", path + "-shm"] }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }

    // MARK: - Schema

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            let fields = CatalogColumns.recordFields.map { "\(CatalogColumns.name($0)) \(sqlType($0.kind))" }
            try db.execute(
                sql: """
                    CREATE TABLE image (
                        id INTEGER PRIMARY KEY,
                        lib_path TEXT NOT NULL UNIQUE,
                        \(fields.joined(separator: ",\n    ")),
                        capture_local TEXT, capture_offset TEXT, capture_source TEXT,
                        quality INTEGER, duplicate_group INTEGER
                    );
                    CREATE INDEX image_sha ON image(sha256);
                    CREATE INDEX image_newest ON image(COALESCE(capture_local, '') DESC, lib_path);
                    CREATE INDEX image_quality ON image(COALESCE(quality, -1) DESC, lib_path);
                    CREATE TABLE decision (
                        sha256 TEXT PRIMARY KEY,
                        status TEXT NOT NULL,
                        rating INTEGER,
                        caption TEXT,
                        keeper INTEGER NOT NULL,
                        tag_text TEXT NOT NULL,
                        sidecar TEXT NOT NULL
                    );
                    CREATE INDEX decision_status ON decision(status);
                    CREATE TABLE tag (sha256 TEXT NOT NULL, category TEXT NOT NULL, value TEXT NOT NULL);
                    CREATE INDEX tag_value ON tag(value COLLATE NOCASE, category COLLATE NOCASE);
                    CREATE INDEX tag_sha ON tag(sha256);
                    CREATE VIRTUAL TABLE image_fts USING fts5(lib_path, tags, caption, camera, lens, tokenize = 'unicode61');
                    """)
        }
        // A range of capture dates (`date:2023-07`) filters by the plain column.
        migrator.registerMigration("v2-capture-index") { db in
            try db.execute(sql: "CREATE INDEX image_capture ON image(capture_local)")
        }
        // The web app's background jobs: queue, owner, progress, history.
        migrator.registerMigration("v3-jobs") { db in
            try db.execute(sql: SQLiteCatalogStore.jobTable)
        }
        // Sorting by file size and by pixels, a keyset each (descending key, then path).
        migrator.registerMigration("v4-size-orders") { db in
            for (name, order) in [("image_size", CatalogOrder.size), ("image_pixels", .pixels)] {
                try db.execute(sql: "CREATE INDEX \(name) ON image(\(CatalogSQL.orderKey(order, alias: "")) DESC, lib_path)")
            }
        }
        // Walking an order among a camera's or a flag's images only (``CatalogSQL/walkIndexes``).
        migrator.registerMigration("v5-walk-indexes") { db in
            for index in CatalogSQL.walkIndexes { try db.execute(sql: index.definition(SQLiteDialect())) }
        }
        // The postings (``CatalogSQL/Postings``), filled from the tags, decisions and images held,
        // and the triggers keeping them current.
        migrator.registerMigration("v6-postings") { db in
            try db.execute(sql: SQLiteCatalogStore.postingTable)
            for sql in SQLiteCatalogStore.fillPostings { try db.execute(sql: sql) }
            for sql in CatalogSQL.Postings.indexes.map(\.sql) + SQLiteCatalogStore.postingTriggers.map(\.sql) {
                try db.execute(sql: sql)
            }
        }
        // A date range's images with every order's key and their paths in the capture index,
        // so they are sorted without reading their rows (at 1M, `date:2023-07` by quality:
        // 9,524 rows read for their keys, ~40 ms of CPU, became 3 ms).
        migrator.registerMigration("v7-capture-keys") { db in
            try db.execute(sql: "DROP INDEX image_capture")
            try db.execute(sql: SQLiteCatalogStore.captureIndex)
        }
        // The text postings (``CatalogSQL/Postings/textTable``), filled from the decisions and
        // images held, and the triggers keeping them current.
        migrator.registerMigration("v8-text-postings") { db in
            try db.execute(sql: SQLiteCatalogStore.textPostingTable)
            try db.execute(sql: SQLiteCatalogStore.fillTextPostings)
            for trigger in SQLiteCatalogStore.textPostingTriggers { try db.execute(sql: trigger.sql) }
        }
        // The text postings in each order, for a word's many matches read in order.
        migrator.registerMigration("v9-text-posting-orders") { db in
            for index in CatalogSQL.Postings.textIndexes { try db.execute(sql: index.sql) }
        }
        return migrator
    }

    /// The capture index: the capture date, then what every order's key and its tie-break read.
    static var captureIndex: String {
        let columns = ["capture_local", "quality"] + [RecordField.fileSizeBytes, .width, .height].map(CatalogColumns.name) + ["lib_path"]
        return "CREATE INDEX image_capture ON image(\(columns.joined(separator: ", ")))"
    }

    /// The postings' table (``CatalogSQL/Postings``): one row per kind, value (ignoring case)
    /// and image, the kind and value first, so a value's rows are together.
    static var postingTable: String {
        let columns = CatalogSQL.Postings.columns.map { "\($0.name) \($0.type) NOT NULL" }.joined(separator: ", ")
        return """
            CREATE TABLE \(CatalogSQL.Postings.table) (kind TEXT NOT NULL, value TEXT NOT NULL COLLATE NOCASE, image_id INTEGER NOT NULL, \
            \(columns), PRIMARY KEY (kind, value, image_id)) WITHOUT ROWID
            """
    }

    /// Posts `value`, of `kind`, on the image named `image` (`i`, `NEW`) of each row of `from`
    /// (a `FROM` and its `WHERE`); a value already posted on an image is skipped.
    static func post(_ kind: CatalogSQL.Postings.Kind, value: String, image: String, from: String) -> String {
        let values = CatalogSQL.Postings.values(image: image).joined(separator: ", ")
        return "INSERT OR IGNORE INTO \(CatalogSQL.Postings.table) (\(CatalogSQL.Postings.insertColumns)) "
            + "SELECT '\(kind.rawValue)', \(value), \(image).id, \(values) FROM \(from)"
    }

    /// The text postings' table (``CatalogSQL/Postings/textTable``): one narrow row per image
    /// whose content has a decision, keyed by the image's id (the full-text index's rowid), so
    /// the path and sort key of a word's matches among tags and captions are read there, in a
    /// table a few hundred pages long, instead of in the wide image table
    /// (``SQLiteDialect/keyedCandidates(_:order:orderBy:rows:bind:)``). At 1M with 20,000
    /// sidecars it holds 20,000 rows; a bulk load fills it once after the images.
    static var textPostingTable: String {
        let columns = CatalogSQL.Postings.columns.map { "\($0.name) \($0.type) NOT NULL" }.joined(separator: ", ")
        return "CREATE TABLE \(CatalogSQL.Postings.textTable) (image_id INTEGER PRIMARY KEY, \(columns))"
    }

    /// Posts the text postings of the image named `image` (`i`, `NEW`) of each row of `from`
    /// (a `FROM` and its `WHERE`); an image already posted is skipped.
    static func postText(image: String, from: String) -> String {
        let values = CatalogSQL.Postings.values(image: image).joined(separator: ", ")
        let columns = CatalogSQL.Postings.columns.map(\.name).joined(separator: ", ")
        return "INSERT OR IGNORE INTO \(CatalogSQL.Postings.textTable) (image_id, \(columns)) SELECT \(image).id, \(values) FROM \(from)"
    }

    /// Fills the text postings of every image whose content has a decision (a migration, or
    /// after a bulk load), in the order of the table's key.
    static var fillTextPostings: String {
        postText(image: "i", from: "decision d JOIN image i ON i.sha256 = d.sha256 ORDER BY i.id")
    }

    /// The triggers keeping the text postings equal to the decisions and images: a decision
    /// added or removed (a retag replaces the content's row), an image added, removed, or
    /// changed in its content, path or a sort key. A bulk load drops them and fills the table
    /// once at the end.
    static var textPostingTriggers: [(name: String, sql: String)] {
        let table = CatalogSQL.Postings.textTable
        let postImage = postText(image: "NEW", from: "decision d WHERE d.sha256 = NEW.sha256")
        let triggers = [
            (
                "posting_text_decision_insert",
                "AFTER INSERT ON decision BEGIN \(postText(image: "i", from: "image i WHERE i.sha256 = NEW.sha256")); END"
            ),
            (
                "posting_text_decision_delete",
                "AFTER DELETE ON decision BEGIN DELETE FROM \(table) WHERE image_id IN (SELECT id FROM image WHERE sha256 = OLD.sha256); END"
            ),
            ("posting_text_image_insert", "AFTER INSERT ON image BEGIN \(postImage); END"),
            (
                "posting_text_image_update",
                "AFTER UPDATE OF \(postedImageColumns.joined(separator: ", ")) ON image BEGIN "
                    + "DELETE FROM \(table) WHERE image_id = OLD.id; \(postImage); END"
            ),
            ("posting_text_image_delete", "AFTER DELETE ON image BEGIN DELETE FROM \(table) WHERE image_id = OLD.id; END"),
        ]
        return triggers.map { ($0.0, "CREATE TRIGGER \($0.0) \($0.1)") }
    }

    /// The image columns the postings copy or are found by: the content, the path and what
    /// every order's key reads (a change to one posts the image again).
    static let postedImageColumns = [
        "sha256", "lib_path", "capture_local", "quality", CatalogColumns.name(.fileSizeBytes), CatalogColumns.name(.width),
        CatalogColumns.name(.height),
    ]

    /// The statuses that are posted (all but active).
    private static let postedStatus = "status <> '\(ImageStatus.active.rawValue)'"

    /// Fills the postings of every tag, decision and image (a migration, or after a bulk load).
    static var fillPostings: [String] {
        [
            post(.tag, value: "t.value", image: "i", from: "tag t JOIN image i ON i.sha256 = t.sha256"),
            post(.status, value: "d.status", image: "i", from: "decision d JOIN image i ON i.sha256 = d.sha256 WHERE d.\(postedStatus)"),
        ]
    }

    /// The triggers keeping the postings equal to the tags, decisions and images: a tag or a
    /// decision added or removed, an image added, removed, or changed in its content, path or
    /// a sort key. A bulk load drops them and fills the postings once at the end.
    static var postingTriggers: [(name: String, sql: String)] {
        let table = CatalogSQL.Postings.table
        let keyColumns = postedImageColumns
        let postImage =
            post(.tag, value: "t.value", image: "NEW", from: "tag t WHERE t.sha256 = NEW.sha256") + "; "
            + post(.status, value: "d.status", image: "NEW", from: "decision d WHERE d.sha256 = NEW.sha256 AND d.\(postedStatus)")
        let contentImages = "image_id IN (SELECT id FROM image WHERE sha256 = OLD.sha256)"
        let triggers = [
            (
                "posting_tag_insert",
                "AFTER INSERT ON tag BEGIN \(post(.tag, value: "NEW.value", image: "i", from: "image i WHERE i.sha256 = NEW.sha256")); END"
            ),
            (
                "posting_tag_delete",
                "AFTER DELETE ON tag WHEN NOT EXISTS (SELECT 1 FROM tag WHERE sha256 = OLD.sha256 AND value = OLD.value COLLATE NOCASE) BEGIN "
                    + "DELETE FROM \(table) WHERE kind = 'tag' AND value = OLD.value AND \(contentImages); END"
            ),
            (
                "posting_decision_insert",
                "AFTER INSERT ON decision WHEN NEW.\(postedStatus) BEGIN "
                    + "\(post(.status, value: "NEW.status", image: "i", from: "image i WHERE i.sha256 = NEW.sha256")); END"
            ),
            (
                "posting_decision_delete",
                "AFTER DELETE ON decision WHEN OLD.\(postedStatus) BEGIN "
                    + "DELETE FROM \(table) WHERE kind = 'status' AND value = OLD.status AND \(contentImages); END"
            ),
            ("posting_image_insert", "AFTER INSERT ON image BEGIN \(postImage); END"),
            (
                "posting_image_update",
                "AFTER UPDATE OF \(keyColumns.joined(separator: ", ")) ON image BEGIN DELETE FROM \(table) WHERE image_id = OLD.id; \(postImage); END"
            ),
            ("posting_image_delete", "AFTER DELETE ON image BEGIN DELETE FROM \(table) WHERE image_id = OLD.id; END"),
        ]
        return triggers.map { ($0.0, "CREATE TRIGGER \($0.0) \($0.1)") }
    }

    static func sqlType(_ kind: RecordField.Kind) -> String {
        switch kind {
        case .int, .bool: "INTEGER"
        case .double: "REAL"
        case .string: "TEXT"
        }
    }

    public func migrate() async throws {
        try await wrap {
            // An index at the current schema is left alone: opening one (every command does)
            // writes nothing, so an unchanged `library update` leaves its bytes as they were.
            let current = try? await pool.read { db in
                let columns = Set(try db.columns(in: "image").map(\.name))
                return try Self.migrator.hasCompletedMigrations(db)
                    && CatalogColumns.recordFields.allSatisfy { columns.contains(CatalogColumns.name($0)) }
            }
            if current == true { return }
            try Self.migrator.migrate(pool)
            // Record fields added to the field table after this index was made.
            try await pool.write { db in
                let existing = Set(try db.columns(in: "image").map(\.name))
                for field in CatalogColumns.recordFields where !existing.contains(CatalogColumns.name(field)) {
                    try db.execute(sql: "ALTER TABLE image ADD COLUMN \(CatalogColumns.name(field)) \(Self.sqlType(field.kind))")
                }
            }
        }
    }

    /// Applies the migrations up to and including `identifier` only: an index as an earlier
    /// version left it (the tests migrate it from there).
    func migrate(upTo identifier: String) async throws {
        try await wrap { try Self.migrator.migrate(pool, upTo: identifier) }
    }

    public func schemaVersion() async throws -> Int {
        try await wrap {
            try await pool.read { db in try Self.migrator.appliedIdentifiers(db).count }
        }
    }

    public func integrityProblems() async throws -> [String] {
        try await wrap {
            try await pool.read { db in
                let rows = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                return rows == ["ok"] ? [] : rows
            }
        }
    }

    /// Runs `body`, turning GRDB's errors into one line that names the index and the fix.
    func wrap<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError {
            throw ImgedaError(
                .invalidFormat, "the index \(path) is damaged or unreadable: \(Self.describe(error))",
                remedy: "run `imgeda library rebuild` to make it again from the manifest and sidecars")
        }
    }

    // MARK: - Writes

    /// The image table's columns as ``row(_:)`` fills them.
    static let imageColumns =
        ["lib_path"] + CatalogColumns.recordFields.map(CatalogColumns.name)
        + ["capture_local", "capture_offset", "capture_source", "quality", "duplicate_group"]

    /// Inserts an image row, or updates the row of its path.
    static let upsertSQL = """
        INSERT INTO image (\(imageColumns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: imageColumns.count).joined(separator: ", ")))
        ON CONFLICT(lib_path) DO UPDATE SET \(imageColumns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
        """

    /// An image's values in ``imageColumns``' order.
    static func row(_ image: CatalogImage) -> StatementArguments {
        var values: [(any DatabaseValueConvertible)?] = [image.path]
        values += CatalogColumns.values(of: image.record).map(Self.databaseValue)
        values += [image.capture?.local, image.capture?.offset, image.capture?.source.rawValue, image.quality, image.duplicateGroup]
        return StatementArguments(values)
    }

    public func upsert(images: [CatalogImage]) async throws {
        guard !images.isEmpty else { return }
        try await wrap {
            try await pool.write { db in
                let insert = try db.cachedStatement(sql: Self.upsertSQL + " RETURNING id")
                let decisionOf = try db.cachedStatement(sql: "SELECT tag_text, caption FROM decision WHERE sha256 = ?")
                let deleteFTS = try db.cachedStatement(sql: "DELETE FROM image_fts WHERE rowid = ?")
                let insertFTS = try db.cachedStatement(
                    sql: "INSERT INTO image_fts (rowid, lib_path, tags, caption, camera, lens) VALUES (?, ?, ?, ?, ?, ?)")
                for image in images {
                    guard let id = try Int64.fetchOne(insert, arguments: Self.row(image)) else { continue }
                    var tags = ""
                    var caption: String?
                    if let sha = image.sha256, let row = try Row.fetchOne(decisionOf, arguments: [sha]) {
                        tags = row["tag_text"]
                        caption = row["caption"]
                    }
                    try deleteFTS.execute(arguments: [id])
                    try insertFTS.execute(
                        arguments: [id, image.path, tags, caption, image.record.cameraName, image.record.lensModel])
                }
            }
        }
    }

    public func remove(paths: [String]) async throws {
        guard !paths.isEmpty else { return }
        try await wrap {
            try await pool.write { db in
                let find = try db.cachedStatement(sql: "SELECT id FROM image WHERE lib_path = ?")
                let deleteFTS = try db.cachedStatement(sql: "DELETE FROM image_fts WHERE rowid = ?")
                let delete = try db.cachedStatement(sql: "DELETE FROM image WHERE id = ?")
                for path in paths {
                    guard let id = try Int64.fetchOne(find, arguments: [path]) else { continue }
                    try deleteFTS.execute(arguments: [id])
                    try delete.execute(arguments: [id])
                }
            }
        }
    }

    public func apply(sidecars: [Sidecar]) async throws {
        guard !sidecars.isEmpty else { return }
        let encoded = try Self.encoded(sidecars)
        try await wrap {
            try await pool.write { db in try Self.writeDecisions(encoded, db, updatingFullText: true) }
        }
    }

    static func encoded(_ sidecars: [Sidecar]) throws -> [(Sidecar, String)] {
        let encoder = Self.encoder
        return try sidecars.map { sidecar -> (Sidecar, String) in
            (sidecar, String(decoding: try encoder.encode(sidecar), as: UTF8.self))
        }
    }

    /// Replaces the decisions and tags of these contents; with `updatingFullText`, also the
    /// tags and caption in the full-text rows of their images.
    static func writeDecisions(_ encoded: [(Sidecar, String)], _ db: Database, updatingFullText: Bool) throws {
        let deleteDecision = try db.cachedStatement(sql: "DELETE FROM decision WHERE sha256 = ?")
        let deleteTags = try db.cachedStatement(sql: "DELETE FROM tag WHERE sha256 = ?")
        let insertDecision = try db.cachedStatement(
            sql: "INSERT INTO decision (sha256, status, rating, caption, keeper, tag_text, sidecar) VALUES (?, ?, ?, ?, ?, ?, ?)")
        let insertTag = try db.cachedStatement(sql: "INSERT INTO tag (sha256, category, value) VALUES (?, ?, ?)")
        let images = try db.cachedStatement(sql: "SELECT id FROM image WHERE sha256 = ?")
        let updateFTS = try db.cachedStatement(sql: "UPDATE image_fts SET tags = ?, caption = ? WHERE rowid = ?")
        for (sidecar, json) in encoded {
            let sha = sidecar.sha256
            try deleteDecision.execute(arguments: [sha])
            try deleteTags.execute(arguments: [sha])
            let tagText = sidecar.tags.map(\.text).joined(separator: "\n")
            if !sidecar.isEmpty {
                try insertDecision.execute(
                    arguments: [sha, sidecar.status.rawValue, sidecar.rating, sidecar.caption, sidecar.keeper, tagText, json])
                for tag in sidecar.tags {
                    try insertTag.execute(arguments: [sha, tag.category, tag.value])
                }
            }
            guard updatingFullText else { continue }
            for id in try Int64.fetchAll(images, arguments: [sha]) {
                try updateFTS.execute(arguments: [tagText, sidecar.caption, id])
            }
        }
    }

    // MARK: - Bulk load

    /// The camera as the full-text index holds it (``ImageRecord/cameraName``), as an SQL
    /// function of the make and model columns, so the index built after a bulk load says
    /// what ``upsert(images:)`` says.
    static let cameraFunction = DatabaseFunction("imgeda_camera", argumentCount: 2, pure: true) { values in
        var record = ImageRecord(path: "", filename: "")
        record.cameraMake = String.fromDatabaseValue(values[0])
        record.cameraModel = String.fromDatabaseValue(values[1])
        return record.cameraName
    }

    /// Fills the full-text index from the loaded images and decisions in one statement.
    static var fillFullText: String {
        """
        INSERT INTO image_fts (rowid, lib_path, tags, caption, camera, lens)
        SELECT i.id, i.lib_path, COALESCE(d.tag_text, ''), d.caption,
            imgeda_camera(i.\(CatalogColumns.name(.cameraMake)), i.\(CatalogColumns.name(.cameraModel))), i.\(CatalogColumns.name(.lensModel))
        FROM image i LEFT JOIN decision d ON d.sha256 = i.sha256
        """
    }

    /// Builds the new index in `PATH.rebuilding` — no journal and no syncing while it loads
    /// (a crash only loses that file, which nobody reads), the image table's secondary
    /// indexes and the full-text index made once at the end (``SQLiteBulkLoad/makeIndexes()``,
    /// while the loader searches the images for duplicates) —, copies the jobs of the
    /// index it replaces, flushes it and renames it over the index.
    public func replaceAll(_ load: (any CatalogBulkLoad) async throws -> Void) async throws {
        let staging = path + ".rebuilding"
        func removeStaging() { for file in Self.files(of: staging) + [staging + "-journal"] { unlink(file) } }
        removeStaging()
        do {
            var configuration = Configuration()
            configuration.prepareDatabase { db in
                // The sorts of the indexes made after the load may use helper threads: the
                // table is scanned on this one while runs of keys are sorted on the others.
                try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA threads = 2")
                db.add(function: Self.cameraFunction)
            }
            // The image load is one transaction left open across batches (``SQLiteBulkLoad/insert(batches:)``);
            // nobody else uses this connection.
            configuration.allowsUnsafeTransactions = true
            let queue = try DatabaseQueue(path: staging, configuration: configuration)
            try Self.migrator.migrate(queue)
            let deferred = try await queue.write { db in
                let indexes = try Row.fetchAll(
                    db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'image' AND sql IS NOT NULL")
                for index in indexes { try db.execute(sql: "DROP INDEX \(index["name"] as String)") }
                return indexes.map { $0["sql"] as String }
            }
            // The postings are filled once, after the images and their indexes.
            try await queue.write { db in
                for trigger in Self.postingTriggers + Self.textPostingTriggers { try db.execute(sql: "DROP TRIGGER \(trigger.name)") }
                for index in CatalogSQL.Postings.indexes + CatalogSQL.Postings.textIndexes {
                    try db.execute(sql: "DROP INDEX \(index.name)")
                }
            }
            let bulk = SQLiteBulkLoad(queue: queue, deferred: deferred)
            try await load(bulk)
            try await bulk.finishImages()
            try await bulk.makeIndexes()
            // The postings after the load: they hold the duplicate groups set last.
            try await queue.write { db in
                for sql in Self.fillPostings + [Self.fillTextPostings] { try db.execute(sql: sql) }
                let indexes = CatalogSQL.Postings.indexes + CatalogSQL.Postings.textIndexes
                for sql in indexes.map(\.sql) + (Self.postingTriggers + Self.textPostingTriggers).map(\.sql) {
                    try db.execute(sql: sql)
                }
            }
            try await queue.writeWithoutTransaction { db in
                // The web app's job history belongs to the index being replaced (when it reads).
                if FileManager.default.fileExists(atPath: path),
                    (try? db.execute(sql: "ATTACH DATABASE ? AS previous", arguments: [path])) != nil
                {
                    try? db.execute(sql: "INSERT INTO job SELECT * FROM previous.job")
                    try? db.execute(sql: "DETACH DATABASE previous")
                }
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "ANALYZE")
            }
            try queue.close()
            try pool.close()
            for file in Self.files(of: path).dropFirst() { unlink(file) }
            try CatalogFiles.install(staging, at: path)
            current.pool = try Self.openPool(path)
        } catch let error as DatabaseError {
            removeStaging()
            reopenIfClosed()
            throw ImgedaError(
                .ioFailed, "cannot build the index \(path): \(Self.describe(error)); the previous index is unchanged",
                remedy: "check the disk space and that the state folder is writable")
        } catch {
            removeStaging()
            reopenIfClosed()
            throw error
        }
    }

    /// After a failed replacement, the index in place open again (when it was closed).
    private func reopenIfClosed() {
        if (try? pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == nil, let reopened = try? Self.openPool(path) {
            current.pool = reopened
        }
    }

    /// Folds the write-ahead log into the database and refreshes the planner's statistics:
    /// after a bulk load the log holds the whole index, and every new connection would read
    /// all of it to open.
    public func optimize() async throws {
        try await wrap {
            try await pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA optimize")
                try db.checkpoint(.truncate)
            }
        }
    }

    public func removeAll() async throws {
        try await wrap {
            try await pool.write { db in
                try db.execute(
                    sql:
                        "DELETE FROM \(CatalogSQL.Postings.table); DELETE FROM \(CatalogSQL.Postings.textTable); DELETE FROM image; DELETE FROM decision; DELETE FROM tag; DELETE FROM image_fts;"
                )
            }
        }
    }

    // MARK: - Reads

    public func counts() async throws -> (images: Int, sidecars: Int) {
        try await wrap {
            try await pool.read { db in
                let images = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM image") ?? 0
                let sidecars = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM decision") ?? 0
                return (images, sidecars)
            }
        }
    }

    public func indexedFiles() async throws -> [IndexedFile] {
        let size = CatalogColumns.name(.fileSizeBytes)
        let mtime = CatalogColumns.name(.mtime)
        return try await wrap {
            try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT lib_path, sha256, \(size), \(mtime), duplicate_group FROM image ORDER BY lib_path").map {
                    row in
                    IndexedFile(path: row[0], sha256: row[1], fileSizeBytes: row[2] ?? 0, mtime: row[3] ?? 0, duplicateGroup: row[4])
                }
            }
        }
    }

    /// One table scan in the table's own order (no sort, no index lookups), each row checked
    /// as it is read, its path compared as the bytes SQLite holds (no `String` per row); no
    /// row is kept.
    public func holds(exactly files: FileVersions) async throws -> IndexedLibrary? {
        let size = CatalogColumns.name(.fileSizeBytes)
        let mtime = CatalogColumns.name(.mtime)
        return try await wrap {
            try await pool.read { db -> IndexedLibrary? in
                let select = try db.makeStatement(sql: "SELECT lib_path, \(size), \(mtime), duplicate_group FROM image")
                let statement = select.sqliteStatement
                // The statement object owns the sqlite3 statement: it lives until the rows are read.
                defer { withExtendedLifetime(select) { _ = sqlite3_reset(statement) } }
                var images = 0
                var groups = Set<Int64>()
                while try nextRow(statement, db) {
                    guard let text = sqlite3_column_text(statement, 0) else { return nil }
                    let path = UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, 0)))
                    let fileSize = sqlite3_column_int64(statement, 1)  // 0 when NULL
                    let modified = sqlite3_column_double(statement, 2)  // 0 when NULL
                    guard let version = files.version(ofPath: path), Int64(version.size) == fileSize, version.mtime == modified else {
                        return nil
                    }
                    images += 1
                    if sqlite3_column_type(statement, 3) != SQLITE_NULL { groups.insert(sqlite3_column_int64(statement, 3)) }
                }
                return images == files.count ? IndexedLibrary(images: images, duplicateGroups: groups.count) : nil
            }
        }
    }

    public func images(_ fields: [RecordField], afterRow row: Int?, limit: Int) async throws -> (images: [CatalogImage], lastRow: Int?) {
        let columns = (["id", "lib_path"] + fields.map(CatalogColumns.name)).joined(separator: ", ")
        let sql = "SELECT \(columns) FROM image WHERE id > ? ORDER BY id LIMIT \(max(1, limit))"
        return try await wrap {
            try await pool.read { db in
                // Read by sqlite3 calls (no GRDB row per image): the overview's pass reads every image.
                let select = try db.makeStatement(sql: sql)
                try select.setArguments([row ?? Int.min])
                let statement = select.sqliteStatement
                defer { withExtendedLifetime(select) { _ = sqlite3_reset(statement) } }
                var last: Int?
                var images: [CatalogImage] = []
                var values: [RecordField.Value] = []
                values.reserveCapacity(fields.count)
                while try nextRow(statement, db) {
                    last = Int(sqlite3_column_int64(statement, 0))
                    let path = sqlite3_column_text(statement, 1).map { String(cString: $0) } ?? ""
                    values.removeAll(keepingCapacity: true)
                    for (index, field) in fields.enumerated() {
                        values.append(SQLiteBulkLoad.column(statement, Int32(index + 2), kind: field.kind))
                    }
                    images.append(CatalogImage(path: path, record: CatalogColumns.record(from: values, fields: fields)))
                }
                return (images, last)
            }
        }
    }

    public func imageCounts(by fields: [RecordField]) async throws -> [(record: ImageRecord, count: Int)] {
        guard !fields.isEmpty else { return [(ImageRecord(path: "", filename: ""), try await counts().images)] }
        let columns = fields.map(CatalogColumns.name).joined(separator: ", ")
        return try await wrap {
            try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT COUNT(*), \(columns) FROM image GROUP BY \(columns)").map { row in
                    let values = zip(fields, row.databaseValues.dropFirst()).map { Self.fieldValue($1, kind: $0.kind) }
                    return (CatalogColumns.record(from: values, fields: fields), row[0])
                }
            }
        }
    }

    public func image(path: String) async throws -> CatalogImage? {
        try await wrap {
            try await pool.read { db in
                try Row.fetchOne(db, sql: Self.imageSelect + " WHERE lib_path = ?", arguments: [path]).map(Self.image(from:))
            }
        }
    }

    /// The statement reading whole images (``image(from:)`` reads its rows), to which a
    /// `WHERE` is added.
    static var imageSelect: String {
        let columns = CatalogColumns.recordFields.map(CatalogColumns.name).joined(separator: ", ")
        return "SELECT capture_local, capture_offset, capture_source, quality, duplicate_group, lib_path, \(columns) FROM image"
    }

    /// An image from a row of ``imageSelect``.
    static func image(from row: Row) -> CatalogImage {
        let values = Array(row.databaseValues)
        let fields = zip(CatalogColumns.recordFields, values.dropFirst(6)).map { Self.fieldValue($1, kind: $0.kind) }
        let record = CatalogColumns.record(from: fields)
        var capture: CaptureDate?
        if let local = row[0] as String?, let source = (row[2] as String?).flatMap(CaptureDate.Source.init(rawValue:)) {
            capture = CaptureDate(local: local, offset: row[1], source: source)
        }
        return CatalogImage(path: row[5], record: record, capture: capture, quality: row[3], duplicateGroup: row[4])
    }

    public func sidecar(sha256: String) async throws -> Sidecar? {
        let json = try await wrap {
            try await pool.read { db in try String.fetchOne(db, sql: "SELECT sidecar FROM decision WHERE sha256 = ?", arguments: [sha256]) }
        }
        return try json.map { try JSONDecoder().decode(Sidecar.self, from: Data($0.utf8)) }
    }

    public func allSidecars() async throws -> [Sidecar] {
        let rows = try await wrap {
            try await pool.read { db in try String.fetchAll(db, sql: "SELECT sidecar FROM decision ORDER BY sha256") }
        }
        return try rows.map { try JSONDecoder().decode(Sidecar.self, from: Data($0.utf8)) }
    }

    public func search(_ query: CatalogQuery, order: CatalogOrder, after cursor: CatalogCursor?, limit: Int) async throws -> CatalogPage {
        let pageSize = max(1, limit)
        let rows = try await pageRows(query, order: order, cursor: cursor, limit: limit, backward: false)
        var next: CatalogCursor?
        if rows.count > pageSize, let last = rows.prefix(pageSize).last {
            next = CatalogSQL.cursor(path: last.hit.path, sortKey: last.sortKey)
        }
        return CatalogPage(hits: rows.prefix(pageSize).map(\.hit), next: next)
    }

    public func search(_ query: CatalogQuery, order: CatalogOrder, before cursor: CatalogCursor, limit: Int) async throws -> [CatalogHit] {
        let rows = try await pageRows(query, order: order, cursor: cursor, limit: limit, backward: true)
        return rows.prefix(max(1, limit)).map(\.hit)
    }

    /// The rows of ``CatalogSQL/pageStatement(order:after:limit:backward:)``: each hit and its sort key.
    private func pageRows(_ query: CatalogQuery, order: CatalogOrder, cursor: CatalogCursor?, limit: Int, backward: Bool) async throws
        -> [(hit: CatalogHit, sortKey: RecordField.Value)]
    {
        let bound = candidateBound
        let candidateCounts = candidateCounts
        return try await wrap {
            try await pool.read { db in
                let cameras = try Self.cameras(query, db)
                var counts: [(term: Int, count: Int)] = []
                for counted in CatalogSQL.candidateCounts(query, dialect: SQLiteDialect(), bound: bound, cameras: cameras) {
                    let count = try candidateCounts.count(counted.sql, counted.arguments) {
                        let arguments = StatementArguments(counted.arguments.map { Self.databaseValue($0)?.databaseValue ?? .null })
                        return try Int.fetchOne(db, sql: counted.sql, arguments: arguments) ?? 0
                    }
                    counts.append((counted.term, count))
                    if count == 0 { break }  // nothing can be fewer
                }
                let plan = CatalogSQL.plan(counts: counts, bound: bound)
                if let rows = try Self.boundedWalkRows(
                    query, plan: plan, counts: counts, cameras: cameras, order: order, cursor: cursor,
                    limit: limit, backward: backward, db)
                {
                    return rows
                }
                // A word's many candidates: the first of them in the page's order, sorted by a
                // bounded sort, fill the page unless the other terms reject most of them.
                if let bound = CatalogSQL.keyedSortBound(query, plan: plan, counts: counts, limit: limit, factor: keyedSortFactor) {
                    var sql = CatalogSQL(query, dialect: SQLiteDialect(), cameras: cameras)
                    sql.keyedSortLimit = bound.first
                    sql.keyedWalk = try Self.walksTextPostings(matches: bound.matches, candidateCounts, db)
                    let text = sql.pageStatement(order: order, after: cursor, limit: limit, backward: backward, plan: plan)
                    let rows = try Self.pageRows(db, text, SQLiteDialect.arguments(sql))
                    if CatalogSQL.isFull(rows.count, limit: limit) { return rows }
                }
                var sql = CatalogSQL(query, dialect: SQLiteDialect(), cameras: cameras)
                let text = sql.pageStatement(order: order, after: cursor, limit: limit, backward: backward, plan: plan)
                return try Self.pageRows(db, text, SQLiteDialect.arguments(sql))
            }
        }
    }

    /// How many text postings a word's matches may face, per match, for its page to read
    /// them along the postings' order index (``CatalogSQL/keyedWalk``): the walk then reads
    /// at most that many index entries per match, about what looking each match up and
    /// sorting it costs, and far fewer when its matches spread along the order.
    static let textPostingsPerMatch = 4

    /// Whether a word with `matches` matches reads them along the text postings' order
    /// index: when there are at most ``textPostingsPerMatch`` postings per match (their
    /// number is counted once in a while, as candidate counts are).
    private static func walksTextPostings(matches: Int, _ counts: CandidateCounts, _ db: Database) throws -> Bool {
        let sql = "SELECT COUNT(*) FROM \(CatalogSQL.Postings.textTable)"
        let postings = try counts.count(sql, []) { try Int.fetchOne(db, sql: sql) ?? 0 }
        return postings <= textPostingsPerMatch * matches
    }

    /// A page's rows (``CatalogSQL/hitColumns`` and the sort key) as hits and sort keys.
    private static func pageRows(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws
        -> [(hit: CatalogHit, sortKey: RecordField.Value)]
    {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            (CatalogSQL.hit(Array(row.databaseValues.prefix(CatalogSQL.hitColumnCount)).map(Self.anyValue)), Self.anyValue(row["sort_key"]))
        }
    }

    /// The page read by a bounded walk of the order's index when the planner would read and
    /// sort a full-text term's matches and they are many (``CatalogSQL/boundedWalkEntries(count:images:limit:otherTerms:entriesPerMatch:)``):
    /// the walk stops at the entry that many places along (``CatalogSQL/walkStopStatement(order:after:backward:entries:)``),
    /// testing each entry's id against the words' rowids before it reads a row, and stops
    /// sooner when the page is full. At 1M, `sunset` (4,451 matches) read ~5,000 pages of
    /// image rows in every order; walked, ~550 where its matches spread along the order. Nil
    /// when the walk does not apply or came back short of the page before its stop (the
    /// matches cluster farther along: the caller reads the page by its plan).
    private static func boundedWalkRows(
        _ query: CatalogQuery, plan: CatalogPlan, counts: [(term: Int, count: Int)], cameras: [String: [String]], order: CatalogOrder,
        cursor: CatalogCursor?, limit: Int, backward: Bool, _ db: Database
    ) throws -> [(hit: CatalogHit, sortKey: RecordField.Value)]? {
        guard case .candidates(let term) = plan, query.terms.indices.contains(term), !query.terms[term].negated,
            case .text(let words) = query.terms[term].filter, let count = counts.first(where: { $0.term == term })?.count,
            let images = try Int.fetchOne(db, sql: "SELECT MAX(id) FROM image"),  // ids only grow: about the image count
            let entries = CatalogSQL.boundedWalkEntries(
                count: count, images: images, limit: limit, otherTerms: query.terms.count > 1,
                entriesPerMatch: CatalogSQL.entriesPerKeyedMatch)
        else { return nil }
        // An eighth of the walk first: unless its matches, eight times over, would fill a page,
        // the walk would most likely come back short (at 1M the tagged images are the oldest:
        // by date, `sunset`'s walk wasted ~68M instructions in SQLite before the candidates).
        var probeSQL = CatalogSQL(.all, dialect: SQLiteDialect())
        guard
            let probe = probeSQL.walkProbeStatement(words, order: order, after: cursor, backward: backward, entries: max(1, entries / 8)),
            let seen = try Int.fetchOne(db, sql: probe, arguments: SQLiteDialect.arguments(probeSQL)), seen * 8 > max(1, limit)
        else { return nil }
        var stopSQL = CatalogSQL(.all, dialect: SQLiteDialect())
        let stopText = stopSQL.walkStopStatement(order: order, after: cursor, backward: backward, entries: entries)
        let stop = try Row.fetchOne(db, sql: stopText, arguments: SQLiteDialect.arguments(stopSQL)).map { row in
            CatalogSQL.cursor(path: row["lib_path"] ?? "", sortKey: Self.anyValue(row["sort_key"]))
        }
        var sql = CatalogSQL(query, dialect: SQLiteDialect(), cameras: cameras)
        let text = sql.pageStatement(order: order, after: cursor, limit: limit, backward: backward, plan: .walk, before: stop)
        let rows = try pageRows(db, text, SQLiteDialect.arguments(sql))
        // Without a stop the walk saw every entry left: its page is the page, full or not.
        return stop == nil || rows.count > max(1, limit) ? rows : nil
    }

    public func count(_ query: CatalogQuery) async throws -> Int {
        try await wrap {
            try await pool.read { db in
                let sql = CatalogSQL(query, dialect: SQLiteDialect(), cameras: try Self.cameras(query, db))
                return try Int.fetchOne(db, sql: sql.countStatement(), arguments: SQLiteDialect.arguments(sql)) ?? 0
            }
        }
    }

    /// The cameras each `camera:` term of `query` matches, looked up first (a loose scan of a
    /// camera index, one step per camera held): compared with values, a camera term counts
    /// its images along a camera index (at 1M, counting a camera's first 20,000 images took
    /// 94 ms of CPU with the lookup inside the statement, which made SQLite scan the table;
    /// 4 ms with the values).
    static func cameras(_ query: CatalogQuery, _ db: Database) throws -> [String: [String]] {
        var cameras: [String: [String]] = [:]
        for term in query.terms {
            guard case .camera(let text) = term.filter, cameras[text] == nil else { continue }
            let statement = CatalogSQL.camerasStatement(containing: text, dialect: SQLiteDialect())
            let arguments = StatementArguments(statement.arguments.map { Self.databaseValue($0)?.databaseValue ?? .null })
            cameras[text] = try String.fetchAll(db, sql: statement.sql, arguments: arguments)
        }
        return cameras
    }

    // MARK: - Values

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    static func databaseValue(_ value: RecordField.Value) -> (any DatabaseValueConvertible)? {
        switch value {
        case .int(let v): v
        case .double(let v): v
        case .bool(let v): v
        case .string(let v): v
        case .null: nil
        }
    }

    /// A column's value as it is stored, whatever the column.
    static func anyValue(_ value: DatabaseValue) -> RecordField.Value {
        switch value.storage {
        case .int64(let v): .int(Int(v))
        case .double(let v): .double(v)
        case .string(let v): .string(v)
        case .null, .blob: .null
        }
    }

    static func fieldValue(_ value: DatabaseValue, kind: RecordField.Kind) -> RecordField.Value {
        switch (value.storage, kind) {
        case (.null, _): .null
        case (.int64(let v), .bool): .bool(v != 0)
        case (.int64(let v), .int): .int(Int(v))
        case (.int64(let v), .double): .double(Double(v))
        case (.double(let v), .double): .double(v)
        case (.double(let v), .int): .int(Int(v))
        case (.string(let v), .string): .string(v)
        default: .null
        }
    }
}

/// The open pool of a store, replaced when ``SQLiteCatalogStore/replaceAll(_:)`` installs a
/// new index file — or when another process did (`library rebuild` renames a new file over
/// the index, and a pool still open reads the old file, which is no longer the index). Each
/// read of ``pool`` compares the file at the path with the one opened, by device and inode:
/// one `stat`, a microsecond, against a query's hundreds.
///
/// `@unchecked Sendable`: `stored` and `opened` are read and written only under `lock`.
final class PoolBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: DatabasePool
    private var opened: FileIdentity?
    private let path: String
    private let readOnly: Bool

    init(path: String, readOnly: Bool) throws {
        self.path = path
        self.readOnly = readOnly
        opened = FileIdentity(path)
        stored = try SQLiteCatalogStore.openPool(path, readOnly: readOnly)
    }

    var pool: DatabasePool {
        get {
            let now = FileIdentity(path)
            return lock.withLock {
                // A file that cannot be opened (a rename half seen, a disk error) leaves the
                // previous pool in use; the next read tries again.
                if let now, now != opened, let reopened = try? SQLiteCatalogStore.openPool(path, readOnly: readOnly) {
                    stored = reopened
                    opened = now
                }
                return stored
            }
        }
        set {
            let now = FileIdentity(path)
            lock.withLock {
                stored = newValue
                opened = now
            }
        }
    }
}

/// Which file a path names: its device and inode (a rename over the path changes them).
struct FileIdentity: Hashable {
    var device: UInt64
    var inode: UInt64

    init?(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

/// Writes a new index that nobody reads yet: one transaction per batch, through one prepared
/// statement whose columns are bound straight from the image's values (GRDB's argument
/// arrays cost more than the insert itself at a million rows).
struct SQLiteBulkLoad: CatalogBulkLoad {
    let queue: DatabaseQueue
    /// The image table's secondary indexes, made once the images are in.
    let deferred: [String]
    private let indexed = OnceFlag()

    init(queue: DatabaseQueue, deferred: [String]) {
        self.queue = queue
        self.deferred = deferred
    }

    /// Nothing to do: the path's unique index stays through the load, so each path already
    /// holds its newest image (``SQLiteCatalogStore/upsertSQL``).
    func finishImages() async throws {}

    /// The image table's secondary indexes and the full-text index, once: on the loading
    /// connection, while the caller's duplicate search (which reads nothing from the index)
    /// runs on the other core.
    func makeIndexes() async throws {
        guard indexed.claim() else { return }
        let deferred = deferred
        try await queue.write { db in
            for sql in deferred { try db.execute(sql: sql) }
            try db.execute(sql: SQLiteCatalogStore.fillFullText)
        }
    }

    /// A column of the current row as a field of `kind` holds it (as ``SQLiteCatalogStore``
    /// reads values back).
    static func column(_ statement: OpaquePointer, _ index: Int32, kind: RecordField.Kind) -> RecordField.Value {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER:
            let v = sqlite3_column_int64(statement, index)
            switch kind {
            case .bool: return .bool(v != 0)
            case .int: return .int(Int(v))
            case .double: return .double(Double(v))
            case .string: return .null
            }
        case SQLITE_FLOAT:
            let v = sqlite3_column_double(statement, index)
            switch kind {
            case .double: return .double(v)
            case .int: return .int(Int(v))
            default: return .null
            }
        case SQLITE_TEXT:
            guard kind == .string, let text = sqlite3_column_text(statement, index) else { return .null }
            let count = Int(sqlite3_column_bytes(statement, index))
            return .string(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        default:
            return .null
        }
    }

    func sharedContentIDs() async throws -> [Int] {
        try await queue.read { db in
            try Int.fetchAll(
                db,
                sql: """
                    SELECT id FROM image WHERE sha256 IN (SELECT sha256 FROM image WHERE sha256 IS NOT NULL GROUP BY sha256 HAVING COUNT(*) > 1)
                    """)
        }
    }

    func images(ids: [Int]) async throws -> [CatalogImage] {
        try await queue.read { db in
            let select = try db.makeStatement(sql: SQLiteCatalogStore.imageSelect + " WHERE id = ?")
            return try ids.compactMap { id in try Row.fetchOne(select, arguments: [id]).map(SQLiteCatalogStore.image(from:)) }
        }
    }

    func images(paths: [String]) async throws -> [CatalogImage] {
        try await queue.read { db in
            let select = try db.makeStatement(sql: SQLiteCatalogStore.imageSelect + " WHERE lib_path = ?")
            return try paths.compactMap { path in try Row.fetchOne(select, arguments: [path]).map(SQLiteCatalogStore.image(from:)) }
        }
    }

    /// The page cache while the images load (KiB): large enough to hold the path's unique
    /// index at a million images (53 MB), which the upserts visit in the manifest's order, not
    /// the paths'. With SQLite's default 2 MB nearly every upsert read a page of it from the
    /// file and wrote another back (sqlite3 CLI, the same upserts of 1M rows: 4.3-5.5 s user +
    /// 6.8-8.5 s system in 2,000-row transactions with the default cache; 5.5-6.4 s + 1.2-1.7 s
    /// in one transaction with this cache). The cache fills at 100,000 images too (their index
    /// is 141 MB), so memory stays flat in the library's size. The default comes back for the
    /// index builds, whose sorts size their runs by the cache (64 MB there: more CPU, 174 MB).
    static let loadCacheKiB = 65_536

    /// Every batch in one transaction with ``loadCacheKiB`` of page cache: a commit per batch
    /// wrote every page the batch touched (without a journal nothing else is at stake: a
    /// failure discards the whole staging file).
    func insert(batches next: () async throws -> [CatalogImage]?) async throws {
        let defaultCache = try await queue.writeWithoutTransaction { db in
            let size = try Int.fetchOne(db, sql: "PRAGMA cache_size")
            try db.execute(sql: "PRAGMA cache_size = -\(Self.loadCacheKiB); BEGIN")
            return size
        }
        while let batch = try await next() {
            try await queue.writeWithoutTransaction { db in try Self.insert(batch, db) }
        }
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: "COMMIT")
            if let defaultCache { try db.execute(sql: "PRAGMA cache_size = \(defaultCache)") }
        }
    }

    func insert(images: [CatalogImage]) async throws {
        guard !images.isEmpty else { return }
        try await queue.write { db in try Self.insert(images, db) }
    }

    /// Upserts `images` through one cached statement, inside the caller's transaction.
    static func insert(_ images: [CatalogImage], _ db: Database) throws {
        let insert = try db.cachedStatement(sql: SQLiteCatalogStore.upsertSQL)
        let statement = insert.sqliteStatement
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for image in images {
            var column: Int32 = 0
            func bind(_ value: RecordField.Value) {
                column += 1
                Self.bind(value, to: statement, at: column)
            }
            bind(.string(image.path))
            for value in CatalogColumns.values(of: image.record) { bind(value) }
            bind(image.capture.map { .string($0.local) } ?? .null)
            bind(image.capture?.offset.map { .string($0) } ?? .null)
            bind(image.capture.map { .string($0.source.rawValue) } ?? .null)
            bind(image.quality.map { .int($0) } ?? .null)
            bind(image.duplicateGroup.map { .int($0) } ?? .null)
            let code = sqlite3_step(statement)
            sqlite3_reset(statement)
            guard code == SQLITE_DONE else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
        }
    }

    /// SQLite copies the text before the call returns (`SQLITE_TRANSIENT`).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    static func bind(_ value: RecordField.Value, to statement: OpaquePointer, at column: Int32) {
        switch value {
        case .int(let v): sqlite3_bind_int64(statement, column, Int64(v))
        case .double(let v): sqlite3_bind_double(statement, column, v)
        case .bool(let v): sqlite3_bind_int64(statement, column, v ? 1 : 0)
        case .string(var v):
            v.withUTF8 { text in
                _ = sqlite3_bind_text(
                    statement, column, text.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, Int32(text.count),
                    transient)
            }
        case .null: sqlite3_bind_null(statement, column)
        }
    }

    func apply(sidecars: [Sidecar]) async throws {
        guard !sidecars.isEmpty else { return }
        let encoded = try SQLiteCatalogStore.encoded(sidecars)
        try await queue.write { db in try SQLiteCatalogStore.writeDecisions(encoded, db, updatingFullText: false) }
    }

    func setDuplicateGroups(_ groups: [String: Int]) async throws {
        guard !groups.isEmpty else { return }
        try await queue.write { db in
            let update = try db.cachedStatement(sql: "UPDATE image SET duplicate_group = ? WHERE lib_path = ?")
            for (path, group) in groups { try update.execute(arguments: [group, path]) }
        }
    }
}

/// Steps a statement read by raw sqlite3 calls: true with a row to read, false when the rows
/// are done; any other result throws with SQLite's message.
func nextRow(_ statement: SQLiteStatement, _ db: Database) throws -> Bool {
    let code = sqlite3_step(statement)
    if code == SQLITE_ROW { return true }
    if code == SQLITE_DONE { return false }
    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
}
