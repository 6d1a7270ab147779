import ArgumentParser
import DatasetAnalysis
import DatasetIO
import Foundation

extension Imgeda {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract:
                "Export a manifest to CSV or Parquet, every field as a column, named as the reference names it (CSV: mean_r …; Parquet: pixel_stats.mean_r …).",
            discussion: "Streams the manifest: memory stays flat for millions of records (Parquet is written in row groups of 100,000)."
        )

        enum Kind: String, ExpressibleByArgument, CaseIterable {
            case csv, parquet
        }

        @Argument(help: "Output format: csv or parquet.")
        var kind: Kind

        @OptionGroup var source: ManifestOption
        var manifest: String { source.manifest }

        @Option(name: [.short, .long], help: "File to write.", completion: .file())
        var output: String

        func run() throws {
            let reader = try ManifestReader(path: manifest)
            try OutputPath.refuseInput(output, inputs: [manifest])
            let file = try AtomicFile(path: output)
            let sink: ([UInt8]) throws -> Void = { bytes in try file.write(bytes) }
            let report: ManifestReadReport
            switch kind {
            case .csv:
                var writer = try CSVWriter(sink: sink)
                report = try reader.forEachRecord { try writer.append($0) }
                try writer.flush()
            case .parquet:
                var writer = try ParquetWriter(sink: sink)
                report = try reader.forEachRecord { try writer.append($0) }
                try writer.finish()
            }
            do {
                try report.requireRecords(in: manifest)
            } catch {
                // Junk, an empty file or a header alone: keep the previous export, if any.
                file.abandon()
                throw ValidationError("\(error.commandLine); \(output) was not written")
            }
            try file.commit()
            Console.out("Wrote \(Plural.count(report.records, "record")) (\(RecordField.manifestOrder.count) columns) to \(output).")
        }
    }
}
