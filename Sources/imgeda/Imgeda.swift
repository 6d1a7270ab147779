import ArgumentParser
import DatasetAnalysis
import DatasetIO
import DatasetPipeline
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The `imgeda` command: scan image collections, find what is wrong with them, report it.
@main
struct Imgeda: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "imgeda",
        abstract: "Find what is wrong with an image collection: corrupt, dark, overexposed, blurry, bordered, duplicated.",
        discussion: """
            Start with `imgeda scan DIR -o manifest.jsonl`; every other command reads that manifest.
            Try it on a generated example: `imgeda example demo && imgeda scan demo -o demo.jsonl && imgeda info -m demo.jsonl`.
            """,
        version: "imgeda \(version) (Swift)",
        subcommands: [
            Scan.self, Info.self, Check.self, Plot.self, Report.self, Diff.self, Gate.self, Export.self, Annotations.self, Example.self,
            Uniquify.self, Organize.self,
            Download.self, Merge.self, Config.self,
            LibraryCommand.self, TagCommand.self, Search.self, Serve.self,
        ]
    )

    static func main() {
        let arguments = CommandLine.arguments
        // Worker processes are this executable started with a hidden first argument; they
        // skip argument parsing entirely.
        if arguments.count >= 2, arguments[1] == ScanWorker.subcommand {
            Glibc.exit(ScanWorker.run(settingsJSON: arguments.count > 2 ? arguments[2] : ""))
        }
        if arguments.count >= 2, arguments[1] == ScanWorker.thumbnailSubcommand {
            Glibc.exit(ScanWorker.runThumbnails(side: arguments.count > 2 ? arguments[2] : ""))
        }
        // No arguments: the interactive wizard on a terminal, the help text otherwise (never
        // wait for input that a pipe or CI will not give).
        if arguments.count == 1 {
            if isatty(0) == 1 && isatty(1) == 1 {
                Glibc.exit(Wizard.run())
            }
            print(helpMessage())
            Glibc.exit(0)
        }
        // `imgeda scna dir` or `imgeda check blurry -m m.jsonl`: name the mistyped word, not
        // the option after it that ArgumentParser would complain about.
        if let line = Suggestion.unknownSubcommand(in: Array(arguments.dropFirst()), root: Imgeda.self) {
            FileHandle.standardError.write(Data("Error: \(line)\n".utf8))
            Glibc.exit(1)
        }
        // `-V` is what many tools (and the reference's users) type for the version.
        if arguments.count == 2, arguments[1] == "-V" {
            print(configuration.version)
            Glibc.exit(0)
        }
        // `s3://` manifests, for every command that reads one.
        S3Terminal.register()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            // Bad input is one line and exit status 1 (ArgumentParser would print the usage
            // too and exit 64); help, version and our own exit codes pass through. Messages
            // name files, so they go through the terminal escaping like all printed text.
            if let error = error as? ImgedaError {
                Console.err("Error: \(error.commandLine)")
                Glibc.exit(1)
            }
            if exitCode(for: error) == .validationFailure {
                Console.err("Error: \(message(for: error))")
                Glibc.exit(1)
            }
            exit(withError: error)
        }
    }
}
