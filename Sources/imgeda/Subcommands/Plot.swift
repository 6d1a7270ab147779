import ArgumentParser
import DatasetAnalysis
import DatasetIO
import DatasetPipeline
import DatasetReport
import Foundation
import ImageDecoding

extension Imgeda {
    struct Plot: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plot",
            abstract: "Draw plots of a manifest as PNG or SVG.",
            discussion:
                "Kinds: \(PlotKind.allCases.map(\.rawValue).joined(separator: ", ")), or all. One pass over the manifest; large manifests switch to density plots by themselves."
        )

        @Argument(
            help: "What to plot: \(PlotKind.allCases.map(\.rawValue).joined(separator: "|"))|all.",
            completion: .list(PlotKind.allCases.map(\.rawValue) + ["all"])
        )
        var kind: String

        @OptionGroup var source: ManifestOption
        var manifest: String { source.manifest }

        @Option(
            name: [.short, .long], help: "Folder to write the plots to (created if needed), or s3://bucket/prefix/.", completion: .directory
        )
        var output = "./plots"

        @Option(help: "Image format: png or svg.", completion: .list(["png", "svg"]))
        var format = "png"

        @Option(help: "Largest number of points in scatter plots (a uniform random sample; more becomes a density plot).")
        var sample = 20_000

        @Option(help: "Resolution of PNG plots.")
        var dpi = 150.0

        @OptionGroup var thresholds: ThresholdOptions

        func validate() throws {
            guard kind == "all" || PlotKind(rawValue: kind) != nil else {
                throw ValidationError(
                    "unknown plot kind '\(kind)'; choose one of \(PlotKind.allCases.map(\.rawValue).joined(separator: ", ")) or all")
            }
            guard ChartFiles.Format(rawValue: format) != nil else { throw ValidationError("--format must be png or svg (got \(format))") }
            guard sample > 0 else { throw ValidationError("--sample must be positive (got \(sample))") }
            guard (36...600).contains(dpi) else { throw ValidationError("--dpi must be between 36 and 600 (got \(dpi))") }
        }

        func run() throws {
            let resolved = try thresholds.resolve(manifests: [manifest])
            var data = PlotData(sampleLimit: sample, thresholds: resolved.thresholds)
            let report = try ManifestReader(path: manifest).forEachRecord { data.add($0) }
            try report.requireRecords(in: manifest)
            let chartFormat = ChartFiles.Format(rawValue: format) ?? .png
            if chartFormat == .png, let message = ImageDecoder.startLibvips() {
                throw ValidationError("libvips failed to start: \(message); use --format svg")
            }
            // An s3:// folder is written locally, then each plot uploaded under the prefix.
            let folder = try S3Terminal.outputFolder(output)
            try FileSystem.createDirectories(folder.local)
            let kinds = kind == "all" ? PlotKind.allCases : [PlotKind(rawValue: kind)].compactMap { $0 }
            let names = kinds.map { "\($0.rawValue).\(format)" }
            for name in names { try OutputPath.refuseInput("\(folder.local)/\(name)", inputs: [manifest]) }
            let duplicates =
                kinds.contains(.duplicates) ? DuplicateFinder.find(data.candidates, threshold: resolved.thresholds.duplicate) : nil
            let charts = kinds.map { kind in
                (
                    "\(folder.local)/\(kind.rawValue).\(format)",
                    Plots.chart(kind, data, thresholds: resolved.thresholds, duplicates: duplicates).svg()
                )
            }
            try ChartFiles.write(charts, format: chartFormat, dpi: dpi)
            try folder.upload(names) { $0.hasSuffix(".svg") ? "image/svg+xml" : "image/png" }
            for name in names { Console.out("  \(folder.display(name))") }
            Console.out(resolved.line)
            Console.out("Wrote \(kinds.count) plot\(kinds.count == 1 ? "" : "s") of \(Plural.count(report.records, "image")) to \(output).")
        }
    }
}
