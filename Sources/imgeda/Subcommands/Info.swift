import ArgumentParser
import DatasetAnalysis
import DatasetIO
import DatasetReport
import Foundation

extension Imgeda {
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarise a manifest: totals, problems, dimensions, formats, EXIF."
        )

        @OptionGroup var source: ManifestOption
        var manifest: String { source.manifest }

        @Flag(help: "Print the summary as JSON.")
        var json = false

        @OptionGroup var thresholds: ThresholdOptions

        func run() throws {
            let reader = try ManifestReader(path: manifest)
            let header = try reader.header()
            let resolved = try thresholds.resolve(manifests: [manifest])
            var summary = DatasetSummary(thresholds: resolved.thresholds)
            let report = try reader.forEachRecord { summary.add($0) }
            guard report.records > 0 else {
                throw ValidationError(
                    "\(manifest) holds no image records (is it a manifest? make one with `imgeda scan DIR -o \(manifest)`)")
            }
            if json {
                let skipped = report.malformedLines + (report.truncatedTail ? 1 : 0)
                Console.out(try JSONRenderer.text(InfoResult(summary: summary, header: header, skippedLines: skipped)))
            } else {
                printTable(summary, header: header, report: report)
                Console.out(resolved.line)
            }
        }

        private func printTable(_ s: DatasetSummary, header: ManifestHeader?, report: ManifestReadReport) {
            func row(_ key: String, _ value: String) {
                Console.out("  \(key.padding(toLength: 20, withPad: " ", startingAt: 0)) \(value)")
            }
            func counted(_ n: Int) -> String { "\(Console.grouped(n)) (\(Console.percent(n, of: s.totalImages)))" }
            func list(_ counts: [String: Int], limit: Int = 8) -> String {
                let ranked = DatasetSummary.ranked(counts)
                let shown = ranked.prefix(limit).map { "\($0.key) (\(Console.grouped($0.value)))" }.joined(separator: ", ")
                return ranked.count > limit ? shown + ", … \(ranked.count - limit) more" : (shown.isEmpty ? "—" : shown)
            }
            Console.out("Dataset summary: \(manifest)")
            row("Total images", Console.grouped(s.totalImages))
            row("Total size", Console.bytes(s.totalSizeBytes))
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
            Console.out("EXIF")
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
            if let header {
                Console.out("Scan")
                row("Input", header.inputDirs.isEmpty ? header.inputDir : header.inputDirs.joined(separator: ", "))
                row("Created", header.createdAt)
                row("Written by", "\(header.tool) \(header.toolVersion)".trimmingCharacters(in: .whitespaces))
            }
            if report.malformedLines > 0 || report.truncatedTail {
                Console.out(
                    "Note: skipped \(Plural.count(report.malformedLines, "damaged line"))"
                        + (report.nestedTooDeep > 0 ? " (\(report.nestedTooDeep) nested too deep to be records)" : "")
                        + "\(report.truncatedTail ? " and a truncated last line (an interrupted scan; re-run it to resume)" : "").")
            }
        }
    }
}
