public import DatasetAnalysis
import Foundation

/// An ``AnnotationReport`` as terminal text: counts, distributions, objects per class, and
/// up to ten examples of each problem. JSON is ``JSONRenderer``.
public enum AnnotationRenderer {
    /// How many examples of each problem the text lists.
    public static let examples = 10

    /// The lines `imgeda annotations` prints; `seeAll` says where the full lists are.
    public static func text(_ r: AnnotationReport, seeAll: String) -> [String] {
        let stats = r.stats
        var lines = ["\(r.format.uppercased()) annotations in \(r.root)"]
        lines.append(
            "  images \(Plural.grouped(stats.images)), labelled \(Plural.grouped(r.labelledImages)), objects \(Plural.grouped(stats.objects))"
        )
        lines.append(
            String(
                format: "  objects per image: min %.0f, median %.0f, mean %.2f, max %.0f", stats.objectsPerImage.min,
                stats.objectsPerImage.median, stats.objectsPerImage.mean, stats.objectsPerImage.max))
        lines.append(
            String(
                format: "  box area (share of the image): p10 %.4f, median %.4f, p90 %.4f", stats.boxAreaFraction.p10,
                stats.boxAreaFraction.median, stats.boxAreaFraction.p90))
        lines.append(
            String(
                format: "  box aspect ratio (w/h): p10 %.2f, median %.2f, p90 %.2f", stats.boxAspectRatio.p10,
                stats.boxAspectRatio.median, stats.boxAspectRatio.p90))
        lines.append("Classes:")
        for (name, count) in DatasetSummary.ranked(stats.classCounts) {
            lines.append(
                "  \(name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(Plural.grouped(count).leftPadded(8)) objects in \(Plural.count(stats.imagesPerClass[name] ?? 0, "image"))"
            )
        }
        func list(_ title: String, _ items: [String]) {
            lines.append("\(title): \(Plural.grouped(items.count))")
            for item in items.prefix(examples) { lines.append("  \(item)") }
            if items.count > examples { lines.append("  … and \(Plural.grouped(items.count - examples)) more (\(seeAll))") }
        }
        list("Images without labels", stats.imagesWithoutLabels)
        list("Labels without images", stats.labelsWithoutImages)
        list("Invalid boxes", stats.invalidBoxes.map { "\($0.source): \($0.reason)" })
        return lines
    }
}
