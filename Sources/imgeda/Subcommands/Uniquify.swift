import ArgumentParser
import DatasetAnalysis
import DatasetIO
import DatasetPipeline
import DatasetReport
import Foundation
import ImageDecoding

extension Imgeda {
    struct Uniquify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "uniquify",
            abstract: "Edit duplicate copies slightly (crop, brightness, contrast, noise) until no two images in DIR look alike.",
            discussion: """
                Scans DIR (resuming DIR/.imgeda/uniquify-manifest.jsonl), finds byte-identical and near-duplicate sets as \
                `check duplicates` does, keeps each set's keeper as it is, and edits every other copy — weakest edit first, \
                stronger ones only when needed — until its perceptual hash is more than the threshold away from every other \
                copy, checked by analysing the edited file. Originals are saved first (--backup-dir) and `--restore` puts \
                them back byte for byte.
                """
        )

        @Argument(help: "Folder of images to change in place.", completion: .directory)
        var directory: String

        @Option(help: "Near-duplicate threshold: differing bits of the 256-bit pHash.")
        var threshold = DuplicateFinder.defaultThreshold

        @Flag(help: "Show the plan (each set's keeper and the copies to edit); change nothing.")
        var dryRun = false

        @Option(help: "Where originals are saved before any change (default: DIR/.imgeda/uniquify-backup).", completion: .directory)
        var backupDir: String?

        @Flag(help: "Put every original saved in the backup folder back, byte for byte, instead of editing.")
        var restore = false

        @Option(help: "Worker processes for the scan (default: all cores).")
        var workers: Int?

        @Flag(help: "Print the plan or the result as JSON.")
        var json = false

        func validate() throws {
            if !(0...128).contains(threshold) {
                throw ValidationError(
                    "--threshold must be between 0 and 128 bits (got \(threshold); the default is \(DuplicateFinder.defaultThreshold))")
            }
            if restore && dryRun { throw ValidationError("--restore and --dry-run cannot be combined: --restore changes files back") }
            if let workers, workers < 1 { throw ValidationError("--workers must be at least 1 (got \(workers))") }
        }

        func run() throws {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("\(directory) is not a folder (give the folder of images to uniquify)")
            }
            let root = URL(fileURLWithPath: directory).standardizedFileURL.path
            let backup = backupDir.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? Uniquifier.defaultBackupDir(root: root)
            if restore {
                let result = try Uniquifier.restore(root: root, backupDir: backup)
                if json {
                    Console.out(String(decoding: try JSONRenderer.data(result), as: UTF8.self))
                } else {
                    UniquifyRenderer.restore(result).forEach(Console.out)
                }
                if !result.failed.isEmpty { throw ExitCode(1) }
                return
            }

            let manifest = root + "/.imgeda/uniquify-manifest.jsonl"
            try FileSystem.createDirectories(root + "/.imgeda")
            let configuration = ScanConfiguration(
                roots: [root], output: manifest, settings: ScanSettings(), extensions: Discovery.defaultExtensions,
                workers: workers ?? ProcessInfo.processInfo.activeProcessorCount, checkpointEvery: 500, resume: true, force: false,
                timeout: 30, workerExecutable: Scan.executablePath(), toolVersion: Imgeda.version)
            let summary = try ScanRunner(configuration: configuration).runInTerminal(quiet: json || !Console.stderrIsTerminal)
            if summary.stopped != nil {
                Console.err("Stopped while scanning; nothing was changed. Run the same command again to resume.")
                throw ExitCode(130)
            }
            var records: [ImageRecord] = []
            try ManifestReader(path: manifest).forEachRecord { records.append($0) }
            let plan = UniquifyPlan.make(records, threshold: threshold)
            if dryRun || plan.groups.isEmpty {
                if json {
                    Console.out(String(decoding: try JSONRenderer.data(plan), as: UTF8.self))
                } else {
                    UniquifyRenderer.plan(plan).forEach(Console.out)
                    if !plan.groups.isEmpty { Console.out("Dry run: nothing was changed.") }
                }
                return
            }
            // The edits are decoded and encoded in this process (the scan's workers are gone).
            if let message = ImageDecoder.startLibvips() {
                throw ValidationError("cannot start libvips: \(message) (is libvips installed? make deps installs it)")
            }
            let display = ProgressDisplay(label: "Editing", quiet: json)
            let outcome = try Uniquifier(root: root, backupDir: backup, threshold: threshold).run(
                plan, records: records, stop: StopSignals.token
            ) {
                display.draw($0)
            }
            display.finish()
            if json {
                Console.out(String(decoding: try JSONRenderer.data(outcome), as: UTF8.self))
            } else {
                var restoreCommand = "imgeda uniquify \(Scan.shellQuoted(directory)) --restore"
                if let backupDir { restoreCommand += " --backup-dir \(Scan.shellQuoted(backupDir))" }
                UniquifyRenderer.outcome(outcome, restoreCommand: restoreCommand).forEach(Console.out)
            }
            if outcome.stopped {
                Console.err(
                    "Stopped: the copies edited so far are saved, with their originals in the backup. Run the same command again to go on.")
                throw ExitCode(130)
            }
        }
    }
}
