import Downloader
import Foundation
import Testing

/// The README's settings table is the settings table: every key, default and profile value.
@Suite("download docs")
struct DownloadDocsTests {
    static var readme: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
    }

    @Test func everySettingAndProfileValueIsInTheREADME() throws {
        let rows = Self.readme.split(separator: "\n").filter { $0.hasPrefix("| `") }
        for setting in DownloadSettings.table {
            let row = try #require(rows.first { $0.contains("`\(setting.key)`") }, "README lists \(setting.key)")
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5, !row.contains(", `") else { continue }  // grouped rows state their defaults in words
            let defaultCell = setting.key == "workers" ? "all cores" : (setting.defaultValue.isEmpty ? "(none)" : setting.defaultValue)
            #expect(cells[1] == defaultCell, "\(setting.key): README says \(cells[1]), the table \(defaultCell)")
            for (position, profile) in DownloadSettings.profiles.enumerated() {
                let value = profile.values[setting.key] ?? ""
                #expect(cells[2 + position] == value, "\(setting.key) in \(profile.name): README says '\(cells[2 + position])'")
            }
        }
    }
}
