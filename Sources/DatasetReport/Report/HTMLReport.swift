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
        /// Copies across splits, when the manifest has two or more splits.
        public var leakage: LeakageReport?
        public var labelConflicts: [LabelConflict]
        /// The thresholds every count, table row and plot line of the report uses.
        public var thresholds: QualityThresholds
        /// Data URIs (or nil) for image paths, in order, all asked for at once so the caller
        /// can make them in parallel: thumbnails come from the images when they are reachable.
        public var thumbnails: (_ paths: [String]) -> [String?]
        public var galleryLimit: Int
        public var groupLimit: Int
        public var generatedAt: String
        public var toolVersion: String

        public init(
            manifest: String, header: ManifestHeader?, data: PlotData, checks: CheckCollector,
            duplicates: DuplicateReport, leakage: LeakageReport? = nil, labelConflicts: [LabelConflict] = [],
            thresholds: QualityThresholds,
            thumbnails: @escaping ([String]) -> [String?], galleryLimit: Int = 24, groupLimit: Int = 20,
            generatedAt: String, toolVersion: String
        ) {
            self.manifest = manifest
            self.header = header
            self.data = data
            self.checks = checks
            self.duplicates = duplicates
            self.leakage = leakage
            self.labelConflicts = labelConflicts
            self.thresholds = thresholds
            self.thumbnails = thumbnails
            self.galleryLimit = galleryLimit
            self.groupLimit = groupLimit
            self.generatedAt = generatedAt
            self.toolVersion = toolVersion
        }
    }

    static func e(_ s: String) -> String { Escape.html(s) }

    /// The `imgeda check` subcommand that lists a gallery's images in full.
    static func checkCommand(gallery id: String) -> String {
        switch id {
        case "dark", "overexposed": return "exposure"
        case "blurry": return "blur"
        default: return id
        }
    }

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
        html +=
            "</div></section>\n<section id=\"issues\"><h2>Issues</h2><table><tr><th>issue</th><th>images</th><th>share</th><th>threshold / definition</th></tr>"
        let rows: [(String, Int, String)] = [
            ("Corrupt", s.corruptCount, "cannot be decoded (reason per file)"),
            ("Dark", c.counts.dark, "mean brightness < \(NumberFormat.tick(t.dark))"),
            ("Overexposed", c.counts.overexposed, "mean brightness > \(NumberFormat.tick(t.overexposed))"),
            ("Blurry", c.counts.blurry, "blur score < \(NumberFormat.tick(t.blur)) (Laplacian variance at 256 px)"),
            ("Border artifacts", c.counts.artifacts, "corner–centre brightness difference > \(NumberFormat.tick(t.artifact))"),
            ("Exact duplicates", exactFiles, "\(groupsText(d.exactGroups.count)) of byte-identical files (SHA-256)"),
            (
                "Near duplicates", d.nearGroups.reduce(0) { $0 + $1.members.count },
                "\(groupsText(d.nearGroups.count)), pHash within \(d.threshold) bits"
            ),
            ("Near-blank", d.nearBlank.count, "flat pictures (channel standard deviation < 6)"),
            ("Extension mismatch", c.counts.extensionMismatch, "the file's extension names another format than its bytes hold"),
            (
                "Label conflicts", input.labelConflicts.reduce(0) { $0 + $1.members.count },
                "\(groupsText(input.labelConflicts.count)) of copies of one picture in different classes"
            ),
        ]
        for (name, count, rule) in rows {
            html +=
                "<tr><td>\(e(name))</td><td class=\"num\">\(NumberFormat.grouped(Double(count)))</td><td class=\"num\">\(pct(count))</td><td>\(e(rule))</td></tr>"
        }
        for p in input.leakage?.pairs ?? [] {
            let share = p.laterSize > 0 ? String(format: "%.1f%%", Double(p.leakedImages) * 100 / Double(p.laterSize)) : "–"
            html +=
                "<tr><td>Leakage \(e(p.later)) ← \(e(p.earlier))</td><td class=\"num\">\(NumberFormat.grouped(Double(p.leakedImages)))</td><td class=\"num\">\(share)</td><td>images of \(e(p.later)) with a copy in \(e(p.earlier)) (same bytes, or pHash within \(input.leakage?.threshold ?? 0) bits)</td></tr>"
        }
        html +=
            "</table><p class=\"muted\" id=\"thresholds\">Thresholds used: \(e(t.summary))</p></section>\n<section id=\"plots\"><h2>Plots</h2><div class=\"plots\">"
        for kind in PlotKind.allCases {
            let svg = Plots.chart(kind, input.data, thresholds: t, duplicates: d).svg()
            html += "<div class=\"plot\" id=\"plot-\(kind.rawValue)\">\(svg)</div>"
        }
        html += "</div></section>\n<section id=\"galleries\"><h2>Flagged images</h2>"

        func figure(_ path: String, caption: String, keep: Bool = false) -> String {
            let thumb = thumbnails.uri(path)
            if thumb == nil { unreachable += 1 }
            let image = thumb.map { "<img src=\"\($0)\" alt=\"\(e(path))\">" } ?? "<div class=\"none\">image not reachable</div>"
            return
                "<figure\(keep ? " class=\"keep\"" : "")>\(image)<figcaption>\(keep ? "<b>keep</b> " : "")\(e(caption))<br>\(e(path))</figcaption></figure>"
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
                html +=
                    id == "corrupt"
                    ? "<figure><div class=\"none\">\(e(item.detail))</div><figcaption>\(e(item.path))</figcaption></figure>"
                    : figure(item.path, caption: caption)
            }
            html += "</div>"
            if count > input.galleryLimit {
                html +=
                    "<p class=\"muted\">… and \(NumberFormat.grouped(Double(count - input.galleryLimit))) more: <code>imgeda check \(Self.checkCommand(gallery: id)) -m \(e(input.manifest)) -o \(id).json</code></p>"
            }
        }
        html += "</section>\n<section id=\"duplicates\"><h2>Duplicate groups</h2>"
        let candidates = input.data.candidates
        func groupBlock(_ g: DuplicateGroup, exact: Bool) -> String {
            var block = "<div class=\"group\">"
            for (i, m) in g.members.prefix(8).enumerated() {
                let cand = candidates[m]
                var caption = "\(cand.width)×\(cand.height)"
                if !exact, i > 0 {
                    // How it matched, by the rules the search used (a member linked only to
                    // another member, a crop of a crop, is explained through that member).
                    let partners = [g.keeper] + g.members.filter { $0 != m && $0 != g.keeper }
                    if let match = partners.lazy.compactMap({ DuplicateFinder.explain(candidates[$0], cand, rules: input.duplicates.rules) }
                    ).first {
                        caption += ", \(match.words)"
                    }
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
        html += "</section>\n" + consistencySections(input)
        html += "<section id=\"exif\"><h2>EXIF</h2><div class=\"cards\">"
        for (value, label) in [
            (s.exifPresentCount, "with camera information"), (s.gpsTaggedCount, "GPS-tagged"),
            (s.rotatedCount, "rotated by EXIF"),
            (s.highDistortionRiskCount, "high distortion risk (< \(ExifSummary.highDistortionBelowMM) mm)"),
        ] {
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
            html +=
                "<p class=\"muted\" id=\"unreachable\">\(unreachable) thumbnails could not be made: the images were not found or not readable from here (the report still shows their paths and values).</p>"
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

    /// Leakage across splits, label conflicts and extension mismatches: lists of paths, no
    /// thumbnails (the pictures are in the duplicate groups already).
    static func consistencySections(_ input: Input) -> String {
        let candidates = input.data.candidates
        var html = ""
        if let leakage = input.leakage {
            html +=
                "<section id=\"leakage\"><h2>Leakage across splits</h2><p class=\"muted\">Splits: "
                + leakage.splits.map { "\(e($0.name)) (\(NumberFormat.grouped(Double($0.size))))" }.joined(separator: ", ") + "</p>"
            html += "<table><tr><th>copy in the later split</th><th>copy in the earlier split</th><th>distance</th></tr>"
            var shown = 0
            for p in leakage.pairs {
                for example in p.examples.prefix(input.galleryLimit) {
                    shown += 1
                    html +=
                        "<tr><td>\(e(p.later)): \(e(candidates[example.later].path))</td><td>\(e(p.earlier)): \(e(candidates[example.earlier].path))</td>"
                        + "<td class=\"num\">\(example.distance == 0 ? "same bytes" : "\(example.distance) bits")</td></tr>"
                }
            }
            html += "</table>"
            if shown == 0 { html += "<p class=\"muted\">No copies across splits.</p>" }
            html +=
                "<p class=\"muted\">All pairs: <code>imgeda check leakage -m \(e(input.manifest)) -o leakage.json</code></p></section>\n"
        }
        html += "<section id=\"label-conflicts\"><h2>Label conflicts</h2>"
        if input.labelConflicts.isEmpty { html += "<p class=\"muted\">None.</p>" }
        for conflict in input.labelConflicts.prefix(input.groupLimit) {
            html +=
                "<h3>\(e(conflict.classes.joined(separator: " vs "))) (\(conflict.exact ? "same bytes" : "near copies, up to \(conflict.maxDistance) bits"))</h3><table><tr><th>path</th><th>class</th></tr>"
            for member in conflict.members {
                html += "<tr><td>\(e(member.path))</td><td>\(e(member.className ?? "–"))</td></tr>"
            }
            html += "</table>"
        }
        html +=
            "</section>\n<section id=\"extension-mismatch\"><h2>Extension does not match the format (\(NumberFormat.grouped(Double(input.checks.counts.extensionMismatch))))</h2>"
        if input.checks.extensionMismatch.isEmpty {
            html += "<p class=\"muted\">None.</p>"
        } else {
            html += "<table><tr><th>path</th><th>extension</th><th>format of the bytes</th></tr>"
            for m in input.checks.extensionMismatch.prefix(input.galleryLimit) {
                html += "<tr><td>\(e(m.path))</td><td>.\(e(m.fileExtension))</td><td>\(e(m.format))</td></tr>"
            }
            html += "</table>"
        }
        return html + "</section>\n"
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
