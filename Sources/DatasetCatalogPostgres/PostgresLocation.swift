public import DatasetAnalysis
import Foundation

/// Where a PostgreSQL catalog lives, from a URL in libpq's form:
/// `postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME&sslmode=disable|prefer|require]`.
///
/// `schema` (imgeda's own parameter, default `public`) lets several libraries share one
/// database, each in its schema; `sslmode` is libpq's (default `prefer`: TLS when the server
/// offers it). The database defaults to the user's name, as with libpq.
///
/// ```swift
/// let location = try PostgresLocation(url: "postgresql://ana@db.example:5432/photos?schema=family")
/// location.description   // "postgresql://ana@db.example:5432/photos?schema=family" (never the password)
/// ```
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    /// The schema holding the catalog's tables, created when missing.
    public var schema: String
    public var tls: TLSMode

    public static let defaultPort = 5432

    /// Whether `text` is meant as a PostgreSQL URL (its scheme), valid or not.
    public static func isURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgresql:") || lower.hasPrefix("postgres:")
    }

    /// Parses a URL; any mistake is one error naming the part and the fix.
    public init(url text: String) throws(ImgedaError) {
        func fail(_ problem: String) -> ImgedaError {
            ImgedaError(
                .invalidDatabaseURL, "the database URL '\(Self.redacted(text))' \(problem)",
                remedy: "write it as postgresql://USER@HOST:PORT/DATABASE (optionally ?schema=NAME&sslmode=disable)")
        }
        guard Self.isURL(text), let url = URLComponents(string: text) else { throw fail("is not a PostgreSQL URL") }
        guard let host = url.host, !host.isEmpty else { throw fail("names no host") }
        guard let user = url.user, !user.isEmpty else { throw fail("names no user") }
        if let port = url.port, !(1...65535).contains(port) { throw fail("has the port \(port), outside 1–65535") }
        var database = url.path
        if database.hasPrefix("/") { database.removeFirst() }
        guard !database.contains("/") else { throw fail("has a path that is not one database name") }
        self.host = host
        self.port = url.port ?? Self.defaultPort
        self.user = user
        self.password = url.password
        self.database = database.isEmpty ? user : database
        self.schema = "public"
        self.tls = .prefer
        for item in url.queryItems ?? [] {
            switch item.name {
            case "schema":
                guard let value = item.value, Self.isIdentifier(value) else {
                    throw fail(
                        "has the schema '\(item.value ?? "")': use lowercase letters, digits and _ (at most 63, not starting with a digit)")
                }
                schema = value
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw fail(
                        "has sslmode '\(item.value ?? "")': use one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tls = mode
            default:
                throw fail("has the parameter '\(item.name)', which imgeda does not know: use schema or sslmode")
            }
        }
    }

    /// The URL without its password.
    public var description: String {
        var text = "postgresql://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
        var parameters: [String] = []
        if schema != "public" { parameters.append("schema=\(schema)") }
        if tls != .prefer { parameters.append("sslmode=\(tls.rawValue)") }
        if !parameters.isEmpty { text += "?" + parameters.joined(separator: "&") }
        return text
    }

    /// `text` with the password of a URL replaced by `***`, for messages.
    static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "***"
        return url.string ?? text
    }

    /// An unquoted SQL identifier PostgreSQL keeps as written: lowercase letters, digits and
    /// `_`, not starting with a digit, at most 63 bytes. Schemas are spliced into DDL, so only
    /// these are accepted.
    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.utf8.count <= 63 else { return false }
        let allowed = { (s: Unicode.Scalar) in (s >= "a" && s <= "z") || (s >= "0" && s <= "9") || s == "_" }
        return allowed(first) && !(first >= "0" && first <= "9") && text.unicodeScalars.allSatisfy(allowed)
    }
}
