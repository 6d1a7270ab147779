import Foundation
import Testing

/// Every command names itself. Without a `commandName`, swift-argument-parser derives the
/// name from the type (`String(describing:)`), which asks the Swift runtime whether the type
/// conforms to each of several protocols; each failing lookup scans every conformance record
/// of the binary. Building the command tree did that for every command on every start —
/// 82M of the 211M instructions of `imgeda --version` (callgrind, release build) before the
/// commands named themselves.
@Suite("command names")
struct CommandNameTests {
    /// The `CommandConfiguration(…)` calls of a source text that name no command.
    static func unnamedConfigurations(in source: String) -> Int {
        source.components(separatedBy: "CommandConfiguration(").dropFirst().filter { call in
            !call.drop(while: { $0.isWhitespace }).hasPrefix("commandName:")
        }.count
    }

    @Test func theCheckFindsAConfigurationWithoutAName() {
        #expect(Self.unnamedConfigurations(in: #"static let configuration = CommandConfiguration(abstract: "x")"#) == 1)
        #expect(Self.unnamedConfigurations(in: "CommandConfiguration(\n    commandName: \"x\", abstract: \"y\")") == 0)
    }

    @Test func everyCommandOfTheExecutableNamesItself() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("Sources/imgeda")
        let files = try #require(FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil))
        var offenders: [String] = []
        var configurations = 0
        for case let url as URL in files where url.pathExtension == "swift" {
            let source = try String(contentsOf: url, encoding: .utf8)
            configurations += source.components(separatedBy: "CommandConfiguration(").count - 1
            if Self.unnamedConfigurations(in: source) > 0 { offenders.append(url.lastPathComponent) }
        }
        #expect(configurations > 30)
        #expect(offenders.isEmpty, "give each CommandConfiguration a commandName: \(offenders)")
    }
}
