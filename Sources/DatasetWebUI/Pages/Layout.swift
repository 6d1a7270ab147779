import DatasetAnalysis
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The frame of every page: head (CSS, the CSRF token for scripts), navigation, one module.
enum Layout {
    static let sections: [(path: String, title: String)] = [
        ("/", "Gallery"), ("/duplicates", "Duplicates"), ("/trash", "Trash"), ("/overview", "Overview"), ("/jobs", "Jobs"),
    ]

    static func page(title: String, active: String, csrf: String, script: String?, body: HTML) -> Response {
        let nav = HTML.join(
            sections.map { section in
                section.path == active
                    ? "<a href=\"\(section.path)\" class=\"active\" aria-current=\"page\">\(section.title)</a>"
                    : "<a href=\"\(section.path)\">\(section.title)</a>"
            })
        let module: HTML = script.map { "<script type=\"module\" src=\"/static/\($0)\"></script>" } ?? .empty
        let html: HTML = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="csrf-token" content="\(csrf)">
            <title>\(title) · imgeda</title>
            <link rel="stylesheet" href="/static/app.css">
            \(module)
            </head>
            <body>
            <header><span class="brand">imgeda</span><nav>\(nav)</nav></header>
            <main>
            \(body)
            </main>
            <div id="toast" role="status" aria-live="polite"></div>
            </body>
            </html>
            """
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html.description)))
    }

    /// A number with thousands separators.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// A size for people, in decimal units with one decimal ("2.4 MB"; halves round up),
    /// worked out in integers: `String(format:)` was a third of the gallery's JSON writing.
    static func bytes(_ n: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        guard n >= 1000 else { return "\(n) B" }
        var scale = 1
        var unit = 0
        while n / scale >= 1000 && unit < units.count - 1 {
            scale *= 1000
            unit += 1
        }
        let tenths = n / (scale / 10) + (n % (scale / 10) >= scale / 20 ? 1 : 0)
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
