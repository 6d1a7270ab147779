import DatasetAnalysis
import DatasetCatalog
internal import PostgresNIO

/// The postings (``CatalogSQL/Postings``) on PostgreSQL, with SQLite's contents and index
/// shapes: one row per image for each tag value its content holds (folded to lowercase, the
/// case PostgreSQL's tag condition ignores with `lower()`) and for each status other than
/// active, carrying the image's path and every order's key; one index per order on (kind,
/// `lower(value)`, key, path) — the expression the shared tag condition compares, which
/// `lower()` leaves as stored — and a unique one by image for the writes. A tag's or a
/// status's page walks its stretch of the order's index and reads the wide image rows only
/// for the page (at 1M, `tag:beach` by newest: 4,584 candidates' rows read and sorted, 150–
/// 300 ms of server time, became a 51-row index walk, 3 ms; EXPLAIN ANALYZE on a loaded machine).
///
/// Beside them, PostgreSQL's own **text postings** (`posting_text`): one narrow row per image
/// whose content has decisions, with its path, every order's key and its content's `fts` (tags
/// and caption) under a GIN index. A free-text page reads its matches there (and, for the
/// image's own words, in the image table), sorts those narrow rows and reads the images in
/// order only until the page is full (at 1M, `sunset` by newest: 4,451 contents looked up by
/// SHA-256 and their wide rows read, 150 ms, became 4,451 narrow rows sorted, 14 ms). And the
/// capture index carries every order's key, so a date range's page is sorted from it alone
/// (`date:2023-07` by quality: 9,524 table pages read, 259 ms; EXPLAIN ANALYZE under load).
///
/// PL/pgSQL trigger functions keep them current on every write of a tag, a decision or an
/// image, as SQLite's triggers do; a bulk load turns the triggers off and fills the tables
/// once after the images, their indexes and the sidecars are in.
extension PostgresCatalogStore {
    static var postingTable: String { CatalogSQL.Postings.table }

    /// The text postings' table.
    static var textTable: String { CatalogSQL.Postings.textTable }

    /// Both posting tables.
    static var postingTables: [String] { [postingTable, textTable] }

    /// The postings' SQL type of a ``CatalogSQL/Postings/columns`` type: text compared in
    /// bytes ("C", as the image table's), integers as `BIGINT` (sizes and pixel counts).
    private static func postingType(_ type: String) -> String {
        type == "TEXT" ? #"TEXT COLLATE "C""# : "BIGINT"
    }

    /// The migration making the postings: the table, filled from the tags, decisions and
    /// images held, its indexes, and the trigger functions and triggers keeping it current.
    static var version7: [String] {
        let columns = CatalogSQL.Postings.columns.map { "\($0.name) \(postingType($0.type)) NOT NULL" }.joined(separator: ", ")
        return [
            "CREATE TABLE \(postingTable) (kind TEXT NOT NULL, value TEXT NOT NULL, image_id BIGINT NOT NULL, \(columns))",
            "CREATE TABLE \(textTable) (image_id BIGINT NOT NULL, \(columns), fts TSVECTOR NOT NULL)",
        ] + fillPostings + postingIndexes.map(\.sql) + postingFunctions + postingTriggers.map(\.sql) + [
            "DROP INDEX IF EXISTS image_capture", captureIndex,
        ]
    }

    /// The capture index: the capture date, then what every order's key and its tie-break
    /// read, and the row's id (as SQLite's `v7-capture-keys`), so a date range's narrow rows
    /// (``PostgresDialect/keyedCandidates(_:order:orderBy:first:rows:bind:)``) come from it alone.
    static var captureIndex: String {
        let columns = ["id", "lib_path", "quality"] + [RecordField.fileSizeBytes, .width, .height].map(CatalogColumns.name)
        return "CREATE INDEX image_capture ON image (capture_local) INCLUDE (\(columns.joined(separator: ", ")))"
    }

    /// The posting indexes: one per order led by the kind and the folded value, and a unique
    /// one by image (the trigger functions' deletes and their `ON CONFLICT`).
    static var postingIndexes: [(name: String, sql: String)] {
        let table = postingTable
        return CatalogOrder.allCases.map { order in
            let name = CatalogSQL.Postings.index(order)
            let column = CatalogSQL.Postings.column(order)
            let walked = order == .path ? column : "\(column) DESC, lib_path"
            return (name, "CREATE INDEX \(name) ON \(table) (kind, lower(value), \(walked))")
        } + [
            ("\(table)_image", "CREATE UNIQUE INDEX \(table)_image ON \(table) (image_id, kind, value)"),
            ("\(textTable)_image", "CREATE UNIQUE INDEX \(textTable)_image ON \(textTable) (image_id)"),
            ("\(textTable)_fts", "CREATE INDEX \(textTable)_fts ON \(textTable) USING GIN (fts)"),
        ]
    }

    /// An `INSERT … SELECT` of the text postings of the image row `image` (`i`, `NEW`) with
    /// the content's words `fts` (`d.fts`, `NEW.fts`) of each row of `from`.
    private static func postText(image: String, fts: String, from: String, skipPosted: Bool) -> String {
        let values = CatalogSQL.Postings.values(image: image).joined(separator: ", ")
        let columns = CatalogSQL.Postings.columns.map(\.name).joined(separator: ", ")
        return "INSERT INTO \(textTable) (image_id, \(columns), fts) SELECT \(image).id, \(values), \(fts) FROM \(from)"
            + (skipPosted ? " ON CONFLICT DO NOTHING" : "")
    }

    /// An `INSERT … SELECT` posting `value` (an expression), of `kind`, on the image row
    /// `image` (`i`, `NEW`) of each row of `from` (a `FROM` and its `WHERE`).
    private static func post(_ kind: CatalogSQL.Postings.Kind, value: String, image: String, from: String, skipPosted: Bool) -> String {
        let values = CatalogSQL.Postings.values(image: image).joined(separator: ", ")
        return "INSERT INTO \(postingTable) (\(CatalogSQL.Postings.insertColumns)) SELECT '\(kind.rawValue)', \(value), \(image).id, "
            + "\(values) FROM \(from)\(skipPosted ? " ON CONFLICT DO NOTHING" : "")"
    }

    /// The statuses that are posted (all but active).
    private static let postedStatus = "status <> '\(ImageStatus.active.rawValue)'"

    /// Fills the postings of every tag, decision and image (the migration, or after a bulk
    /// load, into an empty table without indexes): each content's distinct folded values.
    static var fillPostings: [String] {
        [
            post(
                .tag, value: "t.value", image: "i",
                from: "(SELECT DISTINCT sha256, lower(value) AS value FROM tag) t JOIN image i ON i.sha256 = t.sha256", skipPosted: false),
            post(
                .status, value: "d.status", image: "i",
                from: "decision d JOIN image i ON i.sha256 = d.sha256 WHERE d.\(postedStatus)", skipPosted: false),
            postText(image: "i", fts: "d.fts", from: "decision d JOIN image i ON i.sha256 = d.sha256", skipPosted: false),
        ]
    }

    /// The trigger functions. Each names its tables unqualified and runs with the search path
    /// it was made with (`SET search_path FROM CURRENT`: the catalog's schema), so a session
    /// with another search path writing a tag still keeps this schema's postings. Made `OR
    /// REPLACE`: dropping the tables (a rebuild) leaves the functions, which the migration
    /// then makes again.
    static var postingFunctions: [String] {
        let table = postingTable
        let postImage =
            post(
                .tag, value: "v.value", image: "NEW",
                from: "(SELECT DISTINCT lower(value) AS value FROM tag WHERE sha256 = NEW.sha256) v", skipPosted: true) + "; "
            + post(
                .status, value: "d.status", image: "NEW", from: "decision d WHERE d.sha256 = NEW.sha256 AND d.\(postedStatus)",
                skipPosted: true)
            + "; " + postText(image: "NEW", fts: "d.fts", from: "decision d WHERE d.sha256 = NEW.sha256", skipPosted: true)
        let contentImages = "image_id IN (SELECT id FROM image WHERE sha256 = OLD.sha256)"
        let unpostImage = "DELETE FROM \(table) WHERE image_id = OLD.id; DELETE FROM \(textTable) WHERE image_id = OLD.id"
        let bodies = [
            (
                "posting_tag_insert",
                post(.tag, value: "lower(NEW.value)", image: "i", from: "image i WHERE i.sha256 = NEW.sha256", skipPosted: true)
            ),
            (
                "posting_tag_delete",
                "IF NOT EXISTS (SELECT 1 FROM tag WHERE sha256 = OLD.sha256 AND lower(value) = lower(OLD.value)) THEN "
                    + "DELETE FROM \(table) WHERE kind = 'tag' AND value = lower(OLD.value) AND \(contentImages); END IF"
            ),
            (
                "posting_decision_insert",
                post(.status, value: "NEW.status", image: "i", from: "image i WHERE i.sha256 = NEW.sha256", skipPosted: true)
            ),
            ("posting_decision_delete", "DELETE FROM \(table) WHERE kind = 'status' AND value = OLD.status AND \(contentImages)"),
            ("posting_image_insert", postImage),
            ("posting_image_update", "\(unpostImage); \(postImage)"),
            ("posting_image_delete", unpostImage),
            (
                "posting_text_decision_insert",
                postText(image: "i", fts: "NEW.fts", from: "image i WHERE i.sha256 = NEW.sha256", skipPosted: true)
            ),
            ("posting_text_decision_delete", "DELETE FROM \(textTable) WHERE \(contentImages)"),
        ]
        return bodies.map { name, body in
            "CREATE OR REPLACE FUNCTION \(name)() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ BEGIN \(body); RETURN NULL; END $$"
        }
    }

    /// The triggers calling ``postingFunctions``, each with its table (a bulk load turns them
    /// off): a tag or a decision added or removed, an image added, removed, or changed in its
    /// content, path or a sort key.
    static var postingTriggers: [(name: String, table: String, sql: String)] {
        let keyColumns = [
            "sha256", "lib_path", "capture_local", "quality", CatalogColumns.name(.fileSizeBytes), CatalogColumns.name(.width),
            CatalogColumns.name(.height),
        ]
        let changed = keyColumns.map { "OLD.\($0) IS DISTINCT FROM NEW.\($0)" }.joined(separator: " OR ")
        let triggers = [
            ("posting_tag_insert", "tag", "AFTER INSERT ON tag FOR EACH ROW"),
            ("posting_tag_delete", "tag", "AFTER DELETE ON tag FOR EACH ROW"),
            ("posting_decision_insert", "decision", "AFTER INSERT ON decision FOR EACH ROW WHEN (NEW.\(postedStatus))"),
            ("posting_decision_delete", "decision", "AFTER DELETE ON decision FOR EACH ROW WHEN (OLD.\(postedStatus))"),
            ("posting_image_insert", "image", "AFTER INSERT ON image FOR EACH ROW"),
            (
                "posting_image_update", "image",
                "AFTER UPDATE OF \(keyColumns.joined(separator: ", ")) ON image FOR EACH ROW WHEN (\(changed))"
            ),
            ("posting_image_delete", "image", "AFTER DELETE ON image FOR EACH ROW"),
            ("posting_text_decision_insert", "decision", "AFTER INSERT ON decision FOR EACH ROW"),
            ("posting_text_decision_delete", "decision", "AFTER DELETE ON decision FOR EACH ROW"),
        ]
        return triggers.map { name, table, when in (name, table, "CREATE TRIGGER \(name) \(when) EXECUTE FUNCTION \(name)()") }
    }

    /// Turns the posting triggers off (`enable` false) for a bulk load, or on again after it.
    static func setPostingTriggers(enabled: Bool, on connection: PostgresConnection, logger: Logger) async throws {
        for trigger in postingTriggers {
            try await connection.query(
                PostgresQuery(unsafeSQL: "ALTER TABLE \(trigger.table) \(enabled ? "ENABLE" : "DISABLE") TRIGGER \(trigger.name)"),
                logger: logger)
        }
    }

    /// After a bulk load (the tables loaded, the triggers off): drops the posting indexes,
    /// fills the postings, makes the indexes again (at 1M with 20,000 sidecars, filling with
    /// the indexes in place cost about 7 s of index upkeep; without them about 1 s) and turns
    /// the triggers back on.
    static func refillPostings(on connection: PostgresConnection, logger: Logger) async throws {
        for index in postingIndexes {
            try await connection.query(PostgresQuery(unsafeSQL: "DROP INDEX IF EXISTS \(index.name)"), logger: logger)
        }
        for sql in fillPostings + postingIndexes.map(\.sql) {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
        try await setPostingTriggers(enabled: true, on: connection, logger: logger)
    }
}

extension PostgresDialect {
    /// The postings in the order's posting index (the planner walks it for the `ORDER BY` and
    /// `LIMIT`: the kind and folded value lead it), each image joined after its posting.
    func postings(_ order: CatalogOrder, joiningImages: Bool) -> String? {
        let postings = "\(CatalogSQL.Postings.table) t"
        return joiningImages ? postings + " JOIN image i ON i.id = t.image_id" : postings
    }

    /// A free-text term's narrow rows: its content's matches (tags, caption) from the text
    /// postings, and the images matched by their own words alone (path, camera, lens) from
    /// the image table — an anti-join rather than a `UNION`, so no row is de-duplicated; a
    /// date range's from the capture index (`rows`). Sorted in the page's order, the `first`
    /// of them by a bounded sort (``CatalogSQL/keyedSortLimit``), and fenced, so the planner
    /// reads the images after them in that order rather than every candidate's image before a
    /// sort. At 1M, `beach -is:blurry quality>=50` by date (9,705 matches): the `UNION`'s
    /// hash and the full sort took 19 ms of a 21 ms statement in psql; bounded, 6 ms.
    func keyedCandidates(
        _ filter: CatalogQuery.Filter, order: CatalogOrder, orderBy: String, first: Int?, alongPosted: Bool, rows: String?,
        bind: (RecordField.Value) -> String
    ) -> String? {
        let narrow: String
        switch filter {
        case .date:
            guard let rows else { return nil }
            narrow = rows
        case .text(let text):
            guard let query = Self.tsquery(text) else { return nil }
            let q = bind(.string(query))
            let column = CatalogSQL.Postings.column(order)
            let key = order == .path ? "" : ", \(CatalogSQL.orderKey(order, alias: "")) AS \(column)"
            let posted = order == .path ? "" : ", \(column)"
            let text = PostgresCatalogStore.textTable
            narrow =
                "SELECT id AS image_id, lib_path\(key) FROM image im WHERE fts @@ \(q)::tsquery AND NOT EXISTS "
                + "(SELECT 1 FROM \(text) pt WHERE pt.image_id = im.id AND pt.fts @@ \(q)::tsquery) "
                + "UNION ALL SELECT image_id, lib_path\(posted) FROM \(text) WHERE fts @@ \(q)::tsquery"
        default:
            return nil
        }
        let fence = first.map { "LIMIT \(bind(.int($0)))" } ?? "OFFSET 0"
        return "(SELECT * FROM (\(narrow)) u ORDER BY \(orderBy) \(fence)) t"
    }
}
