import DatasetAnalysis
import Downloader
import Foundation
import Testing

@Suite("Download settings")
struct DownloadSettingsTests {
    @Test func layersAreAppliedInOrderAndEachValueSaysWhereItCameFrom() throws {
        let ws = try Workspace()
        try ws.write(Array("scan:\n  anything: 1\ndownload:\n  per_host: 3\n  timeout: 45\n  retries: 5\n".utf8), to: "imgeda.yml")
        let resolved = try DownloadSettings.resolve(
            profile: "polite", configFile: ws.file("imgeda.yml"),
            environment: ["IMGEDA_DOWNLOAD_TIMEOUT": "50", "IMGEDA_DOWNLOAD_CONCURRENCY": "7", "PATH": "/bin"],
            flags: ["concurrency": "9"])
        let rows = Dictionary(uniqueKeysWithValues: resolved.rows.map { ($0.key, $0) })
        #expect(rows["max_redirects"]?.value == "5")
        #expect(rows["max_redirects"]?.source == .default)
        #expect(rows["stall_timeout"]?.value == "20")
        #expect(rows["stall_timeout"]?.origin == "profile polite")
        #expect(rows["per_host"]?.value == "3")
        #expect(rows["per_host"]?.origin == "\(ws.file("imgeda.yml")):4")
        #expect(rows["retries"]?.source == .config)
        #expect(rows["timeout"]?.value == "50")
        #expect(rows["timeout"]?.origin == "IMGEDA_DOWNLOAD_TIMEOUT")
        #expect(rows["concurrency"]?.value == "9")
        #expect(rows["concurrency"]?.origin == "--concurrency")
        #expect(rows.count == DownloadSettings.table.count)

        var config = DownloadConfiguration(source: "x", outputDir: "o", workers: 1, workerExecutable: "", toolVersion: "")
        try resolved.apply(to: &config)
        #expect(config.concurrency == 9)
        #expect(config.limits.perHost == 3)
        #expect(config.limits.requestTimeout == 50)
        #expect(config.retry.attempts == 6)
    }

    @Test func aMisspelledKeyNamesTheFileTheLineAndTheNearestKey() throws {
        let ws = try Workspace()
        try ws.write(Array("download:\n  concurency: 4\n".utf8), to: "c.yml")
        #expect {
            _ = try DownloadSettings.resolve(profile: nil, configFile: ws.file("c.yml"), environment: [:], flags: [:])
        } throws: { error in
            let text = "\(error)"
            return text.contains("c.yml:2") && text.contains("'concurency'") && text.contains("did you mean 'concurrency'")
        }
    }

    @Test func aWrongTypeNamesTheFileTheLineAndTheKey() throws {
        let ws = try Workspace()
        try ws.write(Array("download:\n  timeout: 30\n  per_host: many\n".utf8), to: "c.yml")
        #expect {
            _ = try DownloadSettings.resolve(profile: nil, configFile: ws.file("c.yml"), environment: [:], flags: [:])
        } throws: { error in
            "\(error)".contains("c.yml:3") && "\(error)".contains("'per_host' must be a whole number")
        }
        try ws.write(Array("downlaod:\n  timeout: 30\n".utf8), to: "d.yml")
        #expect {
            _ = try DownloadSettings.resolve(profile: nil, configFile: ws.file("d.yml"), environment: [:], flags: [:])
        } throws: { error in
            "\(error)".contains("d.yml:1") && "\(error)".contains("did you mean 'download'")
        }
    }

    @Test func badEnvironmentValuesAndUnknownProfilesAreErrors() {
        #expect(throws: ImgedaError.self) {
            _ = try DownloadSettings.resolve(profile: nil, configFile: nil, environment: ["IMGEDA_DOWNLOAD_RETRIES": "x"], flags: [:])
        }
        #expect {
            _ = try DownloadSettings.resolve(profile: nil, configFile: nil, environment: ["IMGEDA_DOWNLOAD_CONCURENCY": "3"], flags: [:])
        } throws: { error in
            "\(error)".contains("IMGEDA_DOWNLOAD_CONCURRENCY")
        }
        #expect(throws: ImgedaError.self) {
            _ = try DownloadSettings.resolve(profile: "turbo", configFile: nil, environment: [:], flags: [:])
        }
    }
}
