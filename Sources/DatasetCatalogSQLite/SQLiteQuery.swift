import DatasetAnalysis
import DatasetCatalog
import Foundation
internal import GRDB

/// SQLite's side of ``CatalogSQL``: `?` arguments, `COLLATE NOCASE`, booleans as 0/1, and the
/// FTS5 table `image_fts`.
struct SQLiteDialect: CatalogSQLDialect {
    // Numbered, because a page's candidates come before its conditions in the text but are
    // bound after them.
    func placeholder(_ number: Int) -> String { "?\(number)" }

    func equalsIgnoringCase(_ expression: String, _ placeholder: String) -> String {
        "\(expression) = \(placeholder) COLLATE NOCASE"
    }

    func likeIgnoringCase(_ expression: String, _ placeholder: String) -> String {
        // SQLite's LIKE ignores ASCII case by itself.
        "\(expression) LIKE \(placeholder) ESCAPE '\\'"
    }

    func isTrue(_ expression: String) -> String { "\(expression) = 1" }

    var falseLiteral: String { "0" }

    /// The full-text columns of an image's own words (`image_fts`, made by the first
    /// migration of ``SQLiteCatalogStore``, holds these and its content's tags and caption).
    static let ownWordColumns = "lib_path camera lens"

    func fullTextIDs(_ text: String, bind: (RecordField.Value) -> String) -> String? {
        "SELECT rowid AS id FROM image_fts WHERE image_fts MATCH \(bind(.string(Self.ftsQuery(text))))"
    }

    /// The image table restricted to the filter's own index (`INDEXED BY`), so the planner
    /// reads the filter's matches there — the filter is among the conditions — and nothing
    /// else; words look their rowids up in the full-text index (`NOT INDEXED` leaves only
    /// rowid lookups). Reading `candidates` as a subquery and joining it costs a second
    /// lookup of each row (a third more instructions for a tag's 4,600 images at 1M).
    func candidatesFirst(_ filter: CatalogQuery.Filter, rows candidates: String) -> (from: String, keepsCondition: Bool) {
        switch filter {
        case .text: ("image i NOT INDEXED", true)
        case .tag, .status: ("image i INDEXED BY image_sha", true)
        case .date: ("image i INDEXED BY image_capture", true)
        case .path: ("image i INDEXED BY \(Self.orderIndex(.path))", true)
        case .flag(let flag):
            // A flag's partial index holds exactly its images.
            if let index = CatalogSQL.walkIndexes.first(where: { $0.leading == .flag(flag) }) {
                ("image i INDEXED BY \(index.name)", true)
            } else {
                ("(SELECT id FROM (\(candidates))) c CROSS JOIN image i ON i.id = c.id", false)
            }
        case .camera:
            // Any camera index finds a camera's images (its first column is the camera).
            if let index = CatalogSQL.walkIndexes.first(where: { $0.leading == .camera }) {
                ("image i INDEXED BY \(index.name)", true)
            } else {
                ("(SELECT id FROM (\(candidates))) c CROSS JOIN image i ON i.id = c.id", false)
            }
        default: ("(SELECT id FROM (\(candidates))) c CROSS JOIN image i ON i.id = c.id", false)
        }
    }

    func fullTextEstimate(_ text: String, bind: (RecordField.Value) -> String) -> String? {
        fullTextIDs(text, bind: bind)
    }

    /// `INDEXED BY` the order's index, or the walk index along one of the query's terms: the
    /// planner, seeing a term it believes selective, would otherwise read that term's matches
    /// and sort them, however many there are. Along a camera index, SQLite walks each
    /// matching camera's stretch in order and stops each once the page is full.
    func orderWalk(_ order: CatalogOrder, along index: CatalogSQL.WalkIndex?) -> String {
        "image i INDEXED BY \(index?.name ?? Self.orderIndex(order))"
    }

    /// The postings in the order's posting index (`INDEXED BY`: the planner would otherwise
    /// read the value's postings by the table's key and sort them), each image joined after
    /// its posting (`CROSS JOIN` keeps the postings the outer loop).
    func postings(_ order: CatalogOrder, joiningImages: Bool) -> String? {
        let postings = "\(CatalogSQL.Postings.table) t INDEXED BY \(CatalogSQL.Postings.index(order))"
        return joiningImages ? postings + " CROSS JOIN image i ON i.id = t.image_id" : postings
    }

    var keyedRowsStayInOrder: Bool { true }

    /// A free-text term's narrow rows: each image the full-text index matches, with its path
    /// and the order's key from its text posting (``CatalogSQL/Postings/textTable``: every
    /// image whose content has a decision — tags, a caption — has one), or, for an image
    /// without one (matched by its own words: path, camera, lens), from its image row, read
    /// only then (`COALESCE` evaluates its second argument only when the first is NULL).
    /// Sorted in the page's order behind a `LIMIT` (which keeps the sort inside), so the page
    /// joins the images after them in that order and stops when it is full
    /// (``keyedRowsStayInOrder``). One full-text lookup, as before; measured with the
    /// sqlite3 shell at 100,000 images, two column-filtered lookups (contents' words, then
    /// images' own) and a `UNION` cost a third more instructions than this.
    /// With `first`, only the first that many in the page's order are kept (a bounded sort).
    ///
    /// `alongPosted` (with `first`): the matches with a text posting are read along the
    /// postings' index of the order (``CatalogSQL/Postings/textIndexes``), each tested
    /// against the word's matches, up to the `first` of them; the images matched by their
    /// own words alone (path, camera, lens) and without a posting are looked up beside them,
    /// and the two sorted together. At 1M, `beach` by date (9,705 matches among 20,000
    /// postings): 6.5 ms in the sqlite3 shell looked up and sorted, 3.5 ms along the index.
    func keyedCandidates(
        _ filter: CatalogQuery.Filter, order: CatalogOrder, orderBy: String, first: Int?, alongPosted: Bool, rows: String?,
        bind: (RecordField.Value) -> String
    ) -> String? {
        guard case .text(let text) = filter, let ids = fullTextIDs(text, bind: bind) else { return nil }
        let postings = CatalogSQL.Postings.textTable
        if alongPosted, let first {
            let limit = bind(.int(first))
            let column = CatalogSQL.Postings.column(order)
            let posted = order == .path ? "" : ", \(column)"
            let own = order == .path ? "" : ", \(CatalogSQL.orderKey(order, alias: "i.")) AS \(column)"
            let ownIDs =
                "SELECT rowid FROM image_fts WHERE image_fts MATCH \(bind(.string("{\(Self.ownWordColumns)} : " + Self.ftsQuery(text))))"
            let walked =
                "SELECT * FROM (SELECT image_id, lib_path\(posted) FROM \(postings) INDEXED BY \(CatalogSQL.Postings.textIndex(order)) "
                + "WHERE image_id IN (SELECT id FROM (\(ids))) ORDER BY \(orderBy) LIMIT \(limit))"
            let unposted =
                "SELECT i.id AS image_id, i.lib_path AS lib_path\(own) FROM image i WHERE i.id IN (\(ownIDs)) "
                + "AND NOT EXISTS (SELECT 1 FROM \(postings) p WHERE p.image_id = i.id)"
            return "(SELECT * FROM (\(walked) UNION ALL \(unposted)) u ORDER BY \(orderBy) LIMIT \(limit)) t"
        }
        func narrow(_ column: String, _ expression: String) -> String {
            "COALESCE(p.\(column), (SELECT \(expression) FROM image WHERE id = f.id)) AS \(column)"
        }
        var columns = [narrow("lib_path", "lib_path")]
        if order != .path {
            let column = CatalogSQL.Postings.column(order)
            columns.append(narrow(column, CatalogSQL.orderKey(order, alias: "")))
        }
        let rows =
            "SELECT f.id AS image_id, \(columns.joined(separator: ", ")) FROM (\(ids)) f "
            + "LEFT JOIN \(postings) p ON p.image_id = f.id"
        let limit = first.map { bind(.int($0)) } ?? "-1"
        return "(SELECT * FROM (\(rows)) u ORDER BY \(orderBy) LIMIT \(limit)) t"
    }

    /// The index of each order (made by the migrations of ``SQLiteCatalogStore``; `lib_path`'s
    /// is the one SQLite makes for its UNIQUE constraint).
    static func orderIndex(_ order: CatalogOrder) -> String {
        switch order {
        case .path: "sqlite_autoindex_image_1"
        case .newest: "image_newest"
        case .quality: "image_quality"
        case .size: "image_size"
        case .pixels: "image_pixels"
        }
    }

    /// An FTS5 query matching `text`: each word a quoted prefix term, or the phrase quoted
    /// exactly when it has several words ("quoted phrases" in the search).
    static func ftsQuery(_ text: String) -> String {
        let words = text.split(whereSeparator: { $0.isWhitespace }).map { $0.replacingOccurrences(of: "\"", with: "\"\"") }
        if words.count == 1, let word = words.first { return "\"\(word)\"*" }
        return "\"\(words.joined(separator: " "))\""
    }

    /// The arguments of a ``CatalogSQL`` as GRDB's.
    static func arguments(_ sql: CatalogSQL) -> StatementArguments {
        StatementArguments(sql.arguments.map { SQLiteCatalogStore.databaseValue($0)?.databaseValue ?? .null })
    }
}
