import DatasetAnalysis
import DatasetCatalog
import Foundation
import HTTPTypes
import Hummingbird

/// The gallery's search box and filters, as a query in the library's language: one query
/// text, parsed by ``CatalogQuery/parse(_:)`` like `imgeda search`'s.
struct GalleryQuery: Sendable, Hashable {
    var text = ""
    var issue: String?
    var format: String?
    var camera: String?
    var from: String?
    var to: String?
    var tag: String?
    var status: String?
    var order: CatalogOrder = Self.defaultOrder
    var after: CatalogCursor?
    var limit = 60

    /// The gallery's order when the request names none.
    static let defaultOrder = CatalogOrder.newest

    /// The orders the gallery offers, as its sort control words them.
    static let orders: [(order: CatalogOrder, label: String)] = [
        (.newest, "date"), (.quality, "quality"), (.size, "file size"), (.pixels, "pixels"), (.path, "path"),
    ]

    static let issues = ["blurry", "dark", "overexposed", "corrupt", "bordered", "duplicate", "gps"]
    static let maxLimit = 200
    static let maxText = 2000

    /// Reads the parameters of a request; unknown values are a 400 naming the parameter.
    init(_ parameters: Parameters) throws {
        func value(_ name: String) throws -> String? {
            guard let raw = parameters.get(name) else { return nil }
            guard raw.count <= Self.maxText else {
                throw APIError(.badRequest, "the parameter \(name) is too long (\(raw.count) characters)")
            }
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty ? nil : trimmed
        }
        text = try value("q") ?? ""
        issue = try value("issue")
        if let issue, !Self.issues.contains(issue) {
            throw APIError(.badRequest, "unknown issue '\(issue)'", remedy: "one of \(Self.issues.joined(separator: ", "))")
        }
        format = try value("format")
        camera = try value("camera")
        from = try value("from")
        to = try value("to")
        tag = try value("tag")
        status = try value("status")
        if let order = try value("order") {
            guard let parsed = CatalogOrder(rawValue: order) else {
                throw APIError(
                    .badRequest, "unknown order '\(order)'",
                    remedy: "one of \(CatalogOrder.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.order = parsed
        }
        if let after = try value("after") { self.after = try CursorText.parse(after) }
        if let limit = try value("limit") {
            guard let n = Int(limit), (1...Self.maxLimit).contains(n) else {
                throw APIError(.badRequest, "limit must be a whole number from 1 to \(Self.maxLimit) (got '\(limit.prefix(40))')")
            }
            self.limit = n
        }
    }

    /// A filter value in the query language's quotes (`\` and `"` escaped).
    static func quoted(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// The whole query as text.
    var queryText: String {
        var parts = text.isEmpty ? [] : [text]
        if let issue { parts.append("is:\(issue)") }
        if let format { parts.append("format:" + Self.quoted(format)) }
        if let camera { parts.append("camera:" + Self.quoted(camera)) }
        if from != nil || to != nil { parts.append("date:\(from ?? "0001")..\(to ?? "9999")") }
        if let tag { parts.append("tag:" + Self.quoted(tag)) }
        if let status { parts.append("status:" + Self.quoted(status)) }
        return parts.joined(separator: " ")
    }

    func parsed() throws -> CatalogQuery { try CatalogQuery.parse(queryText) }

    /// The gallery's own parameters (not its page position) as a URL query, `?q=…&order=…`,
    /// or "" for the default gallery. Links carry it from the gallery to an image and from an
    /// image to its neighbours, so previous and next follow the same query and order however
    /// the page was reached (a direct link too).
    var linkQuery: String {
        let items: [(String, String?)] = [
            ("q", text.isEmpty ? nil : text), ("issue", issue), ("format", format), ("camera", camera), ("from", from), ("to", to),
            ("tag", tag), ("status", status), ("order", order == Self.defaultOrder ? nil : order.rawValue),
        ]
        let parts = items.compactMap { name, value in value.map { "\(name)=\(Escape.urlQueryComponent($0))" } }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }
}
