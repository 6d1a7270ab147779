import ArgumentParser
import DatasetAnalysis
import DatasetCatalog
import DatasetCatalogPostgres
import DatasetIO
import DatasetPipeline
import DatasetWebUI
import Foundation

extension Imgeda {
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Browse, search, tag and decide duplicates of a library in your browser (a local web app).",
            discussion: """
                Serves DIR (made a library first if it is not one) on http://127.0.0.1:8765/: a gallery with search and \
                filters, each image's metadata and tags, duplicate groups side by side, the trash, an overview with plots, \
                and background jobs (update, duplicates, thumbnails) with live progress. Only this machine can connect \
                unless --host names another address; then every request needs the access token (--token, or one is \
                generated and printed). Stop with Ctrl-C.
                """)

        @OptionGroup var library: LibraryOptions

        @Option(help: "The port to listen on (0: any free port).")
        var port = 8765

        @Option(help: "The address to listen on. Anything but loopback (127.0.0.1, ::1, localhost) requires an access token.")
        var host = "127.0.0.1"

        @Option(help: "The access token (at least 16 characters); generated when --host is not loopback and none is given.")
        var token: String?

        @Flag(help: "Open the address in the default browser.")
        var open = false

        @Option(help: "Worker processes of a scan job (default: 2).")
        var workers = 2

        @Option(help: "Background jobs that may run at once.")
        var jobs = 1

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535 (got \(port))") }
            if let token, token.count < 16 { throw ValidationError("--token must have at least 16 characters (got \(token.count))") }
            if workers < 1 { throw ValidationError("--workers must be at least 1 (got \(workers))") }
            if jobs < 1 { throw ValidationError("--jobs must be at least 1 (got \(jobs))") }
        }

        func run() throws {
            let library = try library.library()
            let index = try self.library.index()
            if !library.exists {
                Console.err("Making \(library.root) a library first (scan and index).")
                try FileSystem.createDirectories(library.state)
                let store = try index.store(library)
                _ = try Imgeda.LibraryCommand.scanAndSync(library, workers: workers, quiet: false, store: store)
            }
            let store = try LibraryContext.open(library, index: index, connections: .pool)
            let token = token ?? (WebConfiguration.isLoopback(host) ? nil : WebConfiguration.generateToken())
            let configuration = WebConfiguration(
                host: host, port: port, token: token, library: library, store: store,
                workerExecutable: ScanWorker.currentExecutable(), toolVersion: Imgeda.version, scanWorkers: workers, jobConcurrency: jobs)
            let open = open
            try runBlocking {
                try await runWebServer(configuration) { url in
                    Console.out("Serving \(library.root) at \(url)")
                    Console.out("Press Ctrl-C to stop.")
                    if open { Serve.openBrowser(url) }
                }
            }
        }

        /// Asks the desktop to open the address; says so when it cannot.
        static func openBrowser(_ url: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["xdg-open", url]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            do { try process.run() } catch { Console.err("Note: could not open a browser (\(error)); open the address yourself.") }
        }
    }
}
