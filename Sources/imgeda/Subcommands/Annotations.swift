import ArgumentParser
import DatasetAnalysis
import DatasetIO
import DatasetReport
import Foundation
import ImageDecoding

extension Imgeda {
    struct Annotations: ParsableCommand {
        static let configuration = CommandConfiguration(
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
            let stats = AnnotationStats(
                annotated: read.annotated, imageFiles: read.imageFiles,
                classCount: read.classNames.isEmpty ? nil : read.classNames.count)
            let data = try JSONRenderer.data(AnnotationReport(format: read.format, classNames: read.classNames, stats: stats))
            if let output {
                try OutputPath.refuseInput(output, inputs: read.inputFiles)
                try AtomicFile.write(Array(data), to: output)
            }
            if let plots {
                try FileSystem.createDirectories(plots)
                _ = ImageDecoder.startLibvips()
                for kind in AnnotationPlots.kinds {
                    let svg = AnnotationPlots.chart(kind, stats, areas: stats.areaValues, ratios: stats.aspectValues).svg()
                    let path = "\(plots)/\(kind).png"
                    try OutputPath.refuseInput(path, inputs: read.inputFiles, option: "--plots")
                    let png: [UInt8]
                    do { png = try SVGRenderer.png(svg) } catch { throw ValidationError("cannot draw \(path): \(error)") }
                    try AtomicFile.write(png, to: path)
                }
            }
            if json {
                Console.out(String(decoding: data, as: UTF8.self))
                return
            }
            Console.out("\(read.format.uppercased()) annotations in \(directory)")
            Console.out(
                "  images \(Console.grouped(stats.images)), labelled \(Console.grouped(read.annotated.count)), objects \(Console.grouped(stats.objects))"
            )
            Console.out(
                String(
                    format: "  objects per image: min %.0f, median %.0f, mean %.2f, max %.0f", stats.objectsPerImage.min,
                    stats.objectsPerImage.median, stats.objectsPerImage.mean, stats.objectsPerImage.max))
            Console.out(
                String(
                    format: "  box area (share of the image): p10 %.4f, median %.4f, p90 %.4f", stats.boxAreaFraction.p10,
                    stats.boxAreaFraction.median, stats.boxAreaFraction.p90))
            Console.out(
                String(
                    format: "  box aspect ratio (w/h): p10 %.2f, median %.2f, p90 %.2f", stats.boxAspectRatio.p10,
                    stats.boxAspectRatio.median, stats.boxAspectRatio.p90))
            Console.out("Classes:")
            for (name, count) in DatasetSummary.ranked(stats.classCounts) {
                Console.out(
                    "  \(name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(Console.grouped(count).leftPadded(8)) objects in \(Plural.count(stats.imagesPerClass[name] ?? 0, "image"))"
                )
            }
            func list(_ title: String, _ items: [String]) {
                Console.out("\(title): \(Console.grouped(items.count))")
                for item in items.prefix(10) { Console.out("  \(item)") }
                if items.count > 10 { Console.out("  … and \(Console.grouped(items.count - 10)) more (use -o annotations.json)") }
            }
            list("Images without labels", stats.imagesWithoutLabels)
            list("Labels without images", stats.labelsWithoutImages)
            list("Invalid boxes", stats.invalidBoxes.map { "\($0.source): \($0.reason)" })
            if let plots { Console.out("Plots: \(AnnotationPlots.kinds.map { "\(plots)/\($0).png" }.joined(separator: ", "))") }
        }
    }
}
