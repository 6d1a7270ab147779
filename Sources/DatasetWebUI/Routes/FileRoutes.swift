import DatasetAnalysis
import DatasetCatalog
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Image bytes: originals and previews, by id only, and only files the index holds under the
/// library's root. Static JavaScript and CSS from the binary.
enum FileRoutes {
    /// Formats a browser shows as an image; anything else is sent as a download, never
    /// rendered (an SVG or HTML file in a library must not run as this site's page).
    static let imageTypes: [String: String] = [
        "JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp", "AVIF": "image/avif", "BMP": "image/bmp",
    ]

    /// Larger files are refused rather than read into memory.
    static let maxBytes = 512 * 1024 * 1024

    static func add(to router: Router<BasicRequestContext>, app: WebApp) {
        router.get("/files/{id}") { _, context in
            let image = try await app.image(try context.parameters.require("id"))
            return try send(app.library.absolutePath(image.path), format: image.record.format, app: app)
        }
        router.get("/thumbs/{id}") { request, context in
            let image = try await app.image(try context.parameters.require("id"))
            let sizeText = request.uri.queryParameters.get("size") ?? PreviewSize.thumbnail.rawValue
            guard let size = PreviewSize(rawValue: sizeText) else {
                throw APIError(.badRequest, "size must be 256 or 1024 (got '\(sizeText.prefix(20))')")
            }
            let source = app.library.absolutePath(image.path)
            guard let sha = image.sha256 else {
                guard imageTypes[image.record.format.uppercased()] != nil else { return placeholder(image, size: size) }
                return try send(source, format: image.record.format, app: app)
            }
            let file: String
            do {
                file = try await app.configuration.previews.file(for: sha, source: source, size: size)
            } catch is ImgedaError {
                return placeholder(image, size: size)
            }
            return try send(file, format: file == source ? image.record.format : "JPEG", app: app)
        }
        // Browsers ask for it on every page; there is none.
        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        router.get("/static/{name}") { _, context in
            let name = try context.parameters.require("name")
            guard let file = StaticFiles.files[name] else { throw APIError(.notFound, "there is no static file '\(name.prefix(80))'") }
            return Response(
                status: .ok, headers: [.contentType: file.type, .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
        }
    }

    /// The tile of an image no preview can be made of (damaged, or a format this build cannot
    /// decode): a picture saying so, with the scan's reason, so a gallery never shows the
    /// browser's broken-image icon. An SVG made here, every character of the reason escaped.
    static func placeholder(_ image: CatalogImage, size: PreviewSize) -> Response {
        let side = size.pixels
        let reason = image.record.corruptReason ?? "\(image.record.format.isEmpty ? "this format" : image.record.format) cannot be shown"
        // About 7 px per character at this size: longer reasons are cut to fit the tile.
        let shown = reason.count > side / 7 ? String(reason.prefix(side / 7 - 1)) + "…" : reason
        let svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(side)" height="\(side)" viewBox="0 0 \(side) \(side)">\
            <rect width="100%" height="100%" fill="#eceff1"/>\
            <text x="50%" y="46%" text-anchor="middle" font-family="sans-serif" font-size="\(side / 12)" fill="#37474f">cannot decode</text>\
            <text x="50%" y="58%" text-anchor="middle" font-family="sans-serif" font-size="12" fill="#607d8b">\(Escape.xml(shown))</text>\
            </svg>
            """
        return Response(
            status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "private, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: svg)))
    }

    /// The file's bytes with a type from its recorded format. The path comes from the index
    /// and the library's own folders, never from the request; a symbolic link that leads out
    /// of the library is refused.
    static func send(_ path: String, format: String, app: WebApp) throws -> Response {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let roots = [app.library.root, app.library.state].map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path + "/" }
        guard roots.contains(where: { resolved.hasPrefix($0) }) else {
            throw APIError(.notFound, "the file is not inside the library")
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved),
            (attributes[.type] as? FileAttributeType) == .typeRegular
        else {
            throw APIError(.notFound, "the file has gone from the library", remedy: "update the library")
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maxBytes else { throw APIError(.contentTooLarge, "the file is too large to send (\(size) bytes)") }
        guard let data = FileManager.default.contents(atPath: resolved) else {
            throw APIError(.notFound, "the file cannot be read")
        }
        var headers: HTTPFields = [.cacheControl: "private, max-age=300"]
        if let type = imageTypes[format.uppercased()] {
            headers[.contentType] = type
        } else {
            headers[.contentType] = "application/octet-stream"
            headers[.contentDisposition] = "attachment"
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
