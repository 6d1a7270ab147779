import DatasetAnalysis
import HTTPTypes

/// A fragment of HTML whose interpolated strings are escaped: the one way pages are written.
///
/// Literal text is markup; every `String` (or number) interpolated into it goes through
/// ``Escape/html(_:)``, the project's one HTML escaping rule, so a file name, tag, caption or
/// EXIF field is always text. Another ``HTML`` value is inserted as it is.
///
/// ```swift
/// let name = "<script>x</script>.jpg"
/// let cell: HTML = "<td title=\"\(name)\">\(name)</td>"   // both escaped
/// ```
struct HTML: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    private(set) var text: String

    init(stringLiteral value: String) { text = value }

    init(stringInterpolation: Interpolation) { text = stringInterpolation.text }

    /// Markup as it is: only for literal text and values made by this type.
    private init(raw: String) { text = raw }

    static let empty = HTML(raw: "")

    var description: String { text }

    struct Interpolation: StringInterpolationProtocol {
        var text = ""
        init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity * 2) }
        mutating func appendLiteral(_ literal: String) { text += literal }
        mutating func appendInterpolation(_ value: String) { text += Escape.html(value) }
        mutating func appendInterpolation(_ value: String?) { text += Escape.html(value ?? "") }
        mutating func appendInterpolation(_ value: Int) { text += String(value) }
        mutating func appendInterpolation(_ value: HTML) { text += value.text }
        mutating func appendInterpolation(_ values: [HTML]) { for value in values { text += value.text } }
    }

    /// Fragments one after another.
    static func join(_ parts: [HTML]) -> HTML { HTML(raw: parts.map(\.text).joined()) }

}
