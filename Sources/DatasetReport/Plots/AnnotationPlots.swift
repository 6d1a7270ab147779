public import DatasetAnalysis
import Foundation

/// Charts of a detection dataset's annotations, in the project's chart style.
public enum AnnotationPlots {
    public static let kinds = ["classes", "objects-per-image", "box-area", "box-aspect-ratio"]

    public static func chart(_ kind: String, _ s: AnnotationStats, areas: [Double], ratios: [Double]) -> Chart {
        switch kind {
        case "classes":
            let top = DatasetSummary.ranked(s.classCounts).prefix(20)
            var c = Chart(
                title: "Objects per class",
                subtitle: "\(NumberFormat.grouped(Double(s.objects))) objects in \(s.classCounts.count) classes", xLabel: "objects",
                yLabel: "")
            c.y = .categories(top.map(\.key))
            c.marks = [.bars(top.map { Double($0.value) }, color: Theme.blue)]
            if top.isEmpty { c.emptyMessage = "No labelled objects" }
            return c
        case "objects-per-image":
            var c = Chart(
                title: "Objects per image",
                subtitle: String(
                    format: "median %.0f, mean %.2f, max %.0f (the last bar: 20 or more)", s.objectsPerImage.median, s.objectsPerImage.mean,
                    s.objectsPerImage.max),
                xLabel: "objects in the image", yLabel: "images")
            c.x = .linear(-0.5, Double(max(5, s.objectsPerImageHistogram.count)) - 0.5)
            c.marks = [
                .histogram(
                    s.objectsPerImageHistogram.enumerated().map {
                        Chart.Bin(lower: Double($0.offset) - 0.5, upper: Double($0.offset) + 0.5, count: Double($0.element))
                    },
                    color: Theme.blue, label: nil)
            ]
            c.fitY()
            return c
        case "box-area":
            var h = Histogram(lower: 1e-5, upper: 1, bins: 50, logarithmic: true)
            for a in areas { h.add(a) }
            var c = Chart(
                title: "Box sizes", subtitle: "box area as a share of the image; small objects are hard to learn",
                xLabel: "box area ÷ image area (log scale)", yLabel: "boxes")
            c.x = .log(1e-5, 1)
            c.marks = [
                .band(from: 1e-5, to: 32.0 * 32 / (640 * 640), label: "small (COCO: under 32² px at 640 px)", color: Theme.orange),
                .histogram(h.bins, color: Theme.blue, label: nil),
            ]
            c.fitY()
            if areas.isEmpty { c.emptyMessage = "No boxes with a known size" }
            return c
        default:
            var h = Histogram(lower: 0.05, upper: 20, bins: 50, logarithmic: true)
            for r in ratios { h.add(r) }
            var c = Chart(title: "Box aspect ratios", subtitle: "box width ÷ height", xLabel: "aspect ratio (log scale)", yLabel: "boxes")
            c.x = .log(0.05, 20)
            c.marks = [.histogram(h.bins, color: Theme.blue, label: nil), .vline(1, label: "square", color: Theme.orange)]
            c.fitY()
            if ratios.isEmpty { c.emptyMessage = "No boxes" }
            return c
        }
    }
}
