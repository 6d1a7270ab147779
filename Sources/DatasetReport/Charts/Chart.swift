import DatasetAnalysis
import Foundation

/// The project's chart theme: one sans-serif face, quiet axes, and the Okabe–Ito palette,
/// which stays distinguishable for the common forms of colour blindness.
public enum Theme {
    public static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
    public static let blue = palette[0], orange = palette[1], green = palette[2], red = palette[3], purple = palette[4]
    static let font = "DejaVu Sans, Helvetica, Arial, sans-serif"
    static let ink = "#222222", axis = "#555555", grid = "#E6E6E6", muted = "#777777"
}

/// A chart: a title, axes, and marks drawn in order. Rendered as a self-contained SVG.
///
/// ```swift
/// var chart = Chart(title: "Brightness", xLabel: "mean brightness (0–255)", yLabel: "images")
/// chart.x = .linear(0, 255)
/// chart.marks = [.histogram(bins), .band(from: 0, to: 40, label: "dark", color: Theme.blue)]
/// let svg = chart.svg()
/// ```
public struct Chart: Sendable {
    public enum Axis: Sendable {
        case linear(Double, Double)
        case log(Double, Double)
        /// Category names, top to bottom (horizontal bar charts).
        case categories([String])
    }

    public struct Bin: Sendable {
        public var lower: Double
        public var upper: Double
        public var count: Double
        public init(lower: Double, upper: Double, count: Double) {
            self.lower = lower
            self.upper = upper
            self.count = count
        }
    }

    public enum Mark: Sendable {
        /// Bars from 0 to each bin's count.
        case histogram([Bin], color: String, label: String?)
        /// A step outline of bins (for overlaid distributions).
        case outline([Bin], color: String, label: String?)
        /// Horizontal bars, one per category of the y axis.
        case bars([Double], color: String)
        case points([(Double, Double)], color: String, label: String?)
        /// Counts on a grid of cells: x edges, y edges, counts[row][column]; darker is more.
        case density(xEdges: [Double], yEdges: [Double], counts: [[Double]])
        case vline(Double, label: String, color: String)
        case hline(Double, label: String, color: String)
        case band(from: Double, to: Double, label: String, color: String)
    }

    public var title: String
    public var subtitle: String?
    public var xLabel: String
    public var yLabel: String
    public var x: Axis = .linear(0, 1)
    public var y: Axis = .linear(0, 1)
    public var marks: [Mark] = []
    /// Formats x tick values (e.g. bytes); default: numbers with separators.
    public var xTickFormat: (@Sendable (Double) -> String)?
    /// When set, the chart shows this message instead of axes (nothing to plot).
    public var emptyMessage: String?

    public init(title: String, subtitle: String? = nil, xLabel: String, yLabel: String) {
        self.title = title
        self.subtitle = subtitle
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// The y axis that fits the histograms and bars among the marks, from 0 with 5% headroom.
    public mutating func fitY() {
        var top = 1.0
        for mark in marks {
            switch mark {
            case .histogram(let bins, _, _), .outline(let bins, _, _): top = max(top, bins.map(\.count).max() ?? 0)
            default: break
            }
        }
        y = .linear(0, Scale.niceDomain(0, top * 1.05).1)
    }

    /// Renders at `width` × `height` CSS pixels.
    public func svg(width: Double = 720, height: Double = 440) -> String {
        var out = SVGBuilder(width: width, height: height)
        let categories: [String]
        if case .categories(let names) = y { categories = names } else { categories = [] }
        let leftMargin = categories.isEmpty ? 70.0 : min(260, 16 + 7 * Double(categories.map(\.count).max() ?? 8))
        let plot = (x0: leftMargin, y0: subtitle == nil ? 48.0 : 64.0, x1: width - 24, y1: height - 56)
        out.text(title, x: 16, y: 26, size: 17, weight: "600", anchor: "start", color: Theme.ink)
        if let subtitle { out.text(subtitle, x: 16, y: 46, size: 12.5, anchor: "start", color: Theme.muted) }

        if let emptyMessage {
            out.rect(plot.x0, plot.y0, plot.x1 - plot.x0, plot.y1 - plot.y0, fill: Theme.grid, opacity: 0.35, clipped: false)
            out.text(emptyMessage, x: (plot.x0 + plot.x1) / 2, y: (plot.y0 + plot.y1) / 2, size: 14, anchor: "middle", color: Theme.muted)
            return out.finish()
        }
        let xs: Scale
        switch x {
        case .linear(let a, let b): xs = Scale(kind: .linear, domain: (a, b), range: (plot.x0, plot.x1))
        case .log(let a, let b): xs = Scale(kind: .log, domain: (a, b), range: (plot.x0, plot.x1))
        case .categories: xs = Scale(domain: (0, 1), range: (plot.x0, plot.x1))
        }
        var ys = Scale(domain: (0, 1), range: (plot.y1, plot.y0))
        switch y {
        case .linear(let a, let b): ys = Scale(kind: .linear, domain: (a, b), range: (plot.y1, plot.y0))
        case .log(let a, let b): ys = Scale(kind: .log, domain: (a, b), range: (plot.y1, plot.y0))
        case .categories: break
        }

        // Grid and axes.
        let xFormat = xTickFormat ?? NumberFormat.tick
        // Bar charts draw their own value axis with the bars.
        for t in categories.isEmpty ? xs.ticks() : [] {
            let px = xs(t)
            out.line(px, plot.y0, px, plot.y1, color: Theme.grid)
            out.text(xFormat(t), x: px, y: plot.y1 + 18, size: 11.5, anchor: "middle", color: Theme.axis)
        }
        if categories.isEmpty {
            for t in ys.ticks(5) {
                let py = ys(t)
                out.line(plot.x0, py, plot.x1, py, color: Theme.grid)
                out.text(NumberFormat.tick(t), x: plot.x0 - 8, y: py + 4, size: 11.5, anchor: "end", color: Theme.axis)
            }
        }
        out.line(plot.x0, plot.y1, plot.x1, plot.y1, color: Theme.axis)
        out.line(plot.x0, plot.y0, plot.x0, plot.y1, color: Theme.axis)
        out.text(xLabel, x: (plot.x0 + plot.x1) / 2, y: height - 16, size: 12.5, anchor: "middle", color: Theme.ink)
        if categories.isEmpty {
            out.text(yLabel, x: 16, y: (plot.y0 + plot.y1) / 2, size: 12.5, anchor: "middle", color: Theme.ink, rotate: -90)
        }

        var legend: [(String, String)] = []
        out.clip(x: plot.x0, y: plot.y0, width: plot.x1 - plot.x0, height: plot.y1 - plot.y0)
        for mark in marks {
            switch mark {
            case .band(let a, let b, let label, let color):
                let left = max(plot.x0, min(xs(a), xs(b))), right = min(plot.x1, max(xs(a), xs(b)))
                if right > left { out.rect(left, plot.y0, right - left, plot.y1 - plot.y0, fill: color, opacity: 0.12, clipped: true) }
                legend.append((label, color))
            case .histogram(let bins, let color, let label):
                for bin in bins where bin.count > 0 {
                    let left = xs(bin.lower), right = xs(bin.upper), top = ys(bin.count)
                    out.rect(left + 0.5, top, max(0.8, right - left - 1), plot.y1 - top, fill: color, opacity: 0.85, clipped: true)
                }
                if let label { legend.append((label, color)) }
            case .outline(let bins, let color, let label):
                var d = ""
                for (i, bin) in bins.enumerated() {
                    let left = xs(bin.lower), right = xs(bin.upper), top = ys(bin.count)
                    d += (i == 0 ? "M\(f(left)),\(f(plot.y1)) " : "") + "L\(f(left)),\(f(top)) L\(f(right)),\(f(top)) "
                }
                if let last = bins.last { d += "L\(f(xs(last.upper))),\(f(plot.y1))" }
                out.path(d, stroke: color, width: 2, clipped: true)
                if let label { legend.append((label, color)) }
            case .bars(let values, let color):
                let top = max(1, values.max() ?? 1)
                let bx = Scale(domain: (0, Scale.niceDomain(0, top * 1.05).1), range: (plot.x0, plot.x1))
                let rowHeight = (plot.y1 - plot.y0) / Double(max(1, categories.count))
                for t in bx.ticks(5) { out.line(bx(t), plot.y0, bx(t), plot.y1, color: Theme.grid) }
                for (i, value) in values.enumerated() where i < categories.count {
                    let yTop = plot.y0 + Double(i) * rowHeight
                    out.rect(
                        plot.x0, yTop + rowHeight * 0.15, max(0.8, bx(value) - plot.x0), rowHeight * 0.7, fill: color, opacity: 0.9,
                        clipped: true)
                }
                out.unclip()
                for (i, name) in categories.enumerated() {
                    let yMid = plot.y0 + (Double(i) + 0.5) * rowHeight
                    out.text(name, x: plot.x0 - 8, y: yMid + 4, size: 11.5, anchor: "end", color: Theme.ink)
                    if i < values.count {
                        out.text(
                            NumberFormat.grouped(values[i]), x: bx(values[i]) + 6, y: yMid + 4, size: 11, anchor: "start",
                            color: Theme.muted)
                    }
                }
                for t in bx.ticks(5) {
                    out.text(NumberFormat.tick(t), x: bx(t), y: plot.y1 + 18, size: 11.5, anchor: "middle", color: Theme.axis)
                }
                out.clip(x: plot.x0, y: plot.y0, width: plot.x1 - plot.x0, height: plot.y1 - plot.y0)
            case .points(let points, let color, let label):
                let radius = points.count > 5_000 ? 1.2 : points.count > 500 ? 2 : 3
                let opacity = points.count > 2_000 ? 0.35 : 0.7
                if points.count > 500 {
                    // Many points: small squares rasterise several times faster than circles
                    // and look the same at this size.
                    for (px, py) in points {
                        out.rect(xs(px) - radius, ys(py) - radius, 2 * radius, 2 * radius, fill: color, opacity: opacity, clipped: true)
                    }
                } else {
                    for (px, py) in points { out.circle(xs(px), ys(py), r: radius, fill: color, opacity: opacity) }
                }
                if let label { legend.append((label, color)) }
            case .density(let xEdges, let yEdges, let counts):
                let top = counts.flatMap { $0 }.max() ?? 1
                for (row, line) in counts.enumerated() where row + 1 < yEdges.count {
                    for (column, count) in line.enumerated() where count > 0 && column + 1 < xEdges.count {
                        let left = xs(xEdges[column]), right = xs(xEdges[column + 1])
                        let lower = ys(yEdges[row]), upper = ys(yEdges[row + 1])
                        // Logarithmic shading: one image and a thousand both stay visible.
                        let level = 0.15 + 0.85 * log1p(count) / log1p(top)
                        out.rect(
                            left, upper, max(0.5, right - left), max(0.5, lower - upper), fill: Theme.blue, opacity: level, clipped: true)
                    }
                }
            case .vline(let value, let label, let color):
                let px = xs(value)
                out.line(px, plot.y0, px, plot.y1, color: color, width: 1.6, dash: "5,4")
                // A line in the right third of the plot is labelled on its left, so the label
                // is not cut at the plot's edge.
                let onLeft = px > plot.x0 + (plot.x1 - plot.x0) * 2 / 3
                out.text(label, x: onLeft ? px - 4 : px + 4, y: plot.y0 + 14, size: 11, anchor: onLeft ? "end" : "start", color: color)
            case .hline(let value, let label, let color):
                let py = ys(value)
                out.line(plot.x0, py, plot.x1, py, color: color, width: 1.6, dash: "5,4")
                out.text(label, x: plot.x1 - 4, y: py - 5, size: 11, anchor: "end", color: color)
            }
        }
        out.unclip()
        // Legend, top right, one row.
        var lx = plot.x1
        for (label, color) in legend.reversed() {
            let w = 18 + 6.5 * Double(label.count)
            lx -= w + 10
            out.rect(lx, 16, 12, 12, fill: color, opacity: 0.85, clipped: false)
            out.text(label, x: lx + 17, y: 26.5, size: 11.5, anchor: "start", color: Theme.ink)
        }
        return out.finish()
    }
}

/// A coordinate with one decimal, without `String(format:)` (charts write thousands of them).
func f(_ v: Double) -> String {
    guard v.isFinite else { return "0" }
    let tenths = Int((v * 10).rounded())
    let whole = tenths / 10, fraction = abs(tenths % 10)
    let sign = tenths < 0 && whole == 0 ? "-" : ""
    return fraction == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
}

/// A small SVG writer: shapes, text with escaping, and one clip region at a time.
struct SVGBuilder {
    private var body = ""
    private var clipCount = 0
    private var clipping = false
    let width: Double, height: Double

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    static func escape(_ s: String) -> String { Escape.xml(s) }

    mutating func clip(x: Double, y: Double, width: Double, height: Double) {
        if clipping { unclip() }
        clipCount += 1
        body +=
            "<clipPath id=\"c\(clipCount)\"><rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(width))\" height=\"\(f(height))\"/></clipPath><g clip-path=\"url(#c\(clipCount))\">"
        clipping = true
    }

    mutating func unclip() {
        if clipping { body += "</g>" }
        clipping = false
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, color: String, width: Double = 1, dash: String? = nil) {
        body +=
            "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(color)\" stroke-width=\"\(width)\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>"
    }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, opacity: Double, clipped: Bool) {
        body +=
            "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(w))\" height=\"\(f(h))\" fill=\"\(fill)\" fill-opacity=\"\(opacityText(opacity))\"/>"
    }

    func opacityText(_ v: Double) -> String {
        let hundredths = Int((v * 100).rounded())
        return hundredths >= 100 ? "1" : hundredths < 10 ? "0.0\(hundredths)" : "0.\(hundredths)"
    }

    mutating func circle(_ x: Double, _ y: Double, r: Double, fill: String, opacity: Double) {
        body += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(r)\" fill=\"\(fill)\" fill-opacity=\"\(opacityText(opacity))\"/>"
    }

    mutating func path(_ d: String, stroke: String, width: Double, clipped: Bool) {
        body += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(width)\"/>"
    }

    mutating func text(
        _ s: String, x: Double, y: Double, size: Double, weight: String = "400", anchor: String, color: String, rotate: Double? = nil
    ) {
        let transform = rotate.map { " transform=\"rotate(\($0) \(f(x)) \(f(y)))\"" } ?? ""
        body +=
            "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(size)\" font-weight=\"\(weight)\" text-anchor=\"\(anchor)\" fill=\"\(color)\"\(transform)>\(Self.escape(s))</text>"
    }

    mutating func finish() -> String {
        unclip()
        return
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"\(Theme.font)\">"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#FFFFFF\"/>" + body + "</svg>\n"
    }
}
