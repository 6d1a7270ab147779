import Foundation

/// Reads the few flat values S3 and STS answers carry (`<Key>`, `<Code>`, `<UploadId>` …)
/// without an XML library: their documents are flat, generated, and their text content is
/// entity-escaped, so an element's text never holds a `<`.
enum XMLText {
    /// The text of the first `<name>…</name>`, unescaped.
    static func first(_ name: String, in xml: some StringProtocol) -> String? {
        all(name, in: xml).first
    }

    /// The texts of every `<name>…</name>` in order (an element's content, nested tags included).
    static func all(_ name: String, in xml: some StringProtocol) -> [String] {
        blocks(name, in: xml).map(unescape)
    }

    /// The raw content of every `<name>…</name>` (for nested blocks such as `<Contents>`).
    static func blocks(_ name: String, in xml: some StringProtocol) -> [Substring] {
        let text = Substring(xml)
        let open = "<\(name)>"
        let close = "</\(name)>"
        var found: [Substring] = []
        var rest = text[...]
        while let start = rest.range(of: open) {
            guard let end = rest[start.upperBound...].range(of: close) else { break }
            found.append(rest[start.upperBound..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        return found
    }

    /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and numeric references.
    static func unescape(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var out = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            guard character == "&", let semicolon = text[index...].firstIndex(of: ";"),
                text.distance(from: index, to: semicolon) <= 10
            else {
                out.append(character)
                index = text.index(after: index)
                continue
            }
            let entity = text[text.index(after: index)..<semicolon]
            switch entity {
            case "lt": out.append("<")
            case "gt": out.append(">")
            case "amp": out.append("&")
            case "quot": out.append("\"")
            case "apos": out.append("'")
            default:
                var scalar: Unicode.Scalar?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    scalar = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
                } else if entity.hasPrefix("#") {
                    scalar = UInt32(entity.dropFirst()).flatMap(Unicode.Scalar.init)
                }
                if let scalar { out.unicodeScalars.append(scalar) } else { out += "&\(entity);" }
            }
            index = text.index(after: semicolon)
        }
        return out
    }
}
