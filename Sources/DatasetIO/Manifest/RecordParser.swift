package import DatasetAnalysis

/// A fast parser for manifest record lines, straight from UTF-8 bytes into an
/// ``ImageRecord`` without building intermediate dictionaries — several times faster than
/// `JSONDecoder`, which matters for commands that read millions of records.
///
/// It understands all of JSON (strings with every escape, numbers, literals, nested objects
/// and arrays, which it skips when the field is unknown). Whatever it does not accept —
/// invalid JSON, a field of an unexpected type — makes it return nil, and the reader falls
/// back to `JSONDecoder`, whose verdict is final. So behaviour never depends on which path
/// ran, only speed does.
package struct RecordParser {
    private let b: UnsafeBufferPointer<UInt8>
    private var i = 0
    /// Containers open while skipping: bounded, because skipping recurses.
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { b = bytes }

    package static func parse(_ line: ArraySlice<UInt8>) -> ImageRecord? {
        line.withUnsafeBufferPointer { buffer in
            var parser = RecordParser(buffer)
            return parser.record()
        }
    }

    private enum Value {
        case string(String)
        case number(Double, isInteger: Bool)
        case bool(Bool)
        case null, other
    }

    /// What a top-level key names: a field of the record, or one of its nested objects.
    private enum Key: Sendable {
        case field(RecordField)
        case group(RecordField.Group)
    }

    /// The record's keys, from ``RecordField``.
    private static let keys = KeyTable<Key>(
        RecordField.fields(of: .record).map { ("\($0.jsonKey)", Key.field($0)) }
            + RecordField.Group.allCases.filter { $0 != .record }.map { ("\($0.jsonKey)", Key.group($0)) }
    )

    /// The keys of each nested object's fields.
    private static let pixelStatsKeys = KeyTable(RecordField.fields(of: .pixelStats).map { ("\($0.jsonKey)", $0) })
    private static let cornerStatsKeys = KeyTable(RecordField.fields(of: .cornerStats).map { ("\($0.jsonKey)", $0) })

    /// For each nested object, one bit per field (by raw value): all must be present.
    private static let requiredBits: [RecordField.Group: UInt64] = {
        var bits: [RecordField.Group: UInt64] = [:]
        for group in RecordField.Group.allCases where group != .record {
            bits[group] = RecordField.fields(of: group).reduce(0) { $0 | 1 << UInt64($1.rawValue) }
        }
        return bits
    }()

    private mutating func record() -> ImageRecord? {
        var r = ImageRecord(path: "", filename: "")
        r.analyzerVersion = ""
        var sawPath = false
        guard expect(UInt8(ascii: "{")) else { return nil }
        skipSpace()
        if peek() == UInt8(ascii: "}") { return nil }
        while true {
            skipSpace()
            guard let key = self.key(in: Self.keys) else { return nil }
            skipSpace()
            guard expect(UInt8(ascii: ":")) else { return nil }
            skipSpace()
            switch key {
            case .group(let group):
                guard nestedObject(group, into: &r) else { return nil }
            case .field(let field):
                guard let v = value(), let typed = Self.typed(v, as: field.kind) else { return nil }
                if field.isRequired, case .null = typed { return nil }
                guard field.set(typed, in: &r) else { return nil }
                if field == .path { sawPath = true }
            case nil:
                // Unknown fields are ignored, as the manifest contract says.
                guard value() != nil else { return nil }
            }
            skipSpace()
            if peek() == UInt8(ascii: ",") { i += 1; continue }
            if peek() == UInt8(ascii: "}") { i += 1; break }
            return nil
        }
        skipSpace()
        return sawPath && i == b.count ? r : nil
    }

    /// A value as a field of `kind` takes it; nil when its JSON type is not the field's.
    private static func typed(_ v: Value, as kind: RecordField.Kind) -> RecordField.Value? {
        switch (v, kind) {
        case (.null, _): return .null
        case (.string(let s), .string): return .string(s)
        case (.bool(let x), .bool): return .bool(x)
        case (.number(let d, _), .double): return .double(d)
        case (.number(let d, true), .int) where abs(d) < 9e15: return .int(Int(d))
        default: return nil
        }
    }

    /// A nested object (`pixel_stats`, `corner_stats`) or null, set in the record; false when
    /// malformed or when a field is missing, null or mistyped (`JSONDecoder` requires them all).
    private mutating func nestedObject(_ group: RecordField.Group, into r: inout ImageRecord) -> Bool {
        if peekLiteralNull() {
            i += 4
            return true
        }
        guard expect(UInt8(ascii: "{")), let required = Self.requiredBits[group] else { return false }
        let keys = group == .pixelStats ? Self.pixelStatsKeys : Self.cornerStatsKeys
        var pixels = PixelStats()
        var corners = CornerStats()
        var seen: UInt64 = 0
        skipSpace()
        if !expect(UInt8(ascii: "}")) {
            while true {
                skipSpace()
                guard let key = self.key(in: keys) else { return false }
                skipSpace()
                guard expect(UInt8(ascii: ":")) else { return false }
                skipSpace()
                guard let v = value() else { return false }
                // Unknown keys inside the object are ignored, as `JSONDecoder` ignores them.
                if let field = key {
                    guard let typed = Self.typed(v, as: field.kind) else { return false }
                    let ok = group == .pixelStats ? field.set(typed, in: &pixels) : field.set(typed, in: &corners)
                    guard ok else { return false }
                    seen |= 1 << UInt64(field.rawValue)
                }
                skipSpace()
                if expect(UInt8(ascii: ",")) { continue }
                if expect(UInt8(ascii: "}")) { break }
                return false
            }
        }
        guard seen & required == required else { return false }
        switch group {
        case .pixelStats: r.pixelStats = pixels
        case .cornerStats: r.cornerStats = corners
        case .record: return false
        }
        return true
    }

    // MARK: - Lexing

    private func peek() -> UInt8? { i < b.count ? b[i] : nil }

    private func peekLiteralNull() -> Bool {
        i + 4 <= b.count && b[i] == UInt8(ascii: "n") && b[i + 1] == UInt8(ascii: "u") && b[i + 2] == UInt8(ascii: "l")
            && b[i + 3] == UInt8(ascii: "l")
    }

    private mutating func expect(_ c: UInt8) -> Bool {
        guard i < b.count, b[i] == c else { return false }
        i += 1
        return true
    }

    private mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
    }

    private mutating func value() -> Value? {
        guard let c = peek() else { return nil }
        switch c {
        case UInt8(ascii: "\""): return rawString().map(Value.string)
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        case UInt8(ascii: "{"), UInt8(ascii: "["): return skipContainer() ? .other : nil
        default: return number()
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        let matches = word.withUTF8Buffer { w in (0..<n).allSatisfy { b[i + $0] == w[$0] } }
        if matches { i += n }
        return matches
    }

    private mutating func number() -> Value? {
        if let fast = plainNumber() { return fast }
        let start = i
        var integer = true
        if peek() == UInt8(ascii: "-") { i += 1 }
        while let c = peek() {
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") { i += 1; continue }
            if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || c == UInt8(ascii: "+")
                || c == UInt8(ascii: "-")
            {
                integer = false
                i += 1
                continue
            }
            break
        }
        guard i > start else { return nil }
        let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
        guard let d = Double(text) else { return nil }
        return .number(d, isInteger: integer)
    }

    /// Powers of ten a `Double` holds exactly.
    private static let exactPowersOfTen: [Double] = (0...22).reduce(into: []) { powers, k in powers.append(k == 0 ? 1 : powers[k - 1] * 10)
    }

    /// A number written `-?DIGITS(.DIGITS)?` with at most 15 digits (the manifest's sizes,
    /// times and statistics), without building a `String`: its digits as an integer, divided
    /// by a power of ten. Both are exact `Double`s and the division is rounded once, so the
    /// value is the correctly rounded one, as `Double(text)` gives it (Clinger's fast path).
    /// Nil, with the cursor unmoved, for any other form (an exponent, more digits, a stray
    /// sign): ``number()`` reads those.
    private mutating func plainNumber() -> Value? {
        var j = i
        let negative = j < b.count && b[j] == UInt8(ascii: "-")
        if negative { j += 1 }
        var digits: UInt64 = 0
        var count = 0
        var fraction = 0
        var sawPoint = false
        while j < b.count {
            let c = b[j]
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                digits = digits &* 10 &+ UInt64(c &- UInt8(ascii: "0"))
                count += 1
                if sawPoint { fraction += 1 }
            } else if c == UInt8(ascii: "."), !sawPoint, count > 0 {
                sawPoint = true
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-")
                || c == UInt8(ascii: ".")
            {
                return nil
            } else {
                break
            }
            j += 1
        }
        guard count > 0, count <= 15, !(sawPoint && fraction == 0) else { return nil }
        let magnitude = Double(digits) / Self.exactPowersOfTen[fraction]
        i = j
        return .number(negative ? -magnitude : magnitude, isInteger: !sawPoint)
    }

    /// The key at the cursor looked up in `table`: `.some(nil)` for a key the table does not
    /// hold, nil if malformed. Keys without escapes (all of ours) are matched in place, so no
    /// `String` is built for them.
    private mutating func key<T>(in table: KeyTable<T>) -> T?? {
        guard peek() == UInt8(ascii: "\"") else { return nil }
        let start = i + 1
        var end = start
        while end < b.count, b[end] != UInt8(ascii: "\""), b[end] != UInt8(ascii: "\\"), b[end] >= 0x20 { end += 1 }
        if end < b.count, b[end] == UInt8(ascii: "\"") {
            i = end + 1
            return .some(table.value(for: UnsafeBufferPointer(rebasing: b[start..<end])))
        }
        guard let key = rawString() else { return nil }
        return .some(Array(key.utf8).withUnsafeBufferPointer { table.value(for: $0) })
    }

    /// A string at the cursor, with every JSON escape decoded; nil if malformed.
    private mutating func rawString() -> String? {
        guard expect(UInt8(ascii: "\"")) else { return nil }
        let start = i
        // Fast path: no escapes.
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
                i += 1
                return s
            }
            if c == UInt8(ascii: "\\") || c < 0x20 { break }
            i += 1
        }
        guard i < b.count, b[i] == UInt8(ascii: "\\") else { return nil }
        var out = Array(b[start..<i])
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c < 0x20 { return nil }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard let e = peek() else { return nil }
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4() else { return nil }
                if (0xD800..<0xDC00).contains(scalar) {
                    // A surrogate pair; a lone surrogate is not a character.
                    guard literal("\\u"), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    return nil
                }
                guard let u = Unicode.Scalar(scalar) else { return nil }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: return nil
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard i + 4 <= b.count else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = b[i + k]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: return nil
            }
            v = v << 4 | d
        }
        i += 4
        return v
    }

    /// Skips a nested object or array (an unknown field), validating its structure.
    private mutating func skipContainer() -> Bool {
        guard let open = peek() else { return false }
        let close = open == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
        depth += 1
        defer { depth -= 1 }
        guard depth < InputLimits.jsonDepth else { return false }
        i += 1
        skipSpace()
        if expect(close) { return true }
        while true {
            skipSpace()
            if open == UInt8(ascii: "{") {
                guard rawString() != nil else { return false }
                skipSpace()
                guard expect(UInt8(ascii: ":")) else { return false }
                skipSpace()
            }
            guard value() != nil else { return false }
            skipSpace()
            if expect(UInt8(ascii: ",")) { continue }
            return expect(close)
        }
    }
}

/// Keys matched by their UTF-8 bytes: by length, then byte by byte among the few keys of that
/// length. Cheaper than hashing a `String`, and needs none built.
private struct KeyTable<T: Sendable>: Sendable {
    private let byLength: [[(key: [UInt8], value: T)]]

    init(_ entries: [(String, T)]) {
        var byLength: [[(key: [UInt8], value: T)]] = Array(repeating: [], count: (entries.map(\.0.utf8.count).max() ?? 0) + 1)
        for (key, value) in entries { byLength[key.utf8.count].append((Array(key.utf8), value)) }
        self.byLength = byLength
    }

    func value(for bytes: UnsafeBufferPointer<UInt8>) -> T? {
        guard bytes.count < byLength.count else { return nil }
        for entry in byLength[bytes.count] where entry.key.elementsEqual(bytes) { return entry.value }
        return nil
    }
}
