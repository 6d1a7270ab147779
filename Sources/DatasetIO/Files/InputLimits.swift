import DatasetAnalysis
import Foundation
import Yams

/// Bounds on hostile input, checked before a parser that could be driven into unbounded
/// recursion or memory sees it.
///
/// Foundation's `JSONSerialization` and `JSONDecoder` recurse once per nesting level, so a
/// line of 150,000 `[` overflows the stack (SIGSEGV); libyaml composes aliases by reference,
/// but anything that walks the result — `Yams.load` into `Any`, our readers — expands every
/// alias, and a 479-byte "billion laughs" document becomes billions of nodes.
package enum InputLimits {
    /// Deepest nesting of JSON arrays and objects accepted. A manifest record nests three
    /// levels and a COCO file five; 64 leaves room for any real file and far less than the
    /// thousands of levels that exhaust a thread's stack.
    package static let jsonDepth = 64

    /// Whether `bytes` (JSON) nests arrays and objects deeper than `limit`, counting brackets
    /// outside strings. Malformed input is not judged here; the parser does that.
    ///
    /// - Complexity: O(n), no allocation.
    package static func jsonTooDeep<Bytes: Collection<UInt8>>(_ bytes: Bytes, limit: Int = jsonDepth) -> Bool {
        var depth = 0
        var inString = false
        var escaped = false
        for b in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit { return true }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return false
    }

    /// Parses JSON from a file (a COCO annotation file), refusing nesting deeper than
    /// ``jsonDepth`` before Foundation's recursive parser sees it.
    static func jsonObject(_ data: Data, name: String) throws(DatasetIOError) -> Any {
        if jsonTooDeep(data) {
            throw DatasetIOError(
                .inputTooLarge, "\(name): JSON nested more than \(jsonDepth) levels deep; not an annotation file",
                remedy: "replace it with a valid one")
        }
        do {
            return try JSONSerialization.jsonObject(with: data)
        } catch {
            throw DatasetIOError(.invalidFormat, "\(name): not valid JSON (\(error.localizedDescription))")
        }
    }

    /// Largest YAML file read (policies and data.yaml are a few kilobytes).
    package static let yamlBytes = 1 << 20

    /// Most nodes a YAML document may have with its aliases expanded.
    package static let yamlNodes = 100_000

    /// Composes a YAML document, refusing files larger than ``yamlBytes`` and documents whose
    /// aliases expand to more than ``yamlNodes`` nodes (an "alias bomb"). `name` is the file
    /// named in errors.
    static func composeYAML(_ text: String, name: String) throws -> Node? {
        if text.utf8.count > yamlBytes {
            throw DatasetIOError(
                .inputTooLarge,
                "\(name): YAML file of \(text.utf8.count) bytes is larger than the \(yamlBytes >> 10) KiB accepted; is it the right file?")
        }
        // Flow collections (`[[[…`) nest without indentation and Yams composes them
        // recursively. Brackets are counted even inside quotes: only a file with more than
        // 64 of them open at once is refused.
        var depth = 0
        for b in text.utf8 {
            if b == UInt8(ascii: "[") || b == UInt8(ascii: "{") {
                depth += 1
            } else if b == UInt8(ascii: "]") || b == UInt8(ascii: "}") {
                depth -= 1
            }
            if depth > jsonDepth {
                throw DatasetIOError(
                    .inputTooLarge, "\(name): YAML nested more than \(jsonDepth) levels deep; write it as plain `key: value` lines")
            }
        }
        guard let node = try Yams.compose(yaml: text) else { return nil }
        var budget = yamlNodes
        guard withinBudget(node, &budget) else {
            throw DatasetIOError(
                .inputTooLarge,
                "\(name): YAML aliases (*name) expand to more than \(yamlNodes) values (an alias bomb?); write the values out instead of using anchors and aliases"
            )
        }
        return node
    }

    /// Counts `node`'s expanded size against `budget`, stopping as soon as it is spent.
    private static func withinBudget(_ node: Node, _ budget: inout Int) -> Bool {
        // An explicit stack: a deeply nested document must not overflow ours either.
        var stack = [node]
        while let next = stack.popLast() {
            budget -= 1
            if budget < 0 { return false }
            switch next {
            case .scalar: break
            case .sequence(let items): stack.append(contentsOf: items)
            case .mapping(let pairs):
                for (k, v) in pairs {
                    stack.append(k)
                    stack.append(v)
                }
            case .alias: break
            }
        }
        return true
    }
}
