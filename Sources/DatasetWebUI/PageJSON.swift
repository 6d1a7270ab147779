import DatasetAnalysis
import DatasetCatalog
import Foundation
import HTTPTypes
import Hummingbird

/// A gallery page's JSON written straight to bytes: the text ``JSONResponse`` writes through
/// JSONEncoder (keys sorted by their UTF-8 bytes, absent optionals left out, slashes not
/// escaped), from the same key names (the types' coding keys). At 1M images, encoding a
/// search's 60 images through JSONEncoder took 13% of the request's CPU under load.
/// `PageJSONTests` compares both writers' text.
struct PageJSON {
    private(set) var bytes: [UInt8] = []

    /// The page's JSON as a response.
    static func response(_ page: ImagePage) -> Response {
        var json = PageJSON()
        json.bytes.reserveCapacity(512 + page.images.count * 720)
        json.write(page)
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }

    /// An image's fields: the hit's and the summary's, in one list sorted as JSONEncoder sorts keys.
    private enum ImageField {
        case hit(CatalogHit.CodingKeys)
        case summary(ImageSummary.Keys)

        var key: String {
            switch self {
            case .hit(let key): key.stringValue
            case .summary(let key): key.stringValue
            }
        }
    }

    private static let imageFields: [ImageField] = sorted(
        CatalogHit.CodingKeys.allCases.map(ImageField.hit) + ImageSummary.Keys.allCases.map(ImageField.summary), \.key)
    private static let pageFields: [ImagePage.CodingKeys] = sorted(ImagePage.CodingKeys.allCases, \.stringValue)

    private static func sorted<T>(_ items: [T], _ key: (T) -> String) -> [T] {
        items.sorted { key($0).utf8.lexicographicallyPrecedes(key($1).utf8) }
    }

    mutating func write(_ page: ImagePage) {
        var fields = Fields()
        bytes.append(UInt8(ascii: "{"))
        for field in Self.pageFields {
            switch field {
            case .images:
                key(field.stringValue, &fields)
                bytes.append(UInt8(ascii: "["))
                for (index, image) in page.images.enumerated() {
                    if index > 0 { bytes.append(UInt8(ascii: ",")) }
                    write(image)
                }
                bytes.append(UInt8(ascii: "]"))
            case .next:
                if let next = page.next { string(field.stringValue, next, &fields) }
            case .query: string(field.stringValue, page.query, &fields)
            case .order: string(field.stringValue, page.order, &fields)
            }
        }
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func write(_ image: ImageSummary) {
        let hit = image.hit
        var fields = Fields()
        bytes.append(UInt8(ascii: "{"))
        for field in Self.imageFields {
            let name = field.key
            switch field {
            case .hit(let key):
                switch key {
                case .path: string(name, hit.path, &fields)
                case .sha256: if let sha256 = hit.sha256 { string(name, sha256, &fields) }
                case .width: integer(name, hit.width, &fields)
                case .height: integer(name, hit.height, &fields)
                case .format: string(name, hit.format, &fields)
                case .captureDate: if let date = hit.captureDate { string(name, date, &fields) }
                case .captureSource: if let source = hit.captureSource { string(name, source, &fields) }
                case .quality: if let quality = hit.quality { integer(name, quality, &fields) }
                case .status: string(name, hit.status.rawValue, &fields)
                case .rating: if let rating = hit.rating { integer(name, rating, &fields) }
                case .tags:
                    self.key(name, &fields)
                    bytes.append(UInt8(ascii: "["))
                    for (index, tag) in hit.tags.enumerated() {
                        if index > 0 { bytes.append(UInt8(ascii: ",")) }
                        quoted(tag)
                    }
                    bytes.append(UInt8(ascii: "]"))
                case .caption: if let caption = hit.caption { string(name, caption, &fields) }
                case .duplicateGroup: if let group = hit.duplicateGroup { integer(name, group, &fields) }
                case .fileSizeBytes: integer(name, hit.fileSizeBytes, &fields)
                }
            case .summary(let key):
                switch key {
                case .id: string(name, image.id, &fields)
                case .fileSize: string(name, Layout.bytes(hit.fileSizeBytes), &fields)
                case .thumbnail: string(name, image.thumbnail, &fields)
                case .preview: string(name, image.preview, &fields)
                case .original: string(name, image.original, &fields)
                case .page: string(name, image.page, &fields)
                }
            }
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// Whether an object has a field yet (a comma goes before every later one).
    private struct Fields {
        var any = false
    }

    private mutating func key(_ name: String, _ fields: inout Fields) {
        if fields.any { bytes.append(UInt8(ascii: ",")) }
        fields.any = true
        quoted(name)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func string(_ name: String, _ value: String, _ fields: inout Fields) {
        key(name, &fields)
        quoted(value)
    }

    private mutating func integer(_ name: String, _ value: Int, _ fields: inout Fields) {
        key(name, &fields)
        bytes.append(contentsOf: String(value).utf8)
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// A JSON string as JSONEncoder writes it: `"` and `\` escaped, control characters as
    /// `\b \t \n \f \r` or `\u00XX`, everything else (slashes, non-ASCII) as it is.
    private mutating func quoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        let utf8 = text.utf8
        // Most texts (paths, ids, dates, URLs) need no escape: copied whole.
        if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0..<0x20:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 15)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
