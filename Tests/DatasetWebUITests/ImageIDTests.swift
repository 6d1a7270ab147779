import Foundation
import Testing

@testable import DatasetWebUI

/// Image ids and cursors in URLs: base64url of the path's bytes, written without Foundation's
/// base64 and string replacements, and read back to the same path.
struct ImageIDTests {
    /// Foundation's base64 turned into base64url by replacements: what ids were made with before.
    static func reference(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    @Test func idsAreBase64URLOfEveryLengthAndByte() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...67 {
            for _ in 0..<8 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                #expect(ImageID.base64URL(bytes) == Self.reference(bytes), "\(bytes)")
            }
        }
        // Every 6-bit value in every place of a group: 0xFB 0xEF 0xBE encodes as "----"'s neighbours.
        let all = (0...255).map(UInt8.init)
        #expect(ImageID.base64URL(all) == Self.reference(all))
        #expect(ImageID.base64URL([0xFB, 0xFF, 0xBF]) == "-_-_")
    }

    @Test func anIDNamesItsPathAgain() throws {
        for path in ["/photos/2023/IMG_0001.jpg", "/фото/été 2023/🌅 sunset.png", "/a", "/ab", "/abc", "/tmp/<script>\"'.jpg", "/x/?>~"] {
            let id = ImageID.make(path)
            #expect(id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }, "\(id)")
            #expect(try ImageID.path(id) == path)
        }
    }
}
