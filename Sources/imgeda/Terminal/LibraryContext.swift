import ArgumentParser
import DatasetAnalysis
import DatasetCatalog
import DatasetCatalogSQLite
import DatasetIO
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs async library code from a synchronous command: on a task, with this thread waiting.
/// The main thread is not one of the cooperative pool's, so waiting here starves nothing.
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    guard let result = box.result else { throw ImgedaError(.internal, "a library task ended without a result") }
    return try result.get()
}

/// `@unchecked Sendable`: written once by the task before it signals, read after the wait.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

/// `DIR` and `--state` for every library command.
struct LibraryOptions: ParsableArguments {
    @Argument(help: "The library: a folder of images.", completion: .directory)
    var directory: String

    @Option(help: "The state folder (manifest, sidecars, index), for read-only originals. Default: DIR/.imgeda.", completion: .directory)
    var state: String?

    func library() throws -> Library { try Library(root: directory, state: state) }
}

/// Opening a library's index for a command: a missing index is made from the manifest and
/// sidecars; a damaged one is set aside and made again — both with a note on stderr.
enum LibraryContext {
    static func open(_ library: Library, quiet: Bool = false) throws -> SQLiteCatalogStore {
        try library.requireExisting()
        let path = library.index
        let existed = FileManager.default.fileExists(atPath: path)
        if existed, let store = try? SQLiteCatalogStore(path: path), (try? runBlocking({ try await healthy(store) })) == true {
            return store
        }
        if existed {
            let aside = path + ".damaged"
            for file in SQLiteCatalogStore.files(of: path) { unlink(file + ".damaged") }
            rename(path, aside)
            for file in SQLiteCatalogStore.files(of: path).dropFirst() { unlink(file) }
            if !quiet {
                Console.err(
                    "Note: the index \(path) was damaged; set it aside as \(aside) and rebuilding it from the manifest and sidecars.")
            }
        } else if !quiet {
            Console.err("Note: no index at \(path); building it from the manifest and sidecars.")
        }
        let store = try SQLiteCatalogStore(path: path)
        let sync = try runBlocking { try await LibraryIndexer.rebuild(library, into: store) }
        if !quiet { Console.err("Indexed \(Plural.count(sync.images, "image")) and \(Plural.count(sync.sidecars, "sidecar")).") }
        return store
    }

    /// Whether the index opens, migrates and reads. (The full integrity check reads every
    /// page, seconds at a million images; `imgeda library check` runs it.)
    static func healthy(_ store: SQLiteCatalogStore) async throws -> Bool {
        try await store.migrate()
        return try await store.schemaVersion() > 0
    }

    /// Deletes the index files (the rebuildable part), leaving the truth alone.
    static func deleteIndex(_ library: Library) {
        for file in SQLiteCatalogStore.files(of: library.index) { unlink(file) }
    }
}
