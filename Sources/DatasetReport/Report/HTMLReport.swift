public import DatasetAnalysis
import Foundation

/// The one-file HTML report: summary, issues with thresholds, every plot inline (SVG),
/// galleries of flagged images and of duplicate groups with the keeper marked, EXIF and
/// formats. Self-contained: no scripts, no external files, opens offline in any browser.
public struct HTMLReport {
    public struct Input {
        public var manifest: String
        public var header: ManifestHeader?
        public var data: PlotData
        public var checks: CheckCollector
        public var duplicates: DuplicateReport
        public var thresholds: Plots.Thresholds
        /// Data URIs (or nil) for image paths, in order, all asked for at once so the caller
        /// can make them in parallel: thumbnails come from the images when they are reachable.
        public var thumbnails: (_ paths: [String]) -> [String?]
        public var galleryLimit: Int
        public var groupLimit: Int
        public var generatedAt: String
        public var toolVersion: String

        public init(manifest: String, header: ManifestHeader?, data: PlotData, checks: CheckCollector,
                    duplicates: DuplicateReport, thresholds: Plots.Thresholds,
                    thumbnails: @escaping ([String]) -> [String?], galleryLimit: Int = 24, groupLimit: Int = 20,
                    generatedAt: String, toolVersion: String) {
            self.manifest = manifest
            self.header = header
            self.data = data
            self.checks = checks
            self.duplicates = duplicates
            self.thresholds = thresholds
            self.thumbnails = thumbnails
            self.galleryLimit = galleryLimit
            self.groupLimit = groupLimit
            self.generatedAt = generatedAt
            self.toolVersion = toolVersion
        }
    }

    static func e(_ s: String) -> String { SVGBuilder.escape(s) }

    public static func render(_ input: Input) -> String {
        let s = input.data.summary
        let total = max(1, s.totalImages)
        func pct(_ n: Int) -> String { String(format: "%.1f%%", Double(n) * 100 / Double(total)) }
        let c = input.checks, d = input.duplicates, t = input.thresholds
        let exactFiles = d.exactGroups.reduce(0) { $0 + $1.members.count }
        let removable = d.exactGroups.reduce(0) { $0 + $1.members.count - 1 } + d.nearGroups.reduce(0) { $0 + $1.members.count - 1 }
        var unreachable = 0
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>imgeda report — \(e(input.header?.inputDir ?? input.manifest))</title>
        <style>
        body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;color:#222;margin:0;background:#f6f6f4}
        main{max-width:1180px;margin:0 auto;padding:24px}
        h1{font-size:26px;margin:8px 0 4px}h2{font-size:20px;margin:36px 0 12px;border-bottom:2px solid #0072B2;padding-bottom:4px}
        h3{font-size:16px;margin:20px 0 8px}.muted{color:#666;font-size:13px}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:12px;margin-top:16px}
        .card{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
        .card b{display:block;font-size:22px}.card span{color:#666;font-size:13px}
        table{border-collapse:collapse;background:#fff;width:100%;font-size:14px}
        th,td{text-align:left;padding:7px 10px;border-bottom:1px solid #e6e6e6}th{background:#fafafa}
        td.num{text-align:right;font-variant-numeric:tabular-nums}
        .plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:14px}
        .plot{background:#fff;border-radius:8px;padding:6px}.plot svg{width:100%;height:auto}
        .gallery{display:flex;flex-wrap:wrap;gap:10px}
        figure{margin:0;width:172px;background:#fff;border-radius:6px;padding:6px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
        figure img{width:160px;height:120px;object-fit:contain;background:#eee;display:block;margin:0 auto}
        figure .none{width:160px;height:120px;display:flex;align-items:center;justify-content:center;background:#eee;color:#888;font-size:12px;text-align:center}
        figcaption{font-size:11px;word-break:break-all;margin-top:4px}figcaption b{font-size:12px}
        .group{display:flex;flex-wrap:wrap;gap:10px;background:#fff;border-radius:8px;padding:10px;margin-bottom:12px}
        .keep{outline:3px solid #009E73}.keep figcaption b{color:#009E73}
        </style></head><body><main>
        <h1>imgeda report</h1>
        <div class="muted">\(e(input.header?.inputDirs.joined(separator: ", ") ?? input.header?.inputDir ?? "")) · manifest \(e(input.manifest)) · generated \(e(input.generatedAt)) by imgeda \(e(input.toolVersion)) (Swift)</div>
        <section id="summary"><h2>Summary</h2><div class="cards">
        """
        let cards: [(String, String)] = [
            (NumberFormat.grouped(Double(s.totalImages)), "images"),
            (NumberFormat.bytes(Double(s.totalSizeBytes)), "total size"),
            (NumberFormat.grouped(Double(s.corruptCount)), "corrupt"),
            (NumberFormat.grouped(Double(c.counts.dark)), "dark"),
            (NumberFormat.grouped(Double(c.counts.overexposed)), "overexposed"),
            (NumberFormat.grouped(Double(c.counts.blurry)), "blurry"),
            (NumberFormat.grouped(Double(c.counts.artifacts)), "border artifacts"),
            (NumberFormat.grouped(Double(removable)), "duplicate copies"),
        ]
        for (value, label) in cards { html += "<div class=\"card\"><b>\(e(value))</b><span>\(e(label))</span></div>" }
        html += "</div></section>\n<section id=\"issues\"><h2>Issues</h2><table><tr><th>issue</th><th>images</th><th>share</th><th>threshold / definition</th></tr>"
        let rows: [(String, Int, String)] = [
            ("Corrupt", s.corruptCount, "cannot be decoded (reason per file)"),
            ("Dark", c.counts.dark, "mean brightness < \(NumberFormat.tick(t.dark))"),
            ("Overexposed", c.counts.overexposed, "mean brightness > \(NumberFormat.tick(t.overexposed))"),
            ("Blurry", c.counts.blurry, "blur score < \(NumberFormat.tick(t.blur)) (Laplacian variance at 256 px)"),
            ("Border artifacts", c.counts.artifacts, "corner–centre brightness difference > \(NumberFormat.tick(t.artifact))"),
            ("Exact duplicates", exactFiles, "\(groupsText(d.exactGroups.count)) of byte-identical files (SHA-256)"),
            ("Near duplicates", d.nearGroups.reduce(0) { $0 + $1.members.count }, "\(groupsText(d.nearGroups.count)), pHash within \(d.threshold) bits"),
            ("Near-blank", d.nearBlank.count, "flat pictures (channel standard deviation < 6)"),
        ]
        for (name, count, rule) in rows {
            html += "<tr><td>\(e(name))</td><td class=\"num\">\(NumberFormat.grouped(Double(count)))</td><td class=\"num\">\(pct(count))</td><td>\(e(rule))</td></tr>"
        }
        html += "</table></section>\n<section id=\"plots\"><h2>Plots</h2><div class=\"plots\">"
        for kind in PlotKind.allCases {
            let svg = Plots.chart(kind, input.data, thresholds: t, duplicates: d).svg()
            html += "<div class=\"plot\" id=\"plot-\(kind.rawValue)\">\(svg)</div>"
        }
        html += "</div></section>\n<section id=\"galleries\"><h2>Flagged images</h2>"

        func figure(_ path: String, caption: String, keep: Bool = false) -> String {
            let thumb = thumbnails.uri(path)
            if thumb == nil { unreachable += 1 }
            let image = thumb.map { "<img src=\"\($0)\" alt=\"\(e(path))\">" } ?? "<div class=\"none\">image not reachable</div>"
            return "<figure\(keep ? " class=\"keep\"" : "")>\(image)<figcaption>\(keep ? "<b>keep</b> " : "")\(e(caption))<br>\(e(path))</figcaption></figure>"
        }
        let galleries: [(String, String, [CheckCollector.Flagged], Int, String)] = [
            ("corrupt", "Corrupt", c.corrupt, c.counts.corrupt, ""), ("dark", "Dark", c.dark, c.counts.dark, "brightness"),
            ("overexposed", "Overexposed", c.overexposed, c.counts.overexposed, "brightness"),
            ("blurry", "Blurry", c.blurry, c.counts.blurry, "blur score"),
            ("artifacts", "Border artifacts", c.artifacts, c.counts.artifacts, "delta"),
        ]
        // Thumbnails for every gallery and group, made in parallel (each is a decode).
        var wanted: [String] = []
        for (id, _, items, _, _) in galleries where id != "corrupt" { wanted += items.prefix(input.galleryLimit).map(\.path) }
        for g in input.duplicates.exactGroups.prefix(input.groupLimit) + input.duplicates.nearGroups.prefix(input.groupLimit) {
            wanted += g.members.prefix(8).map { input.data.candidates[$0].path }
        }
        let thumbnails = ThumbnailCache(paths: wanted, make: input.thumbnails)
        for (id, title, items, count, unit) in galleries {
            html += "<h3 id=\"gallery-\(id)\">\(e(title)) (\(NumberFormat.grouped(Double(count))))</h3>"
            if items.isEmpty { html += "<p class=\"muted\">None.</p>"; continue }
            html += "<div class=\"gallery\">"
            for item in items.prefix(input.galleryLimit) {
                let caption = item.value.map { "\(unit) \(String(format: "%.1f", $0))" } ?? item.detail
                html += id == "corrupt"
                    ? "<figure><div class=\"none\">\(e(item.detail))</div><figcaption>\(e(item.path))</figcaption></figure>"
                    : figure(item.path, caption: caption)
            }
            html += "</div>"
            if count > input.galleryLimit {
                html += "<p class=\"muted\">… and \(NumberFormat.grouped(Double(count - input.galleryLimit))) more: <code>imgeda check \(id == "dark" || id == "overexposed" ? "exposure" : id) -m \(e(input.manifest)) -o \(id).json</code></p>"
            }
        }
        html += "</section>\n<section id=\"duplicates\"><h2>Duplicate groups</h2>"
        let candidates = input.data.candidates
        func groupBlock(_ g: DuplicateGroup, exact: Bool) -> String {
            var block = "<div class=\"group\">"
            for (i, m) in g.members.prefix(8).enumerated() {
                let cand = candidates[m]
                var caption = "\(cand.width)×\(cand.height)"
                if !exact, i > 0, let d = DuplicateFinder.distance(candidates[g.keeper], cand, transforms: input.duplicates.transforms) {
                    caption += ", \(d) bits"
                }
                block += figure(cand.path, caption: caption, keep: i == 0)
            }
            if g.members.count > 8 { block += "<p class=\"muted\">… \(g.members.count - 8) more copies</p>" }
            return block + "</div>"
        }
        html += "<h3 id=\"exact-groups\">Exact duplicates: \(d.exactGroups.count) groups</h3>"
        if d.exactGroups.isEmpty { html += "<p class=\"muted\">None.</p>" }
        for g in d.exactGroups.prefix(input.groupLimit) { html += groupBlock(g, exact: true) }
        html += "<h3 id=\"near-groups\">Near duplicates: \(d.nearGroups.count) groups (pHash within \(d.threshold) bits)</h3>"
        if d.nearGroups.isEmpty { html += "<p class=\"muted\">None.</p>" }
        for g in d.nearGroups.prefix(input.groupLimit) { html += groupBlock(g, exact: false) }
        if d.exactGroups.count + d.nearGroups.count > 2 * input.groupLimit {
            html += "<p class=\"muted\">All groups: <code>imgeda check duplicates -m \(e(input.manifest)) -o duplicates.json</code></p>"
        }
        html += "</section>\n<section id=\"exif\"><h2>EXIF</h2><div class=\"cards\">"
        for (value, label) in [(s.exifPresentCount, "with camera information"), (s.gpsTaggedCount, "GPS-tagged"),
                               (s.rotatedCount, "rotated by EXIF"), (s.highDistortionRiskCount, "high distortion risk (< 18 mm)")] {
            html += "<div class=\"card\"><b>\(NumberFormat.grouped(Double(value)))</b><span>\(e(label))</span></div>"
        }
        html += "</div><h3>Cameras</h3>" + table(input.data.cameras, header: "camera", limit: 15)
        html += "</section>\n<section id=\"formats\"><h2>Formats</h2>" + table(s.formatCounts, header: "format", limit: 20)
        html += "<h3>Colour modes</h3>" + table(s.modeCounts, header: "mode", limit: 20)
        if let minW = s.minWidth, let maxW = s.maxWidth, let minH = s.minHeight, let maxH = s.maxHeight {
            html += "<p class=\"muted\">Widths \(minW)–\(maxW) px, heights \(minH)–\(maxH) px.</p>"
        }
        html += "</section>"
        if unreachable > 0 {
            html += "<p class=\"muted\" id=\"unreachable\">\(unreachable) thumbnails could not be made: the images were not found or not readable from here (the report still shows their paths and values).</p>"
        }
        html += "</main></body></html>\n"
        return html
    }

    /// Makes every thumbnail up front (the maker spreads them over worker processes), then
    /// serves them by path.
    struct ThumbnailCache {
        private let results: [String?]
        private let index: [String: Int]

        init(paths: [String], make: ([String]) -> [String?]) {
            var unique: [String] = []
            var index: [String: Int] = [:]
            for p in paths where index[p] == nil {
                index[p] = unique.count
                unique.append(p)
            }
            self.index = index
            let made = unique.isEmpty ? [] : make(unique)
            results = made.count == unique.count ? made : Array(repeating: nil, count: unique.count)
        }

        func uri(_ path: String) -> String? { index[path].flatMap { results[$0] } }
    }

    static func groupsText(_ n: Int) -> String { n == 1 ? "1 group" : "\(NumberFormat.grouped(Double(n))) groups" }

    static func table(_ counts: [String: Int], header: String, limit: Int) -> String {
        if counts.isEmpty { return "<p class=\"muted\">None recorded.</p>" }
        var out = "<table><tr><th>\(e(header))</th><th>images</th></tr>"
        for (name, count) in DatasetSummary.ranked(counts).prefix(limit) {
            out += "<tr><td>\(e(name))</td><td class=\"num\">\(NumberFormat.grouped(Double(count)))</td></tr>"
        }
        return out + "</table>"
    }
}
