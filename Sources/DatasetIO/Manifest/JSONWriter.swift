import DatasetAnalysis

/// A small, fast JSON writer for manifest lines: fields in a fixed order (the reference's),
/// shortest round-trip numbers, and no intermediate dictionaries.
package struct JSONWriter {
    package private(set) var bytes: [UInt8] = []
    private var needsComma = false

    package init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    package mutating func beginObject() {
        separator()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    package mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    package mutating func beginArray() {
        separator()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    package mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    package mutating func key(_ name: StaticString) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":"), UInt8(ascii: " ")])
        needsComma = false
    }

    /// A key known only at run time (a column of a user's URL list), escaped as a string.
    package mutating func key(_ name: String) {
        string(name)
        bytes.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
        needsComma = false
    }

    package mutating func string(_ value: String?) {
        separator()
        guard let value else { return null() }
        Escape.jsonString(value, into: &bytes)
        needsComma = true
    }

    package mutating func int(_ value: Int?) {
        separator()
        guard let value else { return null() }
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    /// Writes a double with Swift's shortest round-trip representation; non-finite values,
    /// which JSON cannot hold, become null.
    package mutating func double(_ value: Double?, decimals: Int? = nil) {
        separator()
        guard var value, value.isFinite else { return null() }
        if let decimals {
            var scale = 1.0
            for _ in 0..<decimals { scale *= 10 }
            value = (value * scale).rounded() / scale
        }
        var text = value.description
        if text == "-0.0" { text = "0.0" }
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    package mutating func bool(_ value: Bool?) {
        separator()
        guard let value else { return null() }
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    /// Writes a record field's value (see ``RecordField/value(in:)``).
    mutating func value(_ value: RecordField.Value, decimals: Int?) {
        switch value {
        case .int(let x): int(x)
        case .double(let x): double(x, decimals: decimals)
        case .bool(let x): bool(x)
        case .string(let x): string(x)
        case .null: null()
        }
    }

    package mutating func null() {
        separator()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    /// Bytes that are already JSON (one whole value or line), as they are.
    package mutating func raw(_ json: [UInt8]) {
        separator()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    package mutating func newline() {
        bytes.append(0x0A)
        needsComma = false
    }

    private mutating func separator() {
        if needsComma {
            bytes.append(contentsOf: [UInt8(ascii: ","), UInt8(ascii: " ")])
            needsComma = false
        }
    }
}
