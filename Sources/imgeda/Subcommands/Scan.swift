import ArgumentParser
import DatasetAnalysis
import DatasetIO
import DatasetPipeline
import Foundation
import ObjectStorage

extension Imgeda {
    struct Scan: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scan",
            abstract: "Scan folders of images into a JSONL manifest.",
            discussion: """
                Each image is read once, hashed (SHA-256), decoded at reduced size and measured: \
                pixel statistics, exposure, border artifacts, blur, perceptual hashes, EXIF. \
                Broken files become records with `is_corrupt` and a reason; the scan goes on.

                Re-running resumes: only new or changed files (by path, size and modification \
                time) are analysed. Ctrl-C stops cleanly and keeps what is done; a second Ctrl-C \
                exits at once.

                S3: scan `s3://bucket/prefix` (records' paths are the keys under the prefix; resume \
                compares key, size and ETag) and write `-o s3://bucket/key.jsonl`. Credentials, region \
                and endpoint come from the usual AWS variables and files (AWS_PROFILE, AWS_REGION, \
                AWS_ENDPOINT_URL_S3, …).
                """
        )

        @Argument(help: "Folders (or files) to scan, or one s3://bucket/prefix.", completion: .directory)
        var directories: [String]

        @Option(
            name: [.short, .long], help: "Manifest to write (a path, or s3://bucket/key.jsonl).", completion: .file(extensions: ["jsonl"]))
        var output = "./imgeda_manifest.jsonl"

        @Option(help: "Worker processes (default: all cores).")
        var workers: Int?

        @Option(help: "Write records to disk every N images (and at least every 2 seconds).")
        var checkpointEvery = 500

        @Flag(inversion: .prefixedNo, help: "Reuse records of unchanged files from an existing manifest.")
        var resume = true

        @Flag(help: "Analyse every file again, replacing the manifest.")
        var force = false

        @Flag(help: "Add these folders to a manifest that holds scans of other folders.")
        var append = false

        @Flag(help: "Metadata only: skip pixel statistics, exposure, border and blur analysis.")
        var skipPixelStats = false

        @Flag(help: "Skip EXIF metadata.")
        var skipExif = false

        @Flag(help: "Skip perceptual hashes (pHash, dHash).")
        var noHashes = false

        @Flag(
            inversion: .prefixedNo,
            help: ArgumentHelp(
                "Hash windows of each picture (on by default), so `check duplicates` finds crops, added borders, captions and small rotations.",
                discussion: "Adds 648 bytes per record and about 8% more analysis per image."))
        var windowHashes = true

        @Flag(help: "Skip blur detection.")
        var skipBlur = false

        @Option(help: "Comma-separated file extensions to scan (default: \(Discovery.defaultExtensions.joined(separator: ","))).")
        var extensions: String?

        @Option(help: "Mean brightness (0–255) below which an image is dark.")
        var darkThreshold = QualityThresholds.defaults.dark

        @Option(help: "Mean brightness (0–255) above which an image is overexposed.")
        var overexposedThreshold = QualityThresholds.defaults.overexposed

        @Option(help: "Corner–centre brightness difference above which an image has a border artifact.")
        var artifactThreshold = QualityThresholds.defaults.artifact

        @Option(help: "Blur score (Laplacian variance at 256 px) below which an image is blurry.")
        var blurThreshold = QualityThresholds.defaults.blur

        @Option(help: "Statistics are computed on a preview at least this many pixels on its longer side.")
        var maxImageDim = 256

        @Option(help: "Refuse to decode images with more pixels than this (decompression-bomb guard).")
        var maxPixels = 250_000_000

        @Option(help: "Seconds one file may take before its decoder is stopped and the file flagged.")
        var timeout = 30.0

        @Option(
            help:
                "Memory one worker process may use, in MiB; a file that needs more is flagged (default: 1024 + 8 bytes per pixel of --max-pixels)."
        )
        var maxMemory: Int?

        @Flag(help: "Follow symlinks that lead out of the scanned folders (by default they are skipped and listed).")
        var followSymlinksOutside = false

        @Flag(
            help:
                "Let libvips' untrusted loaders (ImageMagick) read files that no other loader claims. Off by default: they parse many formats never meant for hostile input."
        )
        var allowUntrustedLoaders = false

        @Option(
            help: ArgumentHelp(
                "Scan only part I of N of the files (1 ≤ I ≤ N), chosen by a hash of each file's path in its folder.",
                discussion:
                    "Run the N parts anywhere at once, each into its own manifest, then join them with `imgeda merge`.",
                valueName: "I/N"))
        var shard: String?

        @Option(
            help: ArgumentHelp(
                "Scan only the files listed in FILE (one path a line, relative to the scanned folder; - reads standard input).",
                discussion: "How one worker of a fan-out scans the batch of keys it was handed.",
                valueName: "FILE"))
        var keysFrom: String?

        @Flag(name: [.short, .long], help: "Print nothing but errors.")
        var quiet = false

        func validate() throws {
            if let workers, workers < 1 { throw ValidationError("--workers must be at least 1 (got \(workers))") }
            if checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be at least 1 (got \(checkpointEvery))") }
            try ThresholdOptions.validate(
                dark: darkThreshold, overexposed: overexposedThreshold,
                artifact: artifactThreshold, blur: blurThreshold)
            if maxImageDim < 32 { throw ValidationError("--max-image-dim must be at least 32 (got \(maxImageDim))") }
            if maxPixels < 1 { throw ValidationError("--max-pixels must be positive (got \(maxPixels))") }
            if !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds (got \(timeout))") }
            if let maxMemory, maxMemory < 512 { throw ValidationError("--max-memory must be at least 512 (MiB; got \(maxMemory))") }
            if directories.contains(where: S3Location.isS3) && directories.count > 1 {
                throw ValidationError(
                    "scan one s3:// prefix at a time, without folders (got \(directories.joined(separator: " "))): run one scan per prefix, each to its own manifest"
                )
            }
            if append && directories.contains(where: S3Location.isS3) {
                throw ValidationError("--append is for folders: an s3:// prefix is scanned into a manifest of its own")
            }
            if let shard { _ = try Shard(parsing: shard) }
            if let extensions, Discovery.parseExtensions(extensions).isEmpty {
                throw ValidationError("--extensions lists no extension (example: --extensions jpg,png)")
            }
        }

        func run() throws {
            var settings = ScanSettings()
            settings.darkThreshold = darkThreshold
            settings.overexposedThreshold = overexposedThreshold
            settings.artifactThreshold = artifactThreshold
            settings.blurThreshold = blurThreshold
            settings.includeHashes = !noHashes
            settings.windowHashes = windowHashes && !noHashes
            settings.skipPixelStats = skipPixelStats
            settings.skipExif = skipExif
            settings.skipBlur = skipBlur
            settings.maxImageDimension = maxImageDim
            settings.maxPixels = maxPixels

            var configuration = ScanConfiguration(
                roots: directories, output: output, settings: settings,
                extensions: extensions.map(Discovery.parseExtensions) ?? Discovery.defaultExtensions,
                workers: workers ?? ProcessInfo.processInfo.activeProcessorCount,
                checkpointEvery: checkpointEvery, resume: resume, force: force, timeout: timeout,
                workerExecutable: Self.executablePath(), toolVersion: Imgeda.version
            )
            configuration.append = append
            configuration.followSymlinksOutside = followSymlinksOutside
            configuration.allowUntrustedLoaders = allowUntrustedLoaders
            configuration.workerMemoryLimit = maxMemory.map { UInt64($0) << 20 }
            let shard = try shard.map { try Shard(parsing: $0) }
            let onlyPaths = try keysFrom.map { try Self.readKeys($0) }
            configuration.shard = shard
            configuration.onlyPaths = onlyPaths
            // An s3:// output is written to a local file (the existing manifest fetched first,
            // to resume), then uploaded.
            let target = try S3Terminal.output(output, fetchExisting: resume && !force)
            configuration.output = target.local
            let quiet = quiet
            let planned: @Sendable (ScanPlan) -> Void = { plan in
                guard !quiet else { return }
                for line in ScanText.plan(plan) { Console.err(line) }
            }
            let summary: ScanSummary
            if let root = directories.first, S3Location.isS3(root) {
                var s3 = S3ScanConfiguration(
                    source: try S3Location(url: root), output: target.local, settings: settings,
                    extensions: configuration.extensions, workers: configuration.workers, timeout: timeout,
                    workerExecutable: configuration.workerExecutable, toolVersion: Imgeda.version)
                s3.resume = resume
                s3.force = force
                s3.workerMemoryLimit = configuration.workerMemoryLimit
                s3.allowUntrustedLoaders = allowUntrustedLoaders
                s3.shard = shard
                s3.onlyPaths = onlyPaths
                summary = try S3Terminal.scan(s3, quiet: quiet, planned: planned)
            } else {
                summary = try ScanRunner(configuration: configuration).runInTerminal(quiet: quiet, planned: planned)
            }
            try target.upload()
            if summary.stopped != nil {
                Console.err("")
                Console.err(
                    "Stopped: \(Plural.count(summary.analysed, "image")) analysed and saved to \(output); \(Console.grouped(summary.unfinished)) left."
                )
                Console.err("Resume with: \(resumeCommand())")
                throw ExitCode(130)
            }
            guard !quiet else { return }
            for line in ScanText.summary(summary, output: output, timeout: timeout, maxPixels: maxPixels) { Console.out(line) }
        }

        private func resumeCommand() -> String {
            (["imgeda", "scan"] + directories + ["-o", output] + (shard.map { ["--shard", $0] } ?? [])).map(Self.shellQuoted).joined(
                separator: " ")
        }

        static func shellQuoted(_ word: String) -> String {
            let safe = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }
            return safe && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }

        /// The lines of a key list (a file, or `-` for standard input) as path bytes; blank
        /// lines and a trailing carriage return are dropped.
        static func readKeys(_ source: String) throws -> Set<[UInt8]> {
            let data: Data
            if source == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let read = FileManager.default.contents(atPath: source) else {
                    throw ImgedaError(.notFound, "cannot read the key list \(source)", remedy: "check the path and its permissions")
                }
                data = read
            }
            var keys = Set<[UInt8]>()
            for line in data.split(separator: 0x0A) {
                var bytes = Array(line)
                if bytes.last == 0x0D { bytes.removeLast() }
                if !bytes.isEmpty { keys.insert(bytes) }
            }
            return keys
        }

        /// This program's own path, so workers run the same build.
        static func executablePath() -> String { ScanWorker.currentExecutable() }
    }
}
