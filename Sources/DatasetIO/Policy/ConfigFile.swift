public import DatasetAnalysis
import Foundation
import Yams

/// One `key: value` of a section of a configuration file, with where it was written.
public struct ConfigEntry: Sendable, Hashable {
    public var key: String
    /// The value as text: a scalar as written, a list as its items joined by commas.
    public var value: String
    public var isList: Bool
    public var line: Int

    public init(key: String, value: String, isList: Bool, line: Int) {
        self.key = key
        self.value = value
        self.isList = isList
        self.line = line
    }
}

/// Reads one section of an `imgeda.yml` configuration file (`download:`) strictly, with the
/// policy file's machinery: a key not among `keys` is an error naming the file, the line and
/// the nearest valid key; a value that is a mapping is an error. Types are checked by the
/// caller, which knows them (and has the line to name).
///
/// ```swift
/// let entries = try ConfigFile.section("download", of: "imgeda.yml", keys: ["concurrency", "timeout"])
/// ```
public enum ConfigFile {
    public static func section(_ name: String, of path: String, keys: [String]) throws(DatasetIOError) -> [ConfigEntry] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetIOError(.notFound, "configuration file not found: \(path)", remedy: .checkConfigPath)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DatasetIOError(.invalidFormat, "\(path) is not UTF-8 text", remedy: "a configuration file is YAML")
        }
        return try parse(text, section: name, fileName: path, keys: keys)
    }

    public static func parse(_ text: String, section: String, fileName: String, keys: [String]) throws(DatasetIOError) -> [ConfigEntry] {
        let node: Node?
        do {
            node = try InputLimits.composeYAML(text, name: fileName)
        } catch let error as DatasetIOError {
            throw error
        } catch {
            let line = (error as? YamlError).flatMap(PolicyFile.line(of:)).map { ":\($0)" } ?? ""
            throw DatasetIOError(
                .invalidFormat, "\(fileName)\(line): not valid YAML: \(PolicyFile.firstLine(of: error))",
                remedy: "a configuration file has sections such as `\(section):` with `key: value` lines under them")
        }
        guard let node else { return [] }
        guard case .mapping(let top) = node else {
            throw DatasetIOError(
                .policyInvalid, "\(fileName):\(node.mark?.line ?? 1): a configuration file must be a mapping of sections",
                remedy: "e.g. `\(section):` followed by indented `key: value` lines")
        }
        var sectionNode: Node?
        for (keyNode, valueNode) in top {
            guard let key = keyNode.string else { continue }
            if key == section {
                sectionNode = valueNode
            } else if Policy.editDistance(key, section) <= 2 {
                // Other sections belong to other commands; one that is nearly ours is a typo.
                throw DatasetIOError(
                    .policyInvalid, "\(fileName):\(keyNode.mark?.line ?? 0): unknown section '\(key)'",
                    remedy: "did you mean '\(section)'?")
            }
        }
        guard let sectionNode else { return [] }
        if case .scalar(let scalar) = sectionNode, scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null" { return [] }
        guard case .mapping(let mapping) = sectionNode else {
            throw DatasetIOError(
                .policyInvalid, "\(fileName):\(sectionNode.mark?.line ?? 0): '\(section)' must hold `key: value` lines",
                remedy: "indent the settings under `\(section):`")
        }
        var entries: [ConfigEntry] = []
        var seen = Set<String>()
        for (keyNode, valueNode) in mapping {
            let line = keyNode.mark?.line ?? 0
            guard let key = keyNode.string else {
                throw DatasetIOError(.policyInvalid, "\(fileName):\(line): a key of '\(section)' is not a name")
            }
            guard keys.contains(key) else {
                let nearest = keys.min { Policy.editDistance($0, key) < Policy.editDistance($1, key) } ?? ""
                throw DatasetIOError(
                    .policyInvalid, "\(fileName):\(line): unknown \(section) setting '\(key)'",
                    remedy: "did you mean '\(nearest)'? valid keys: \(keys.joined(separator: ", "))")
            }
            guard seen.insert(key).inserted else {
                throw DatasetIOError(.policyInvalid, "\(fileName):\(line): '\(key)' is given twice", remedy: "keep one")
            }
            switch valueNode {
            case .scalar(let scalar):
                entries.append(ConfigEntry(key: key, value: scalar.string, isList: false, line: line))
            case .sequence(let items):
                guard items.allSatisfy({ $0.scalar != nil }) else {
                    throw DatasetIOError(.policyInvalid, "\(fileName):\(line): '\(key)' must be a list of plain values")
                }
                entries.append(
                    ConfigEntry(key: key, value: items.compactMap { $0.string }.joined(separator: ","), isList: true, line: line))
            default:
                throw DatasetIOError(
                    .policyInvalid, "\(fileName):\(line): '\(key)' must be a value, not a \(PolicyFile.describe(valueNode))")
            }
        }
        return entries
    }
}
