import ArgumentParser
import DatasetAnalysis
import DatasetIO
import DatasetReport
import Foundation
import ScanPipeline

extension Imgeda {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a one-file HTML report: summary, issues, every plot, galleries of flagged images and duplicate groups.",
            discussion: "The file is self-contained (inline SVG plots and JPEG thumbnails, no scripts) and opens offline in any browser. Thumbnails come from the images when they are reachable from here."
        )

        @Option(name: [.short, .long], help: "Manifest to read.", completion: .file(extensions: ["jsonl"]))
        var manifest: String

        @Option(name: [.short, .long], help: "HTML file to write.", completion: .file(extensions: ["html"]))
        var output = "./imgeda_report.html"

        @Option(help: "Thumbnails per gallery of flagged images.")
        var gallery = 24

        @Option(help: "Duplicate groups shown for each kind (exact, near).")
        var groups = 20

        @Flag(help: "No thumbnails (for sharing a report without the pictures, or when the images are elsewhere).")
        var noThumbnails = false

        func run() throws {
            let reader = try ManifestReader(path: manifest)
            try OutputPath.refuseInput(output, inputs: [manifest])
            let header = try reader.header()
            var data = PlotData()
            var checks = CheckCollector(thresholds: CheckThresholds(), collectCandidates: false, keep: max(gallery, 0))
            let read = try reader.forEachRecord { record in
                data.add(record)
                checks.add(record)
            }
            guard read.records > 0 else {
                throw ValidationError("\(manifest) holds no image records (make one with `imgeda scan DIR -o \(manifest)`)")
            }
            var thresholds = Plots.Thresholds()
            if let s = header?.settings, header?.tool == "imgeda-swift" {
                thresholds.dark = s.darkThreshold
                thresholds.overexposed = s.overexposedThreshold
                thresholds.artifact = s.artifactThreshold
                thresholds.blur = s.blurThreshold
            }
            let duplicates = DuplicateFinder.find(data.candidates, threads: ProcessInfo.processInfo.activeProcessorCount)
            let thumbnailer = noThumbnails ? nil : Thumbnailer(side: 160)
            let input = HTMLReport.Input(
                manifest: manifest, header: header, data: data, checks: checks, duplicates: duplicates, thresholds: thresholds,
                thumbnail: { path, raw in
                    guard let thumbnailer, let jpeg = thumbnailer.jpeg(FilePathBytes(path: path, pathRaw: raw)) else { return nil }
                    return "data:image/jpeg;base64," + Data(jpeg).base64EncodedString()
                },
                galleryLimit: gallery, groupLimit: groups, generatedAt: Timestamp.nowISO8601(), toolVersion: Imgeda.version)
            let html = HTMLReport.render(input)
            try AtomicFile.write(Array(html.utf8), to: output)
            Console.out("Wrote \(output) (\(Console.bytes(html.utf8.count))): \(Console.grouped(read.records)) images, \(PlotKind.allCases.count) plots.")
        }
    }
}
