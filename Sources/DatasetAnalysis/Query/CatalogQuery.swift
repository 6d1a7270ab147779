import Foundation

/// A library search, parsed: every term must hold (AND); a term written with a leading `-`
/// must not. The catalog stores translate it to their own query language (SQL for SQLite and
/// PostgreSQL), so the web UI and the command line search the same way.
///
/// ```swift
/// let query = try CatalogQuery.parse(#"sunset tag:beach camera:"Canon EOS R6" width>=1024"#)
/// ```
public struct CatalogQuery: Sendable, Hashable {
    public var terms: [Term]

    public init(terms: [Term] = []) {
        self.terms = terms
    }

    /// Matches everything.
    public static let all = CatalogQuery()

    public struct Term: Sendable, Hashable {
        public var filter: Filter
        public var negated: Bool
        /// 1-based character position of the term in the query text, for error messages.
        public var position: Int

        public init(_ filter: Filter, negated: Bool = false, position: Int = 1) {
            self.filter = filter
            self.negated = negated
            self.position = position
        }
    }

    public enum Filter: Sendable, Hashable {
        /// Words or a phrase, in the full-text index (tags, caption, path, camera, lens).
        case text(String)
        /// A tag; a nil category matches the value in any category.
        case tag(category: String?, value: String)
        /// Camera make or model contains the text (case-insensitive).
        case camera(String)
        /// Lens model contains the text (case-insensitive).
        case lens(String)
        /// Path (relative to the library) starts with the text, case-sensitively (`path:2023/`):
        /// a range on the path index.
        case path(String)
        /// Path (relative to the library) contains the text, ignoring ASCII case
        /// (`path:*beach`, a leading `*`): every path is read.
        case pathContaining(String)
        /// Caption contains the text.
        case caption(String)
        /// Container format, as the manifest names it (`JPEG`, `PNG`).
        case format(String)
        /// Capture date (local time, never shifted) from `from` through `through`, each a
        /// prefix of an ISO date: `2023`, `2023-07`, `2023-07-14`.
        case date(from: String, through: String)
        case status(ImageStatus)
        case flag(Flag)
        case compare(NumericKey, Comparison, Double)
        /// Content (SHA-256) starts with this hex.
        case sha256(String)
        case split(String)
        case className(String)
    }

    /// `is:…` filters.
    public enum Flag: String, Sendable, Hashable, CaseIterable {
        case blurry, dark, overexposed, corrupt, bordered, gps, duplicate, tagged, captioned, keeper

        /// The record field holding it, for the flags the scan computes.
        public var recordField: RecordField? {
            switch self {
            case .blurry: .isBlurry
            case .dark: .isDark
            case .overexposed: .isOverexposed
            case .corrupt: .isCorrupt
            case .bordered: .hasBorderArtifact
            case .gps: .hasGPSData
            case .duplicate, .tagged, .captioned, .keeper: nil
            }
        }
    }

    /// What a comparison (`width>=1024`) may compare.
    public enum NumericKey: Sendable, Hashable {
        case record(RecordField)
        case rating, quality

        /// The names a query uses, and what each compares.
        public static let names: [(name: String, key: NumericKey)] = [
            ("width", .record(.width)), ("height", .record(.height)), ("size", .record(.fileSizeBytes)),
            ("iso", .record(.isoSpeed)), ("focal", .record(.focalLengthMM)), ("aperture", .record(.fNumber)),
            ("blur", .record(.blurScore)), ("brightness", .record(.meanBrightness)),
            ("rating", .rating), ("quality", .quality),
        ]
    }

    public enum Comparison: String, Sendable, Hashable {
        case less = "<"
        case lessOrEqual = "<="
        case equal = "="
        case greaterOrEqual = ">="
        case greater = ">"
    }
}

extension ImgedaError.Code {
    /// A library search query that cannot be parsed.
    public static let queryInvalid = ImgedaError.Code(rawValue: "query_invalid")
}

extension CatalogQuery {
    /// The filter names a query knows (`tag:`, `camera:` …), for help texts and errors.
    public static let filterNames = [
        "tag", "camera", "lens", "path", "caption", "format", "date", "status", "is", "sha", "split", "class",
    ]

    /// Parses a query: words and "quoted phrases" (full text), `name:value` filters (a value
    /// may be quoted), comparisons such as `width>=1024`, each negated by a leading `-`.
    /// Throws one ``ImgedaError`` naming the position (1-based) of what it cannot read.
    /// - Complexity: O(n) in the length of the text.
    public static func parse(_ text: String) throws(ImgedaError) -> CatalogQuery {
        var scanner = QueryScanner(Array(text))
        var terms: [Term] = []
        while let token = try scanner.next() {
            terms.append(try term(token))
        }
        return CatalogQuery(terms: terms)
    }

    private static func fail(_ message: String, at position: Int, remedy: String? = nil) -> ImgedaError {
        ImgedaError(.queryInvalid, "query: \(message) at position \(position)", remedy: remedy)
    }

    private static func term(_ token: QueryScanner.Token) throws(ImgedaError) -> Term {
        let at = token.position
        guard let key = token.key else {
            return Term(.text(token.value), negated: token.negated, position: at)
        }
        let name = key.lowercased()
        let value = token.value
        if let comparison = token.comparison {
            guard let numeric = NumericKey.names.first(where: { $0.name == name })?.key else {
                throw fail(
                    "'\(key)' cannot be compared", at: at,
                    remedy: "compare one of \(NumericKey.names.map(\.name).joined(separator: ", ")), e.g. width>=1024")
            }
            guard let number = Double(value) else {
                throw fail("'\(value)' is not a number", at: at, remedy: "write e.g. \(name)\(comparison.rawValue)1024")
            }
            return Term(.compare(numeric, comparison, number), negated: token.negated, position: at)
        }
        guard !value.isEmpty else {
            throw fail("'\(key):' has no value", at: at, remedy: "write e.g. \(name):value, quoted if it has spaces")
        }
        let filter: Filter
        switch name {
        case "tag":
            let tag = Tag(parsing: value)
            filter = .tag(category: value.contains(":") ? tag.category : nil, value: tag.value)
        case "camera": filter = .camera(value)
        case "lens": filter = .lens(value)
        case "path": filter = value.hasPrefix("*") ? .pathContaining(String(value.dropFirst())) : .path(value)
        case "caption": filter = .caption(value)
        case "format": filter = .format(value.uppercased() == "JPG" ? "JPEG" : value.uppercased())
        case "split": filter = .split(value)
        case "class": filter = .className(value)
        case "sha", "sha256":
            guard value.allSatisfy(\.isHexDigit) else { throw fail("'\(value)' is not hex", at: at) }
            filter = .sha256(value.lowercased())
        case "status":
            guard let status = ImageStatus(rawValue: value.lowercased()) else {
                throw fail(
                    "unknown status '\(value)'", at: at,
                    remedy: "one of \(ImageStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter = .status(status)
        case "is":
            guard let flag = Flag(rawValue: value.lowercased()) else {
                throw fail("unknown is:\(value)", at: at, remedy: "one of \(Flag.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter = .flag(flag)
        case "date":
            let parts = value.splitOnRange()
            guard parts.count <= 2, parts.allSatisfy(isDatePrefix) else {
                throw fail(
                    "'\(value)' is not a date", at: at, remedy: "write date:2023, date:2023-07, date:2023-07-14 or date:2023-06..2023-08")
            }
            filter = .date(from: parts[0], through: parts.count == 2 ? parts[1] : parts[0])
        default:
            throw fail("unknown filter '\(key):'", at: at, remedy: "filters are \(filterNames.map { "\($0):" }.joined(separator: " "))")
        }
        return Term(filter, negated: token.negated, position: at)
    }

    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    static func isDatePrefix(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let widths = [4, 2, 2]
        guard (1...3).contains(parts.count) else { return false }
        for (part, width) in zip(parts, widths) where part.count != width || !part.allSatisfy(\.isASCII) || !part.allSatisfy(\.isNumber) {
            return false
        }
        return true
    }
}

/// Splits a query into terms: `-`? then a word, a "quoted phrase", `key:value`,
/// `key:"quoted value"` or `key<op>value`.
private struct QueryScanner {
    struct Token {
        var key: String?
        var comparison: CatalogQuery.Comparison?
        var value: String
        var negated: Bool
        var position: Int
    }

    let chars: [Character]
    var index = 0

    init(_ chars: [Character]) {
        self.chars = chars
    }

    mutating func next() throws(ImgedaError) -> Token? {
        while index < chars.count, chars[index].isWhitespace { index += 1 }
        guard index < chars.count else { return nil }
        let start = index + 1
        var negated = false
        if chars[index] == "-", index + 1 < chars.count, !chars[index + 1].isWhitespace {
            negated = true
            index += 1
        }
        if chars[index] == "\"" {
            return Token(key: nil, value: try quoted(start: start), negated: negated, position: start)
        }
        var word = ""
        while index < chars.count, !chars[index].isWhitespace {
            let c = chars[index]
            if c == ":" && !word.isEmpty {
                index += 1
                let value: String
                if index < chars.count, chars[index] == "\"" {
                    value = try quoted(start: start)
                } else {
                    value = bare()
                }
                return Token(key: word, value: value, negated: negated, position: start)
            }
            if (c == "<" || c == ">" || c == "=") && !word.isEmpty {
                var op = String(c)
                index += 1
                if index < chars.count, chars[index] == "=", c != "=" {
                    op.append("=")
                    index += 1
                }
                guard let comparison = CatalogQuery.Comparison(rawValue: op) else {
                    throw ImgedaError(.queryInvalid, "query: unknown comparison '\(op)' at position \(start)")
                }
                let value = bare()
                guard !value.isEmpty else {
                    throw ImgedaError(
                        .queryInvalid, "query: '\(word)\(op)' has no value at position \(start)", remedy: "write e.g. \(word)\(op)1024")
                }
                return Token(key: word, comparison: comparison, value: value, negated: negated, position: start)
            }
            if c == "\"" {
                throw ImgedaError(
                    .queryInvalid, "query: a quote inside a word at position \(index + 1)",
                    remedy: "quote the whole phrase: \"two words\", or a filter's value: camera:\"Canon EOS R6\"")
            }
            word.append(c)
            index += 1
        }
        return Token(key: nil, value: word, negated: negated, position: start)
    }

    private mutating func bare() -> String {
        var value = ""
        while index < chars.count, !chars[index].isWhitespace {
            value.append(chars[index])
            index += 1
        }
        return value
    }

    /// A quoted string starting at `index` (on the quote); `\"` and `\\` escape.
    private mutating func quoted(start: Int) throws(ImgedaError) -> String {
        let open = index + 1
        index += 1
        var value = ""
        while index < chars.count {
            let c = chars[index]
            if c == "\\", index + 1 < chars.count {
                value.append(chars[index + 1])
                index += 2
                continue
            }
            if c == "\"" {
                index += 1
                return value
            }
            value.append(c)
            index += 1
        }
        throw ImgedaError(.queryInvalid, "query: the quote at position \(open) is never closed", remedy: "add the closing \"")
    }
}

extension String {
    /// `a..b` as `[a, b]`; the text alone when it has no `..`.
    fileprivate func splitOnRange() -> [String] {
        guard let range = range(of: "..") else { return [self] }
        return [String(self[..<range.lowerBound]), String(self[range.upperBound...])]
    }
}
