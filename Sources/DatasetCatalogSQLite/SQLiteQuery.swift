import DatasetAnalysis
import DatasetCatalog
import Foundation
internal import GRDB

/// A ``CatalogQuery`` as SQLite conditions over `image i LEFT JOIN decision d`: one condition
/// per term, all bound as arguments (no value is ever spliced into the SQL text).
struct SQLiteQuery {
    var conditions: [String] = []
    var arguments: [(any DatabaseValueConvertible)?] = []

    /// The sort expression of an order, matching the expression indexes of the schema.
    static func orderKey(_ order: CatalogOrder) -> String {
        switch order {
        case .path: "i.lib_path"
        case .newest: "COALESCE(i.capture_local, '')"
        case .quality: "COALESCE(i.quality, -1)"
        }
    }

    static func translate(_ query: CatalogQuery) -> SQLiteQuery {
        var sql = SQLiteQuery()
        for term in query.terms {
            var arguments: [(any DatabaseValueConvertible)?] = []
            let condition = condition(term.filter, &arguments)
            // NULL is neither true nor false; a negated term treats it as "does not match".
            sql.conditions.append(term.negated ? "NOT COALESCE((\(condition)), 0)" : "(\(condition))")
            sql.arguments += arguments
        }
        return sql
    }

    private static func column(_ field: RecordField) -> String { "i.\(CatalogColumns.name(field))" }

    /// `%text%` for LIKE, with LIKE's wildcards escaped (the condition says `ESCAPE '\'`).
    private static func contains(_ text: String) -> String {
        var escaped = ""
        for c in text {
            if c == "%" || c == "_" || c == "\\" { escaped.append("\\") }
            escaped.append(c)
        }
        return "%\(escaped)%"
    }

    /// An FTS5 query matching `text`: each word a quoted prefix term, or the phrase quoted
    /// exactly when it has several words ("quoted phrases" in the search).
    static func ftsQuery(_ text: String) -> String {
        let words = text.split(whereSeparator: { $0.isWhitespace }).map { $0.replacingOccurrences(of: "\"", with: "\"\"") }
        if words.count == 1, let word = words.first { return "\"\(word)\"*" }
        return "\"\(words.joined(separator: " "))\""
    }

    private static func condition(_ filter: CatalogQuery.Filter, _ a: inout [(any DatabaseValueConvertible)?]) -> String {
        switch filter {
        case .text(let text):
            a.append(ftsQuery(text))
            return "i.id IN (SELECT rowid FROM image_fts WHERE image_fts MATCH ?)"
        case .tag(let category, let value):
            a.append(value)
            if let category {
                a.append(category)
                return "i.sha256 IN (SELECT sha256 FROM tag WHERE value = ? COLLATE NOCASE AND category = ? COLLATE NOCASE)"
            }
            return "i.sha256 IN (SELECT sha256 FROM tag WHERE value = ? COLLATE NOCASE)"
        case .camera(let text):
            a.append(contains(text))
            return
                "(COALESCE(\(column(.cameraMake)), '') || ' ' || COALESCE(\(column(.cameraModel)), '')) LIKE ? ESCAPE '\\'"
        case .lens(let text):
            a.append(contains(text))
            return "\(column(.lensModel)) LIKE ? ESCAPE '\\'"
        case .path(let text):
            a.append(contains(text))
            return "i.lib_path LIKE ? ESCAPE '\\'"
        case .caption(let text):
            a.append(contains(text))
            return "d.caption LIKE ? ESCAPE '\\'"
        case .format(let format):
            a.append(format)
            return "\(column(.format)) = ? COLLATE NOCASE"
        case .date(let from, let through):
            // '~' sorts after every digit, 'T' and ':', so the prefix `through` includes all its times.
            a += [from, through + "~"]
            return "i.capture_local >= ? AND i.capture_local < ?"
        case .status(let status):
            a.append(status.rawValue)
            return "COALESCE(d.status, 'active') = ?"
        case .flag(let flag):
            if let field = flag.recordField { return "\(column(field)) = 1" }
            switch flag {
            case .duplicate: return "i.duplicate_group IS NOT NULL"
            case .tagged: return "COALESCE(d.tag_text, '') <> ''"
            case .captioned: return "d.caption IS NOT NULL AND d.caption <> ''"
            case .keeper: return "d.keeper = 1"
            default: return "0"
            }
        case .compare(let key, let comparison, let value):
            a.append(value)
            let left: String
            switch key {
            case .record(let field): left = column(field)
            case .rating: left = "d.rating"
            case .quality: left = "i.quality"
            }
            return "\(left) \(comparison.rawValue) ?"
        case .sha256(let prefix):
            a.append(prefix + "%")
            return "i.sha256 LIKE ?"
        case .split(let split):
            a.append(split)
            return "\(column(.split)) = ?"
        case .className(let name):
            a.append(name)
            return "\(column(.className)) = ?"
        }
    }
}
