public import DatasetAnalysis
import Foundation

/// What differs between the SQL backends when a ``CatalogQuery`` becomes SQL: how an argument
/// is written, how text is compared ignoring case, how booleans read, and the full-text
/// search. Everything else — which column a filter reads, how a negated term treats NULL,
/// the keyset, the page query — is ``CatalogSQL``'s, once for every backend.
///
/// Both backends share the schema's names: `image i` (a column per record field named by
/// ``CatalogColumns``, `lib_path`, `sha256`, `capture_local`, `quality`, `duplicate_group`),
/// `decision d` (`status`, `rating`, `caption`, `keeper`, `tag_text`) and `tag` (`sha256`,
/// `category`, `value`).
public protocol CatalogSQLDialect: Sendable {
    /// The text of the `number`-th bound argument, from 1: `?` (SQLite) or `$1` (PostgreSQL).
    func placeholder(_ number: Int) -> String
    /// `expression` equals the text at `placeholder`, ignoring case.
    func equalsIgnoringCase(_ expression: String, _ placeholder: String) -> String
    /// `expression` matches the LIKE pattern at `placeholder` (backslash escapes), ignoring case.
    func likeIgnoringCase(_ expression: String, _ placeholder: String) -> String
    /// `expression`, a boolean column, is true.
    func isTrue(_ expression: String) -> String
    /// The literal false.
    var falseLiteral: String { get }
    /// A statement selecting the ids (as `id`) of the images whose full-text index matches
    /// `text` (the words, or the phrase, of a ``CatalogQuery/Filter/text(_:)`` term), binding
    /// what it needs with `bind`; nil when `text` has no word to look for (nothing matches).
    func fullTextIDs(_ text: String, bind: (RecordField.Value) -> String) -> String?
    /// A statement selecting about one row per image whose full-text index matches `text`
    /// (only counted, to choose a plan: it may count a content once for all its images).
    func fullTextEstimate(_ text: String, bind: (RecordField.Value) -> String) -> String?
    /// The `FROM` of a page that reads the images `candidates` (a statement selecting the
    /// rows, `i.*`, of the images `filter`'s own index finds) names first, as `i`, and sorts
    /// them: the plan when an index finds few images. `keepsCondition`: whether the page still
    /// tests the filter's own condition (when the `FROM` relies on it to find the rows).
    func candidatesFirst(_ filter: CatalogQuery.Filter, rows candidates: String) -> (from: String, keepsCondition: Bool)
    /// The `FROM` of a page that walks `order`'s index, as `i`, testing each image until the
    /// page is full: the plan when every index at hand finds many images. `along`: an index
    /// of ``CatalogSQL/walkIndexes`` that walks the order among one of the query's terms'
    /// matches only (nil when the query has no such term).
    func orderWalk(_ order: CatalogOrder, along index: CatalogSQL.WalkIndex?) -> String
    /// The `FROM` of a page read along the postings (``CatalogSQL/Postings``), as `t`, in
    /// `order`'s posting index — `joiningImages`: with each posting's image joined as `i`
    /// after it (the page tests other conditions) —, or nil when the backend has no postings.
    func postings(_ order: CatalogOrder, joiningImages: Bool) -> String?
    /// The `FROM` of a page read from `filter`'s matches as narrow rows, as `t`: `image_id`,
    /// `lib_path` and, but by path, `order`'s key in ``CatalogSQL/Postings/column(_:)``, sorted
    /// by `orderBy` (the page's order, on those columns) and fenced so that the planner keeps
    /// that order; the page then reads each row's image, in order, only to test the query's
    /// other terms, and stops when it is full. `rows` selects those narrow rows from the image
    /// table for a filter the image table answers alone (a date range), nil otherwise. Nil
    /// when the backend reads the candidates whole (``candidatesFirst(_:rows:)``).
    /// `alongPosted`: a word's matches among the contents' words are read along the text
    /// postings' index of the order (``CatalogSQL/Postings/textIndexes``) rather than looked
    /// up and sorted (``CatalogSQL/keyedWalk``); a backend without those indexes ignores it.
    func keyedCandidates(
        _ filter: CatalogQuery.Filter, order: CatalogOrder, orderBy: String, first: Int?, alongPosted: Bool, rows: String?,
        bind: (RecordField.Value) -> String
    ) -> String?
    /// Whether the rows of ``keyedCandidates(_:order:orderBy:first:rows:bind:)`` come out of the page
    /// in the source's order without a sort of the page's own: the page then joins each image
    /// after its row (`CROSS JOIN`) and takes the first rows that pass (SQLite, whose planner
    /// would otherwise move the source's sort after the join and read every candidate's image).
    /// False: the page sorts again and the planner keeps the source's order (PostgreSQL).
    var keyedRowsStayInOrder: Bool { get }
}

extension CatalogSQLDialect {
    public var keyedRowsStayInOrder: Bool { false }

    public func postings(_ order: CatalogOrder, joiningImages: Bool) -> String? { nil }

    public func keyedCandidates(
        _ filter: CatalogQuery.Filter, order: CatalogOrder, orderBy: String, first: Int?, alongPosted: Bool, rows: String?,
        bind: (RecordField.Value) -> String
    ) -> String? { nil }
}

/// How a page of a query is read; ``CatalogSQL/plan(counts:bound:)`` chooses.
public enum CatalogPlan: Sendable, Hashable {
    /// Walk the order's index from the cursor and test each image until the page is full:
    /// cheap when many images match (about `limit / share of matches` rows are read).
    case walk
    /// Read the images the index of this term (its position in the query) finds, then sort
    /// them and take the page: cheap when that index finds few.
    case candidates(term: Int)
}

/// A ``CatalogQuery`` as SQL over `image i LEFT JOIN decision d`: one condition per term, every
/// value bound as an argument (none is ever spliced into the SQL text), and the keyset page
/// and count statements built from them. Each backend runs the statements and reads the rows.
///
/// A page is planned before it is read (``plan(counts:bound:)``): the terms an index answers
/// alone (a tag, words, a date range, a path prefix, a status) count their images, each up
/// to ``candidateBound``; when one finds fewer, its images are read first and sorted
/// (``CatalogPlan/candidates(term:)``), else the order's index is walked (``CatalogPlan/walk``)
/// — so a selective filter never waits for an index walk to meet its matches late, and a
/// broad one never sorts a large share of the library. Either way every condition is tested
/// on every row, so both plans return the same rows.
public struct CatalogSQL: Sendable {
    public var conditions: [String] = []
    /// The arguments, in placeholder order.
    public var arguments: [RecordField.Value] = []
    let dialect: any CatalogSQLDialect
    let query: CatalogQuery
    /// Whether a condition reads the decision table `d` (a page's inner query joins it only then).
    var readsDecisions = false
    /// The cameras each `camera:` text matches, when the backend looked them up first
    /// (``camerasStatement(containing:dialect:)``); a text not here finds its cameras in the
    /// statement itself.
    let cameras: [String: [String]]

    /// Up to how many images a term's index may find for the page to be read from them
    /// (sorted in full); at or above it, the order's index is walked instead. At 1M images a
    /// term finding 20,000 matches one image in 50, so an uncorrelated walk reads about 2,500
    /// rows for a page of 50 — about what sorting 20,000 candidates' keys costs.
    public static let candidateBound = 20_000

    /// How many times a page (plus one row) of a term's narrow candidates a keyed page sorts
    /// first (``keyedSortLimit``), where the backend sorts them itself
    /// (``CatalogSQLDialect/keyedRowsStayInOrder``): the first rows in the page's order, kept
    /// by a bounded sort, fill the page unless the other terms reject most of them, and then
    /// the page is read again with all of them sorted. At 1M, `beach -is:blurry quality>=50`
    /// by date sorted 9,705 rows for a page of 50: 14 ms in the sqlite3 shell, 6 ms bounded
    /// by 8 pages, 5 ms by 4 (SQLite's sort keeps its bound's rows in order as they come:
    /// 2,000 took 9 ms). Four pages fill unless the other terms reject three rows in four.
    public static let keyedSortFactor = 4

    /// At most how many of a keyed page's candidates are sorted (the first in the page's
    /// order); nil sorts them all. Results are the same either way when the page comes back
    /// full; a short page must be read again unbounded (``keyedSortBound(_:plan:counts:limit:factor:)``).
    public var keyedSortLimit: Int?

    /// Whether a keyed page reads a word's matches among the contents' words along the text
    /// postings' index of its order, in order, rather than looking each up and sorting them:
    /// set by a backend that has the indexes (``Postings/textIndexes``) when the postings
    /// are few beside the word's matches, so the walk meets them soon.
    public var keyedWalk = false

    /// The ``keyedSortLimit`` to read a page of `query` with first, by `plan` and the counts
    /// that chose it, and the word's count of matches: `factor` pages' worth (plus a row each)
    /// when the plan reads a word's matches and they are more; nil when the page sorts them
    /// all at once. A page read with
    /// it that comes back without a row beyond `limit` (``isFull(_:limit:)``) is read again
    /// without it: its other terms rejected too many of the first candidates, or a cursor
    /// passed them.
    public static func keyedSortBound(
        _ query: CatalogQuery, plan: CatalogPlan, counts: [(term: Int, count: Int)], limit: Int, factor: Int = keyedSortFactor
    ) -> (first: Int, matches: Int)? {
        let first = factor * (max(1, limit) + 1)
        guard case .candidates(let term) = plan, query.terms.indices.contains(term), !query.terms[term].negated,
            case .text = query.terms[term].filter, let count = counts.first(where: { $0.term == term })?.count, count > first
        else { return nil }
        return (first, count)
    }

    /// Whether a page statement's `rows` fill a page of `limit` and tell that more follow (the
    /// statement reads one row beyond the page).
    public static func isFull(_ rows: Int, limit: Int) -> Bool { rows > max(1, limit) }

    public init(_ query: CatalogQuery, dialect: some CatalogSQLDialect, cameras: [String: [String]] = [:]) {
        self.dialect = dialect
        self.query = query
        self.cameras = cameras
        for term in query.terms {
            let condition = condition(term.filter)
            // NULL is neither true nor false; a negated term treats it as "does not match".
            conditions.append(term.negated ? "NOT COALESCE((\(condition)), \(dialect.falseLiteral))" : "(\(condition))")
        }
    }

    /// Binds `value` and returns its placeholder.
    mutating func bind(_ value: RecordField.Value) -> String {
        arguments.append(value)
        return dialect.placeholder(arguments.count)
    }

    /// The sort expression of an order; the expression indexes of both schemas are made from
    /// it too (with `alias` ""), so a query and its index cannot drift apart.
    public static func orderKey(_ order: CatalogOrder, alias: String = "i.") -> String {
        switch order {
        case .path: "\(alias)lib_path"
        case .newest: "COALESCE(\(alias)capture_local, '')"
        case .quality: "COALESCE(\(alias)quality, -1)"
        case .size: "COALESCE(\(alias)\(CatalogColumns.name(.fileSizeBytes)), 0)"
        case .pixels: "COALESCE(\(alias)\(CatalogColumns.name(.width)), 0) * COALESCE(\(alias)\(CatalogColumns.name(.height)), 0)"
        }
    }

    /// The camera as a search compares it (``CatalogQuery/Filter/camera(_:)``): make and
    /// model with a space between; the camera indexes are made from it too.
    public static func cameraKey(alias: String = "i.") -> String {
        "(COALESCE(\(alias)\(CatalogColumns.name(.cameraMake)), '') || ' ' || COALESCE(\(alias)\(CatalogColumns.name(.cameraModel)), ''))"
    }

    /// An index that walks one order among the images of one kind of term only: where a
    /// term's matches cluster at one end of an order (a camera's photos in its years and at
    /// its sensor's pixel count; blurry, dark, overexposed and corrupt images at the low end of the
    /// quality score), walking the order's own index meets them only after most of the
    /// library, however many there are.
    public struct WalkIndex: Sendable, Hashable {
        public enum Leading: Sendable, Hashable {
            /// Led by ``CatalogSQL/cameraKey(alias:)``: a camera term's cameras, each walked in order.
            case camera
            /// Partial: only the images with this flag.
            case flag(CatalogQuery.Flag)
        }
        public let name: String
        public let leading: Leading
        public let order: CatalogOrder

        /// The statement making the index in `dialect`'s SQL.
        public func definition(_ dialect: some CatalogSQLDialect) -> String {
            let key = "(\(CatalogSQL.orderKey(order, alias: ""))) DESC, lib_path"
            switch leading {
            case .camera:
                // Paths sort ascending; the other keys descending, then by path.
                let walked = order == .path ? "lib_path" : key
                return "CREATE INDEX \(name) ON image (\(CatalogSQL.cameraKey(alias: "")), \(walked))"
            case .flag(let flag):
                let column = flag.recordField.map(CatalogColumns.name) ?? ""
                return "CREATE INDEX \(name) ON image (\(key)) WHERE \(dialect.isTrue(column))"
            }
        }

        /// Whether a (positive) term with `filter` can be walked along this index.
        func leads(_ filter: CatalogQuery.Filter) -> Bool {
            switch (leading, filter) {
            case (.camera, .camera): true
            case (.flag(let flag), .flag(let other)): flag == other
            default: false
            }
        }
    }

    /// The walk indexes both backends make (an additive migration each; a bulk load re-makes
    /// them with the image table's other indexes). A camera's photos cluster in time and by
    /// pixel count (its sensor), and so in paths when folders are dated; the flags that lower
    /// the quality score cluster at its low end. The quality and size orders are not led by a
    /// camera (measured at 1M: every camera's first page by size or quality came within 60 ms
    /// of CPU, start-up included, by the order's index alone; each camera index adds about
    /// 2.5 s of CPU to a SQLite rebuild). A flag's partial index also counts its images, so a
    /// rare flag drives a page in every order.
    public static let walkIndexes: [WalkIndex] =
        [CatalogOrder.path, .newest, .pixels].map { WalkIndex(name: "image_camera_\($0.rawValue)", leading: .camera, order: $0) }
        + [CatalogQuery.Flag.blurry, .dark, .overexposed, .corrupt].map {
            WalkIndex(name: "image_quality_\($0.rawValue)", leading: .flag($0), order: .quality)
        }

    /// The walk index for `order` along a positive term of `query`, if any.
    public static func walkIndex(_ query: CatalogQuery, order: CatalogOrder) -> WalkIndex? {
        for term in query.terms where !term.negated {
            if let index = walkIndexes.first(where: { $0.order == order && $0.leads(term.filter) }) { return index }
        }
        return nil
    }

    /// The postings: one row per tag value (ignoring case) and image whose content holds it,
    /// and per status other than active and image whose content has it, with the image's
    /// path and the sort key of every order (``orderKey(_:alias:)``), and an index per order
    /// led by the kind and value. A tag's or a status's page walks its stretch of the order's
    /// posting index and stops when the page is full, reading no image row it does not show
    /// (at 1M a `tag:beach` page read ~12,900 pages before: each candidate looked up by
    /// content, then its wide row read for its sort key; `status:rejected` ~19,100). The
    /// backend keeps them current on every write of a tag, a decision or an image, and fills
    /// them once after a bulk load.
    public enum Postings {
        public static let table = "posting"

        /// The text postings: one narrow row per image whose content has decisions (tags, a
        /// caption, a status), keyed by the image's id, with its path and every order's key in
        /// ``columns`` (and, on PostgreSQL, the content's words). A free-text page reads its
        /// matches among the contents' words there, sorts those narrow rows and reads images
        /// only for the page (``CatalogSQLDialect/keyedCandidates(_:order:orderBy:first:rows:bind:)``).
        public static let textTable = "posting_text"

        /// What a posting's value is.
        public enum Kind: String, Sendable, CaseIterable {
            /// A tag's value (any category).
            case tag
            /// A status other than active.
            case status
        }

        /// The column holding `order`'s sort key.
        public static func column(_ order: CatalogOrder) -> String { order == .path ? "lib_path" : "key_\(order.rawValue)" }

        /// The posting index walked for `order`: (kind, value, sort key, path).
        public static func index(_ order: CatalogOrder) -> String { "\(table)_\(order.rawValue)" }

        /// The columns after `kind`, `value` and `image_id`, each with its SQL type, in ``values(image:)``' order.
        public static let columns: [(name: String, type: String)] = CatalogOrder.allCases.map { order in
            (column(order), order == .path || order == .newest ? "TEXT" : "INTEGER")
        }

        /// The values of ``columns`` for the image row named `image` (`i`, `NEW`).
        public static func values(image: String) -> [String] {
            CatalogOrder.allCases.map { CatalogSQL.orderKey($0, alias: image + ".") }
        }

        /// The posting indexes and the statements making them (after a fill, or in a
        /// migration): one per order, and one by image for the writes.
        public static var indexes: [(name: String, sql: String)] {
            CatalogOrder.allCases.map { order in
                let walked = order == .path ? "lib_path" : "\(column(order)) DESC, lib_path"
                return (index(order), "CREATE INDEX \(index(order)) ON \(table) (kind, value, \(walked))")
            } + [("\(table)_image", "CREATE INDEX \(table)_image ON \(table) (image_id)")]
        }

        /// The text postings' index of `order`: its key, then the path (SQLite's rows carry
        /// the image's id as their key), so a word's posted matches are read in the order.
        public static func textIndex(_ order: CatalogOrder) -> String { "\(textTable)_\(order.rawValue)" }

        /// The text postings' order indexes and the statements making them.
        public static var textIndexes: [(name: String, sql: String)] {
            CatalogOrder.allCases.map { order in
                let walked = order == .path ? "lib_path" : "\(column(order)) DESC, lib_path"
                return (textIndex(order), "CREATE INDEX \(textIndex(order)) ON \(textTable) (\(walked))")
            }
        }

        /// The posting columns' names, as an insert lists them.
        public static var insertColumns: String { "kind, value, image_id, " + columns.map(\.name).joined(separator: ", ") }

        /// Whether a (positive) term with `filter` has postings: a page of a query with such a
        /// term reads along them (a backend may then skip counting that term).
        public static func hold(_ filter: CatalogQuery.Filter) -> Bool { CatalogSQL.posting(filter) != nil }
    }

    /// The statement selecting the cameras a `camera:` term with `text` matches (for
    /// ``init(_:dialect:cameras:)``, so the page compares the camera with values; PostgreSQL
    /// then walks one camera's stretch of a camera index in order).
    public static func camerasStatement(containing text: String, dialect: some CatalogSQLDialect) -> (
        sql: String, arguments: [RecordField.Value]
    ) {
        var sql = CatalogSQL(.all, dialect: dialect)
        let text = sql.cameras(containing: text)
        return (text, sql.arguments)
    }

    /// The cameras (distinct values of ``cameraKey(alias:)``) whose text contains `text`,
    /// ignoring case: a loose scan of a camera index, one step per camera the library holds.
    private mutating func cameras(containing text: String) -> String {
        let key = Self.cameraKey(alias: "")
        let matches = dialect.likeIgnoringCase("c.x", bind(.string(Escape.sqlLikeContaining(text))))
        return """
            WITH RECURSIVE c(x) AS (SELECT MIN(\(key)) FROM image UNION ALL \
            SELECT (SELECT MIN(\(key)) FROM image WHERE \(key) > c.x) FROM c WHERE c.x IS NOT NULL) \
            SELECT c.x FROM c WHERE c.x IS NOT NULL AND \(matches)
            """
    }

    /// Whether an order's key is a number (the cursor's text is read back as one).
    static func isNumeric(_ order: CatalogOrder) -> Bool {
        switch order {
        case .path, .newest: false
        case .quality, .size, .pixels: true
        }
    }

    /// The cursor standing at `image` in `order`: its sort key as ``orderKey(_:alias:)``
    /// computes it, and its path.
    public static func cursor(at image: CatalogImage, order: CatalogOrder) -> CatalogCursor {
        let key: String? =
            switch order {
            case .path: nil
            case .newest: image.capture?.local ?? ""
            case .quality: String(image.quality ?? -1)
            case .size: String(image.record.fileSizeBytes)
            case .pixels: String(image.record.width * image.record.height)
            }
        return CatalogCursor(key: key, path: image.path)
    }

    // MARK: - Planning

    /// For each term an index answers alone, its position in the query and the statement
    /// counting, up to `bound`, the images that index finds (with the statement's arguments).
    public static func candidateCounts(
        _ query: CatalogQuery, dialect: some CatalogSQLDialect, bound: Int, cameras: [String: [String]] = [:]
    ) -> [(term: Int, sql: String, arguments: [RecordField.Value])] {
        query.terms.indices.compactMap { index in
            let term = query.terms[index]
            guard !term.negated else { return nil }
            var sql = CatalogSQL(.all, dialect: dialect, cameras: cameras)
            guard let rows = sql.estimate(term.filter) else { return nil }
            let text = "SELECT COUNT(*) FROM (\(rows) LIMIT \(sql.bind(.int(bound)))) c"
            return (index, text, sql.arguments)
        }
    }

    /// The plan for the counts of ``candidateCounts(_:dialect:bound:)``: the term finding the
    /// fewest images drives when it finds fewer than `bound`; otherwise the order's index is
    /// walked.
    public static func plan(counts: [(term: Int, count: Int)], bound: Int) -> CatalogPlan {
        guard let fewest = counts.min(by: { $0.count < $1.count }), fewest.count < bound else { return .walk }
        return .candidates(term: fewest.term)
    }

    /// A statement selecting about one row per image a filter's own index finds (for
    /// ``candidateCounts(_:dialect:bound:)``): a tag or a status counts its contents in its
    /// own table, without looking up their images (a content held twice counts once; the
    /// count only chooses the plan).
    mutating func estimate(_ filter: CatalogQuery.Filter) -> String? {
        switch filter {
        case .tag(let category, let value):
            var matches = dialect.equalsIgnoringCase("value", bind(.string(value)))
            if let category { matches += " AND " + dialect.equalsIgnoringCase("category", bind(.string(category))) }
            return "SELECT 1 FROM tag WHERE \(matches)"
        case .status(let status) where status != .active:
            return "SELECT 1 FROM decision WHERE status = \(bind(.string(status.rawValue)))"
        case .text(let text):
            return dialect.fullTextEstimate(text) { bind($0) } ?? "SELECT 1 FROM image WHERE \(dialect.falseLiteral)"
        case .date(let from, let through):
            return "SELECT 1 FROM image i WHERE \(dateCondition(from: from, through: through))"
        case .camera:
            return "SELECT 1 FROM image i WHERE \(condition(filter))"
        case .flag(let flag) where Self.walkIndexes.contains(where: { $0.leading == .flag(flag) }):
            return "SELECT 1 FROM image i WHERE \(condition(filter))"
        case .path(let prefix):
            // The range alone: an estimate need not leave out a path continuing with U+10FFFF.
            let range = Escape.sqlPrefixRange(prefix)
            return "SELECT 1 FROM image i WHERE i.lib_path >= \(bind(.string(range.lower))) AND i.lib_path < \(bind(.string(range.upper)))"
        default:
            return nil
        }
    }

    /// A statement selecting the rows (`i.*`, so `id` among them) of the images a filter's
    /// own index finds — exactly those the filter's condition accepts —, or nil when no index
    /// answers it.
    mutating func candidates(_ filter: CatalogQuery.Filter) -> String? {
        switch filter {
        case .text(let text):
            let ids = dialect.fullTextIDs(text) { bind($0) } ?? "SELECT id FROM image WHERE \(dialect.falseLiteral)"
            return "SELECT i.* FROM image i WHERE i.id IN (\(ids))"
        case .tag:
            return "SELECT i.* FROM image i WHERE \(tagCondition(filter))"
        case .date(let from, let through):
            return "SELECT i.* FROM image i WHERE \(dateCondition(from: from, through: through))"
        case .path(let prefix):
            return "SELECT i.* FROM image i WHERE \(prefixCondition(prefix))"
        case .status(let status) where status != .active:
            return "SELECT i.* FROM image i WHERE \(condition(filter))"
        case .camera:
            return "SELECT i.* FROM image i WHERE \(condition(filter))"
        case .flag(let flag) where Self.walkIndexes.contains(where: { $0.leading == .flag(flag) }):
            return "SELECT i.* FROM image i WHERE \(condition(filter))"
        default:
            return nil
        }
    }

    /// The columns a page query selects, in the order ``hit(_:)`` reads them.
    static let hitColumnList = [
        "i.lib_path", "i.sha256", "i.\(CatalogColumns.name(.width))", "i.\(CatalogColumns.name(.height))",
        "i.\(CatalogColumns.name(.format))", "i.capture_local", "i.capture_source", "i.quality", "d.status", "d.rating", "d.tag_text",
        "d.caption", "i.duplicate_group", "i.\(CatalogColumns.name(.fileSizeBytes))",
    ]

    /// The columns a page query selects, in the order ``hit(_:)`` reads them; the statement
    /// adds the sort key after them as `sort_key`.
    public static let hitColumns = hitColumnList.joined(separator: ", ")

    /// How many columns of a page's row are the hit's (the sort key follows).
    public static var hitColumnCount: Int { hitColumnList.count }

    /// The statement of one page: up to `limit + 1` rows (one more than asked, to tell
    /// whether another page follows) after `cursor`, in `order`; or, `backward`, the rows
    /// just before `cursor`, nearest first. `plan` says how the page is found; an inner query
    /// picks the page's ids and sort keys (from an index, reading no more than it must), and
    /// only those rows are read in full.
    /// `stop`: the page ends before this position (``walkStopStatement(order:after:backward:entries:)``),
    /// whatever it holds.
    public mutating func pageStatement(
        order: CatalogOrder, after cursor: CatalogCursor?, limit: Int, backward: Bool = false, plan: CatalogPlan = .walk,
        before stop: CatalogCursor? = nil
    ) -> String {
        if let term = postingTerm(plan),
            let page = postingPage(term: term, order: order, after: cursor, limit: limit, backward: backward, before: stop)
        {
            return page
        }
        if case .candidates(let term) = plan, query.terms.indices.contains(term),
            let page = keyedPage(term: term, order: order, after: cursor, limit: limit, backward: backward)
        {
            return page
        }
        var source = dialect.orderWalk(order, along: Self.walkIndex(query, order: order))
        if case .candidates(let term) = plan, query.terms.indices.contains(term) {
            let filter = query.terms[term].filter
            var rows = CatalogSQL(.all, dialect: dialect, cameras: cameras)
            if let scratch = rows.candidates(filter) {
                let driven = dialect.candidatesFirst(filter, rows: scratch)
                if !driven.keepsCondition {
                    // The candidates are exactly the term's matches: the page tests the others.
                    var others = query
                    others.terms.remove(at: term)
                    self = CatalogSQL(others, dialect: dialect, cameras: cameras)
                }
                // Bound again, in this statement's numbering.
                source = dialect.candidatesFirst(filter, rows: self.candidates(filter) ?? scratch).from
            }
        }
        let key = Self.orderKey(order)
        var conditions = conditions
        if let cursor { conditions.append(cursorCondition(cursor, order: order, key: key, path: "i.lib_path", backward: backward)) }
        let cameras = plan == .walk && Self.walkIndex(query, order: order)?.leading == .camera ? walkedCameras() ?? [] : []
        var stopArms: [[String]] = []
        if let stop {
            if order == .path || cameras.count > 1 {
                // Before the stop: the rows after it the other way (in path order, a range of the path index).
                conditions.append(cursorCondition(stop, order: order, key: key, path: "i.lib_path", backward: !backward))
            } else {
                // Two ranges of the order's index, each a bound it stops at: the keys before the
                // stop's, then the stop's own key before its path. One condition on both would
                // be a filter within a run of equal keys (at 1M the pixel counts are four runs
                // of 250,000 images, the quality score starts with one of 30,000).
                let value: RecordField.Value = Self.isNumeric(order) ? .int(Int(stop.key ?? "") ?? -1) : .string(stop.key ?? "")
                let (beyond, before) = backward ? ("<", ">") : (">", "<")
                stopArms = [
                    conditions + ["\(key) \(beyond) \(bind(value))"],
                    conditions + ["\(key) = \(bind(value))", "i.lib_path \(before) \(bind(.string(stop.path)))"],
                ]
            }
        }
        let (down, up) = backward ? ("ASC", "DESC") : ("DESC", "ASC")
        let orderBy = order == .path ? "i.lib_path \(up)" : "\(key) \(down), i.lib_path \(up)"
        let decisions = readsDecisions ? " LEFT JOIN decision d ON d.sha256 = i.sha256" : ""
        let pageLimit = bind(.int(max(1, limit) + 1))
        let filtered = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        var inner = "SELECT i.id AS id, \(key) AS sort_key FROM \(source)\(decisions) \(filtered) ORDER BY \(orderBy) LIMIT \(pageLimit)"
        // One walk per camera along the camera index, merged: a backend that cannot walk an
        // index for a list of values (PostgreSQL) would sort all their images. Or the two
        // ranges before a stop.
        var arms = cameras.count > 1 ? cameras.map { conditions + ["\(Self.cameraKey()) = \(bind(.string($0)))"] } : []
        if arms.isEmpty { arms = stopArms }
        if !arms.isEmpty {
            // Each arm a subquery of its own (SQLite allows no ORDER BY or LIMIT on an arm itself).
            let selects = arms.enumerated().map { number, all in
                "SELECT * FROM (SELECT i.id AS id, \(key) AS sort_key, i.lib_path AS lib_path FROM \(source)\(decisions) "
                    + "WHERE \(all.joined(separator: " AND ")) ORDER BY \(orderBy) LIMIT \(pageLimit)) a\(number)"
            }
            let merged = order == .path ? "u.lib_path \(up)" : "u.sort_key \(down), u.lib_path \(up)"
            inner =
                "SELECT u.id AS id, u.sort_key AS sort_key FROM (\(selects.joined(separator: " UNION ALL "))) u ORDER BY \(merged) LIMIT \(pageLimit)"
        }
        return Self.page(inner, order: order, backward: backward)
    }

    // MARK: - A bounded walk for words

    /// How many entries of the order's index a page of `limit` rows may walk before it gives
    /// up on a full-text term that matched `count` of about `images` images, or nil when
    /// reading and sorting the matches costs less (``walkStopStatement(order:after:backward:entries:)``).
    /// Evenly spread, a page meets its `limit + 1` matches after about
    /// `(limit + 1) × images / count` entries; the walk is allowed twice that, or six times
    /// when the query has `otherTerms` (each leaves out some of the word's matches: at 1M,
    /// `-is:blurry quality>=50` keeps about half of `beach`'s). The walk is tried only when it
    /// reads fewer than `entriesPerMatch` entries per match — what reading one match by the
    /// plan costs in index entries: about 10 when each match's wide image row is read (a
    /// covering index entry tested against the words' rowids against a random page of the
    /// wide image table), ``entriesPerKeyedMatch`` when the matches are narrow keyed rows
    /// (``CatalogSQLDialect/keyedCandidates(_:order:orderBy:first:rows:bind:)``). So the decision
    /// comes from the counts: with 10, a word with 10 matches never walks; with 1, at 1M
    /// only a word matching more than about 10,000 images (6,000 without other terms) does.
    public static func boundedWalkEntries(count: Int, images: Int, limit: Int, otherTerms: Bool = false, entriesPerMatch: Int = 10)
        -> Int?
    {
        guard count > 0, images > 0 else { return nil }
        let expected = (max(1, limit) + 1) * images / count
        let entries = (otherTerms ? 6 : 2) * max(expected, 1)
        return entries < entriesPerMatch * count ? entries : nil
    }

    /// How many entries of an order's index a walk reads for the cost of one match read as a
    /// narrow keyed row (a full-text rowid, a lookup in a table a few hundred pages long and
    /// a place in a sort of a few thousand keys) for ``boundedWalkEntries(count:images:limit:otherTerms:entriesPerMatch:)``.
    public static let entriesPerKeyedMatch = 1

    /// The statement counting how many of the first `entries` entries after `cursor` (before
    /// it, `backward`) in `order`'s own index the full-text `text` matches — a short look
    /// before a bounded walk: where a word's matches lie farther along the order (a trip's
    /// photos in one year), it finds none and the walk is not made. Nil when `text` has no word.
    public mutating func walkProbeStatement(
        _ text: String, order: CatalogOrder, after cursor: CatalogCursor?, backward: Bool, entries: Int
    ) -> String? {
        let key = Self.orderKey(order)
        let (down, up) = backward ? ("ASC", "DESC") : ("DESC", "ASC")
        let walkOrder = order == .path ? "i.lib_path \(up)" : "\(key) \(down), i.lib_path \(up)"
        let range = cursor.map { "WHERE " + cursorCondition($0, order: order, key: key, path: "i.lib_path", backward: backward) } ?? ""
        let walk =
            "SELECT i.id AS id FROM \(dialect.orderWalk(order, along: nil)) \(range) ORDER BY \(walkOrder) LIMIT \(bind(.int(max(1, entries))))"
        guard let ids = dialect.fullTextIDs(text, bind: { bind($0) }) else { return nil }
        return "SELECT COUNT(*) FROM (\(walk)) w WHERE w.id IN (\(ids))"
    }

    /// The statement selecting the sort key (`sort_key`) and path (`lib_path`) of the entry
    /// `entries` places after `cursor` (before it, `backward`) in `order`'s own index — where
    /// a bounded walk stops (``pageStatement(order:after:limit:backward:plan:before:)`` with
    /// it as `stop`) —, or no row when the index ends sooner (the walk is then complete). It
    /// steps over the index's entries alone, reading no image row.
    public mutating func walkStopStatement(order: CatalogOrder, after cursor: CatalogCursor?, backward: Bool, entries: Int) -> String {
        let key = Self.orderKey(order)
        let (down, up) = backward ? ("ASC", "DESC") : ("DESC", "ASC")
        let walkOrder = order == .path ? "i.lib_path \(up)" : "\(key) \(down), i.lib_path \(up)"
        let range = cursor.map { "WHERE " + cursorCondition($0, order: order, key: key, path: "i.lib_path", backward: backward) } ?? ""
        return "SELECT \(key) AS sort_key, i.lib_path AS lib_path FROM \(dialect.orderWalk(order, along: nil)) \(range) "
            + "ORDER BY \(walkOrder) LIMIT 1 OFFSET \(bind(.int(max(0, entries))))"
    }

    /// The statement reading in full the rows of a page whose ids and sort keys `inner` selects.
    private static func page(_ inner: String, order: CatalogOrder, backward: Bool) -> String {
        let (down, up) = backward ? ("ASC", "DESC") : ("DESC", "ASC")
        let outerOrderBy = order == .path ? "i.lib_path \(up)" : "p.sort_key \(down), i.lib_path \(up)"
        return """
            SELECT \(Self.hitColumns), p.sort_key AS sort_key
            FROM (\(inner)) p
            JOIN image i ON i.id = p.id LEFT JOIN decision d ON d.sha256 = i.sha256
            ORDER BY \(outerOrderBy)
            """
    }

    /// The condition of the rows after `cursor` (before it, `backward`) in `order`, whose sort
    /// key and path are the expressions `key` and `path`.
    private mutating func cursorCondition(_ cursor: CatalogCursor, order: CatalogOrder, key: String, path: String, backward: Bool)
        -> String
    {
        // Forward, a key sorts descending (newest, best, largest first) and paths ascending;
        // backward flips both comparisons and both directions.
        let (less, greater) = backward ? (">", "<") : ("<", ">")
        guard order != .path else { return "\(path) \(greater) \(bind(.string(cursor.path)))" }
        let value: RecordField.Value = Self.isNumeric(order) ? .int(Int(cursor.key ?? "") ?? -1) : .string(cursor.key ?? "")
        // The first condition is implied by the second; it is there for SQLite's planner,
        // which with bound values reads the OR as a filter and scans the index from its
        // start (a page 10,000 deep read 10,000 pages of rows) unless it also has a range.
        let range = bind(value)
        let a = bind(value)
        let b = bind(value)
        return "\(key) \(less)= \(range) AND (\(key) \(less) \(a) OR (\(key) = \(b) AND \(path) \(greater) \(bind(.string(cursor.path)))))"
    }

    /// The term a page walks the postings of: the planned term when it has postings, or, when
    /// the order's index is walked, the first positive term with postings (they are a part
    /// of that index, in the same order).
    private func postingTerm(_ plan: CatalogPlan) -> Int? {
        switch plan {
        case .candidates(let term):
            guard query.terms.indices.contains(term), Self.posting(query.terms[term].filter) != nil else { return nil }
            return term
        case .walk:
            return query.terms.firstIndex { !$0.negated && Self.posting($0.filter) != nil }
        }
    }

    /// The postings holding a filter's images: their kind and value, and whether they hold
    /// exactly its images (a tag with a category holds fewer: the term is tested too).
    private static func posting(_ filter: CatalogQuery.Filter) -> (kind: Postings.Kind, value: String, exact: Bool)? {
        switch filter {
        case .tag(let category, let value): (.tag, value, category == nil)
        case .status(let status) where status != .active: (.status, status.rawValue, true)
        default: nil
        }
    }

    /// The page read along the postings of the term at `term` (``Postings``), or nil when the
    /// backend has none.
    private mutating func postingPage(
        term: Int, order: CatalogOrder, after cursor: CatalogCursor?, limit: Int, backward: Bool, before stop: CatalogCursor? = nil
    ) -> String? {
        guard let posting = Self.posting(query.terms[term].filter), dialect.postings(order, joiningImages: false) != nil else {
            return nil
        }
        if posting.exact {
            var others = query
            others.terms.remove(at: term)
            self = CatalogSQL(others, dialect: dialect, cameras: cameras)
        }
        let joins = !conditions.isEmpty || readsDecisions
        guard let source = dialect.postings(order, joiningImages: joins) else { return nil }
        let key = "t.\(Postings.column(order))"
        var all =
            ["t.kind = \(bind(.string(posting.kind.rawValue)))", dialect.equalsIgnoringCase("t.value", bind(.string(posting.value)))]
            + conditions
        if let cursor { all.append(cursorCondition(cursor, order: order, key: key, path: "t.lib_path", backward: backward)) }
        // Before the stop: the rows after it the other way.
        if let stop { all.append(cursorCondition(stop, order: order, key: key, path: "t.lib_path", backward: !backward)) }
        let (down, up) = backward ? ("ASC", "DESC") : ("DESC", "ASC")
        let orderBy = order == .path ? "t.lib_path \(up)" : "\(key) \(down), t.lib_path \(up)"
        let decisions = readsDecisions ? " LEFT JOIN decision d ON d.sha256 = i.sha256" : ""
        let inner =
            "SELECT t.image_id AS id, \(key) AS sort_key FROM \(source)\(decisions) WHERE \(all.joined(separator: " AND ")) "
            + "ORDER BY \(orderBy) LIMIT \(bind(.int(max(1, limit) + 1)))"
        return Self.page(inner, order: order, backward: backward)
    }

    /// The page read from the narrow rows of the term at `term`'s matches, sorted
    /// (``CatalogSQLDialect/keyedCandidates(_:order:orderBy:first:rows:bind:)``), or nil when the
    /// backend reads its candidates whole.
    private mutating func keyedPage(term: Int, order: CatalogOrder, after cursor: CatalogCursor?, limit: Int, backward: Bool) -> String? {
        let filter = query.terms[term].filter
        // The rows are exactly the term's matches: the page tests the others.
        var others = query
        others.terms.remove(at: term)
        var sql = CatalogSQL(others, dialect: dialect, cameras: cameras)
        let column = Postings.column(order)
        let (down, up) = backward ? ("ASC", "DESC") : ("DESC", "ASC")
        let sorted = order == .path ? "lib_path \(up)" : "\(column) \(down), lib_path \(up)"
        var rows: String?
        if case .date(let from, let through) = filter {
            let key = order == .path ? "" : ", \(Self.orderKey(order)) AS \(column)"
            rows =
                "SELECT i.id AS image_id, i.lib_path AS lib_path\(key) FROM image i WHERE \(sql.dateCondition(from: from, through: through))"
        }
        guard
            let source = dialect.keyedCandidates(
                filter, order: order, orderBy: sorted, first: keyedSortLimit, alongPosted: keyedWalk, rows: rows,
                bind: { sql.bind($0) })
        else {
            return nil
        }
        self = sql
        let key = "t.\(column)"
        var all = conditions
        if let cursor { all.append(cursorCondition(cursor, order: order, key: key, path: "t.lib_path", backward: backward)) }
        let orderBy = order == .path ? "t.lib_path \(up)" : "\(key) \(down), t.lib_path \(up)"
        let inOrder = dialect.keyedRowsStayInOrder
        let join = inOrder ? " CROSS JOIN" : " JOIN"
        let images = !conditions.isEmpty || readsDecisions ? "\(join) image i ON i.id = t.image_id" : ""
        let decisions = readsDecisions ? " LEFT JOIN decision d ON d.sha256 = i.sha256" : ""
        let filtered = all.isEmpty ? "" : " WHERE " + all.joined(separator: " AND ")
        let inner =
            "SELECT t.image_id AS id, \(key) AS sort_key FROM \(source)\(images)\(decisions)\(filtered) "
            + (inOrder ? "" : "ORDER BY \(orderBy) ") + "LIMIT \(bind(.int(max(1, limit) + 1)))"
        return Self.page(inner, order: order, backward: backward)
    }

    /// The cameras the query's first camera term matches, when the backend looked them up.
    private func walkedCameras() -> [String]? {
        for term in query.terms where !term.negated {
            if case .camera(let text) = term.filter, let values = cameras[text] { return values }
        }
        return nil
    }

    /// The statement counting the matches.
    public func countStatement() -> String {
        """
        SELECT COUNT(*) FROM image i LEFT JOIN decision d ON d.sha256 = i.sha256
        \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
        """
    }

    /// A hit from the columns of ``hitColumns``, in order, already read into values.
    public static func hit(_ values: [RecordField.Value]) -> CatalogHit {
        func string(_ i: Int) -> String? {
            if case .string(let v) = values[i] { return v }
            return nil
        }
        func int(_ i: Int) -> Int? {
            switch values[i] {
            case .int(let v): v
            case .double(let v): Int(v)
            default: nil
            }
        }
        return CatalogHit(
            path: string(0) ?? "", sha256: string(1), width: int(2) ?? 0, height: int(3) ?? 0, format: string(4) ?? "",
            captureDate: string(5), captureSource: string(6), quality: int(7),
            status: string(8).flatMap(ImageStatus.init(rawValue:)) ?? .active, rating: int(9),
            tags: string(10).map { $0.split(separator: "\n").map(String.init) } ?? [], caption: string(11),
            duplicateGroup: int(12), fileSizeBytes: values.count > 13 ? int(13) ?? 0 : 0)
    }

    /// The cursor after a page whose last row had this path and sort key.
    public static func cursor(path: String, sortKey: RecordField.Value) -> CatalogCursor {
        let key: String? =
            switch sortKey {
            case .int(let v): String(v)
            case .string(let v): v
            default: nil
            }
        return CatalogCursor(key: key, path: path)
    }

    private static func column(_ field: RecordField) -> String { "i.\(CatalogColumns.name(field))" }

    private mutating func condition(_ filter: CatalogQuery.Filter) -> String {
        let dialect = self.dialect
        switch filter {
        case .text(let text):
            guard let ids = dialect.fullTextIDs(text, bind: { bind($0) }) else { return dialect.falseLiteral }
            return "i.id IN (\(ids))"
        case .tag:
            return tagCondition(filter)
        case .camera(let text):
            // The cameras matching first (a few, from a camera index), then their images by
            // the same index: the same images as the camera text matched row by row.
            if let values = cameras[text] {
                guard !values.isEmpty else { return dialect.falseLiteral }
                return "\(Self.cameraKey()) IN (\(values.map { bind(.string($0)) }.joined(separator: ", ")))"
            }
            return "\(Self.cameraKey()) IN (\(cameras(containing: text)))"
        case .lens(let text):
            return dialect.likeIgnoringCase(Self.column(.lensModel), bind(.string(Escape.sqlLikeContaining(text))))
        case .path(let prefix):
            return prefixCondition(prefix)
        case .pathContaining(let text):
            return dialect.likeIgnoringCase("i.lib_path", bind(.string(Escape.sqlLikeContaining(text))))
        case .caption(let text):
            readsDecisions = true
            return dialect.likeIgnoringCase("d.caption", bind(.string(Escape.sqlLikeContaining(text))))
        case .format(let format):
            return dialect.equalsIgnoringCase(Self.column(.format), bind(.string(format)))
        case .date(let from, let through):
            return dateCondition(from: from, through: through)
        case .status(let status) where status != .active:
            // Only contents with decisions have a status other than active: the same images as
            // `COALESCE(d.status, 'active') = status`, found through the content index.
            return "i.sha256 IN (SELECT sha256 FROM decision WHERE status = \(bind(.string(status.rawValue))))"
        case .status(let status):
            readsDecisions = true
            return "COALESCE(d.status, 'active') = \(bind(.string(status.rawValue)))"
        case .flag(let flag):
            if let field = flag.recordField { return dialect.isTrue(Self.column(field)) }
            readsDecisions = flag != .duplicate
            switch flag {
            case .duplicate: return "i.duplicate_group IS NOT NULL"
            case .tagged: return "COALESCE(d.tag_text, '') <> ''"
            case .captioned: return "d.caption IS NOT NULL AND d.caption <> ''"
            case .keeper: return dialect.isTrue("d.keeper")
            default: return dialect.falseLiteral
            }
        case .compare(let key, let comparison, let value):
            let left: String
            switch key {
            case .record(let field): left = Self.column(field)
            case .rating:
                left = "d.rating"
                readsDecisions = true
            case .quality: left = "i.quality"
            }
            return "\(left) \(comparison.rawValue) \(bind(.double(value)))"
        case .sha256(let prefix):
            return "i.sha256 LIKE \(bind(.string(Escape.sqlLikePrefix(prefix)))) ESCAPE '\\'"
        case .split(let split):
            return "\(Self.column(.split)) = \(bind(.string(split)))"
        case .className(let name):
            return "\(Self.column(.className)) = \(bind(.string(name)))"
        }
    }

    private mutating func tagCondition(_ filter: CatalogQuery.Filter) -> String {
        guard case .tag(let category, let value) = filter else { return dialect.falseLiteral }
        let valueMatches = dialect.equalsIgnoringCase("value", bind(.string(value)))
        if let category {
            let categoryMatches = dialect.equalsIgnoringCase("category", bind(.string(category)))
            return "i.sha256 IN (SELECT sha256 FROM tag WHERE \(valueMatches) AND \(categoryMatches))"
        }
        return "i.sha256 IN (SELECT sha256 FROM tag WHERE \(valueMatches))"
    }

    private mutating func dateCondition(from: String, through: String) -> String {
        // '~' sorts after every digit, 'T' and ':' (the columns compare bytes), so the
        // prefix `through` includes all its times.
        "i.capture_local >= \(bind(.string(from))) AND i.capture_local < \(bind(.string(through + "~")))"
    }

    /// The path starts with `prefix`: a range on the path index, and the prefix compared
    /// exactly (the range's upper end leaves out a path continuing with U+10FFFF).
    private mutating func prefixCondition(_ prefix: String) -> String {
        let range = Escape.sqlPrefixRange(prefix)
        // The length is a number this code computed, not a value from the query.
        return "i.lib_path >= \(bind(.string(range.lower))) AND i.lib_path < \(bind(.string(range.upper))) "
            + "AND substr(i.lib_path, 1, \(prefix.unicodeScalars.count)) = \(bind(.string(prefix)))"
    }
}

/// The words of text as both full-text indexes see them: runs of letters and digits,
/// lowercased, with diacritics removed (`Café_2023.jpg` → `cafe`, `2023`, `jpg`) — what
/// SQLite's FTS5 `unicode61` tokenizer does (with its default `remove_diacritics 1`; it folds
/// case letter by letter, so `ß` stays `ß`), so a backend that builds its own index
/// (PostgreSQL's tsvector) finds the same images for the same words.
public enum CatalogWords {
    public static func words(_ text: String) -> [String] {
        asciiWords(text) ?? foldedWords(text)
    }

    /// ``words(_:)`` of any text: lowercased and folded by Foundation, split on scalars that
    /// are neither alphabetic nor numeric.
    static func foldedWords(_ text: String) -> [String] {
        let folded = text.lowercased().folding(options: [.diacriticInsensitive], locale: nil)
        var words: [String] = []
        var current = ""
        for scalar in folded.unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// ``words(_:)`` of an ASCII text, without Foundation's folding (most of a library
    /// build's time before): in ASCII, lowercasing and folding change only A–Z, and the
    /// alphabetic and numeric scalars are exactly the letters and digits. Nil for a text
    /// with any byte above 0x7F, which takes the general path.
    static func asciiWords(_ text: String) -> [String]? {
        var text = text
        return text.withUTF8 { bytes -> [String]? in
            var words: [String] = []
            var word: [UInt8] = []
            for byte in bytes {
                guard byte < 0x80 else { return nil }
                let isUpper = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")
                if isUpper || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                {
                    word.append(isUpper ? byte | 0x20 : byte)
                } else if !word.isEmpty {
                    words.append(String(decoding: word, as: UTF8.self))
                    word.removeAll(keepingCapacity: true)
                }
            }
            if !word.isEmpty { words.append(String(decoding: word, as: UTF8.self)) }
            return words
        }
    }
}
