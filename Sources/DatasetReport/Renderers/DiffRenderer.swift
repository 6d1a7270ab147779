public import DatasetAnalysis
import Foundation

/// A ``DiffResult`` as terminal text: the counts old → new, then up to `examples` paths per
/// kind of change. JSON is ``JSONRenderer``.
public enum DiffRenderer {
    /// The lines `imgeda diff` prints; `seeAll` says where the full lists are ("use -o diff.json").
    public static func text(_ d: DiffResult, old: String, new: String, examples: Int, seeAll: String) -> [String] {
        let s = d.summary
        var lines = ["\(old) → \(new)"]
        lines.append("  images       \(Plural.grouped(s.totalOld)) → \(Plural.grouped(s.totalNew)) (\(signed(s.totalNew - s.totalOld)))")
        lines.append(
            "  added \(Plural.grouped(s.addedCount)), removed \(Plural.grouped(s.removedCount)), changed \(Plural.grouped(s.changedCount)), moved or renamed \(Plural.grouped(s.movedCount)), unchanged \(Plural.grouped(s.unchangedCount))"
        )
        for (name, a, b) in [
            ("corrupt", s.corruptOld, s.corruptNew), ("dark", s.darkOld, s.darkNew),
            ("overexposed", s.overexposedOld, s.overexposedNew), ("blurry", s.blurryOld, s.blurryNew),
            ("border artifacts", s.artifactOld, s.artifactNew),
            ("duplicate groups", s.duplicateGroupsOld, s.duplicateGroupsNew),
        ] {
            lines.append(
                "  \(name.padding(toLength: 17, withPad: " ", startingAt: 0)) \(Plural.grouped(a)) → \(Plural.grouped(b)) (\(signed(b - a)))"
            )
        }
        func list(_ title: String, _ items: [String]) {
            guard !items.isEmpty else { return }
            lines.append("\(title) (\(Plural.grouped(items.count))):")
            for item in items.prefix(examples) { lines.append("  \(item)") }
            if items.count > examples {
                lines.append("  … and \(Plural.grouped(items.count - examples)) more (\(seeAll))")
            }
        }
        list("Added", d.added)
        list("Removed", d.removed)
        list("Moved or renamed", d.moved.map { "\($0.from) → \($0.to)\($0.isRename ? " (renamed)" : "")" })
        list(
            "Changed",
            d.changed.map { c in
                c.path + ": "
                    + c.fields.map { field in
                        let (old, new) = texts(field.old, field.new)
                        return "\(field.field) \(old) → \(new)"
                    }.joined(separator: ", ")
            })
        return lines
    }

    /// 3 → "+3", -2 → "-2", 0 → "0".
    static func signed(_ v: Int) -> String { v > 0 ? "+\(Plural.grouped(v))" : Plural.grouped(v) }

    /// Both values as text; long strings (hashes) are shortened together, to a length at
    /// which they still differ, so a change never reads as `a1b2c3… → a1b2c3…`.
    static func texts(_ a: ManifestDiff.FieldValue, _ b: ManifestDiff.FieldValue) -> (String, String) {
        guard case .string(let x) = a, case .string(let y) = b, x.count > 16 || y.count > 16 else { return (text(a), text(b)) }
        let common = zip(x, y).prefix { $0 == $1 }.count
        let keep = max(12, common + 4)
        func cut(_ s: String) -> String { s.count > keep + 4 ? String(s.prefix(keep)) + "…" : s }
        return (cut(x), cut(y))
    }

    static func text(_ v: ManifestDiff.FieldValue) -> String {
        switch v {
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bool(let b): return String(b)
        case .string(let s): return s.count > 16 ? String(s.prefix(12)) + "…" : s
        case .null: return "null"
        }
    }
}
