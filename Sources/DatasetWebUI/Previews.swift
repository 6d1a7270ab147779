import DatasetPipeline

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

/// The library's thumbnail cache (``ThumbnailCache``: 256 and 1024 px JPEGs keyed by SHA-256
/// in the state folder, EXIF orientation applied, RAW files through their embedded preview),
/// made on first request.
public struct CachedPreviews: PreviewSource {
    let cache: ThumbnailCache

    public init(stateFolder: String) {
        cache = ThumbnailCache(stateFolder: stateFolder)
    }

    public func file(for sha256: String, source: String, size: PreviewSize) async throws -> String {
        let cacheSize: ThumbnailCache.Size = size == .thumbnail ? .small : .preview
        if let cached = cache.cached(sha256, size: cacheSize) { return cached }
        return try await maker.make(cache, sha256: sha256, source: source, size: cacheSize)
    }

    private let maker = PreviewMaker()
}

/// Makes missing previews one at a time: two requests for one content (byte-identical copies
/// side by side) would otherwise write the same cache file at once, and decoding in the
/// server's process stays bounded to one image.
private actor PreviewMaker {
    func make(_ cache: ThumbnailCache, sha256: String, source: String, size: ThumbnailCache.Size) throws -> String {
        if let cached = cache.cached(sha256, size: size) { return cached }
        return try cache.file(for: sha256, source: source, size: size)
    }
}
