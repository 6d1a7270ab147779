public import DatasetAnalysis
import Foundation

/// The check results as terminal text: the lines `imgeda check` prints (the command prints
/// them through its terminal escaping). JSON is ``JSONRenderer``; the HTML report draws the
/// same values.
public enum CheckRenderer {
    /// "Dark: 2 of 8 (25.0%)", then the first `examples` items with their measurement (`unit`)
    /// or, without a unit, their reason.
    public static func flagged(
        _ title: String, _ items: [CheckCollector.Flagged], total: Int, unit: String?,
        examples: Int, seeAll: String
    ) -> [String] {
        var lines = ["\(title): \(Plural.grouped(items.count)) of \(Plural.grouped(total)) (\(Plural.percent(items.count, of: total)))"]
        for item in items.prefix(examples) {
            var line = "  \(item.path)"
            if let v = item.value, let unit { line += "  (\(unit) \(String(format: "%.1f", v)))" }
            if unit == nil { line += "  — \(item.detail)" }
            lines.append(line)
        }
        if items.count > examples { lines.append("  … and \(Plural.grouped(items.count - examples)) more: \(seeAll)") }
        return lines
    }

    public static func duplicates(_ d: DuplicateListing, total: Int, examples: Int, seeAll: String) -> [String] {
        var lines: [String] = []
        lines.append(
            "Exact duplicates (same bytes): \(Plural.count(d.exactGroups.count, "group")), \(Plural.count(d.exactDuplicateFiles, "file"))")
        for g in d.exactGroups.prefix(examples) {
            lines.append("  keep \(g.keeper)")
            for m in g.removeCandidates.prefix(5) { lines.append("    copy \(m)") }
            if g.size > 6 { lines.append("    … \(g.size - 6) more copies") }
        }
        if d.exactGroups.count > examples { lines.append("  … and \(d.exactGroups.count - examples) more groups: \(seeAll)") }
        let nearFiles = d.nearGroups.reduce(0) { $0 + $1.size }
        lines.append(
            "Near duplicates (pHash within \(d.threshold) bits, windows within \(d.windowThreshold)\(d.transforms ? ", any orientation" : "")): \(Plural.count(d.nearGroups.count, "group")), \(Plural.count(nearFiles, "file"))"
        )
        for g in d.nearGroups.prefix(examples) {
            let members = g.members ?? []
            if let keeper = members.first {
                lines.append("  keep \(keeper.path)  (\(keeper.width)×\(keeper.height))")
            }
            for m in members.dropFirst().prefix(5) {
                let how = m.match?.words ?? m.distance.map { "\($0) bits" + (m.transformWords.map { ", \($0)" } ?? "") } ?? "?"
                lines.append("    near \(m.path)  (\(m.width)×\(m.height), \(how))")
            }
            if g.size > 6 { lines.append("    … \(g.size - 6) more") }
        }
        if d.nearGroups.count > examples { lines.append("  … and \(d.nearGroups.count - examples) more groups: \(seeAll)") }
        if !d.nearBlank.isEmpty {
            lines.append("Near-blank pictures (flat, not compared): \(Plural.grouped(d.nearBlank.count))")
            for path in d.nearBlank.prefix(examples) { lines.append("  \(path)") }
            if d.nearBlank.count > examples { lines.append("  … and \(Plural.grouped(d.nearBlank.count - examples)) more: \(seeAll)") }
        }
        lines.append(
            "Candidates to remove: \(Plural.grouped(d.removeCandidateCount)) of \(Plural.grouped(total)) (\(Plural.percent(d.removeCandidateCount, of: total))); nothing was deleted."
        )
        if d.recordsWithoutChecksum > 0 {
            let n = d.recordsWithoutChecksum
            lines.append(
                "Note: \(Plural.count(n, "record")) \(n == 1 ? "has" : "have") no SHA-256 (written by another tool); re-scan to include them in exact detection."
            )
        }
        return lines
    }

    public static func labelConflicts(_ l: LabelConflictListing, examples: Int, seeAll: String) -> [String] {
        var lines = ["Label conflicts (the same picture in different classes): \(Plural.grouped(l.groups.count))"]
        for conflict in l.groups.prefix(examples) {
            let kind = conflict.exact ? "same bytes" : "near copies, up to \(conflict.maxDistance) bits"
            lines.append("  \(conflict.classes.joined(separator: " vs ")) (\(kind)):")
            for member in conflict.members.prefix(5) { lines.append("    \(member.path)  [\(member.className ?? "no class")]") }
        }
        if l.groups.count > examples {
            lines.append("  … and \(Plural.grouped(l.groups.count - examples)) more: \(seeAll)")
        }
        return lines
    }

    public static func leakage(_ l: LeakageListing, examples: Int, seeAll: String) -> [String] {
        var lines = ["Splits: " + l.splits.map { "\($0.name) (\(Plural.grouped($0.images)))" }.joined(separator: ", ")]
        for p in l.splitPairs {
            let status =
                p.leakedImages == 0
                ? "no leakage"
                : "\(Plural.grouped(p.leakedImages)) of \(Plural.count(p.laterImages, "image")) (\(Plural.percent(p.leakedImages, of: p.laterImages))) have a copy in \(p.earlier)"
            lines.append("\(p.later) ← \(p.earlier): \(status)  [exact pairs \(p.exactPairs), near pairs \(p.nearPairs)]")
            let shown = p.examples.prefix(min(examples, 5))
            for e in shown {
                lines.append(
                    "    \(e.later)  ≈  \(e.earlier)  (\(e.distance == 0 ? "same bytes or identical hash" : "\(e.distance) bits"))")
            }
            if p.leakedImages > shown.count {
                lines.append("    … and \(Plural.grouped(p.leakedImages - shown.count)) more: \(seeAll)")
            }
        }
        return lines
    }

    /// What `check exposure` prints: the thresholds, then the dark and the overexposed images.
    public static func exposure(_ r: ExposureResult, thresholdsSource: String, examples: Int, seeAll: String) -> [String] {
        let t = r.thresholds
        return [t.line(source: thresholdsSource)]
            + flagged(
                "Dark (brightness < \(QualityThresholds.number(t.dark)))", r.dark.items, total: r.dark.total,
                unit: FlaggedSection.Kind.dark.unit, examples: examples, seeAll: seeAll)
            + flagged(
                "Overexposed (brightness > \(QualityThresholds.number(t.overexposed)))", r.overexposed.items, total: r.overexposed.total,
                unit: FlaggedSection.Kind.overexposed.unit, examples: examples, seeAll: seeAll)
    }

    /// What `check all` prints: every check's summary with a few examples each.
    ///
    /// - Parameters:
    ///   - read: how to name what was read ("m.jsonl", or "train.jsonl, val.jsonl").
    ///   - seeAll: where the full lists are, for the flagged images and duplicate groups
    ///     (which also have a single check of their own).
    ///   - seeAllResult: where the full lists are for the rest (the JSON result).
    public static func all(
        _ r: CheckResult, read: String, thresholdsSource: String, examples: Int, seeAll: String, seeAllResult: String
    ) -> [String] {
        let total = r.totalImages
        var lines = ["Checked \(Plural.count(total, "image")) in \(read)", r.thresholds.line(source: thresholdsSource)]
        for (title, section, kind) in [
            ("Corrupt", r.corrupt, FlaggedSection.Kind.corrupt), ("Dark", r.dark, .dark), ("Overexposed", r.overexposed, .overexposed),
            ("Border artifacts", r.artifacts, .artifacts), ("Blurry", r.blur, .blur),
        ] {
            lines += flagged(title, section.items, total: total, unit: kind.unit, examples: examples, seeAll: seeAll)
        }
        lines += flagged(
            "Extension does not match the format", r.extensionMismatch.items.map(\.flagged), total: total, unit: nil,
            examples: examples, seeAll: seeAllResult)
        lines += duplicates(r.duplicates, total: total, examples: examples, seeAll: seeAll)
        lines += labelConflicts(r.labelConflicts, examples: examples, seeAll: seeAllResult)
        if let leakage = r.leakage {
            lines.append("Leakage across splits (pHash within \(leakage.threshold) bits):")
            lines += self.leakage(leakage, examples: examples, seeAll: seeAll)
        }
        return lines
    }
}
