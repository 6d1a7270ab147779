import DatasetAnalysis
import DatasetCatalog
import DatasetPipeline
import Foundation
import HTTPTypes

/// One image in a list (gallery, duplicates): what the index returns, with its id and URLs.
struct ImageSummary: Encodable, Sendable {
    var id: String
    var hit: CatalogHit

    var thumbnail: String { "/thumbs/\(id)?size=256" }
    var preview: String { "/thumbs/\(id)?size=1024" }
    var original: String { "/files/\(id)" }
    var page: String { "/image/\(id)" }

    init(_ hit: CatalogHit) {
        self.hit = hit
        id = ImageID.make(hit.path)
    }

    enum Keys: String, CodingKey, CaseIterable {
        case id, thumbnail, preview, original, page
        case fileSize = "file_size"
    }

    func encode(to encoder: any Encoder) throws {
        try hit.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(id, forKey: .id)
        try c.encode(Layout.bytes(hit.fileSizeBytes), forKey: .fileSize)
        try c.encode(thumbnail, forKey: .thumbnail)
        try c.encode(preview, forKey: .preview)
        try c.encode(original, forKey: .original)
        try c.encode(page, forKey: .page)
    }
}

/// One page of the gallery.
struct ImagePage: Encodable, Sendable {
    var images: [ImageSummary]
    /// Pass as `after` for the next page; absent on the last page.
    var next: String?
    var query: String
    var order: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case images, next, query, order
    }
}

/// Everything the image page shows.
struct ImageDetail: Encodable, Sendable {
    var image: ImageSummary
    var record: ImageRecord
    var capture: CaptureInfo?
    var findings: [String]
    var sidecar: SidecarInfo
    /// The ids of the images before and after this one in the gallery's query and order.
    var previous: String?
    var next: String?

    struct CaptureInfo: Encodable, Sendable {
        var local: String
        var source: String
        var confidence: String
    }

    struct SidecarInfo: Encodable, Sendable {
        var tags: [String]
        var caption: String?
        var status: String
        var rating: Int?
        var keeper: Bool
    }

    /// What the scan found wrong, as short phrases.
    static func findings(_ r: ImageRecord) -> [String] {
        var found: [String] = []
        if r.isCorrupt { found.append("corrupt" + (r.corruptReason.map { ": \($0)" } ?? "")) }
        if r.isBlurry { found.append("blurry") }
        if r.isDark { found.append("dark") }
        if r.isOverexposed { found.append("overexposed") }
        if r.hasBorderArtifact { found.append("border artifact") }
        return found
    }
}

/// A person's edit of one image, as the image page sends it. Absent fields stay as they are.
struct ImageEdit: Decodable, Sendable {
    var addTags: [String]?
    var removeTags: [String]?
    var caption: String?
    var status: String?
    var rating: Int?

    enum CodingKeys: String, CodingKey {
        case addTags = "add_tags"
        case removeTags = "remove_tags"
        case caption, status, rating
    }
}

struct TagCount: Encodable, Sendable {
    var tag: String
    var images: Int
}

struct DuplicateGroupView: Encodable, Sendable {
    var group: Int
    var decided: Bool
    var keeper: String?
    var members: [ImageSummary]
}

struct KeepRequest: Decodable, Sendable {
    var keep: String
}

struct PathsRequest: Decodable, Sendable {
    var paths: [String]
}

struct TrashEntry: Encodable, Sendable {
    var path: String
}

struct SessionInfo: Encodable, Sendable {
    var csrfToken: String
    var library: String
    var version: String

    enum CodingKeys: String, CodingKey {
        case csrfToken = "csrf_token"
        case library, version
    }
}

struct DecisionResult: Encodable, Sendable {
    var kept: String?
    var trashed: [String]
    var separated: [String]
}
