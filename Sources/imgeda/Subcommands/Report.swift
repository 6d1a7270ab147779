import ArgumentParser
import DatasetAnalysis
import DatasetIO
import DatasetPipeline
import DatasetReport
import Foundation

extension Imgeda {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Write a one-file HTML report: summary, issues, every plot, galleries of flagged images and duplicate groups.",
            discussion:
                "The file is self-contained (inline SVG plots and JPEG thumbnails, no scripts) and opens offline in any browser. Thumbnails come from the images when they are reachable from here."
        )

        @OptionGroup var source: ManifestOption
        var manifest: String { source.manifest }

        @Option(
            name: [.short, .long], help: "HTML file to write (a path, or s3://bucket/key.html).", completion: .file(extensions: ["html"]))
        var output = "./imgeda_report.html"

        @Option(help: "Thumbnails per gallery of flagged images.")
        var gallery = 24

        @Option(help: "Duplicate groups shown for each kind (exact, near).")
        var groups = 20

        @Flag(help: "No thumbnails (for sharing a report without the pictures, or when the images are elsewhere).")
        var noThumbnails = false

        @Option(help: "Worker processes that make thumbnails (default: all cores).")
        var workers: Int?

        @Option(help: "Seconds one thumbnail may take before its worker is stopped.")
        var timeout = 30.0

        @Option(help: "Memory one thumbnail worker may use, in MiB (default: as for scan).")
        var maxMemory: Int?

        @OptionGroup var thresholdOptions: ThresholdOptions

        func validate() throws {
            if let workers, workers < 1 { throw ValidationError("--workers must be at least 1 (got \(workers))") }
            if !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds (got \(timeout))") }
            if let maxMemory, maxMemory < 512 { throw ValidationError("--max-memory must be at least 512 (MiB; got \(maxMemory))") }
        }

        func run() throws {
            let reader = try ManifestReader(path: manifest)
            try OutputPath.refuseInput(output, inputs: [manifest])
            // An s3:// output is written to a local file, then uploaded.
            let target = try S3Terminal.output(output, fetchExisting: false, example: "s3://bucket/reports/report.html")
            let header = try reader.header()
            let resolved = try thresholdOptions.resolve(manifests: [manifest])
            let thresholds = resolved.thresholds
            var data = PlotData(thresholds: thresholds)
            var checks = CheckCollector(thresholds: thresholds, collectCandidates: false, keep: max(gallery, 0))
            // Exact path bytes of names that are not UTF-8 (their `path` has U+FFFD in it).
            var rawPaths: [String: String] = [:]
            let read = try reader.forEachRecord { record in
                data.add(record)
                checks.add(record)
                if let raw = record.pathRaw { rawPaths[record.path] = raw }
            }
            try read.requireRecords(in: manifest)
            let threads = ProcessInfo.processInfo.activeProcessorCount
            let duplicates = DuplicateFinder.find(data.candidates, threshold: thresholds.duplicate, threads: threads)
            let splits = DatasetLayout.ordered(splits: data.candidates.map(\.split))
            let leakage =
                splits.count >= 2
                ? LeakageFinder.find(data.candidates, order: splits, duplicates: duplicates, threads: threads) : nil
            // Thumbnails are decoded by isolated, time- and memory-limited worker processes,
            // as in a scan: a hostile or huge file costs its thumbnail, not this process.
            let thumbnailer =
                noThumbnails
                ? nil
                : Thumbnailer(
                    configuration: .init(
                        executable: Scan.executablePath(), workers: workers ?? threads,
                        side: 160, timeout: timeout, memoryLimit: maxMemory.map { UInt64($0) << 20 }))
            // Record paths are relative to where the scan ran, not to where this runs.
            let thumbnails = ReportThumbnails(
                thumbnailer: thumbnailer, paths: ManifestPaths(header: header, manifest: manifest), rawPaths: rawPaths)
            let input = HTMLReport.Input(
                manifest: manifest, header: header, data: data, checks: checks, duplicates: duplicates,
                leakage: leakage, labelConflicts: LabelConflictFinder.find(data.candidates, duplicates: duplicates), thresholds: thresholds,
                thumbnails: thumbnails.dataURIs,
                galleryLimit: gallery, groupLimit: groups, generatedAt: Timestamp.nowISO8601(), toolVersion: Imgeda.version)
            let html = HTMLReport.render(input)
            try thumbnails.checkFailure()
            try AtomicFile.write(Array(html.utf8), to: target.local)
            try target.upload(contentType: "text/html; charset=utf-8")
            Console.out(resolved.line)
            Console.out(
                "Wrote \(output) (\(Console.bytes(html.utf8.count))): \(Plural.count(read.records, "image")), \(PlotKind.allCases.count) plots."
            )
            if let (count, example) = thumbnails.missingSummary {
                Console.err(
                    "Note: \(Console.grouped(count)) thumbnails could not be made: the images were not found or not readable from here (for example \(example)); the report shows their paths instead (--no-thumbnails leaves them out)."
                )
            }
        }
    }
}
