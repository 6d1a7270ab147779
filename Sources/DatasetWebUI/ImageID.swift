import DatasetAnalysis
import DatasetCatalog
import Foundation
import HTTPTypes

/// The opaque id of an image in URLs: its library path, base64url-encoded. The server only
/// ever resolves an id through the index (`CatalogStore.image(path:)`), so an id that names a
/// file the index does not hold — `../../etc/passwd` or any other — finds nothing.
enum ImageID {
    static func make(_ path: String) -> String {
        base64URL(path.utf8)
    }

    /// The base64url alphabet (RFC 4648 §5): `-` and `_` where base64 has `+` and `/`.
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// `bytes` in base64url without padding, written straight from the bytes (a gallery page
    /// makes 60 ids: base64 and three `replacingOccurrences` through NSString were 5% of a
    /// 1M-image search request's CPU under load).
    static func base64URL(_ bytes: some Collection<UInt8>) -> String {
        let count = bytes.count
        return String(unsafeUninitializedCapacity: (count + 2) / 3 * 4) { out in
            var written = 0
            var iterator = bytes.makeIterator()
            while let a = iterator.next() {
                let b = iterator.next()
                let c = iterator.next()
                let triple = UInt32(a) << 16 | UInt32(b ?? 0) << 8 | UInt32(c ?? 0)
                out[written] = alphabet[Int(triple >> 18 & 63)]
                out[written + 1] = alphabet[Int(triple >> 12 & 63)]
                written += 2
                if b != nil {
                    out[written] = alphabet[Int(triple >> 6 & 63)]
                    written += 1
                }
                if c != nil {
                    out[written] = alphabet[Int(triple & 63)]
                    written += 1
                }
            }
            return written
        }
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
