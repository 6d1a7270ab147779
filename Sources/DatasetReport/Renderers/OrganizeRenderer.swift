public import DatasetAnalysis
import Foundation

/// `organize`'s plan (the dry run), outcome and undo as terminal lines; JSON is
/// ``JSONRenderer``.
public enum OrganizeRenderer {
    /// The dry run: how many files go where, a sample of moves, every conflict, the dates
    /// that are not trusted, the duplicates not placed twice, the near duplicates (all
    /// placed), and what is left alone. `sample` bounds the moves, folders, near-duplicate
    /// sets (and files of each) and files left alone listed; the JSON plan lists them all.
    public static func plan(_ plan: OrganizePlan, sample: Int = 10) -> [String] {
        let verb = plan.mode == .move ? "move" : "copy"
        let place = plan.toPlace
        var lines = [
            "Plan: \(verb) \(Plural.count(place.count, "file")) (\(Plural.bytes(plan.bytesToPlace))) into \(plan.destination) as \(plan.template)"
        ]
        let there = plan.operations.filter { $0.action == .alreadyThere }.count
        if there > 0 {
            lines.append(
                "  \(Plural.count(there, "file")) already at the destination with the same bytes"
                    + (plan.mode == .move ? " (the source is removed once checked)" : " (skipped)"))
        }
        let inPlace = plan.operations.filter { $0.action == .inPlace }.count
        if inPlace > 0 { lines.append("  \(Plural.count(inPlace, "file")) already where the template puts them") }
        let folders = plan.filesPerFolder
        if !folders.isEmpty {
            lines.append("Folders (\(Plural.grouped(folders.count))):")
            for entry in folders.prefix(sample) { lines.append("  \(entry.folder)/  \(Plural.count(entry.files, "file"))") }
            if folders.count > sample { lines.append("  … and \(Plural.count(folders.count - sample, "more folder"))") }
        }
        if !place.isEmpty {
            lines.append("Sample:")
            for op in place.prefix(sample) { lines.append("  \(op.source) → \(op.destination)") }
            if place.count > sample { lines.append("  … and \(Plural.count(place.count - sample, "more file"))") }
        }
        let conflicts = plan.conflicts
        if !conflicts.isEmpty {
            lines.append("Name conflicts (a different file holds the name; a suffix is added): \(Plural.grouped(conflicts.count))")
            for op in conflicts { lines.append("  \(op.source) → \(op.destination)") }
        }
        let low = plan.lowConfidence
        if !low.isEmpty {
            lines.append("Uncertain dates (from folder names or file times): \(Plural.grouped(low.count))")
            for op in low {
                lines.append("  \(op.source): \(op.date ?? "no date") from \(op.dateSource?.rawValue ?? "nothing") → \(op.destination)")
            }
        }
        if !plan.duplicates.isEmpty {
            lines.append("Exact duplicates placed once (\(Plural.grouped(plan.duplicates.count)) not placed again):")
            for d in plan.duplicates { lines.append("  \(d.path) = \(d.copyOf)") }
        }
        if !plan.nearDuplicates.isEmpty {
            lines.append("Near duplicates (look alike; all are placed): \(Plural.count(plan.nearDuplicates.count, "set"))")
            for set in plan.nearDuplicates.prefix(sample) {
                let more = set.count > sample ? "  … and \(Plural.grouped(set.count - sample)) more" : ""
                lines.append("  " + set.prefix(sample).joined(separator: "  ") + more)
            }
            if plan.nearDuplicates.count > sample {
                lines.append("  … and \(Plural.count(plan.nearDuplicates.count - sample, "more set"))")
            }
        }
        if !plan.skipped.isEmpty {
            lines.append("Left alone: \(Plural.grouped(plan.skipped.count))")
            for s in plan.skipped.prefix(sample) { lines.append("  \(s.path): \(s.reason)") }
            if plan.skipped.count > sample { lines.append("  … and \(Plural.count(plan.skipped.count - sample, "more file"))") }
        }
        return lines
    }

    /// The summary after `--apply`.
    public static func outcome(_ outcome: OrganizeOutcome) -> [String] {
        var lines: [String] = []
        if outcome.recovered > 0 {
            lines.append("Finished \(Plural.count(outcome.recovered, "operation")) of an interrupted run first.")
        }
        let verb = outcome.mode == .move ? "Moved" : "Copied"
        let rate =
            outcome.seconds > 0
            ? String(
                format: ", %.0f files/s, %.1f MB/s", Double(outcome.placed) / outcome.seconds, Double(outcome.bytes) / 1e6 / outcome.seconds
            ) : ""
        lines.append(
            "\(verb) \(Plural.count(outcome.placed, "file")) (\(Plural.bytes(outcome.bytes))), each checked against its source\(rate).")
        if outcome.alreadyThere > 0 { lines.append("  \(Plural.count(outcome.alreadyThere, "file")) already there with the same bytes") }
        if outcome.inPlace > 0 { lines.append("  \(Plural.count(outcome.inPlace, "file")) already in place") }
        if outcome.mode == .move { lines.append("  \(Plural.count(outcome.sourcesRemoved, "source")) removed after its copy was verified") }
        for failure in outcome.failed { lines.append("  not done \(failure.path): \(failure.reason)") }
        lines.append("Journal: \(outcome.journal)")
        return lines
    }

    /// The summary after `--undo`.
    public static func undo(_ result: OrganizeUndoResult) -> [String] {
        var lines = result.failed.map { "  not undone \($0.path): \($0.reason)" }
        lines.append(
            "Undone: \(Plural.count(result.restored, "source")) put back, \(Plural.count(result.removed, "copy", plural: "copies")) removed, \(Plural.count(result.folders, "folder")) removed (every file checked by SHA-256)."
        )
        if !result.failed.isEmpty { lines.append("\(Plural.count(result.failed.count, "file")) left as they are (listed above).") }
        return lines
    }
}
