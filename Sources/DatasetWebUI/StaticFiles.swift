/// The web app's JavaScript modules, style sheet and OpenAPI document, compiled into the
/// binary (no files beside it, no build step, works offline).
enum StaticFiles {
    struct File: Sendable {
        var bytes: [UInt8]
        var type: String
    }

    static let files: [String: File] = [
        "app.css": File(bytes: PackageResources.app_css, type: "text/css; charset=utf-8"),
        "common.js": File(bytes: PackageResources.common_js, type: "text/javascript; charset=utf-8"),
        "gallery.js": File(bytes: PackageResources.gallery_js, type: "text/javascript; charset=utf-8"),
        "image.js": File(bytes: PackageResources.image_js, type: "text/javascript; charset=utf-8"),
        "duplicates.js": File(bytes: PackageResources.duplicates_js, type: "text/javascript; charset=utf-8"),
        "trash.js": File(bytes: PackageResources.trash_js, type: "text/javascript; charset=utf-8"),
        "jobs.js": File(bytes: PackageResources.jobs_js, type: "text/javascript; charset=utf-8"),
    ]

    static var openAPI: [UInt8] { PackageResources.openapi_yaml }
}
