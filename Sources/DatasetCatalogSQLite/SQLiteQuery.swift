import DatasetAnalysis
import DatasetCatalog
import Foundation
internal import GRDB

/// SQLite's side of ``CatalogSQL``: `?` arguments, `COLLATE NOCASE`, booleans as 0/1, and the
/// FTS5 table `image_fts`.
struct SQLiteDialect: CatalogSQLDialect {
    func placeholder(_ number: Int) -> String { "?" }

    func equalsIgnoringCase(_ expression: String, _ placeholder: String) -> String {
        "\(expression) = \(placeholder) COLLATE NOCASE"
    }

    func likeIgnoringCase(_ expression: String, _ placeholder: String) -> String {
        // SQLite's LIKE ignores ASCII case by itself.
        "\(expression) LIKE \(placeholder) ESCAPE '\\'"
    }

    func isTrue(_ expression: String) -> String { "\(expression) = 1" }

    var falseLiteral: String { "0" }

    func fullText(_ text: String, bind: (RecordField.Value) -> String) -> String {
        "i.id IN (SELECT rowid FROM image_fts WHERE image_fts MATCH \(bind(.string(Self.ftsQuery(text)))))"
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
