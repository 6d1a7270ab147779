/// The one escaping rule for each kind of output, so that a file name or an EXIF string —
/// which anyone can set to anything — is shown as text and never becomes markup, a terminal
/// command or a spreadsheet formula.
///
/// ```swift
/// Escape.xml("Canon\u{1B}<b>")     // "Canon\u{FFFD}&lt;b&gt;"
/// Escape.terminal("a\u{1B}[2Jb")   // "a\\x1B[2Jb"
/// Escape.csvCell("=HYPERLINK(1)")  // "'=HYPERLINK(1)"
/// ```
package enum Escape {
    /// Text or a double-quoted attribute value in XML 1.0, SVG or HTML: `& < > "` become entities and
    /// characters XML 1.0 does not allow (C0 controls other than tab, line feed and carriage
    /// return; U+FFFE and U+FFFF) become U+FFFD, so the document stays well-formed.
    package static func xml(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { needsXMLEscape($0) }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            if appendEntity(scalar, to: &out) { continue }
            out.unicodeScalars.append(isXMLCharacter(scalar) ? scalar : "\u{FFFD}")
        }
        return out
    }

    /// Appends the entity of `& < > "` and returns true; false for any other character.
    private static func appendEntity(_ scalar: Unicode.Scalar, to out: inout String) -> Bool {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: return false
        }
        return true
    }

    /// One folder or file name made from text anyone can set (a camera model, a file name,
    /// a template's literal): it can never name another folder. `/`, a backslash, NUL and other
    /// control characters become `_`; a name that is empty, `.` or `..` becomes `_`; a name
    /// longer than ``pathComponentLimit`` bytes is cut (at a character boundary), keeping
    /// room for a clash suffix within the file system's 255.
    package static func pathComponent(_ text: String) -> String {
        // Printable ASCII without a slash or backslash, short enough, not "." or "..": the
        // name as it is (most names; the planner makes several per file).
        let bytes = text.utf8
        if bytes.count <= pathComponentLimit, text != ".", text != "..", !bytes.isEmpty,
            bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "\\") })
        {
            return text
        }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "/", "\\": out += "_"
            default: out.unicodeScalars.append(isControl(scalar) ? "_" : scalar)
            }
        }
        if out.utf8.count > pathComponentLimit {
            var cut = ""
            for character in out {
                guard cut.utf8.count + character.utf8.count <= pathComponentLimit else { break }
                cut.append(character)
            }
            out = cut
        }
        return out.isEmpty || out == "." || out == ".." ? "_" : out
    }

    /// The longest name ``pathComponent(_:)`` makes, in UTF-8 bytes.
    package static let pathComponentLimit = 240

    /// HTML text and attribute values: the same rule as ``xml(_:)``.
    package static func html(_ text: String) -> String { xml(text) }

    /// Text in Markdown (GitHub's flavour, which also renders inline HTML): HTML-escaped so no
    /// tag is live, and Markdown's inline syntax (code spans, emphasis, links, table pipes,
    /// headings) backslash-escaped so it reads as typed. Line breaks become spaces, so a
    /// value stays in its list item or table cell. Use it outside code spans: a back-tick in
    /// the text cannot end a code span that is never opened.
    package static func markdown(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            if appendEntity(scalar, to: &out) { continue }
            switch scalar {
            case "\\", "`", "*", "_", "[", "]", "|", "~", "#", "!", "(", ")":
                out += "\\"
                out.unicodeScalars.append(scalar)
            case "\n", "\r", "\t": out += " "
            default: out.unicodeScalars.append(isControl(scalar) || !isXMLCharacter(scalar) ? "\u{FFFD}" : scalar)
            }
        }
        return out
    }

    /// Text for a terminal: C0 and C1 control characters and DEL (ESC, BEL, backspace,
    /// carriage return…) become visible escapes such as `\x1B`, so a name cannot move the
    /// cursor, retitle the window or ring the bell. Line feeds are kept when
    /// `keepingNewlines` (for multi-line messages); tabs are kept.
    package static func terminal(_ text: String, keepingNewlines: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) && $0 != "\t" && !(keepingNewlines && $0 == "\n") }) else {
            return text
        }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            if scalar == "\t" || (keepingNewlines && scalar == "\n") || !isControl(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\x" + hex(scalar.value)
            }
        }
        return out
    }

    /// One CSV cell (RFC 4180), appended to `out`: quoted when it holds a comma, a quote or a
    /// line break (quotes doubled), and — as OWASP advises against formula injection — with
    /// a leading apostrophe when it starts with `=`, `+`, `-`, `@`, a tab or a carriage
    /// return, so a spreadsheet shows the text instead of running it.
    package static func csvCell(_ text: String, into out: inout [UInt8]) {
        var bytes = Array(text.utf8)
        if let first = bytes.first, formulaStarts.contains(first) { bytes.insert(UInt8(ascii: "'"), at: 0) }
        let needsQuotes = bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else {
            out.append(contentsOf: bytes)
            return
        }
        out.append(UInt8(ascii: "\""))
        for b in bytes {
            if b == UInt8(ascii: "\"") { out.append(b) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// ``csvCell(_:into:)`` as a string.
    package static func csvCell(_ text: String) -> String {
        var out: [UInt8] = []
        csvCell(text, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static let formulaStarts: Set<UInt8> = [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D]

    /// A SQL `LIKE` pattern matching any text that contains `text`: LIKE's wildcards `%` and
    /// `_` and the escape character itself are escaped with a backslash, so the condition
    /// must say `ESCAPE '\'` (SQLite and PostgreSQL both read it so).
    package static func sqlLikeContaining(_ text: String) -> String { "%" + sqlLikeLiteral(text) + "%" }

    /// A SQL `LIKE` pattern matching any text that starts with `text` (escaped the same way).
    package static func sqlLikePrefix(_ text: String) -> String { sqlLikeLiteral(text) + "%" }

    /// The range of text that starts with `text`, for a prefix search on an ordered index
    /// (`column >= lower AND column < upper`) where the column compares bytes (SQLite's
    /// BINARY, PostgreSQL's "C" collation). `upper` is `text` followed by U+10FFFF, the
    /// largest scalar, whose UTF-8 (F4 8F BF BF) sorts after every other character's; only
    /// text continuing with U+10FFFF itself falls outside, so callers check the prefix
    /// exactly beside the range. No wildcard is involved: nothing in `text` needs escaping.
    package static func sqlPrefixRange(_ text: String) -> (lower: String, upper: String) {
        (text, text + "\u{10FFFF}")
    }

    private static func sqlLikeLiteral(_ text: String) -> String {
        var escaped = ""
        for c in text {
            if c == "%" || c == "_" || c == "\\" { escaped.append("\\") }
            escaped.append(c)
        }
        return escaped
    }

    /// One JSON string (RFC 8259), quotes included, appended to `out`: `"` and `\` are
    /// escaped, line feed, carriage return and tab become `\n`, `\r` and `\t`, every other
    /// C0 control and DEL become `\u00XX`, and every other byte is itself (a `String` is
    /// valid UTF-8, so the output is too). `/` is left as it is.
    package static func jsonString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            // Runs of bytes that need no escape are copied whole.
            var start = 0
            for i in bytes.indices {
                let byte = bytes[i]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == 0x5C || byte == 0x7F else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                start = i + 1
                switch byte {
                case UInt8(ascii: "\""): out += [0x5C, UInt8(ascii: "\"")]
                case 0x5C: out += [0x5C, 0x5C]
                case 0x0A: out += [0x5C, UInt8(ascii: "n")]
                case 0x0D: out += [0x5C, UInt8(ascii: "r")]
                case 0x09: out += [0x5C, UInt8(ascii: "t")]
                default:
                    out += [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hexDigit(byte >> 4), hexDigit(byte & 0xF)]
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// The lowercase hexadecimal digit of `nibble` (0–15).
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// One value of PostgreSQL's `COPY … FROM STDIN` text format, appended to `out`: a
    /// backslash, tab, line feed and carriage return become `\\`, `\t`, `\n` and `\r`, so a
    /// value can never end its column or its row or read as `\N` (NULL). Every other byte
    /// is itself.
    package static func postgresCopyText(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.withUTF8 { postgresCopyText(bytes: $0, into: &out) }
    }

    /// ``postgresCopyText(_:into:)`` of UTF-8 bytes; a value with nothing to escape is
    /// copied whole.
    package static func postgresCopyText(bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        guard bytes.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else {
            out.append(contentsOf: bytes)
            return
        }
        for byte in bytes {
            switch byte {
            case 0x5C: out += [0x5C, 0x5C]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            default: out.append(byte)
            }
        }
    }

    /// One name or value of a URL's query (RFC 3986): every UTF-8 byte other than the
    /// unreserved `A–Z a–z 0–9 - . _ ~` is percent-encoded, so `&`, `=`, `+`, `#` and spaces
    /// stay inside the value.
    package static func urlQueryComponent(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0x0F, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// C0 controls, DEL and C1 controls.
    private static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7F...0x9F).contains(s.value)
    }

    /// XML 1.0's `Char` production (Swift strings hold no surrogates).
    private static func isXMLCharacter(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09, 0x0A, 0x0D: return true
        case 0x20...0xFFFD: return true
        case 0x10000...: return true
        default: return false
        }
    }

    private static func needsXMLEscape(_ s: Unicode.Scalar) -> Bool {
        s == "&" || s == "<" || s == ">" || s == "\"" || !isXMLCharacter(s)
    }

    private static func hex(_ v: UInt32) -> String {
        let digits = Array("0123456789ABCDEF")
        return v < 0x100 ? String([digits[Int(v >> 4)], digits[Int(v & 0xF)]]) : String(v, radix: 16, uppercase: true)
    }
}
