import ArgumentParser
import DatasetAnalysis
import DatasetReport
import Downloader
import Foundation

extension Imgeda {
    struct Config: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "config",
            abstract: "Show the effective settings of a command and where each comes from.",
            subcommands: [Show.self]
        )

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "show",
                abstract: "Print every setting of a command: its value and where it came from.",
                discussion: """
                    Settings are layered: defaults < --profile < --config FILE < environment \
                    variables < flags. Example: `imgeda config show download --profile polite --config imgeda.yml`.
                    """
            )

            @Argument(help: "The command whose settings to show: download.")
            var command: String

            @Option(help: "A built-in profile: polite, fast or archive.")
            var profile: String?

            @Option(help: "A YAML file with a section for the command.", completion: .file(extensions: ["yml", "yaml"]))
            var config: String?

            @Flag(help: "Print the settings as JSON.")
            var json = false

            func validate() throws {
                guard command == "download" else {
                    throw ValidationError("unknown command '\(command)' for config show (settings exist for: download)")
                }
            }

            func run() throws {
                let settings: ResolvedDownloadSettings
                do {
                    settings = try DownloadSettings.resolve(
                        profile: profile, configFile: config, environment: ProcessInfo.processInfo.environment, flags: [:])
                } catch {
                    throw ValidationError(error.description)
                }
                let rows = settings.rows
                if json {
                    Console.out(try JSONRenderer.text(rows))
                    return
                }
                let keyWidth = rows.map(\.key.count).max() ?? 10
                let valueWidth = min(40, max(5, rows.map(\.value.count).max() ?? 5))
                for row in rows {
                    let value = row.value.isEmpty ? "(none)" : row.value
                    Console.out(
                        "\(row.key.padding(toLength: keyWidth, withPad: " ", startingAt: 0))  \(value.padding(toLength: valueWidth, withPad: " ", startingAt: 0))  \(row.origin)"
                    )
                }
            }
        }
    }
}
