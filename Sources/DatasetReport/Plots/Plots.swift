public import DatasetAnalysis
import Foundation

/// The plot kinds of `imgeda plot`, with the reference's names.
public enum PlotKind: String, CaseIterable, Sendable {
    case dimensions
    case fileSize = "file-size"
    case aspectRatio = "aspect-ratio"
    case brightness, channels, artifacts
    case duplicates, blur
    case exifCamera = "exif-camera"
    case exifFocal = "exif-focal"
    case exifISO = "exif-iso"
}

/// Builds each plot from ``PlotData``.
public enum Plots {
    /// The chart of one kind; thresholds draw the reference lines and bands, and are named in
    /// the subtitle, so a plot says which thresholds it shows.
    public static func chart(
        _ kind: PlotKind, _ d: PlotData, thresholds: QualityThresholds = QualityThresholds(),
        duplicates: DuplicateReport? = nil
    ) -> Chart {
        let n = NumberFormat.grouped(Double(d.readable))
        func number(_ v: Double) -> String { QualityThresholds.number(v) }
        switch kind {
        case .dimensions:
            var c = Chart(
                title: "Image dimensions",
                subtitle: "\(n) readable images" + (d.readable > d.sampleLimit ? " (density; darker cells hold more images)" : ""),
                xLabel: "width (px)", yLabel: "height (px)")
            let maxW = d.dimensionSample.map(\.0).max() ?? 1000, maxH = d.dimensionSample.map(\.1).max() ?? 1000
            let minW = d.dimensionSample.map(\.0).min() ?? 1, minH = d.dimensionSample.map(\.1).min() ?? 1
            let lo = max(8, min(minW, minH) / 1.5), hi = max(maxW, maxH) * 1.5
            c.x = .log(lo, hi)
            c.y = .log(lo, hi)
            if d.readable > d.sampleLimit {
                c.marks.append(.density(xEdges: PlotData.dimensionEdges, yEdges: PlotData.dimensionEdges, counts: d.dimensionGrid))
            } else {
                c.marks.append(.points(d.dimensionSample, color: Theme.blue, label: nil))
            }
            for (w, h, name) in [(1280.0, 720.0, "720p"), (1920, 1080, "1080p"), (3840, 2160, "4K")] where w <= hi && w >= lo {
                c.marks.append(.vline(w, label: name, color: Theme.orange))
                c.marks.append(.hline(h, label: name, color: Theme.orange))
            }
            return c
        case .fileSize:
            let median = d.fileSize.quantile(0.5), p95 = d.fileSize.quantile(0.95), p99 = d.fileSize.quantile(0.99)
            var c = Chart(
                title: "File sizes",
                subtitle:
                    "median \(NumberFormat.bytes(median)), 95th percentile \(NumberFormat.bytes(p95)), 99th \(NumberFormat.bytes(p99))",
                xLabel: "file size (log scale)", yLabel: "images")
            let range = d.fileSize.occupied ?? (1e3, 1e7)
            c.x = .log(range.0 / 1.5, range.1 * 1.5)
            c.xTickFormat = NumberFormat.bytes
            c.marks = [
                .histogram(coarsen(d.fileSize, within: range, to: 40), color: Theme.blue, label: nil),
                .vline(median, label: "median", color: Theme.ink),
                .vline(p95, label: "P95", color: Theme.orange),
                .vline(p99, label: "P99", color: Theme.red),
            ]
            c.fitY()
            return c
        case .aspectRatio:
            var c = Chart(
                title: "Aspect ratios", subtitle: "width ÷ height of \(n) readable images (ratios over 4 in the last bar)",
                xLabel: "aspect ratio", yLabel: "images")
            c.x = .linear(0, 4)
            c.marks = [.histogram(d.aspectRatio.bins, color: Theme.blue, label: nil)]
            for (v, name) in [(1.0, "1:1"), (4.0 / 3, "4:3"), (1.5, "3:2"), (16.0 / 9, "16:9")] {
                c.marks.append(.vline(v, label: name, color: Theme.orange))
            }
            c.fitY()
            return c
        case .brightness:
            var c = Chart(
                title: "Brightness",
                subtitle:
                    "mean brightness of \(n) images; shaded: dark (< \(number(thresholds.dark))) and overexposed (> \(number(thresholds.overexposed)))",
                xLabel: "mean brightness (0–255)", yLabel: "images")
            c.x = .linear(0, 256)
            c.marks = [
                .band(from: 0, to: thresholds.dark, label: "dark", color: Theme.blue),
                .band(from: thresholds.overexposed, to: 256, label: "overexposed", color: Theme.orange),
                .histogram(d.brightness.bins, color: Theme.green, label: nil),
                .vline(thresholds.dark, label: "dark < \(number(thresholds.dark))", color: Theme.blue),
                .vline(thresholds.overexposed, label: "overexposed > \(number(thresholds.overexposed))", color: Theme.orange),
            ]
            c.fitY()
            return c
        case .channels:
            var c = Chart(
                title: "Colour channels", subtitle: "distribution of each image's mean red, green and blue",
                xLabel: "channel mean (0–255)", yLabel: "images")
            c.x = .linear(0, 256)
            c.marks = [
                .outline(d.red.bins, color: Theme.red, label: "red"),
                .outline(d.green.bins, color: Theme.green, label: "green"),
                .outline(d.blue.bins, color: Theme.blue, label: "blue"),
            ]
            c.fitY()
            return c
        case .artifacts:
            var c = Chart(
                title: "Border artifacts",
                subtitle: "|corner − centre| brightness; above \(number(thresholds.artifact)) suggests bars, padding or vignetting",
                xLabel: "corner–centre brightness difference", yLabel: "images")
            c.x = .linear(0, 256)
            c.marks = [
                .band(from: thresholds.artifact, to: 256, label: "flagged", color: Theme.red),
                .histogram(d.cornerDelta.bins, color: Theme.blue, label: nil),
                .vline(thresholds.artifact, label: "threshold \(number(thresholds.artifact))", color: Theme.red),
            ]
            c.fitY()
            return c
        case .blur:
            var c = Chart(
                title: "Sharpness", subtitle: "blur score (Laplacian variance at 256 px); below \(number(thresholds.blur)) is blurry",
                xLabel: "blur score (log scale)", yLabel: "images")
            let range = d.blurScore.occupied ?? (1, 1e4)
            c.x = .log(max(0.1, range.0 / 1.5), range.1 * 1.5)
            c.marks = [
                .band(from: 0.01, to: thresholds.blur, label: "blurry", color: Theme.orange),
                .histogram(coarsen(d.blurScore, within: range, to: 45), color: Theme.blue, label: nil),
                .vline(thresholds.blur, label: "threshold \(number(thresholds.blur))", color: Theme.orange),
            ]
            c.fitY()
            return c
        case .duplicates:
            let report = duplicates ?? DuplicateFinder.find(d.candidates, threshold: thresholds.duplicate)
            let exactCopies = report.exactGroups.reduce(0) { $0 + $1.members.count - 1 }
            let nearCopies = report.nearGroups.reduce(0) { $0 + $1.members.count - 1 }
            let unique = max(0, d.total - exactCopies - nearCopies)
            func groups(_ n: Int) -> String { n == 1 ? "1 group" : "\(NumberFormat.grouped(Double(n))) groups" }
            var c = Chart(
                title: "Duplicates",
                subtitle:
                    "\(groups(report.exactGroups.count)) of byte-identical files, \(groups(report.nearGroups.count)) of near copies (pHash within \(report.threshold) bits)",
                xLabel: "images", yLabel: "")
            c.y = .categories(["unique (or kept)", "exact copies to remove", "near copies to remove", "near-blank"])
            c.marks = [.bars([Double(unique), Double(exactCopies), Double(nearCopies), Double(report.nearBlank.count)], color: Theme.blue)]
            return c
        case .exifCamera:
            let top = DatasetSummary.ranked(d.cameras).prefix(15)
            var c = Chart(
                title: "Cameras",
                subtitle: d.cameras.isEmpty
                    ? "no EXIF camera information" : "images per camera model (top \(top.count) of \(d.cameras.count))",
                xLabel: "images", yLabel: "")
            c.y = .categories(top.map(\.key))
            c.marks = [.bars(top.map { Double($0.value) }, color: Theme.blue)]
            if top.isEmpty { c.emptyMessage = "No camera information in the EXIF of these images" }
            return c
        case .exifFocal:
            let high = Double(ExifSummary.highDistortionBelowMM), medium = Double(ExifSummary.mediumDistortionBelowMM)
            var c = Chart(
                title: "Focal lengths",
                subtitle: "35 mm equivalent; under \(Int(high)) mm risks strong lens distortion, under \(Int(medium)) mm some"
                    + (d.focalWithoutEquivalent > 0 ? " (\(d.focalWithoutEquivalent) without a 35 mm equivalent not shown)" : ""),
                xLabel: "focal length (mm)", yLabel: "images")
            let range = d.focal.occupied ?? (0, 200)
            c.x = .linear(0, max(50, range.1))
            c.marks = [
                .band(from: 0, to: high, label: "high distortion risk", color: Theme.red),
                .band(from: high, to: medium, label: "medium distortion risk", color: Theme.orange),
                .histogram(d.focal.bins, color: Theme.blue, label: nil),
            ]
            c.fitY()
            if d.focal.total == 0 { c.emptyMessage = "No focal lengths in the EXIF of these images" }
            return c
        case .exifISO:
            var c = Chart(title: "ISO", subtitle: "sensor sensitivity; high ISO means noise", xLabel: "ISO (log scale)", yLabel: "images")
            c.x = .log(25, 204_800)
            c.marks = [.histogram(d.iso.bins, color: Theme.blue, label: nil)]
            c.fitY()
            if d.iso.total == 0 { c.emptyMessage = "No ISO values in the EXIF of these images" }
            return c
        }
    }

    /// Merges fine bins into about `count` bins spanning `range`, for readable bars.
    static func coarsen(_ h: Histogram, within range: (Double, Double), to count: Int) -> [Chart.Bin] {
        let fine = h.bins.filter { $0.upper > range.0 && $0.lower < range.1 }
        guard !fine.isEmpty else { return [] }
        let group = max(1, Int((Double(fine.count) / Double(count)).rounded(.up)))
        return stride(from: 0, to: fine.count, by: group).map { start in
            let slice = fine[start..<min(fine.count, start + group)]
            return Chart.Bin(lower: slice.first?.lower ?? 0, upper: slice.last?.upper ?? 0, count: slice.reduce(0) { $0 + $1.count })
        }
    }
}
