import ArgumentParser
import DatasetAnalysis
import DatasetCatalog
import DatasetCatalogPostgres
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

/// `DIR`, `--state` and `--db` for every library command.
struct LibraryOptions: ParsableArguments {
    @Argument(help: "The library: a folder of images.", completion: .directory)
    var directory: String

    @Option(help: "The state folder (manifest, sidecars, index), for read-only originals. Default: DIR/.imgeda.", completion: .directory)
    var state: String?

    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "The index in PostgreSQL, for a library a team shares: postgresql://USER@HOST:PORT/DATABASE (?schema=NAME).",
            discussion: "Default: SQLite in the state folder. A password may come from PGPASSWORD.",
            valueName: "url"))
    var database: String?

    func library() throws -> Library { try Library(root: directory, state: state) }

    func validate() throws { _ = try index() }

    /// Where the index lives: the one place `--db` is read.
    func index() throws -> CatalogIndex {
        guard let database else { return .sqlite }
        guard PostgresLocation.isURL(database) else {
            throw ValidationError("--db takes a PostgreSQL URL such as postgresql://USER@HOST:5432/DATABASE (got '\(database)')")
        }
        var location: PostgresLocation
        do { location = try PostgresLocation(url: database) } catch { throw ValidationError(error.description) }
        if location.password == nil, let password = ProcessInfo.processInfo.environment["PGPASSWORD"] { location.password = password }
        return .postgres(location)
    }
}

/// Where a library's index lives: SQLite in its state folder (the default), or PostgreSQL.
enum CatalogIndex: Sendable {
    case sqlite
    case postgres(PostgresLocation)

    /// Opens the store as it is (made when missing, not checked). A command's statements go
    /// one after another over one PostgreSQL connection; a server's (`.pool`) over a pool.
    func store(_ library: Library, connections: PostgresCatalogStore.Connections = .one) throws -> any CatalogStore {
        switch self {
        case .sqlite:
            try FileSystem.createDirectories(library.state)
            return try SQLiteCatalogStore(path: library.index)
        case .postgres(let location):
            return try runBlocking { try await PostgresCatalogStore.open(location, connections: connections) }
        }
    }

    /// Where it is, for messages.
    func describe(_ library: Library) -> String {
        switch self {
        case .sqlite: library.index
        case .postgres(let location): location.description
        }
    }
}

/// Opening a library's index for a command: a missing index is made from the manifest and
/// sidecars; a damaged one is set aside (SQLite) or dropped (PostgreSQL) and made again —
/// both with a note on stderr.
enum LibraryContext {
    /// `reading`: the command only reads (a search) — a current SQLite index is opened
    /// read-only, with no writer connection to set up; anything else opens as usual.
    static func open(
        _ library: Library, index: CatalogIndex, quiet: Bool = false, connections: PostgresCatalogStore.Connections = .one,
        reading: Bool = false
    ) throws -> any CatalogStore {
        try library.requireExisting()
        switch index {
        case .sqlite:
            if reading, FileManager.default.fileExists(atPath: library.index),
                let store = try? SQLiteCatalogStore(readingOnly: library.index), (try? runBlocking({ try await healthy(store) })) == true
            {
                return store
            }
            return try openSQLite(library, quiet: quiet)
        case .postgres(let location): return try openPostgres(library, location, quiet: quiet, connections: connections)
        }
    }

    private static func openSQLite(_ library: Library, quiet: Bool) throws -> any CatalogStore {
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
        return try rebuild(library, into: SQLiteCatalogStore(path: path), quiet: quiet)
    }

    private static func openPostgres(
        _ library: Library, _ location: PostgresLocation, quiet: Bool, connections: PostgresCatalogStore.Connections
    ) throws -> any CatalogStore {
        let store = try runBlocking { try await PostgresCatalogStore.open(location, connections: connections) }
        // One statement tells a current index (every command's usual case: nothing more is
        // sent before the command's own work) from a missing, older or newer one.
        let readiness = try runBlocking { try await store.readiness() }
        if readiness.current { return store }
        if readiness.exists {
            // An index a newer imgeda made is a teammate's, not damage: leave it alone.
            let version = readiness.version
            if version > PostgresCatalogStore.currentVersion {
                throw ImgedaError(
                    .databaseFailed, "the index at \(location) is at schema version \(version), newer than this imgeda knows",
                    remedy: "update imgeda, or use another schema (?schema=NAME)")
            }
            if (try? runBlocking({ try await healthy(store) })) == true { return store }
            if !quiet {
                Console.err("Note: the index at \(location) was damaged; dropping it and rebuilding it from the manifest and sidecars.")
            }
            try runBlocking { try await store.dropTables() }
        } else if !quiet {
            Console.err("Note: no index at \(location); building it from the manifest and sidecars.")
        }
        return try rebuild(library, into: store, quiet: quiet)
    }

    private static func rebuild(_ library: Library, into store: any CatalogStore, quiet: Bool) throws -> any CatalogStore {
        let sync = try runBlocking { try await LibraryIndexer.rebuild(library, into: store) }
        if !quiet { Console.err("Indexed \(Plural.count(sync.images, "image")) and \(Plural.count(sync.sidecars, "sidecar")).") }
        return store
    }

    /// Whether the index opens, migrates and reads. (The full integrity check reads every
    /// page, seconds at a million images; `imgeda library check` runs it.)
    static func healthy(_ store: any CatalogStore) async throws -> Bool {
        try await store.migrate()
        return try await store.schemaVersion() > 0
    }

    /// What `update` would find when no file changed (``LibraryIndexer/unchanged(_:in:)``),
    /// read without writing anything: the SQLite index opened read-only. Nil when anything
    /// changed or the index cannot tell (missing, damaged): the full update handles those.
    static func unchanged(_ library: Library, index: CatalogIndex) -> LibrarySync? {
        guard library.exists else { return nil }
        let store: any CatalogStore
        switch index {
        case .sqlite:
            guard FileManager.default.fileExists(atPath: library.index),
                let readOnly = try? SQLiteCatalogStore(readingOnly: library.index)
            else { return nil }
            store = readOnly
        case .postgres:
            guard let opened = try? index.store(library) else { return nil }
            store = opened
        }
        return (try? runBlocking { try await LibraryIndexer.unchanged(library, in: store) }) ?? nil
    }

    /// The store `library rebuild` replaces: the SQLite index as it is (the rebuild is made
    /// beside it and renamed over it, so a crash leaves the old one), or a new file when the
    /// old one does not even open; PostgreSQL's tables dropped (the rebuild is one transaction).
    static func storeForRebuild(_ library: Library, index: CatalogIndex) throws -> any CatalogStore {
        switch index {
        case .sqlite:
            if let store = try? index.store(library) { return store }
            for file in SQLiteCatalogStore.files(of: library.index) { unlink(file) }
            return try index.store(library)
        case .postgres:
            try deleteIndex(library, index: index)
            return try index.store(library)
        }
    }

    /// Deletes the index (the rebuildable part), leaving the truth alone.
    static func deleteIndex(_ library: Library, index: CatalogIndex) throws {
        switch index {
        case .sqlite:
            for file in SQLiteCatalogStore.files(of: library.index) { unlink(file) }
        case .postgres(let location):
            let store = try runBlocking { try await PostgresCatalogStore.open(location, connections: .one) }
            try runBlocking { try await store.dropTables() }
        }
    }
}
