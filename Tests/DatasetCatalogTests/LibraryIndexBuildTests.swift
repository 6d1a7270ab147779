import DatasetAnalysis
import DatasetCatalog
import DatasetCatalogPostgres
import DatasetCatalogSQLite
import DatasetIO
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What an index holds, read back through the store: every image (record, date, quality,
/// group), every page hit and every content's decisions — to compare two indexes row by row.
struct IndexContents: Equatable {
    var hits: [CatalogHit]
    var images: [CatalogImage]
    var sidecars: [Sidecar]

    init(_ store: some CatalogStore) async throws {
        hits = try await store.searchAll(try CatalogQuery.parse(""), order: .path)
        var images: [CatalogImage] = []
        for hit in hits { images.append(try #require(try await store.image(path: hit.path))) }
        self.images = images
        sidecars = try await store.allSidecars()
    }
}

/// The index build: `rebuild` equals the index that `init`, tag writes and `update` built
/// incrementally, on both backends; a rebuild killed part-way leaves the previous index; an
/// unchanged `update` only stats.
@Suite("library index build")
struct LibraryIndexBuildTests {
    /// A library with an exact copy (a duplicate group), tags, a caption, a status, then a new
    /// file and an edited one taken in by `update`.
    static func incrementalLibrary(_ name: String = #function, db: [String] = []) throws -> LibraryFixture {
        let lib = try LibraryFixture(name, count: 6)
        if !db.isEmpty { #expect(try lib.run(["library", "init", lib.root, "--quiet", "--workers", "1"] + db).status == 0) }
        let beach0 = "\(lib.root)/2023/beach/img_0000.jpg"
        let city1 = "\(lib.root)/city/street_1.jpg"
        for edit in [
            ["add", "sunset", "place:Lisbon", "--path", beach0], ["caption", "Waves at dusk", "--path", beach0],
            ["status", "rejected", "--path", city1],
        ] {
            let tagged = try lib.run(["tag", lib.root] + edit + db)
            #expect(tagged.status == 0, "\(edit): \(tagged.stderr)")
        }
        try FileManager.default.copyItem(atPath: beach0, toPath: "\(lib.root)/city/copy_of_beach.jpg")
        try lib.ws.write(try Fixtures.jpeg(Fixtures.scene(900, width: 110, height: 80)), to: "photos/city/street_2.jpg")
        let updated = try lib.run(["library", "update", lib.root, "--quiet", "--workers", "1"] + db)
        #expect(updated.status == 0, "\(updated.stderr)")
        return lib
    }

    @Test func aRebuildEqualsTheIndexBuiltIncrementally() async throws {
        _ = Fixtures.libvipsStarted
        let lib = try Self.incrementalLibrary()
        let library = try lib.library
        let incremental = try await IndexContents(try SQLiteCatalogStore(path: library.index))
        #expect(incremental.images.count == 7)
        #expect(incremental.images.contains { $0.duplicateGroup != nil })
        #expect(incremental.sidecars.count == 2)
        let rebuilt = try lib.run(["library", "rebuild", lib.root, "--json"])
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        #expect(try await IndexContents(try SQLiteCatalogStore(path: library.index)) == incremental)
        // The full-text index was rebuilt too: words of the tags, caption, path and camera.
        #expect(try lib.search("sunset") == ["2023/beach/img_0000.jpg", "city/copy_of_beach.jpg"])
        #expect(try lib.search("dusk").count == 2)
        #expect(try lib.search("street").count == 3)
        #expect(Set(try lib.search("is:duplicate")).isSuperset(of: ["2023/beach/img_0000.jpg", "city/copy_of_beach.jpg"]))
    }

    @Test(.enabled(if: PostgresTestServer.url != nil, PostgresTestServer.notConfigured))
    func aRebuildEqualsTheIndexBuiltIncrementallyOnPostgres() async throws {
        _ = Fixtures.libvipsStarted
        let (db, location) = try PostgresLibraryCommandTests.database()
        do {
            let lib = try Self.incrementalLibrary(db: ["--db", db])
            let store = try await PostgresCatalogStore.open(location)
            let incremental = try await IndexContents(store)
            #expect(incremental.images.count == 7)
            #expect(incremental.images.contains { $0.duplicateGroup != nil })
            let rebuilt = try lib.run(["library", "rebuild", lib.root, "--json", "--db", db])
            #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
            #expect(try await IndexContents(store) == incremental)
            // Both backends hold the same rows.
            #expect(try lib.run(["library", "rebuild", lib.root]).status == 0)
            let sqlite = try await IndexContents(try SQLiteCatalogStore(path: try lib.library.index))
            #expect(sqlite == incremental)
            let found = try lib.run(["search", lib.root, "sunset", "--db", db])
            #expect(found.stdout.split(separator: "\n").count == 2, "\(found.stderr)")
            await store.close()
        } catch {
            await PostgresLibraryCommandTests.dropSchema(location)
            throw error
        }
        await PostgresLibraryCommandTests.dropSchema(location)
    }

    @Test func initOfAnEmptyIndexLeavesOutFilesThatAreGone() async throws {
        let lib = try LibraryFixture(count: 6)
        let library = try lib.library
        // The manifest names a file that is gone, and the index is missing: `init` builds the
        // index in one pass, notices the gone file and falls back to the full sync.
        for file in SQLiteCatalogStore.files(of: library.index) { unlink(file) }
        #expect(unlink("\(lib.root)/city/street_0.jpg") == 0)
        let made = try lib.run(["library", "init", lib.root, "--json", "--quiet", "--workers", "1"])
        #expect(made.status == 0, "\(made.stderr)")
        let sync = try #require(try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any])
        #expect(sync["images"] as? Int == 5)
        #expect(try lib.search("").count == 5)
        #expect(try !String(contentsOfFile: library.manifest, encoding: .utf8).contains("street_0.jpg"))
        // A new library's index holds what a rebuild makes.
        let store = try SQLiteCatalogStore(path: library.index)
        #expect(try await store.counts().images == 5)
    }

    /// A rebuild reads the sidecars a batch at a time: every valid one is indexed, however
    /// many batches they fill, and an invalid file is listed, not fatal.
    @Test func sidecarsOfManyBatchesAreAllIndexedAndAnInvalidOneIsListed() async throws {
        let lib = try LibraryFixture(count: 2)
        let library = try lib.library
        let count = LibraryIndexer.batchSize * 2 + 1
        for i in 0..<count {
            var sidecar = Sidecar(sha256: String(repeating: "a", count: 56) + String(format: "%08x", i))
            sidecar.tags = [Tag(value: "batch\(i)")]
            try library.sidecars.write(sidecar)
        }
        let broken = "\(library.sidecars.folder)/ab/\(String(repeating: "b", count: 64)).json"
        try FileManager.default.createDirectory(atPath: "\(library.sidecars.folder)/ab", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: broken, contents: Data("{".utf8)))
        let store = try SQLiteCatalogStore(path: library.index)
        let sync = try await LibraryIndexer.rebuild(library, into: store)
        #expect(sync.sidecars == count)
        #expect(sync.invalidSidecars.count == 1)
        #expect(sync.invalidSidecars.first?.hasPrefix(broken) == true)
        #expect(try await store.counts().sidecars == count)
        #expect(
            try await store.sidecar(sha256: String(repeating: "a", count: 56) + String(format: "%08x", count - 1))?.tags.map(\.value) == [
                "batch\(count - 1)"
            ])
    }

    /// `scan` hashes windows by default, but the library's own scan does not: its duplicate
    /// screen would hold every picture with window hashes in memory.
    @Test func theLibrarysScanLeavesWindowHashesOffWhereScanPutsThemOn() throws {
        let lib = try LibraryFixture(count: 4)
        func records(_ manifest: String) throws -> [Substring] {
            try String(contentsOfFile: manifest, encoding: .utf8).split(separator: "\n").filter { !$0.contains("__manifest_meta__") }
        }
        let indexed = try records(try lib.library.manifest)
        #expect(indexed.count == 4)
        #expect(!indexed.contains { $0.contains("\"window_hashes\"") })
        let scanned = lib.ws.file("scan.jsonl")
        let scan = try Imgeda.run(["scan", lib.root, "-o", scanned, "--quiet", "--workers", "1"])
        #expect(scan.status == 0, "\(scan.stderr)")
        let mine = try records(scanned).filter { !$0.contains("/.imgeda/") }
        #expect(mine.count == 4 && mine.allSatisfy { $0.contains("\"window_hashes\"") }, "\(mine)")
    }

    @Test func aRebuildKilledPartWayLeavesThePreviousIndex() async throws {
        let lib = try LibraryFixture(count: 4)
        let library = try lib.library
        // Many more records than files (a rebuild never opens the files): copies of the
        // scanned records at paths of their own, so the rebuild takes long enough to be killed.
        let manifest = try String(contentsOfFile: library.manifest, encoding: .utf8)
        let lines = manifest.split(separator: "\n").filter { !$0.contains("__manifest_meta__") }
        var extra = ""
        for i in 0..<12_000 {
            // Contents of their own (no hashes to compare, a SHA-256 each), so each is one image.
            var line = String(lines[i % lines.count]).replacingOccurrences(of: "/photos/", with: "/photos/more/\(i)/")
            for key in ["phash", "dhash", "window_hashes"] { line = line.replacingOccurrences(of: "\"\(key)", with: "\"x_\(key)") }
            let sha = try #require(line.range(of: "\"sha256\": \""))
            line.replaceSubrange(
                sha.upperBound..<line.index(sha.upperBound, offsetBy: 64),
                with: String(repeating: "0", count: 56) + String(format: "%08x", i))
            extra += line + "\n"
        }
        let handle = try #require(FileHandle(forWritingAtPath: library.manifest))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(extra.utf8))
        try handle.close()
        #expect(try lib.search("").count == 4)

        let staging = library.index + ".rebuilding"
        var killedMidway = false
        for _ in 0..<3 where !killedMidway {
            let running = try Imgeda.start(["library", "rebuild", lib.root])
            var waited = 0
            while !FileManager.default.fileExists(atPath: staging), waited < 20_000 {
                usleep(2_000)
                waited += 2
            }
            usleep(150_000)
            running.signal(SIGKILL)
            let ended = running.wait()
            killedMidway = ended.status != 0 && FileManager.default.fileExists(atPath: staging)
            // The index in use is the previous one, whole: it opens, passes its integrity check
            // and holds the four images it held.
            let store = try SQLiteCatalogStore(path: library.index)
            #expect(try await store.integrityProblems().isEmpty)
            #expect(try await store.counts().images == 4)
            #expect(try lib.search("").count == 4)
        }
        #expect(killedMidway, "no rebuild was killed while it was building")
        let rebuilt = try lib.run(["library", "rebuild", lib.root, "--json"])
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        #expect(!FileManager.default.fileExists(atPath: staging))
        #expect(try lib.search("").count == 12_004)
    }

    /// A symlink in the tree sends the unchanged check to the scan's own discovery, which
    /// still finds nothing changed.
    @Test func anUnchangedLibraryWithASymlinkInsideIsStillUnchanged() throws {
        let lib = try LibraryFixture(count: 3)
        #expect(symlink("/etc/hostname", "\(lib.root)/notes.txt") == 0)
        let updated = try lib.run(["library", "update", lib.root, "--json", "--workers", "1"])
        #expect(updated.status == 0, "\(updated.stderr)")
        let sync = try #require(try JSONSerialization.jsonObject(with: Data(updated.stdout.utf8)) as? [String: Any])
        #expect(sync["unchanged"] as? Int == 3)
        #expect(sync["added"] as? Int == 0 && sync["changed"] as? Int == 0)
    }

    @Test func anUnchangedUpdateWritesNothingAndOpensNoImage() throws {
        let lib = try LibraryFixture(count: 6)
        let library = try lib.library
        func state(_ path: String) throws -> (Data, Int, Int) {
            var info = stat()
            #expect(stat(path, &info) == 0)
            return (try Data(contentsOf: URL(fileURLWithPath: path)), info.st_mtim.tv_sec, info.st_mtim.tv_nsec)
        }
        // Garbage of the same size in one image, its modification time put back: only a
        // program that opens the file can tell.
        let victim = "\(lib.root)/city/street_0.jpg"
        var info = stat()
        #expect(stat(victim, &info) == 0)
        let garbage = Data((0..<Int(info.st_size)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) })
        try garbage.write(to: URL(fileURLWithPath: victim))
        var times = [info.st_atim, info.st_mtim]
        #expect(utimensat(AT_FDCWD, victim, &times, 0) == 0)

        let before = (try state(library.manifest), try state(library.index))
        let updated = try lib.run(["library", "update", lib.root, "--json", "--workers", "1"])
        #expect(updated.status == 0, "\(updated.stderr)")
        let sync = try #require(try JSONSerialization.jsonObject(with: Data(updated.stdout.utf8)) as? [String: Any])
        #expect(sync["unchanged"] as? Int == 6)
        #expect(sync["added"] as? Int == 0 && sync["changed"] as? Int == 0 && sync["removed"] as? Int == 0)
        let after = (try state(library.manifest), try state(library.index))
        #expect(before.0 == after.0, "the manifest was rewritten")
        #expect(before.1 == after.1, "the index was written")
        #expect(try lib.search("is:corrupt").isEmpty)

        // The same file with a new modification time is noticed, opened and found corrupt.
        times[1].tv_sec += 10
        #expect(utimensat(AT_FDCWD, victim, &times, 0) == 0)
        let noticed = try lib.run(["library", "update", lib.root, "--json", "--workers", "1"])
        #expect(noticed.status == 0, "\(noticed.stderr)")
        let changed = try #require(try JSONSerialization.jsonObject(with: Data(noticed.stdout.utf8)) as? [String: Any])
        #expect(changed["changed"] as? Int == 1)
        #expect(try lib.search("is:corrupt") == ["city/street_0.jpg"])
    }
}
