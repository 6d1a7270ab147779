/// A file whose extension names another format than its bytes hold (`photo.jpg` that is a
/// PNG). Tools that trust extensions — many training loaders do — then fail or mis-read it.
public struct ExtensionMismatch: Sendable, Hashable, Encodable {
    public var path: String
    /// The extension as named, lowercased, without the dot.
    public var fileExtension: String
    /// The format the bytes hold, in the manifest's vocabulary (`PNG`, `JPEG`, …).
    public var format: String

    public init(path: String, fileExtension: String, format: String) {
        self.path = path
        self.fileExtension = fileExtension
        self.format = format
    }

    /// "named .jpg, but the bytes are PNG".
    public var detail: String { "named .\(fileExtension), but the bytes are \(format)" }

    /// As an item of the checks' lists of flagged files.
    public var flagged: CheckCollector.Flagged { .init(path: path, value: nil, detail: detail) }

    enum CodingKeys: String, CodingKey {
        case path, format
        case fileExtension = "extension"
    }
}

/// Compares a file's extension with the format sniffed from its bytes.
public enum ExtensionCheck {
    /// The formats each image extension may hold. An MPO (a JPEG with more pictures after
    /// it) is a JPEG; libheif reads HEIC and AVIF alike, so the HEIF family is one.
    public static let formats: [String: Set<String>] = [
        "jpg": ["JPEG", "MPO"], "jpeg": ["JPEG", "MPO"], "jpe": ["JPEG", "MPO"], "jfif": ["JPEG", "MPO"],
        "png": ["PNG"], "webp": ["WEBP"], "gif": ["GIF"], "bmp": ["BMP"], "dib": ["BMP"],
        "tif": ["TIFF"], "tiff": ["TIFF"], "jxl": ["JXL"],
        "heic": ["HEIF", "AVIF"], "heif": ["HEIF", "AVIF"], "avif": ["AVIF", "HEIF"],
    ]

    /// The mismatch of a record's path and format, or nil when they agree, when the extension
    /// is not one of ``formats`` or when no format was recognised (an unreadable file is
    /// reported as corrupt instead).
    ///
    /// ```swift
    /// ExtensionCheck.mismatch(path: "a/photo.jpg", format: "PNG")?.detail  // "named .jpg, but the bytes are PNG"
    /// ```
    public static func mismatch(path: String, format: String) -> ExtensionMismatch? {
        guard !format.isEmpty else { return nil }
        let name = path.split(separator: "/").last ?? Substring(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let ext = name[name.index(after: dot)...].lowercased()
        guard let allowed = formats[ext], !allowed.contains(format.uppercased()) else { return nil }
        return ExtensionMismatch(path: path, fileExtension: ext, format: format)
    }
}
