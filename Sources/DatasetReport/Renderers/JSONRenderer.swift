public import Foundation

/// The JSON every command writes for `--json` and `-o`: a library result encoded with
/// sorted keys, indented, slashes left as they are (paths stay readable).
public enum JSONRenderer {
    public static func data(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    public static func text(_ value: some Encodable) throws -> String {
        String(decoding: try data(value), as: UTF8.self)
    }
}
