/// One row of a URL list: its position, its URL and the other columns (caption, label, …),
/// which are kept with the image in `download.jsonl`.
public struct URLRow: Sendable, Hashable {
    /// The row's position among the list's rows, from 0: the image's file name.
    public var index: Int
    public var url: String
    /// The other columns, in the list's order; a null or missing value is nil.
    public var extra: [ExtraField]
    /// Why the row has no usable URL (a JSON line that is not an object), if so.
    public var problem: String?

    public init(index: Int, url: String, extra: [ExtraField] = [], problem: String? = nil) {
        self.index = index
        self.url = url
        self.extra = extra
        self.problem = problem
    }
}

/// A column of a URL list other than the URL.
public struct ExtraField: Sendable, Hashable {
    public var name: String
    public var value: String?

    public init(_ name: String, _ value: String?) {
        self.name = name
        self.value = value
    }
}

/// The formats a URL list can have.
public enum URLListFormat: String, Sendable, Hashable, CaseIterable {
    /// One URL a line; blank lines and lines starting with `#` are skipped.
    case text
    /// Comma-separated values with a header line (RFC 4180 quoting).
    case csv
    /// Tab-separated values with a header line.
    case tsv
    /// One JSON object a line.
    case jsonl
    /// Apache Parquet, as LAION, DataComp and COYO ship their URL lists.
    case parquet

    /// The format a file name suggests: `.csv`, `.tsv`, `.jsonl`/`.ndjson`, `.parquet`;
    /// anything else (`.txt`, no extension, standard input) is text.
    public static func guess(path: String) -> URLListFormat {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".tsv") || lower.hasSuffix(".tab") { return .tsv }
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") { return .jsonl }
        if lower.hasSuffix(".parquet") { return .parquet }
        return .text
    }
}
