public import DatasetAnalysis
import DatasetIO
import Foundation

/// Reads the rows of a URL list one at a time (constant memory whatever its length): text,
/// CSV/TSV with a header, JSON Lines or Parquet, from a file or standard input (`-`).
///
/// In CSV, TSV and JSON Lines the URL column is the one named by `urlColumn`, or else the
/// first whose name is one of ``urlColumnNames`` (case-insensitively); every other column
/// is kept as an ``ExtraField`` of the row.
///
/// ```swift
/// let source = try URLSource(path: "urls.csv")
/// while let row = try source.next() { print(row.index, row.url) }
/// ```
public final class URLSource {
    /// Column names taken for the URL when `--url-column` is not given, in order of preference.
    public static let urlColumnNames = ["url", "image_url", "img_url", "imageurl", "image", "link", "src", "href", "uri"]

    public let path: String
    public let format: URLListFormat
    private let reader: any RowReader
    private var nextIndex = 0

    public init(path: String, format: URLListFormat? = nil, urlColumn: String? = nil) throws(ImgedaError) {
        self.path = path
        let format = format ?? URLListFormat.guess(path: path)
        self.format = format
        switch format {
        case .text:
            reader = TextRows(bytes: try BufferedByteReader(path: path))
        case .csv, .tsv:
            reader = try DelimitedRows(
                bytes: try BufferedByteReader(path: path), separator: format == .csv ? UInt8(ascii: ",") : 0x09,
                urlColumn: urlColumn)
        case .jsonl:
            reader = JSONLinesRows(bytes: try BufferedByteReader(path: path), urlColumn: urlColumn)
        case .parquet:
            guard path != "-" else {
                throw ImgedaError(
                    .invalidArgument, "a Parquet URL list cannot be read from standard input (its index is at its end)",
                    remedy: "give the .parquet file's path")
            }
            reader = try ParquetRows(reader: try ParquetReader(path: path), urlColumn: urlColumn)
        }
    }

    /// The next row, or nil at the end of the list.
    public func next() throws(ImgedaError) -> URLRow? {
        guard var row = try reader.nextRow() else { return nil }
        row.index = nextIndex
        nextIndex += 1
        return row
    }

    /// Rows in the list at `path` (read through once).
    public static func countRows(path: String, format: URLListFormat? = nil, urlColumn: String? = nil) throws(ImgedaError) -> Int {
        let source = try URLSource(path: path, format: format, urlColumn: urlColumn)
        var count = 0
        while try source.reader.nextRow() != nil { count += 1 }
        return count
    }

    /// The URL column among `columns`: `wanted` if given (else an error naming the columns),
    /// otherwise the first of ``urlColumnNames`` present.
    static func urlColumnIndex(in columns: [String], wanted: String?, listName: String) throws(ImgedaError) -> Int {
        if let wanted {
            if let index = columns.firstIndex(of: wanted) { return index }
            if let index = columns.firstIndex(where: { $0.lowercased() == wanted.lowercased() }) { return index }
            throw ImgedaError(
                .invalidFormat, "\(listName) has no column '\(wanted)' (its columns: \(columns.joined(separator: ", ")))",
                remedy: .chooseURLColumn)
        }
        let lowered = columns.map { $0.lowercased().trimmingCharacters(in: .whitespaces) }
        for name in urlColumnNames {
            if let index = lowered.firstIndex(of: name) { return index }
        }
        throw ImgedaError(
            .invalidFormat, "\(listName) has no URL column (its columns: \(columns.joined(separator: ", ")))",
            remedy: .nameURLColumn)
    }
}

/// A reader of one list format. `index` of the rows it returns is set by ``URLSource``.
protocol RowReader: AnyObject {
    func nextRow() throws(ImgedaError) -> URLRow?
}

/// One URL a line; blank lines and `#` comments are not rows.
final class TextRows: RowReader {
    let bytes: BufferedByteReader

    init(bytes: BufferedByteReader) { self.bytes = bytes }

    func nextRow() throws(ImgedaError) -> URLRow? {
        while let line = try bytes.nextLine() {
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            return URLRow(index: 0, url: text)
        }
        return nil
    }
}

/// CSV or TSV with a header line. Fields may be quoted (`"a, ""b"""`), and a quoted field
/// may span lines.
final class DelimitedRows: RowReader {
    let bytes: BufferedByteReader
    let separator: UInt8
    let columns: [String]
    let urlIndex: Int

    init(bytes: BufferedByteReader, separator: UInt8, urlColumn: String?) throws(ImgedaError) {
        self.bytes = bytes
        self.separator = separator
        guard let header = try Self.record(bytes, separator: separator) else {
            throw ImgedaError(
                .invalidFormat, "\(bytes.name) is empty", remedy: "a CSV URL list starts with a header line such as `url,caption`")
        }
        var names = header
        if let first = names.first, first.hasPrefix("\u{FEFF}") { names[0] = String(first.dropFirst()) }
        columns = names
        urlIndex = try URLSource.urlColumnIndex(in: names, wanted: urlColumn, listName: bytes.name)
    }

    func nextRow() throws(ImgedaError) -> URLRow? {
        while let fields = try Self.record(bytes, separator: separator) {
            if fields.count == 1 && fields[0].isEmpty { continue }  // a blank line
            var extra: [ExtraField] = []
            extra.reserveCapacity(columns.count - 1)
            for (position, name) in columns.enumerated() where position != urlIndex {
                extra.append(ExtraField(name, position < fields.count ? fields[position] : nil))
            }
            let url = urlIndex < fields.count ? fields[urlIndex].trimmingCharacters(in: .whitespaces) : ""
            return URLRow(index: 0, url: url, extra: extra)
        }
        return nil
    }

    /// One record's fields (RFC 4180), or nil at the end of the input. Lenient where
    /// spreadsheets are: a quote inside an unquoted field is kept as it is.
    static func record(_ bytes: BufferedByteReader, separator: UInt8) throws(ImgedaError) -> [String]? {
        enum State { case fieldStart, unquoted, quoted, quoteInQuoted }
        var fields: [String] = []
        var field: [UInt8] = []
        var state = State.fieldStart
        var any = false
        func emit() {
            if state != .quoted && state != .quoteInQuoted && field.last == 0x0D { field.removeLast() }
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        let quote = UInt8(ascii: "\"")
        while let byte = try bytes.nextByte() {
            any = true
            switch state {
            case .fieldStart, .unquoted:
                if byte == quote && state == .fieldStart {
                    state = .quoted
                } else if byte == separator {
                    emit()
                    state = .fieldStart
                } else if byte == 0x0A {
                    emit()
                    return fields
                } else {
                    field.append(byte)
                    state = .unquoted
                }
            case .quoted:
                if byte == quote { state = .quoteInQuoted } else { field.append(byte) }
            case .quoteInQuoted:
                if byte == quote {
                    field.append(quote)
                    state = .quoted
                } else if byte == separator {
                    emit()
                    state = .fieldStart
                } else if byte == 0x0A {
                    emit()
                    return fields
                } else if byte != 0x0D {
                    field.append(byte)
                    state = .unquoted
                }
            }
        }
        guard any else { return nil }
        emit()
        return fields
    }
}

/// One JSON object a line.
final class JSONLinesRows: RowReader {
    let bytes: BufferedByteReader
    let urlColumn: String?
    private var line = 0

    init(bytes: BufferedByteReader, urlColumn: String?) {
        self.bytes = bytes
        self.urlColumn = urlColumn
    }

    func nextRow() throws(ImgedaError) -> URLRow? {
        while let raw = try bytes.nextLine() {
            line += 1
            if raw.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(raw), options: [.fragmentsAllowed])) as? [String: Any] else {
                return URLRow(index: 0, url: "", problem: "line \(line) of \(bytes.name) is not a JSON object")
            }
            // Keys in the line's order are not kept by JSONSerialization; sort them so the
            // extra fields come out the same on every run.
            let keys = object.keys.sorted()
            let urlKey: String
            do throws(ImgedaError) {
                urlKey = keys[try URLSource.urlColumnIndex(in: keys, wanted: urlColumn, listName: "line \(line) of \(bytes.name)")]
            } catch {
                return URLRow(index: 0, url: "", problem: error.message)
            }
            let extra = keys.filter { $0 != urlKey }.map { ExtraField($0, Self.text(object[$0])) }
            return URLRow(index: 0, url: Self.text(object[urlKey]) ?? "", extra: extra)
        }
        return nil
    }

    static func text(_ value: Any?) -> String? {
        switch value {
        case nil, is NSNull: return nil
        case let string as String: return string
        case let number as NSNumber: return number.stringValue
        case let other?:
            guard JSONSerialization.isValidJSONObject(other),
                let data = try? JSONSerialization.data(withJSONObject: other, options: [.sortedKeys])
            else { return String(describing: other) }
            return String(decoding: data, as: UTF8.self)
        }
    }
}

/// The rows of a Parquet file (every flat column), read page by page; the URL column is
/// chosen as for CSV, and every other column is kept as an extra field.
final class ParquetRows: RowReader {
    private var rows: ParquetReader.Rows
    private let urlIndex: Int

    init(reader: ParquetReader, urlColumn: String?) throws(ImgedaError) {
        rows = try reader.rows()
        urlIndex = try URLSource.urlColumnIndex(in: rows.columns, wanted: urlColumn, listName: reader.path)
    }

    func nextRow() throws(ImgedaError) -> URLRow? {
        guard let values = try rows.next() else { return nil }
        var extra: [ExtraField] = []
        extra.reserveCapacity(values.count - 1)
        for (position, name) in rows.columns.enumerated() where position != urlIndex {
            extra.append(ExtraField(name, values[position]))
        }
        let url = (values[urlIndex] ?? "").trimmingCharacters(in: .whitespaces)
        return URLRow(index: 0, url: url, extra: extra)
    }
}
