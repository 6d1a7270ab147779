import DatasetAnalysis
import DatasetCatalog
import Foundation
import HTTPTypes

/// The opaque id of an image in URLs: its library path, base64url-encoded. The server only
/// ever resolves an id through the index (`CatalogStore.image(path:)`), so an id that names a
/// file the index does not hold — `../../etc/passwd` or any other — finds nothing.
enum ImageID {
    static func make(_ path: String) -> String {
        Data(path.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The library path of an id; throws a 404 refusal for text that is not an id.
    static func path(_ id: String) throws -> String {
        guard !id.isEmpty, id.count <= 8192, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw APIError(.notFound, "no image has the id '\(id.prefix(80))'", remedy: "take ids from /api/images")
        }
        var base64 = id.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let path = String(data: data, encoding: .utf8), !path.isEmpty else {
            throw APIError(.notFound, "no image has the id '\(id.prefix(80))'", remedy: "take ids from /api/images")
        }
        return path
    }
}

/// Keyset cursors in URLs: a ``CatalogCursor`` as base64url JSON.
enum CursorText {
    static func make(_ cursor: CatalogCursor) -> String {
        let data = (try? JSONEncoder().encode(cursor)) ?? Data()
        return ImageID.make(String(decoding: data, as: UTF8.self))
    }

    static func parse(_ text: String) throws -> CatalogCursor {
        guard let json = try? ImageID.path(text), let cursor = try? JSONDecoder().decode(CatalogCursor.self, from: Data(json.utf8)) else {
            throw APIError(
                .badRequest, "the cursor 'after' is not one this server made", remedy: "pass the 'next' value of the previous page")
        }
        return cursor
    }
}
