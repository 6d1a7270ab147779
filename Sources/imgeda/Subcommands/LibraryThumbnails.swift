import ArgumentParser
import DatasetAnalysis
import DatasetCatalog
import DatasetPipeline
import DatasetReport
import Foundation

extension Imgeda.LibraryCommand {
    struct Thumbnails: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "thumbnails",
            abstract: "Make the thumbnails of every indexed picture that has none yet (256 px small, 1024 px preview).",
            discussion: """
                Thumbnails are cached in DIR/.imgeda/thumbnails by content (SHA-256): moved files keep theirs, and \
                deleting the folder loses nothing. They are made in worker processes, so a hostile file costs its thumbnail only.
                """)

        enum SizeChoice: String, ExpressibleByArgument, CaseIterable {
            case small, preview, both

            var sizes: Set<ThumbnailCache.Size> {
                switch self {
                case .small: [.small]
                case .preview: [.preview]
                case .both: [.small, .preview]
                }
            }
        }

        @OptionGroup var library: LibraryOptions

        @Option(help: "Which thumbnails to make: small (256 px), preview (1024 px) or both.")
        var size: SizeChoice = .both

        @OptionGroup var options: LibraryScanOptions

        func validate() throws {
            if let workers = options.workers, workers < 1 { throw ValidationError("--workers must be at least 1 (got \(workers))") }
        }

        func run() throws {
            let library = try library.library()
            let store = try LibraryContext.open(library, index: try self.library.index(), quiet: options.quiet || options.json)
            let sources = try runBlocking { try await library.thumbnailSources(store) }
            let configuration = Thumbnailer.Configuration(
                executable: ScanWorker.currentExecutable(), workers: options.workers ?? ProcessInfo.processInfo.activeProcessorCount)
            let (updates, sink) = JobProgress.stream()
            let display = ProgressDisplay(label: "Thumbnails", quiet: options.quiet || options.json)
            let drawn = display.follow(updates)
            let batch: ThumbnailBatch
            do {
                defer {
                    drawn.wait()
                    display.finish()
                }
                batch = try library.thumbnailCache.generate(
                    sources, sizes: size.sizes, configuration: configuration, stop: StopSignals.token, progress: sink)
            }
            if options.json {
                Console.out(try JSONRenderer.text(batch))
            } else if !options.quiet {
                Console.out(
                    "Thumbnails of \(Plural.count(batch.contents, "picture")) in \(library.thumbnails): "
                        + "\(Console.grouped(batch.made)) made, \(Console.grouped(batch.cached)) already there"
                        + (batch.failed.isEmpty ? "." : ", \(Console.grouped(batch.failed.count)) could not be made:"))
                for path in batch.failed.prefix(10) { Console.out("  \(path)") }
                if batch.failed.count > 10 { Console.out("  … and \(batch.failed.count - 10) more") }
            }
            if batch.stopped != nil {
                Console.err("Stopped: the thumbnails made are kept; run the same command again to go on.")
                throw ExitCode(130)
            }
        }
    }
}
