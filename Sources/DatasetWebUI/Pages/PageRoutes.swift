import DatasetAnalysis
import DatasetCatalog
import Foundation
import HTTPTypes
import Hummingbird

/// The pages: server-rendered HTML from the same functions the API uses; small modules add
/// what needs a script (more pages, editing, keyboard, zoom, live jobs).
enum PageRoutes {
    static func add(to router: Router<BasicRequestContext>, app: WebApp) {
        let csrf = app.policy.csrfToken
        router.get("/") { request, _ in
            let query = try GalleryQuery(request.uri.queryParameters)
            let page = try await APIRoutes.gallery(app, query)
            return Layout.page(title: "Gallery", active: "/", csrf: csrf, script: "gallery.js", body: gallery(query, page))
        }
        router.get("/image/{id}") { request, context in
            let query = try GalleryQuery(request.uri.queryParameters)
            let detail = try await APIRoutes.detail(app, id: try context.parameters.require("id"), neighboursIn: query)
            return Layout.page(
                title: detail.image.hit.path, active: "/", csrf: csrf, script: "image.js", body: image(detail, query: query))
        }
        router.get("/duplicates") { _, _ in
            Layout.page(title: "Duplicates", active: "/duplicates", csrf: csrf, script: "duplicates.js", body: duplicates())
        }
        router.get("/trash") { _, _ in
            Layout.page(title: "Trash", active: "/trash", csrf: csrf, script: "trash.js", body: trash(app.editor.trashed()))
        }
        router.get("/overview") { _, _ in
            let overview = try await app.caches.overview(app.library, store: app.store)
            return Layout.page(
                title: "Overview", active: "/overview", csrf: csrf, script: nil, body: self.overview(overview, app.library.root))
        }
        router.get("/jobs") { _, _ in
            Layout.page(title: "Jobs", active: "/jobs", csrf: csrf, script: "jobs.js", body: jobs(try await app.jobs.list()))
        }
    }

    static func option(_ value: String, _ label: String, selected: String?) -> HTML {
        value == (selected ?? "") ? "<option value=\"\(value)\" selected>\(label)</option>" : "<option value=\"\(value)\">\(label)</option>"
    }

    static func gallery(_ query: GalleryQuery, _ page: ImagePage) -> HTML {
        let issues = HTML.join(
            [option("", "any issue", selected: query.issue)] + GalleryQuery.issues.map { option($0, $0, selected: query.issue) })
        let statuses = HTML.join(
            [option("", "any status", selected: query.status)]
                + ImageStatus.allCases.map { option($0.rawValue, $0.rawValue, selected: query.status) })
        let orders = HTML.join(
            GalleryQuery.orders.map { option($0.order.rawValue, "sort: \($0.label)", selected: query.order.rawValue) })
        let link = query.linkQuery
        let cells = HTML.join(page.images.map { cell($0, link: link) })
        let more: HTML =
            page.next.map { "<button id=\"more\" type=\"button\" data-next=\"\($0)\">More</button>" } ?? .empty
        let empty: HTML = page.images.isEmpty ? "<p class=\"empty\">No image matches.</p>" : .empty
        return """
            <form id="search" class="filters" method="get" action="/">
            <input type="search" name="q" id="q" value="\(query.text)" placeholder="Search: tag:beach camera:canon date:2023-07 quality>=70" aria-label="Search" autocomplete="off">
            <select name="issue" aria-label="Issue">\(issues)</select>
            <input name="format" value="\(query.format)" placeholder="format" aria-label="Format" size="6">
            <input name="camera" value="\(query.camera)" placeholder="camera" aria-label="Camera" size="10">
            <input name="from" value="\(query.from)" placeholder="from YYYY-MM" aria-label="From date" size="10">
            <input name="to" value="\(query.to)" placeholder="to YYYY-MM" aria-label="To date" size="10">
            <input name="tag" value="\(query.tag)" placeholder="tag" aria-label="Tag" size="10">
            <select name="status" aria-label="Status">\(statuses)</select>
            <select name="order" aria-label="Sort">\(orders)</select>
            <button type="submit">Search</button>
            </form>
            <p class="query">Query: <code>\(page.query.isEmpty ? "everything" : page.query)</code></p>
            \(empty)
            <div id="grid" class="grid" data-query="\(query.queryText)" data-order="\(query.order.rawValue)" data-link="\(link)">\(cells)</div>
            \(more)
            """
    }

    /// One gallery cell; its link carries the gallery's query (`link`, ``GalleryQuery/linkQuery``).
    static func cell(_ image: ImageSummary, link: String) -> HTML {
        let badges = HTML.join(image.hit.tags.prefix(3).map { "<span class=\"tag\">\($0)</span>" })
        let quality: HTML = image.hit.quality.map { "<span class=\"quality\">Q\($0)</span>" } ?? .empty
        return """
            <a class="cell" href="\(image.page + link)" data-id="\(image.id)" title="\(image.hit.path)"><img src="\(image.thumbnail)" alt="\(image.hit.path)" loading="lazy"><span class="name">\(image.hit.path)</span>\(quality)\(badges)</a>
            """
    }

    static func row(_ label: String, _ value: String?) -> HTML {
        guard let value, !value.isEmpty else { return .empty }
        return "<tr><th>\(label)</th><td>\(value)</td></tr>"
    }

    static func number(_ value: Double?) -> String? {
        value.map { $0 == $0.rounded() ? String(Int($0)) : String(format: "%.3g", $0) }
    }

    static func image(_ detail: ImageDetail, query: GalleryQuery) -> HTML {
        let link = query.linkQuery
        let previous: HTML =
            detail.previous.map { "<a id=\"prev\" href=\"\("/image/\($0)" + link)\">← previous</a>" } ?? "<span id=\"prev\" hidden></span>"
        let next: HTML =
            detail.next.map { "<a id=\"next\" href=\"\("/image/\($0)" + link)\">next →</a>" } ?? "<span id=\"next\" hidden></span>"
        let r = detail.record
        let hit = detail.image.hit
        let capture = detail.capture.map {
            "\($0.local) (from \($0.source.replacingOccurrences(of: "_", with: " ")), \($0.confidence) confidence)"
        }
        let facts = HTML.join([
            row("Path", hit.path), row("Format", r.format), row("Size", "\(r.width) × \(r.height) px"),
            row("File size", "\(Layout.bytes(r.fileSizeBytes)) (\(Layout.grouped(r.fileSizeBytes)) bytes)"),
            row("Date", capture ?? "unknown"),
            row("Quality", hit.quality.map { "\($0) / 100" }),
            row("Findings", detail.findings.isEmpty ? "none" : detail.findings.joined(separator: ", ")),
            row("Duplicate group", hit.duplicateGroup.map(String.init)), row("SHA-256", r.sha256), row("pHash", r.phash),
            row("dHash", r.dhash), row("Colour", "\(r.colorMode), \(r.numChannels) channels"),
            row("Brightness", number(r.pixelStats?.meanBrightness)), row("Blur score", number(r.blurScore)),
            row("Split", r.split), row("Class", r.className), row("Source URL", r.sourceURL),
        ])
        let exif = HTML.join([
            row("Camera", r.cameraName), row("Lens", r.lensModel), row("Focal length", number(r.focalLengthMM).map { "\($0) mm" }),
            row("35 mm equivalent", r.focalLength35mm.map { "\($0) mm" }), row("ISO", r.isoSpeed.map(String.init)),
            row("Aperture", number(r.fNumber).map { "f/\($0)" }), row("Exposure", number(r.exposureTimeSec).map { "\($0) s" }),
            row("Taken", r.datetimeOriginal), row("Offset", r.offsetTimeOriginal), row("Orientation", r.orientationTag.map(String.init)),
            row("GPS", r.hasGPSData ? "yes" : nil),
        ])
        let tags = HTML.join(
            detail.sidecar.tags.map {
                "<li><span class=\"tag\">\($0)</span><button type=\"button\" class=\"remove-tag\" data-tag=\"\($0)\" aria-label=\"Remove tag \($0)\">×</button></li>"
            })
        let statuses = HTML.join(ImageStatus.allCases.map { option($0.rawValue, $0.rawValue, selected: detail.sidecar.status) })
        let ratings = HTML.join(
            [option("0", "no rating", selected: String(detail.sidecar.rating ?? 0))]
                + (1...5).map { option(String($0), String(repeating: "★", count: $0), selected: String(detail.sidecar.rating ?? 0)) })
        return """
            <div class="image-page" id="image" data-id="\(detail.image.id)">
            <nav class="pager">\(previous) <a href="\("/" + link)" id="back">gallery</a> \(next) <span class="hint">keys: ← → move, t tag, Esc gallery</span></nav>
            <figure class="preview"><img src="\(detail.image.preview)" alt="\(hit.path)"><figcaption><a href="\(detail.image.original)">original</a></figcaption></figure>
            <section class="side">
            <h1>\(r.filename)</h1>
            <form id="edit" class="edit">
            <label>Tags</label>
            <ul id="tags" class="tags">\(tags)</ul>
            <input id="new-tag" list="tag-options" placeholder="add a tag, Enter" aria-label="Add a tag" autocomplete="off">
            <datalist id="tag-options"></datalist>
            <label for="caption">Caption</label>
            <textarea id="caption" rows="3">\(detail.sidecar.caption)</textarea>
            <label for="status">Status</label><select id="status">\(statuses)</select>
            <label for="rating">Rating</label><select id="rating">\(ratings)</select>
            <button type="submit" id="save">Save</button>
            </form>
            <h2>Image</h2><table class="facts">\(facts)</table>
            <h2>EXIF</h2><table class="facts">\(exif.description.isEmpty ? "<tr><td>none</td></tr>" : exif)</table>
            </section>
            </div>
            """
    }

    static func duplicates() -> HTML {
        """
        <h1>Duplicates</h1>
        <p class="hint">Keys: 1–9 keep that copy and move the others to the trash, n not duplicates, s skip. Wheel zooms, drag pans — all copies together.</p>
        <div id="dup-status" class="query"></div>
        <div id="group" class="group"></div>
        """
    }

    static func trash(_ paths: [String]) -> HTML {
        let rows = HTML.join(
            paths.map { "<li><label><input type=\"checkbox\" class=\"pick\" value=\"\($0)\"> \($0)</label></li>" })
        return """
            <h1>Trash</h1>
            <p class="hint">Files wait here until the trash is emptied from the command line. Restore puts them back and re-indexes them.</p>
            \(paths.isEmpty ? "<p class=\"empty\">The trash is empty.</p>" : .empty)
            <ul id="trash" class="trash">\(rows)</ul>
            <button type="button" id="restore">Restore selected</button>
            """
    }

    static func overview(_ overview: Overview, _ root: String) -> HTML {
        let s = overview.summary
        let counts = HTML.join([
            row("Library", root), row("Images", Layout.grouped(s.images)), row("Total size", Layout.bytes(s.totalBytes)),
            row("Indexed", Layout.grouped(s.indexed)), row("With decisions", Layout.grouped(s.decided)),
            row("Corrupt", Layout.grouped(s.corrupt)), row("Dark", Layout.grouped(s.dark)),
            row("Overexposed", Layout.grouped(s.overexposed)), row("Border artifacts", Layout.grouped(s.bordered)),
            row("Blurry", Layout.grouped(s.blurry)), row("With GPS", Layout.grouped(s.withGPS)),
            row("Formats", s.formats.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")),
            row("Cameras", s.cameras.sorted { $0.value > $1.value }.prefix(8).map { "\($0.key) \($0.value)" }.joined(separator: ", ")),
        ])
        let plots = HTML.join(overview.plots.map { "<figure><img src=\"/api/overview/plots/\($0).svg\" alt=\"\($0) plot\"></figure>" })
        return """
            <h1>Overview</h1>
            <table class="facts">\(counts)</table>
            <div class="plots">\(plots)</div>
            """
    }

    static func jobs(_ jobs: [WebJob]) -> HTML {
        let kinds = HTML.join(
            WebJobKind.allCases.map { "<button type=\"button\" class=\"start\" data-kind=\"\($0.rawValue)\">Start \($0.rawValue)</button>" }
        )
        return """
            <h1>Jobs</h1>
            <p class="hint">update: scan new and changed files and refresh the index · duplicates: group duplicates again · thumbnails: make every preview. Progress is live.</p>
            <div class="actions">\(kinds)</div>
            <table class="jobs"><thead><tr><th>#</th><th>Kind</th><th>Status</th><th>Progress</th><th>Done</th><th>Rate</th><th>ETA</th><th>Error</th><th></th></tr></thead>
            <tbody id="jobs"></tbody></table>
            """
    }
}
