import Foundation
import Testing

/// Rules of the package's layout that keep it usable as a dependency.
@Suite("package layout")
struct PackageLayoutTests {
    /// The package's root folder, from this file's path (Tests/<target>/<file>).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func files(under folder: String, suffix: String) -> [String] {
        let base = root + "/" + folder
        let all = FileManager.default.enumerator(atPath: base)?.compactMap { $0 as? String } ?? []
        return all.filter { $0.hasSuffix(suffix) }.map { base + "/" + $0 }.sorted()
    }

    /// SwiftPM refuses a dependency whose targets use unsafe flags.
    @Test func noTargetUsesUnsafeFlags() throws {
        let manifest = try String(contentsOfFile: Self.root + "/Package.swift", encoding: .utf8)
        #expect(!manifest.contains(".unsafeFlags("))
    }

    /// libvips and glib are reached only through CVips' `cvips_*` functions: Swift never calls
    /// them directly, and only the shim includes their headers.
    @Test func libvipsStaysInsideItsCTarget() throws {
        let direct = #/(^|[^A-Za-z0-9_])(vips_[a-z_]+|g_[a-z_]+|VIPS_[A-Z_]+)\s*\(/#
        let swiftFiles = Self.files(under: "Sources", suffix: ".swift")
        #expect(swiftFiles.count > 20)
        for file in swiftFiles {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                #expect(line.firstMatch(of: direct) == nil, "\(file): \(line)")
            }
        }
        let cFiles = Self.files(under: "Sources", suffix: ".h") + Self.files(under: "Sources", suffix: ".c")
        let including = try cFiles.filter { try String(contentsOfFile: $0, encoding: .utf8).contains("#include <vips/") }
        #expect(
            including.map { String($0.dropFirst(Self.root.count + 1)) }.sorted() == ["Sources/CLibvips/CLibvips.h", "Sources/CVips/shim.c"])
    }
}
