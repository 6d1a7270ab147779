public import DatasetAnalysis
import Foundation

/// A ``DownloadSummary`` as the lines `imgeda download` prints: the totals, a table of
/// failures by reason with a count and an example URL each, and how to resume; JSON is
/// ``JSONRenderer``.
public enum DownloadRenderer {
    public static func text(_ s: DownloadSummary) -> [String] {
        var lines: [String] = []
        let rate = s.seconds > 0 ? Double(s.attempted) / s.seconds : 0
        let megabytes = Double(s.bytes) / 1_000_000
        lines.append(
            "Download \(s.stopped ? "stopped" : "complete") in \(String(format: "%.1f", s.seconds)) s: "
                + "\(s.ok) of \(s.total) rows ok, \(s.failed) failed, \(s.skipped) skipped"
                + (s.unfinished > 0 ? ", \(s.unfinished) not done" : "") + ".")
        lines.append(
            "  This run: \(s.attempted) rows fetched (\(String(format: "%.1f", rate)) rows/s, \(String(format: "%.1f", megabytes)) MB)"
                + (s.alreadyDone > 0 ? ", \(s.alreadyDone) done by earlier runs" : "")
                + (s.manifest.isEmpty ? "" : ", \(s.analysed) images analysed") + ".")
        if !s.failures.isEmpty {
            lines.append("  Not downloaded, by reason:")
            let width = max(6, s.failures.map { $0.reason.rawValue.count + $0.status.rawValue.count + 3 }.max() ?? 6)
            for group in s.failures {
                let label = "\(group.reason.rawValue) (\(group.status.rawValue))"
                let padded = label.padding(toLength: width, withPad: " ", startingAt: 0)
                let count = String(group.count)
                lines.append("    \(padded) \(String(repeating: " ", count: max(0, 7 - count.count)))\(count)  e.g. \(group.exampleURL)")
                if !group.exampleDetail.isEmpty {
                    lines.append("    \(String(repeating: " ", count: width + 9))\(group.exampleDetail)")
                }
            }
        }
        lines.append("  Journal: \(s.journal)" + (s.manifest.isEmpty ? "" : "   Manifest: \(s.manifest)"))
        if s.stopped || s.unfinished > 0 {
            lines.append("Resume with: \(s.resumeCommand)")
        } else if s.retryable > 0 {
            lines.append("\(s.retryable) rows failed for a transient reason; retry them with: \(s.resumeCommand)")
        }
        if !s.manifest.isEmpty && s.ok > 0 { lines.append("Next: imgeda info -m \(s.manifest)") }
        return lines
    }
}
