import ArgumentParser
import DatasetAnalysis
import DatasetCatalog
import DatasetCatalogSQLite
import DatasetIO
import DatasetPipeline
import DatasetReport
import Foundation

extension Imgeda {
    struct LibraryCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "library",
            abstract: "Keep a folder of images as a library: tags, captions, decisions in sidecars, an index to search.",
            discussion: """
                The files are the truth: the images, the scan manifest and one JSON sidecar per picture (by SHA-256) \
                in DIR/.imgeda/ (or --state). The index (SQLite, or PostgreSQL with --db) is rebuildable: delete it and `rebuild` loses nothing.
                """,
            subcommands: [
                Init.self, Update.self, Rebuild.self, Check.self, Duplicates.self, Keep.self, NotDuplicate.self, Export.self, Trash.self,
                Restore.self,
                EmptyTrash.self, Thumbnails.self,
            ]
        )
    }
}

/// Options shared by `init` and `update`, which scan.
struct LibraryScanOptions: ParsableArguments {
    @Option(help: "Worker processes that analyse images (default: the number of cores).")
    var workers: Int?

    @Flag(name: .shortAndLong, help: "Print only errors (no progress, no summary).")
    var quiet = false

    @Flag(help: "Print the result as JSON.")
    var json = false
}

extension Imgeda.LibraryCommand {
    /// Scans the root (resuming: unchanged files are only stat'ed) and syncs the index.
    static func scanAndSync(_ library: Library, workers: Int?, quiet: Bool, store: any CatalogStore) throws -> LibrarySync {
        try FileSystem.createDirectories(library.state)
        let configuration = library.scanConfiguration(
            workers: workers ?? ProcessInfo.processInfo.activeProcessorCount,
            workerExecutable: ScanWorker.currentExecutable(), toolVersion: Imgeda.version)
        let summary = try ScanRunner(configuration: configuration).runInTerminal(quiet: quiet)
        if summary.stopped != nil {
            Console.err("Stopped: what was analysed is saved; run the same command again to go on.")
            throw ExitCode(130)
        }
        return try runBlocking { try await LibraryIndexer.syncOrBuild(library, into: store) }
    }

    static func printSync(_ sync: LibrarySync, _ library: Library, verb: String, json: Bool, quiet: Bool) throws {
        if json {
            Console.out(try JSONRenderer.text(sync))
            return
        }
        guard !quiet else { return }
        var parts = ["\(Console.grouped(sync.added)) added"]
        if sync.changed > 0 { parts.append("\(Console.grouped(sync.changed)) changed") }
        if sync.moved > 0 { parts.append("\(Console.grouped(sync.moved)) moved") }
        if sync.removed > 0 { parts.append("\(Console.grouped(sync.removed)) removed") }
        if sync.unchanged > 0 { parts.append("\(Console.grouped(sync.unchanged)) unchanged") }
        Console.out("\(verb) \(library.root): \(Plural.count(sync.images, "image")) (\(parts.joined(separator: ", "))).")
        if sync.duplicateGroups > 0 { Console.out("  Duplicate groups: \(Console.grouped(sync.duplicateGroups))") }
        if sync.inherited > 0 { Console.out("  Edited in place, kept their tags: \(Console.grouped(sync.inherited))") }
        for line in sync.invalidSidecars.prefix(10) { Console.err("Warning: invalid sidecar, left as it is: \(line)") }
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Make DIR a library: scan it and build the index.",
            discussion: "Safe to run again: it resumes, analysing only new or changed files.")

        @OptionGroup var library: LibraryOptions
        @OptionGroup var options: LibraryScanOptions

        func validate() throws {
            if let workers = options.workers, workers < 1 { throw ValidationError("--workers must be at least 1 (got \(workers))") }
        }

        func run() throws {
            let index = try self.library.index()
            let library = try library.library()
            try FileSystem.createDirectories(library.state)
            let store = try index.store(library)
            let sync = try Imgeda.LibraryCommand.scanAndSync(
                library, workers: options.workers, quiet: options.quiet || options.json, store: store)
            try Imgeda.LibraryCommand.printSync(sync, library, verb: "Library", json: options.json, quiet: options.quiet)
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update",
            abstract: "Find new, changed, moved and deleted files and bring the index up to date.",
            discussion: "Unchanged files are only stat'ed, never opened. Moved files keep their tags (sidecars follow the content).")

        @OptionGroup var library: LibraryOptions
        @OptionGroup var options: LibraryScanOptions

        func validate() throws {
            if let workers = options.workers, workers < 1 { throw ValidationError("--workers must be at least 1 (got \(workers))") }
        }

        func run() throws {
            let library = try library.library()
            // Nothing changed: a stat walk matching the index is the whole update.
            if let unchanged = LibraryContext.unchanged(library, index: try self.library.index()) {
                try Imgeda.LibraryCommand.printSync(unchanged, library, verb: "Updated", json: options.json, quiet: options.quiet)
                return
            }
            let store = try LibraryContext.open(library, index: try self.library.index(), quiet: options.quiet || options.json)
            let sync = try Imgeda.LibraryCommand.scanAndSync(
                library, workers: options.workers, quiet: options.quiet || options.json, store: store)
            try Imgeda.LibraryCommand.printSync(sync, library, verb: "Updated", json: options.json, quiet: options.quiet)
        }
    }

    struct Rebuild: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rebuild",
            abstract: "Delete the index and make it again from the manifest and the sidecars alone.")

        @OptionGroup var library: LibraryOptions

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() throws {
            let library = try library.library()
            let index = try self.library.index()
            try library.requireExisting()
            let store = try LibraryContext.storeForRebuild(library, index: index)
            let sync = try runBlocking { try await LibraryIndexer.rebuild(library, into: store) }
            try Imgeda.LibraryCommand.printSync(sync, library, verb: "Rebuilt", json: json, quiet: false)
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check the index against the files; with --verify, hash every file against its recorded SHA-256.",
            discussion: "Exit status 2 when anything is out of place (run `imgeda library update DIR` to take in changes).")

        @OptionGroup var library: LibraryOptions

        @Flag(help: "Read every file again and compare its SHA-256 with the manifest's (finds bit rot and silent edits).")
        var verify = false

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() throws {
            let library = try library.library()
            let store = try LibraryContext.open(library, index: try self.library.index(), quiet: json)
            let result = try runBlocking { [verify] in try await library.check(store: store, verify: verify) }
            if json {
                Console.out(try JSONRenderer.text(result))
            } else {
                Console.out(
                    "Checked \(Plural.count(result.images, "image")) in \(library.root)"
                        + (verify ? ", \(Console.grouped(result.verified)) verified against their SHA-256" : "") + ".")
                let sections: [(String, [String])] = [
                    ("Index problems", result.indexProblems), ("Missing files", result.missing),
                    ("Changed since indexed", result.modified), ("Not indexed", result.unindexed),
                    ("Checksum mismatches (bit rot or silent edits)", result.checksumMismatches),
                    ("Invalid sidecars", result.invalidSidecars),
                ]
                for (title, paths) in sections where !paths.isEmpty {
                    Console.out("  \(title): \(Console.grouped(paths.count))")
                    for path in paths.prefix(10) { Console.out("    \(path)") }
                    if paths.count > 10 { Console.out("    … and \(paths.count - 10) more") }
                }
                if result.isClean { Console.out("  Everything is in place.") }
            }
            if !result.isClean { throw ExitCode(2) }
        }
    }

    struct Trash: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trash",
            abstract: "Move files into the library's trash (DIR/.imgeda/trash); nothing is deleted until empty-trash.")

        @OptionGroup var library: LibraryOptions

        @Argument(help: "Files to move to the trash.")
        var paths: [String] = []

        @Option(name: [.short, .long], help: "Trash every image this search finds (see `imgeda search --help`).")
        var search: String?

        @Flag(help: "List what is in the trash instead.")
        var list = false

        func validate() throws {
            if !list && paths.isEmpty && search == nil {
                throw ValidationError("name the files to trash, or --search \"QUERY\", or --list to see the trash")
            }
        }

        func run() throws {
            let library = try library.library()
            let store = try LibraryContext.open(library, index: try self.library.index())
            let editor = LibraryEditor(library: library, store: store)
            if list {
                for path in editor.trashed() { Console.out(path) }
                return
            }
            let target: LibraryTarget = try search.map { .search(try CatalogQuery.parse($0)) } ?? .paths(paths)
            let edit = try runBlocking { try await editor.trash(target) }
            Console.out("Moved \(Plural.count(edit.images.count, "file")) to \(library.trash) (restore with `imgeda library restore`).")
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Put trashed files back where they were (all of them when none is named).")

        @OptionGroup var library: LibraryOptions

        @Argument(help: "Library paths of trashed files (as `library trash --list` prints them).")
        var paths: [String] = []

        func run() throws {
            let library = try library.library()
            let store = try LibraryContext.open(library, index: try self.library.index())
            let editor = LibraryEditor(library: library, store: store)
            let paths = paths
            let restored = try runBlocking { try await editor.restore(paths) }
            _ = try Imgeda.LibraryCommand.scanAndSync(library, workers: nil, quiet: true, store: store)
            Console.out("Restored \(Plural.count(restored.count, "file")).")
        }
    }

    struct EmptyTrash: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "empty-trash", abstract: "Delete the files in the trash for good (asks first; --yes to skip the question).")

        @OptionGroup var library: LibraryOptions

        @Flag(help: "Delete without asking.")
        var yes = false

        func run() throws {
            let library = try library.library()
            let store = try LibraryContext.open(library, index: try self.library.index())
            let editor = LibraryEditor(library: library, store: store)
            let count = editor.trashed().count
            guard count > 0 else {
                Console.out("The trash is empty.")
                return
            }
            if !yes {
                guard isatty(0) == 1 else {
                    throw ValidationError("empty-trash deletes \(Plural.count(count, "file")) for good: add --yes to confirm")
                }
                Console.errRaw("Delete \(Plural.count(count, "file")) in \(library.trash) for good? [y/N] ")
                guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                    Console.out("Nothing deleted.")
                    return
                }
            }
            let deleted = try editor.emptyTrash()
            Console.out("Deleted \(Plural.count(deleted.count, "file")) for good.")
        }
    }
}

extension Imgeda.LibraryCommand {
    struct Duplicates: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "duplicates",
            abstract: "List duplicate groups with the copy to keep first (quality first); only undecided ones unless --all.",
            discussion: """
                Decide once: `imgeda library keep DIR FILE` keeps a copy (the others are marked rejected), \
                `imgeda library not-duplicate DIR FILE FILE…` separates pictures for good. Decisions live in the sidecars.
                """)

        @OptionGroup var library: LibraryOptions

        @Flag(help: "Also list groups already decided.")
        var all = false

        @Flag(help: "Print the groups as JSON.")
        var json = false

        func run() throws {
            let library = try library.library()
            let store = try LibraryContext.open(library, index: try self.library.index(), quiet: json)
            let editor = LibraryEditor(library: library, store: store)
            let groups = try runBlocking { try await editor.duplicateGroups() }.filter { all || !$0.decided }
            if json {
                Console.out(try JSONRenderer.text(groups))
                return
            }
            if groups.isEmpty { Console.out(all ? "No duplicate groups." : "No undecided duplicate groups.") }
            for group in groups {
                Console.out("Group \(group.group)\(group.decided ? " (decided)" : ""):")
                for (i, member) in group.members.enumerated() {
                    let quality = member.quality.map { "quality \($0)" } ?? "no quality"
                    Console.out(
                        "  \(i == 0 ? "keep" : "    ")  \(library.absolutePath(member.path))  (\(member.width)×\(member.height), \(quality))"
                    )
                }
            }
        }
    }

    struct Keep: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keep",
            abstract: "Keep this copy of its duplicate group; the other pictures are marked rejected (and trashed with --trash-others).")

        @OptionGroup var library: LibraryOptions

        @Argument(help: "The file to keep.")
        var file: String

        @Flag(help: "Also move the other members of the group to the trash.")
        var trashOthers = false

        func run() throws {
            let library = try library.library()
            let store = try LibraryContext.open(library, index: try self.library.index())
            let editor = LibraryEditor(library: library, store: store)
            let file = file
            let others = try runBlocking { try await editor.keep(file) }
            if trashOthers, !others.isEmpty {
                _ = try runBlocking { try await editor.trash(.paths(others)) }
                Console.out("Kept \(file); moved \(Plural.count(others.count, "other copy", plural: "other copies")) to the trash.")
            } else {
                Console.out("Kept \(file); \(Plural.count(others.count, "other copy", plural: "other copies")) marked rejected.")
            }
        }
    }

    struct NotDuplicate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "not-duplicate", abstract: "Mark pictures as not duplicates of one another, for good.")

        @OptionGroup var library: LibraryOptions

        @Argument(help: "Two or more files.")
        var files: [String] = []

        func validate() throws {
            if files.count < 2 { throw ValidationError("name two or more files that are not duplicates of one another") }
        }

        func run() throws {
            let library = try library.library()
            let store = try LibraryContext.open(library, index: try self.library.index())
            let editor = LibraryEditor(library: library, store: store)
            let files = files
            try runBlocking { try await editor.markNotDuplicates(files) }
            _ = try runBlocking { try await LibraryIndexer.sync(library, into: store) }
            Console.out("Marked \(Plural.count(files.count, "picture")) as not duplicates of one another.")
        }
    }
}

extension Imgeda.LibraryCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Copy a collection (a search) out as a training set: images, a caption .txt beside each, and a manifest.",
            discussion: "The .txt holds the caption, or the tags joined by \", \" when there is none (the layout LoRA trainers read).")

        @OptionGroup var library: LibraryOptions

        @Option(name: [.short, .long], help: "The folder to write (outside the library).", completion: .directory)
        var output: String

        @Option(name: [.short, .long], help: "Which images (see `imgeda search --help`); all when absent.")
        var search: String = ""

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() throws {
            let query: CatalogQuery
            do { query = try CatalogQuery.parse(search) } catch { throw ValidationError(error.description) }
            let library = try library.library()
            let store = try LibraryContext.open(library, index: try self.library.index(), quiet: json)
            let editor = LibraryEditor(library: library, store: store)
            let output = output
            let result = try runBlocking { try await editor.export(query, to: output) }
            if json {
                Console.out(try JSONRenderer.text(result))
            } else {
                Console.out(
                    "Exported \(Plural.count(result.images, "image")) (\(Plural.count(result.captions, "caption file"))) to \(output); manifest \(result.manifest)."
                )
            }
        }
    }
}
