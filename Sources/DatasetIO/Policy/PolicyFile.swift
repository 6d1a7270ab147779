public import DatasetAnalysis
import Foundation
import Yams

/// Reads a YAML policy file strictly: a key we do not know, a value of the wrong type or a
/// percentage outside 0–100 is an error naming the file, the line, the key and the fix — the
/// reference ignores unknown keys, which lets a typo pass a gate.
public enum PolicyFile {
    public static func load(_ path: String) throws(DatasetIOError) -> Policy {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetIOError(
                .notFound, "policy file not found: \(path)", remedy: "write one, e.g. `max_corrupt_pct: 1`, or pass its path with -p")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DatasetIOError(
                .invalidFormat, "\(path) is not UTF-8 text", remedy: "a policy is a YAML file such as `max_corrupt_pct: 1`")
        }
        return try parse(text, name: path)
    }

    public static func parse(_ text: String, name: String) throws(DatasetIOError) -> Policy {
        var policy = Policy()
        let node: Node?
        do {
            node = try InputLimits.composeYAML(text, name: name)
        } catch let error as DatasetIOError {
            throw error
        } catch {
            let line = (error as? YamlError).flatMap(Self.line(of:)).map { ":\($0)" } ?? ""
            throw DatasetIOError(
                .invalidFormat, "\(name)\(line): not valid YAML: \(Self.firstLine(of: error))",
                remedy: "a policy is `key: value` lines such as `max_corrupt_pct: 1`")
        }
        guard let node else { return policy }  // an empty file: the defaults
        guard case .mapping(let mapping) = node else {
            throw DatasetIOError(
                .policyInvalid, "\(name):\(node.mark?.line ?? 1): a policy must be a mapping of keys to values",
                remedy: "e.g. `max_corrupt_pct: 1`")
        }
        var seen = Set<String>()
        for (keyNode, valueNode) in mapping {
            let line = keyNode.mark?.line ?? 0
            guard let key = keyNode.string else {
                throw DatasetIOError(
                    .policyInvalid, "\(name):\(line): a policy key is not a name", remedy: "use names such as max_corrupt_pct")
            }
            guard let kind = Policy.keys.first(where: { $0.name == key })?.kind else {
                throw DatasetIOError(
                    .policyInvalid, "\(name):\(line): unknown policy key '\(key)'",
                    remedy: "did you mean '\(Policy.nearestKey(to: key))'? valid keys: \(Policy.keys.map(\.name).joined(separator: ", "))")
            }
            guard seen.insert(key).inserted else {
                throw DatasetIOError(.policyInvalid, "\(name):\(line): '\(key)' is given twice", remedy: "keep one")
            }
            switch kind {
            case .formats:
                guard case .sequence(let items) = valueNode, items.allSatisfy({ $0.scalar != nil }) else {
                    throw DatasetIOError(
                        .policyInvalid, "\(name):\(line): '\(key)' must be a list of formats", remedy: "e.g. `allowed_formats: [JPEG, PNG]`"
                    )
                }
                policy.allowedFormats = items.compactMap { $0.string?.uppercased() }
            case .count, .percent, .number, .bits:
                guard case .scalar(let scalar) = valueNode, let number = Double(scalar.string), number.isFinite else {
                    throw DatasetIOError(
                        .policyInvalid,
                        "\(name):\(line): '\(key)' must be a number, got '\(valueNode.string ?? "a \(Self.describe(valueNode))")'")
                }
                switch kind {
                case .count where number < 0 || number != number.rounded():
                    throw DatasetIOError(
                        .policyInvalid, "\(name):\(line): '\(key)' must be a whole number of 0 or more, got \(scalar.string)")
                case .percent where !(0...100).contains(number):
                    throw DatasetIOError(
                        .policyInvalid, "\(name):\(line): '\(key)' is a percentage and must be between 0 and 100, got \(scalar.string)")
                case .number where number < 0:
                    throw DatasetIOError(
                        .policyInvalid, "\(name):\(line): '\(key)' must not be negative, got \(scalar.string)", remedy: "0 disables it")
                case .bits where !(0...128).contains(number) || number != number.rounded():
                    throw DatasetIOError(
                        .policyInvalid, "\(name):\(line): '\(key)' must be a whole number of bits between 0 and 128, got \(scalar.string)")
                default:
                    policy.set(key, number: number)
                }
            }
        }
        return policy
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "mapping"
        case .sequence: return "list"
        default: return "value"
        }
    }

    static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }

    static func firstLine(of error: any Error) -> String {
        String(describing: error).split(separator: "\n").first.map(String.init) ?? "syntax error"
    }
}
