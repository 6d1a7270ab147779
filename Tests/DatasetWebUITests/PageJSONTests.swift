import DatasetAnalysis
import DatasetCatalog
import Foundation
import Testing

@testable import DatasetWebUI

/// The gallery's JSON written by hand is the text JSONEncoder writes for the same page.
struct PageJSONTests {
    static func hit(_ n: Int, text: String) -> CatalogHit {
        let odd = n % 2 == 1
        return CatalogHit(
            path: "/photos/\(n)/\(text).jpg", sha256: odd ? nil : String(repeating: "ab", count: 32), width: n * 640, height: 480,
            format: odd ? "PNG" : "JPEG", captureDate: odd ? nil : "2023-07-14T23:30:00", captureSource: odd ? nil : "exif",
            quality: odd ? nil : n % 101, status: ImageStatus.allCases[n % ImageStatus.allCases.count], rating: n % 3 == 0 ? nil : n % 6,
            tags: Array(["beach", text, "category:\(text)", ""].prefix(n % 5)), caption: n % 4 == 0 ? nil : "caption \(text)",
            duplicateGroup: n % 3 == 1 ? n : nil, fileSizeBytes: n * 123_457)
    }

    @Test func aPageReadsAsJSONEncoderWritesIt() throws {
        // Every ASCII control character, quotes, backslashes, slashes, DEL, non-ASCII and
        // the separators JavaScript treats as line ends.
        let controls = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self)
        let texts = [
            "plain", controls, #"say "cheese" \ back\slash"#, "a/b//c", "\u{7F}", "été 🌅 фото", "\u{2028}\u{2029}",
            "<script>alert(1)</script>", #""><img src=x onerror=alert(1)>"#,
        ]
        for (count, next) in [(0, nil), (1, "cursor-1"), (9, nil), (60, "Zm9v_-")] as [(Int, String?)] {
            let images = (0..<count).map { ImageSummary(Self.hit($0, text: texts[$0 % texts.count])) }
            let page = ImagePage(images: images, next: next, query: texts[count % texts.count], order: "newest")
            var writer = PageJSON()
            writer.write(page)
            let expected = try JSONResponse.encoder().encode(page)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        }
    }
}

/// Sizes for people, worked out in integers.
struct LayoutBytesTests {
    @Test(arguments: [
        (0, "0 B"), (999, "999 B"), (1_000, "1.0 KB"), (1_049, "1.0 KB"), (1_050, "1.1 KB"), (2_400_000, "2.4 MB"),
        (999_949, "999.9 KB"), (1_234_567_890, "1.2 GB"), (5_000_000_000_000_000, "5000.0 TB"),
    ])
    func sizesReadInDecimalUnitsWithOneDecimal(bytes: Int, text: String) {
        #expect(Layout.bytes(bytes) == text)
    }
}
