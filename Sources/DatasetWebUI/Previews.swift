/// The two preview sizes the pages show: grid thumbnails and the image page's large preview.
public enum PreviewSize: String, Sendable, CaseIterable {
    case thumbnail = "256"
    case large = "1024"

    public var pixels: Int { self == .thumbnail ? 256 : 1024 }
}

/// Where the server gets a preview file of a content. The library's thumbnail cache (256 and
/// 1024 px JPEGs keyed by SHA-256 in the state folder, EXIF orientation applied) is the real
/// source; this seam keeps the server independent of how previews are made.
public protocol PreviewSource: Sendable {
    /// The path of a JPEG preview of the content `sha256` whose file is at `source`, made when
    /// missing; or `source` itself when the original is what is shown.
    func file(for sha256: String, source: String, size: PreviewSize) async throws -> String
}

/// Shows the original file as its own preview: what the server does until a thumbnail cache
/// is plugged in. Browsers display JPEG, PNG, GIF, WebP, AVIF and BMP originals; other formats
/// show their alt text.
public struct OriginalPreviews: PreviewSource {
    public init() {}
    public func file(for sha256: String, source: String, size: PreviewSize) async throws -> String { source }
}
