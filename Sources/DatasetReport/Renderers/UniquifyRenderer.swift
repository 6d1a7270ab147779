public import DatasetAnalysis

/// `uniquify`'s plan, outcome and restore as terminal lines; JSON is ``JSONRenderer``.
public enum UniquifyRenderer {
    /// The plan: each set with its keeper and the copies to edit.
    public static func plan(_ plan: UniquifyPlan, examples: Int = .max) -> [String] {
        guard !plan.groups.isEmpty else {
            return ["No duplicates among \(Plural.count(plan.images, "image")) at threshold \(plan.threshold): nothing to change."]
        }
        var lines = [
            "\(Plural.count(plan.groups.count, "set")) of duplicates among \(Plural.count(plan.images, "image")) (threshold \(plan.threshold) bits): \(Plural.count(plan.toAlter, "copy", plural: "copies")) to edit."
        ]
        for group in plan.groups.prefix(examples) {
            lines.append("  keep \(group.keeper)  (\(group.kind))")
            for path in group.alter { lines.append("    edit \(path)") }
        }
        if plan.groups.count > examples { lines.append("  … and \(Plural.count(plan.groups.count - examples, "more set"))") }
        return lines
    }

    public static func outcome(_ outcome: UniquifyOutcome, restoreCommand: String) -> [String] {
        var lines: [String] = []
        for change in outcome.changed {
            lines.append("  edited \(change.path): \(change.edit); now \(change.distance) bits from its nearest copy")
        }
        for failure in outcome.failed { lines.append("  left \(failure.path): \(failure.reason)") }
        lines.append(
            "Edited \(Plural.count(outcome.changed.count, "copy", plural: "copies")); every one is now more than \(outcome.threshold) bits from the other copies of its set."
        )
        if !outcome.failed.isEmpty {
            lines.append("\(Plural.count(outcome.failed.count, "copy", plural: "copies")) could not be edited (listed above).")
        }
        if !outcome.changed.isEmpty {
            lines.append("Originals are saved in \(outcome.backupDir); put them back with: \(restoreCommand)")
        }
        return lines
    }

    public static func restore(_ result: UniquifyRestoreResult) -> [String] {
        var lines = result.failed.map { "  not restored \($0.path): \($0.reason)" }
        lines.append("Restored \(Plural.count(result.restored.count, "file")) to their original bytes (checked by SHA-256).")
        if !result.failed.isEmpty {
            lines.append("\(Plural.count(result.failed.count, "file")) could not be restored; the backups in \(result.backupDir) are kept.")
        }
        return lines
    }
}
