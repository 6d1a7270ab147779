public import DatasetAnalysis
import Foundation

/// An ``InfoResult`` as terminal text: the table `imgeda info` prints, then the damaged-lines
/// note and the thresholds line. JSON is ``JSONRenderer``.
public enum InfoRenderer {
    public static func text(_ r: InfoResult) -> [String] {
        let s = r.summary
        var lines: [String] = []
        func row(_ key: String, _ value: String) {
            lines.append("  \(key.padding(toLength: 20, withPad: " ", startingAt: 0)) \(value)")
        }
        func counted(_ n: Int) -> String { "\(Plural.grouped(n)) (\(Plural.percent(n, of: s.totalImages)))" }
        func list(_ counts: [String: Int], limit: Int = 8) -> String {
            let ranked = DatasetSummary.ranked(counts)
            let shown = ranked.prefix(limit).map { "\($0.key) (\(Plural.grouped($0.value)))" }.joined(separator: ", ")
            return ranked.count > limit ? shown + ", … \(ranked.count - limit) more" : (shown.isEmpty ? "—" : shown)
        }
        lines.append("Dataset summary: \(r.manifest)")
        row("Total images", Plural.grouped(s.totalImages))
        row("Total size", Plural.bytes(s.totalSizeBytes))
        row("Corrupt", counted(s.corruptCount))
        row("Dark", counted(s.darkCount))
        row("Overexposed", counted(s.overexposedCount))
        row("Blurry", counted(s.blurryCount))
        row("Border artifacts", counted(s.artifactCount))
        if let minW = s.minWidth, let maxW = s.maxWidth, let minH = s.minHeight, let maxH = s.maxHeight {
            row("Dimensions", "width \(minW)–\(maxW), height \(minH)–\(maxH)")
        } else {
            row("Dimensions", "— (no readable images)")
        }
        if !s.splitCounts.isEmpty { row("Splits", list(s.splitCounts)) }
        if !s.classCounts.isEmpty { row("Classes", list(s.classCounts)) }
        row("Formats", list(s.formatCounts))
        row("Color modes", list(s.modeCounts))
        lines.append("EXIF")
        row("With camera info", counted(s.exifPresentCount))
        row("Cameras", list(s.cameraCounts, limit: 5))
        row("GPS-tagged", counted(s.gpsTaggedCount))
        row("Rotated (EXIF)", counted(s.rotatedCount))
        row(
            "High distortion risk",
            counted(s.highDistortionRiskCount) + "  lens under \(ExifSummary.highDistortionBelowMM) mm (35 mm equivalent)")
        row(
            "Medium distortion",
            counted(s.mediumDistortionRiskCount)
                + "  lens \(ExifSummary.highDistortionBelowMM)–\(ExifSummary.mediumDistortionBelowMM - 1) mm")
        if let header = r.header {
            lines.append("Scan")
            row("Input", header.inputDirs.isEmpty ? header.inputDir : header.inputDirs.joined(separator: ", "))
            row("Created", header.createdAt)
            row("Written by", "\(header.tool) \(header.toolVersion)".trimmingCharacters(in: .whitespaces))
        }
        if r.malformedLines > 0 || r.truncatedTail {
            lines.append(
                "Note: skipped \(Plural.count(r.malformedLines, "damaged line"))"
                    + (r.nestedTooDeep > 0 ? " (\(r.nestedTooDeep) nested too deep to be records)" : "")
                    + "\(r.truncatedTail ? " and a truncated last line (an interrupted scan; re-run it to resume)" : "").")
        }
        lines.append(s.thresholds.line(source: r.thresholdsSource))
        return lines
    }
}
