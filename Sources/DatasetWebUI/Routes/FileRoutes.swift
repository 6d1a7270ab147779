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
            guard let sha = image.sha256 else { return try send(source, format: image.record.format, app: app) }
            let file: String
            do {
                file = try await app.configuration.previews.file(for: sha, source: source, size: size)
            } catch is ImgedaError {
                throw APIError(.notFound, "no preview can be made of this image (it is damaged or in a format this build cannot decode)")
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
