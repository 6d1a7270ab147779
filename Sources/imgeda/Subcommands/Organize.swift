import ArgumentParser
import DatasetAnalysis
import DatasetCatalog
import DatasetIO
import DatasetPipeline
import DatasetReport
import Foundation

extension Imgeda {
    struct Organize: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "organize",
            abstract: "File photos into folders by capture date (dry run first; verified copies or moves; undo).",
            discussion: """
                Plans first and, without --apply, only shows the plan: how many files go to which folder, a sample, every \
                name conflict, uncertain dates, duplicates not placed twice. Dates are local capture times (EXIF \
                DateTimeOriginal or XMP in JPEG, PNG, WebP, HEIC/AVIF, TIFF and RAW files, else a date in the file name or \
                folders, else the file time). Near duplicates (resized or recompressed copies) are listed in the plan, never \
                dropped: a preview of each photo (of a RAW file alone, its embedded preview) is compared, as scan does. \
                Companions travel with their photo: .xmp, .aae, Takeout .json, RAW beside a JPEG, a Live Photo's .mov. Every \
                file is copied to a temporary name, flushed, read back and compared byte for byte with its source (and with \
                the plan's SHA-256 where it has one) and then put in place; --move removes a source only after its checked \
                copy exists. Every \
                operation is journaled first: after a crash the same command finishes the run as planned (same names and \
                {seq} numbers), and --undo JOURNAL puts everything back. A library among the sources or the destination has \
                its index updated.
                Template fields: \(OrganizeTemplate.Field.allCases.map { "{\($0.rawValue)}" }.joined(separator: " ")).
                """
        )

        @Argument(help: "Folders (or files) to organise.", completion: .directory)
        var sources: [String] = []

        @Option(name: .shortAndLong, help: "The destination folder.", completion: .directory)
        var output: String?

        @Option(help: "Where each file goes, relative to the destination.")
        var template = OrganizeTemplate.defaultText

        @Option(
            name: .customLong("low-confidence"),
            help: "Template for files whose date comes only from folder names or file times, e.g. \"unsorted/{name}\".")
        var lowConfidence: String?

        @Flag(help: "Copy (the default) or move: a move removes each source once its checked copy exists.")
        var transfer: Transfer = .copy

        @Flag(help: "Carry the plan out (without it, nothing is changed).")
        var apply = false

        @Option(help: "Write the plan to this JSON file (to review, then run with --from-plan).", completion: .file())
        var plan: String?

        @Option(help: "Carry out the plan in this file exactly, refusing if a source changed since.", completion: .file())
        var fromPlan: String?

        @Flag(help: "Place exact duplicates within the sources too (by default each content is placed once).")
        var keepDuplicates = false

        @Option(help: "Put back everything the run of this journal did.", completion: .file())
        var undo: String?

        @Option(help: "Files copied at the same time.")
        var workers = 4

        @Flag(help: "Print the plan or the result as JSON.")
        var json = false

        @Flag(name: .shortAndLong, help: "No progress display.")
        var quiet = false

        enum Transfer: String, EnumerableFlag {
            case copy, move
        }

        func validate() throws {
            if workers < 1 { throw ValidationError("--workers must be at least 1 (got \(workers))") }
            if undo != nil {
                guard sources.isEmpty, fromPlan == nil, plan == nil, !apply else {
                    throw ValidationError("--undo JOURNAL stands alone: give no folders, --apply or plan options with it")
                }
                return
            }
            if fromPlan != nil {
                guard sources.isEmpty, output == nil, plan == nil else {
                    throw ValidationError("--from-plan carries out the plan file as written: give no folders, -o or --plan with it")
                }
                return
            }
            if sources.isEmpty { throw ValidationError("name the folders to organise, e.g. imgeda organize photos -o sorted") }
            if output == nil { throw ValidationError("name the destination with -o, e.g. imgeda organize photos -o sorted") }
        }

        func run() throws {
            if let undo {
                let result = try Organizer.undo(journal: undo)
                try show(result, text: OrganizeRenderer.undo(result))
                if !result.failed.isEmpty { throw ExitCode(1) }
                return
            }
            let plan: OrganizePlan
            if let fromPlan {
                plan = try Self.readPlan(fromPlan)
                if apply { try finishInterrupted(plan) }
                if apply { try Self.refuseIfChanged(plan, file: fromPlan, workers: workers) }
            } else {
                let destination = Library.absolute(output ?? "")
                if apply { try finishInterrupted(request(destination: destination)) }
                plan = try makePlan(destination: destination)
            }
            if let path = self.plan { try AtomicFile.write(Array(try JSONRenderer.data(plan)), to: path) }
            guard apply else {
                if json {
                    Console.out(try JSONRenderer.text(plan))
                } else {
                    OrganizeRenderer.plan(plan).forEach(Console.out)
                    Console.out("Dry run: nothing was changed. Add --apply to carry it out.")
                }
                return
            }
            let display = ProgressDisplay(label: "Organizing", quiet: json || quiet, unit: "files/s", showsDetail: true)
            let killAfter = ProcessInfo.processInfo.environment[Organizer.killSwitch].flatMap { Int($0) }
            let outcome = try Organizer(plan: plan, workers: workers, killAfterSteps: killAfter).run(stop: StopSignals.token) {
                display.draw($0)
            }
            display.finish()
            try show(
                outcome,
                text: OrganizeRenderer.outcome(outcome) + ["Undo with: imgeda organize --undo \(Scan.shellQuoted(outcome.journal))"])
            try updateLibraries(plan, outcome: outcome)
            if outcome.stopped {
                Console.err("Stopped: what was done is kept and journaled. Run the same command again to go on.")
                throw ExitCode(130)
            }
            if !outcome.failed.isEmpty { throw ExitCode(1) }
        }

        private func show(_ value: some Encodable, text: [String]) throws {
            if json { Console.out(try JSONRenderer.text(value)) } else { text.forEach(Console.out) }
        }

        /// What this command asks for, without operations: compared with the plan kept by an
        /// interrupted run.
        private func request(destination: String) -> OrganizePlan {
            OrganizePlan(
                destination: destination, template: template, lowConfidenceTemplate: lowConfidence, mode: transfer == .move ? .move : .copy,
                keepDuplicates: keepDuplicates, sources: sources.map(Library.absolute))
        }

        /// A run into the same destination that was killed or stopped is finished before
        /// anything else is planned: as it was planned when it asked for the same as now
        /// (every file keeps its name and `{seq}` number), else only what it had begun.
        private func finishInterrupted(_ request: OrganizePlan) throws {
            let killAfter = ProcessInfo.processInfo.environment[Organizer.killSwitch].flatMap { Int($0) }
            guard
                let recovered = try Organizer.finishInterrupted(
                    in: Organizer.journalFolder(destination: request.destination), workers: workers, killAfterSteps: killAfter,
                    stop: StopSignals.token, resuming: { $0.sameRequest(as: request) })
            else { return }
            if !json, !quiet, let first = OrganizeRenderer.outcome(recovered).first { Console.err(first) }
            for failure in recovered.failed { Console.err("Warning: \(failure.path): \(failure.reason)") }
            if recovered.stopped {
                Console.err("Stopped: what was done is kept and journaled. Run the same command again to go on.")
                throw ExitCode(130)
            }
        }

        private func makePlan(destination: String) throws -> OrganizePlan {
            let roots = sources.map(Library.absolute)
            for root in roots where !FileManager.default.fileExists(atPath: root) {
                throw ValidationError("\(root) does not exist (name the folders of photos to organise)")
            }
            let primary = try OrganizeTemplate(template)
            let low = try lowConfidence.map(OrganizeTemplate.init)
            var excluding = [destination + "/" + Library.defaultStateName] + roots.map { $0 + "/" + Library.defaultStateName }
            if roots.contains(where: { destination.hasPrefix($0 + "/") }) { excluding.append(destination) }
            let display = ProgressDisplay(label: "Reading", quiet: json || quiet, unit: "files/s")
            let comparing = ProgressDisplay(label: "Comparing", quiet: json || quiet, unit: "images/s")
            // Near duplicates are only shown in a plan: a dry run, or a plan written to review.
            let showsPlan = !apply || self.plan != nil
            let survey = try OrganizeSurvey.run(
                OrganizeSurvey.Settings(
                    roots: roots, excluding: excluding, hashEverything: self.plan != nil || touchesLibrary(roots + [destination]),
                    workers: workers, previewWorkers: showsPlan ? ScanWorker.currentExecutable() : nil),
                stop: StopSignals.token,
                progress: { display.draw($0) },
                previews: { progress in
                    display.finish()
                    comparing.draw(progress)
                })
            display.finish()
            comparing.finish()
            // Whether each destination folder exists, looked up once: no file is in a folder
            // that is not there (a new destination is planned without a look per file).
            var folders: [String: Bool] = [:]
            var plan = OrganizePlanner.make(
                survey.files, sources: roots,
                settings: OrganizePlanner.Settings(
                    destination: destination, template: primary, lowConfidenceTemplate: low, mode: transfer == .move ? .move : .copy,
                    keepDuplicates: keepDuplicates),
                nearDuplicates: survey.nearDuplicates,
                existing: { path in
                    let folder = FileSystem.parentFolder(of: path)
                    let known = folders[folder] ?? FileManager.default.fileExists(atPath: folder)
                    folders[folder] = known
                    guard known, FileManager.default.fileExists(atPath: path) else { return nil }
                    return OrganizeSurvey.sha256(of: path) ?? ""
                },
                checksum: { OrganizeSurvey.sha256(of: $0.path) ?? "" })
            plan.skipped = (survey.skipped + plan.skipped).sorted { $0.path < $1.path }
            return plan
        }

        /// Whether one of `folders` is a library, whose sidecars follow their images by SHA-256
        /// (so every checksum is needed).
        private func touchesLibrary(_ folders: [String]) -> Bool {
            folders.contains { (try? Library(root: $0))?.exists == true }
        }

        static func readPlan(_ path: String) throws -> OrganizePlan {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read the plan \(path) (write one with --plan)")
            }
            do {
                return try JSONDecoder().decode(OrganizePlan.self, from: data)
            } catch {
                throw ValidationError("\(path) is not an organize plan (write one with --plan)")
            }
        }

        /// Every source of the plan must still be what it was: same size, time and SHA-256.
        static func refuseIfChanged(_ plan: OrganizePlan, file: String, workers: Int) throws {
            for op in plan.operations where op.action != .inPlace {
                guard let version = Discovery.currentVersion(of: FilePathBytes(op.source)) else {
                    if FileManager.default.fileExists(atPath: plan.destinationPath(op)) { continue }  // moved by an earlier run
                    throw ValidationError("\(op.source) is gone since the plan \(file) was written; make a new plan")
                }
                guard version.size == op.size, abs(version.mtime - op.mtime) < 1e-6, OrganizeSurvey.sha256(of: op.source) == op.sha256
                else {
                    throw ValidationError("\(op.source) changed since the plan \(file) was written; make a new plan")
                }
            }
        }

        /// Libraries among the sources and the destination: tags and decisions follow their
        /// images (sidecars are keyed by content), and each index is brought up to date.
        private func updateLibraries(_ plan: OrganizePlan, outcome: OrganizeOutcome) throws {
            let destination = try? Library(root: plan.destination)
            let sourceLibraries = plan.sources.compactMap { try? Library(root: $0) }.filter(\.exists)
            var adopted = 0
            if let destination, destination.exists {
                for source in sourceLibraries where source.state != destination.state {
                    for op in plan.operations where op.action == .place && !op.sha256.isEmpty {
                        if let sidecar = try? source.sidecars.read(sha256: op.sha256),
                            (try? destination.sidecars.read(sha256: op.sha256)) == nil
                        {
                            try destination.sidecars.write(sidecar)
                            adopted += 1
                        }
                    }
                }
            }
            // The destination first: it receives the images and their tags (scanned, then indexed).
            if let destination, destination.exists {
                let store = try LibraryContext.open(destination, index: .sqlite, quiet: json || quiet)
                let sync = try Imgeda.LibraryCommand.scanAndSync(destination, workers: nil, quiet: json || quiet, store: store)
                try Imgeda.LibraryCommand.printSync(sync, destination, verb: "Updated", json: false, quiet: json || quiet)
                // Sidecars that arrived with their images are read into the index by a rebuild.
                if adopted > 0 { _ = try runBlocking { try await LibraryIndexer.rebuild(destination, into: store) } }
            }
            // Then the sources a move took files from: nothing new is there, so no scan — their
            // index drops the moved paths as `library update` drops deleted files (even when
            // the move left the library empty).
            guard plan.mode == .move, outcome.sourcesRemoved > 0 else { return }
            for library in sourceLibraries where library.state != destination?.state {
                let store = try LibraryContext.open(library, index: .sqlite, quiet: json || quiet)
                let sync = try runBlocking { try await LibraryIndexer.sync(library, into: store) }
                try Imgeda.LibraryCommand.printSync(sync, library, verb: "Updated", json: false, quiet: json || quiet)
            }
        }
    }
}
