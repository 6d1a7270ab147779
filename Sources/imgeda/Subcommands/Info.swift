import ArgumentParser
import DatasetAnalysis
import DatasetIO
import DatasetReport
import Foundation

extension Imgeda {
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "info",
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
            try report.requireRecords(in: manifest)
            let result = InfoResult(
                summary: summary, header: header, manifest: manifest, thresholdsSource: resolved.source,
                malformedLines: report.malformedLines, nestedTooDeep: report.nestedTooDeep, truncatedTail: report.truncatedTail)
            if json {
                Console.out(try JSONRenderer.text(result))
            } else {
                for line in InfoRenderer.text(result) { Console.out(line) }
            }
        }
    }
}
