import ArgumentParser
import DatasetAnalysis
import DatasetIO
import DatasetPipeline
import DatasetReport
import Foundation
import ImageDecoding

extension Imgeda {
    struct Annotations: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "annotations",
            abstract: "Statistics of a detection dataset's labels: classes, objects per image, box sizes, problems.",
            discussion:
                "Reads \(AnnotationReader.layoutsLookedFor), or the COCO files given with --annotation-file. Finding no annotation is an error (exit 1). Invalid boxes are those outside the image, with zero area, or with an unknown class id."
        )

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case yolo, coco, voc
        }

        @Argument(help: "The dataset's root folder.", completion: .directory)
        var directory: String

        @Option(help: "Annotation format (default: detected).")
        var format: Format?

        @Option(
            help: ArgumentHelp(
                "A COCO annotation file to read, by name (such as Roboflow's _annotations.coco.json); repeat it for one per split.",
                valueName: "file"),
            completion: .file(extensions: ["json"]))
        var annotationFile: [String] = []

        @Option(name: [.short, .long], help: "Write the statistics as JSON to this file.", completion: .file(extensions: ["json"]))
        var output: String?

        @Flag(help: "Print the statistics as JSON.")
        var json = false

        @Option(
            help: "Also draw plots (classes, objects per image, box area, box aspect ratio) as PNG into this folder.",
            completion: .directory)
        var plots: String?

        func run() throws {
            let read = try AnnotationReader.read(directory, format: format?.rawValue, annotationFiles: annotationFile)
            let report = AnnotationReport(
                root: directory, format: read.format, classNames: read.classNames, annotated: read.annotated,
                imageFiles: read.imageFiles)
            let stats = report.stats
            let data = try JSONRenderer.data(report)
            if let output {
                try OutputPath.refuseInput(output, inputs: read.inputFiles)
                try AtomicFile.write(Array(data), to: output)
            }
            if let plots {
                try FileSystem.createDirectories(plots)
                _ = ImageDecoder.startLibvips()
                let charts = AnnotationPlots.kinds.map { kind in
                    ("\(plots)/\(kind).png", AnnotationPlots.chart(kind, stats, areas: stats.areaValues, ratios: stats.aspectValues).svg())
                }
                for chart in charts { try OutputPath.refuseInput(chart.0, inputs: read.inputFiles, option: "--plots") }
                try ChartFiles.write(charts, format: .png)
            }
            if json {
                Console.out(String(decoding: data, as: UTF8.self))
                return
            }
            for line in AnnotationRenderer.text(report, seeAll: "use -o annotations.json") { Console.out(line) }
            if let plots { Console.out("Plots: \(AnnotationPlots.kinds.map { "\(plots)/\($0).png" }.joined(separator: ", "))") }
        }
    }
}
