import DatasetAnalysis
import DatasetIO
import DatasetPipeline
import Foundation

/// A scan's plan and summary as terminal text. It stays beside the command because it names
/// the flags that apply each remedy (``Remedy/commandLine``).
enum ScanText {
    /// What discovery and resume found, before the analysis starts (printed on stderr).
    static func plan(_ plan: ScanPlan) -> [String] {
        var lines: [String] = []
        for layout in plan.layouts where layout.format != "flat" || !layout.splitCounts.isEmpty {
            var line = "Dataset \(layout.root): \(layout.format.uppercased())"
            if !layout.splitCounts.isEmpty {
                line += ", splits " + layout.splitList
            }
            if !layout.classNames.isEmpty {
                line += ", \(layout.classNames.count) classes"
            }
            lines.append(line + ".")
        }
        if plan.streamed {
            var line = "Listing and analysing images as their keys arrive"
            if plan.reused > 0 { line += "; \(Plural.count(plan.reused, "record")) of the last scan kept where unchanged" }
            lines.append(line + ".")
            for note in plan.notes { lines.append("Note: \(note.commandLine).") }
            return lines
        }
        var line = "Found \(Plural.count(plan.discovered, "image"))"
        if plan.reused > 0 { line += "; \(Console.grouped(plan.reused)) unchanged since the last scan" }
        line += "; analysing \(Console.grouped(plan.pending))"
        lines.append(line + ".")
        if !plan.skipped.isEmpty {
            lines.append(
                "Skipped \(Plural.count(plan.skipped.count, "entry", plural: "entries")) that are not image files (listed at the end).")
        }
        for note in plan.notes { lines.append("Note: \(note.commandLine).") }
        return lines
    }

    /// The outcome: counts of each problem, what was skipped and why, and the limits that
    /// flagged files (in the flags that raise them).
    static func summary(_ s: ScanSummary, output: String, timeout: Double, maxPixels: Int) -> [String] {
        var lines: [String] = []
        lines.append(
            "Scan complete in \(String(format: "%.1f", s.seconds)) s: \(Plural.count(s.totalRecords, "image")) in \(output)"
                + (s.reused > 0 ? " (\(Console.grouped(s.analysed)) analysed, \(Console.grouped(s.reused)) reused)" : ""))
        let p = s.problems
        let rows: [(String, Int)] = [
            ("Corrupt", p.corrupt), ("Dark", p.dark), ("Overexposed", p.overexposed),
            ("Blurry", p.blurry), ("Border artifacts", p.borderArtifact),
        ]
        for (name, count) in rows {
            lines.append(
                "  \(name.padding(toLength: 17, withPad: " ", startingAt: 0)) \(Console.grouped(count).leftPadded(7))  \(Console.percent(count, of: s.totalRecords))"
            )
        }
        if !s.skipped.isEmpty {
            lines.append("  Skipped (not image files): \(Console.grouped(s.skipped.count))")
            for (reason, count) in s.skippedByReason {
                lines.append("    \(Console.grouped(count).leftPadded(5))  \(reason)")
            }
            for entry in s.skipped.prefix(10) {
                lines.append("      \(entry.path.display): \(Remedy.commandLine(entry.remedy, after: entry.reason))")
            }
            if s.skipped.count > 10 { lines.append("      … and \(s.skipped.count - 10) more") }
        }
        if p.overMemoryLimit > 0 {
            lines.append(
                "  \(Plural.count(p.overMemoryLimit, "file")) needed more memory than one worker may use; \(Remedy.raiseMemoryLimit.commandLine)."
            )
        }
        if p.overPixelLimit > 0 {
            lines.append(
                "  \(Plural.count(p.overPixelLimit, "file")) had more pixels than the limit of \(Console.grouped(maxPixels)); \(Remedy.raisePixelLimit.commandLine)."
            )
        }
        if p.needsUntrustedLoaders > 0 {
            lines.append(
                "  \(Plural.count(p.needsUntrustedLoaders, "file")) can be read only by ImageMagick, which is off; \(Remedy.allowUntrustedLoaders.commandLine)."
            )
        }
        if s.timedOut > 0 {
            lines.append(
                "  \(Plural.count(s.timedOut, "file")) timed out after \(timeout == timeout.rounded() ? String(Int(timeout)) : String(timeout)) s; \(Remedy.raiseTimeout.commandLine)."
            )
        }
        lines.append("Next: imgeda info -m \(output)")
        return lines
    }
}
