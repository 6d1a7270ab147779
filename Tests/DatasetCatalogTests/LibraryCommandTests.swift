import DatasetAnalysis
import DatasetCatalog
import DatasetCatalogSQLite
import DatasetIO
import ExampleData
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A small library on disk: `photos/` with a few JPEGs in two folders, made a library.
struct LibraryFixture {
    let ws: Workspace
    var root: String { ws.file("photos") }

    init(_ name: String = #function, count: Int = 6, prepare: (Workspace) throws -> Void = { _ in }) throws {
        ws = try Workspace(name)
        try prepare(ws)
        try Fixtures.jpegFolder(ws, folder: "photos/2023/beach", count: count / 2, size: 96)
        for i in 0..<(count - count / 2) {
            try ws.write(try Fixtures.jpeg(Fixtures.scene(UInt64(100 + i), width: 120, height: 90)), to: "photos/city/street_\(i).jpg")
        }
        let made = try Imgeda.run(["library", "init", root, "--quiet", "--workers", "1"])
        #expect(made.status == 0, "\(made.stdout)\(made.stderr)")
    }

    func run(_ arguments: [String]) throws -> CommandResult {
        let result = try Imgeda.run(arguments)
        return result
    }

    func search(_ query: String) throws -> [String] {
        let result = try Imgeda.run(["search", root, query])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").map { String($0.dropFirst(root.count + 1)) }.sorted()
    }

    var library: Library { get throws { try Library(root: root) } }
}

@Suite("library commands")
struct LibraryCommandTests {
    @Test func initIndexesEveryImageAndSearchFindsThem() throws {
        let lib = try LibraryFixture()
        #expect(try lib.search("").count == 6)
        #expect(try lib.search("path:city") == (0..<3).map { "city/street_\($0).jpg" })
        #expect(FileManager.default.fileExists(atPath: "\(lib.root)/.imgeda/index.sqlite"))
        // The state folder is never scanned as part of the library.
        let json = try lib.run(["search", lib.root, "", "--json"])
        let hits = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(hits.count == 6)
        #expect(hits.allSatisfy { ($0["sha256"] as? String)?.count == 64 && $0["quality"] is Int })
    }

    @Test func tagsCaptionsAndDecisionsSurviveRebuildAndMoves() throws {
        let lib = try LibraryFixture()
        let beach0 = "\(lib.root)/2023/beach/img_0000.jpg"
        #expect(try lib.run(["tag", lib.root, "add", "sunset", "place:Lisbon", "--path", beach0]).status == 0)
        #expect(try lib.run(["tag", lib.root, "caption", "Waves at dusk", "--path", beach0]).status == 0)
        #expect(try lib.run(["tag", lib.root, "status", "rejected", "--search", "path:city/street_1"]).status == 0)
        #expect(try lib.run(["tag", lib.root, "rate", "5", "--search", "tag:sunset"]).status == 0)
        #expect(try lib.search("tag:sunset") == ["2023/beach/img_0000.jpg"])
        #expect(try lib.search("lisbon dusk") == ["2023/beach/img_0000.jpg"])
        #expect(try lib.search("status:rejected") == ["city/street_1.jpg"])

        // Delete the index: rebuild brings back everything from the sidecars.
        for file in SQLiteCatalogStore.files(of: try lib.library.index) { unlink(file) }
        let rebuilt = try lib.run(["library", "rebuild", lib.root, "--json"])
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        #expect(try lib.search("tag:sunset rating>=5 is:captioned") == ["2023/beach/img_0000.jpg"])
        #expect(try lib.search("status:rejected") == ["city/street_1.jpg"])

        // Move and rename: the content keeps its sidecar.
        try FileManager.default.createDirectory(atPath: "\(lib.root)/best", withIntermediateDirectories: true)
        #expect(rename(beach0, "\(lib.root)/best/renamed.jpg") == 0)
        let update = try lib.run(["library", "update", lib.root, "--json", "--workers", "1"])
        #expect(update.status == 0, "\(update.stderr)")
        let sync = try #require(try JSONSerialization.jsonObject(with: Data(update.stdout.utf8)) as? [String: Any])
        #expect(sync["moved"] as? Int == 1)
        #expect(sync["removed"] as? Int == 1)
        #expect(try lib.search("tag:sunset") == ["best/renamed.jpg"])
        #expect(try lib.search("").count == 6)
    }

    @Test func aFileEditedInPlaceInheritsItsTagsAndDeletedFilesLeave() throws {
        let lib = try LibraryFixture()
        let street = "\(lib.root)/city/street_0.jpg"
        #expect(try lib.run(["tag", lib.root, "add", "tram", "--path", street]).status == 0)
        // A new picture at the same path: new content, same place.
        try lib.ws.write(try Fixtures.jpeg(Fixtures.scene(999, width: 130, height: 90)), to: "photos/city/street_0.jpg")
        unlink("\(lib.root)/city/street_2.jpg")
        let update = try lib.run(["library", "update", lib.root, "--json", "--workers", "1"])
        #expect(update.status == 0, "\(update.stderr)")
        let sync = try #require(try JSONSerialization.jsonObject(with: Data(update.stdout.utf8)) as? [String: Any])
        #expect(sync["changed"] as? Int == 1)
        #expect(sync["inherited"] as? Int == 1)
        #expect(sync["removed"] as? Int == 1)
        #expect(try lib.search("tag:tram") == ["city/street_0.jpg"])
        #expect(try lib.search("").count == 5)
        // An unchanged update analyses nothing.
        let again = try lib.run(["library", "update", lib.root, "--json", "--workers", "1"])
        let second = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        #expect(second["unchanged"] as? Int == 5)
        #expect(second["added"] as? Int == 0 && second["changed"] as? Int == 0)
    }

    @Test func aDamagedOrMissingIndexIsDetectedAndRebuilt() throws {
        let lib = try LibraryFixture()
        #expect(try lib.run(["tag", lib.root, "add", "kept", "--search", "path:2023/beach"]).status == 0)
        let index = try lib.library.index
        for file in SQLiteCatalogStore.files(of: index) { unlink(file) }
        try lib.ws.write(Array(repeating: 0x42, count: 8192), to: "photos/.imgeda/index.sqlite")
        let result = try lib.run(["search", lib.root, "tag:kept"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("damaged"))
        #expect(result.stdout.split(separator: "\n").count == 3)
        for file in SQLiteCatalogStore.files(of: index) { unlink(file) }
        let missing = try lib.run(["search", lib.root, "tag:kept"])
        #expect(missing.stderr.contains("no index"))
        #expect(missing.stdout.split(separator: "\n").count == 3)
    }

    @Test func checkFindsMissingChangedUnindexedAndBitRot() throws {
        let lib = try LibraryFixture()
        let clean = try lib.run(["library", "check", lib.root, "--verify"])
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        #expect(clean.stdout.contains("6 verified"))
        // Flip a byte in the middle, keeping size and mtime: only --verify sees it.
        let victim = "\(lib.root)/city/street_1.jpg"
        var info = stat()
        stat(victim, &info)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: victim)))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: victim))
        var times = [info.st_atim, info.st_mtim]
        utimensat(AT_FDCWD, victim, &times, 0)
        #expect(try lib.run(["library", "check", lib.root]).status == 0)
        unlink("\(lib.root)/city/street_0.jpg")
        try lib.ws.write(try Fixtures.jpeg(Fixtures.scene(77)), to: "photos/new.jpg")
        let dirty = try lib.run(["library", "check", lib.root, "--verify", "--json"])
        #expect(dirty.status == 2)
        let result = try #require(try JSONSerialization.jsonObject(with: Data(dirty.stdout.utf8)) as? [String: Any])
        #expect(result["missing"] as? [String] == ["city/street_0.jpg"])
        #expect(result["unindexed"] as? [String] == ["new.jpg"])
        #expect(result["checksum_mismatches"] as? [String] == ["city/street_1.jpg"])
    }

    @Test func trashRestoreAndEmptyTrash() throws {
        let lib = try LibraryFixture()
        #expect(try lib.run(["tag", lib.root, "add", "keepme", "--path", "\(lib.root)/city/street_0.jpg"]).status == 0)
        let trashed = try lib.run(["library", "trash", lib.root, "--search", "path:city"])
        #expect(trashed.status == 0, "\(trashed.stderr)")
        #expect(try lib.search("").count == 3)
        #expect(FileManager.default.fileExists(atPath: "\(lib.root)/.imgeda/trash/city/street_0.jpg"))
        #expect(!FileManager.default.fileExists(atPath: "\(lib.root)/city/street_0.jpg"))
        // Nothing is deleted without a confirmation (stdin is not a terminal here).
        let refused = try lib.run(["library", "empty-trash", lib.root])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--yes"))
        let restored = try lib.run(["library", "restore", lib.root, "city/street_0.jpg"])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(try lib.search("tag:keepme") == ["city/street_0.jpg"])
        let emptied = try lib.run(["library", "empty-trash", lib.root, "--yes"])
        #expect(emptied.status == 0)
        #expect(emptied.stdout.contains("Deleted 2 files"))
        #expect(try lib.search("").count == 4)
    }

    @Test func badInputIsOneLineWithTheFix() throws {
        let lib = try LibraryFixture(count: 2)
        let query = try lib.run(["search", lib.root, "width>=big"])
        #expect(query.status == 1)
        #expect(query.stderr == "Error: query: 'big' is not a number at position 1 (write e.g. width>=1024)\n")
        let notLibrary = try Imgeda.run(["search", lib.ws.path, "x"])
        #expect(notLibrary.status == 1)
        #expect(notLibrary.stderr.contains("imgeda library init"))
        let unknown = try lib.run(["tag", lib.root, "add", "x", "--path", "\(lib.root)/nope.jpg"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("is not in the library"))
        #expect(unknown.stderr.split(separator: "\n").count == 1)
    }

    @Test func aSigkillDuringABurstOfTagWritesLeavesValidSidecarsAndARebuildEqualToThem() async throws {
        let lib = try LibraryFixture(count: 12)
        // Bursts of writes (12 sidecars each), killed at growing delays so some die mid-burst.
        for round in 0..<8 {
            let burst = try Imgeda.start(["tag", lib.root, "add", "burst\(round)", "t\(round)a", "t\(round)b", "--search", ""])
            usleep(useconds_t(20_000 + round * 30_000))
            burst.signal(SIGKILL)
            _ = burst.wait()
        }
        let library = try lib.library
        let listing = library.sidecars.readAll()
        #expect(listing.invalid.isEmpty, "\(listing.invalid)")
        // No temporary file is mistaken for a sidecar, and every file parses as JSON.
        let rebuilt = try lib.run(["library", "rebuild", lib.root, "--json"])
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        let store = try SQLiteCatalogStore(path: library.index)
        let indexed = try await store.allSidecars()
        #expect(indexed == listing.sidecars.sorted { $0.sha256 < $1.sha256 })
    }
}

@Suite("capture dates in a library")
struct LibraryCaptureDateTests {
    /// Real files through scan and index: EXIF with an offset (23:30 at UTC−5, which is the
    /// next day in UTC), EXIF without one, a file-name date, a folder date, and none.
    @Test func eachFileGetsItsDateSourceAndConfidence() async throws {
        let lib = try LibraryFixture(count: 0) { ws in
            func camera(_ date: String, offset: String?) -> ExifWriter.Camera {
                var c = ExifWriter.Camera(
                    make: "Canon", model: "Canon EOS R6", lens: "RF50mm F1.8 STM", focalLength: 50, focalLength35mm: 50, iso: 400,
                    exposureDenominator: 125, fNumberTenths: 18, date: date)
                c.offset = offset
                return c
            }
            let plain = try Fixtures.jpeg(Fixtures.scene(1))
            try ws.write(ExifWriter.insert(camera("2023:07:14 23:30:00", offset: "-05:00"), into: plain), to: "photos/night.jpg")
            try ws.write(
                ExifWriter.insert(camera("2021:05:01 12:00:00", offset: nil), into: try Fixtures.jpeg(Fixtures.scene(2))),
                to: "photos/noon.jpg")
            try ws.write(try Fixtures.jpeg(Fixtures.scene(3)), to: "photos/IMG_20220102_030405.jpg")
            try ws.write(try Fixtures.jpeg(Fixtures.scene(4)), to: "photos/2019/06/21/beach.jpg")
            try ws.write(try Fixtures.jpeg(Fixtures.scene(5)), to: "photos/misc/plain.jpg")
        }
        let library = try lib.library
        let store = try SQLiteCatalogStore(path: library.index)
        func date(_ path: String) async throws -> CaptureDate? {
            try await store.image(path: path)?.capture
        }
        let night = try #require(try await date("night.jpg"))
        #expect(night == CaptureDate(local: "2023-07-14T23:30:00", offset: "-05:00", source: .exifOriginal))
        #expect(night.confidence == .high && night.timeZoneKnown)
        #expect(try await date("noon.jpg") == CaptureDate(local: "2021-05-01T12:00:00", source: .exifOriginal))
        #expect(try await date("IMG_20220102_030405.jpg") == CaptureDate(local: "2022-01-02T03:04:05", source: .fileName))
        #expect(try await date("2019/06/21/beach.jpg") == CaptureDate(local: "2019-06-21", source: .folder))
        #expect(try await date("misc/plain.jpg")?.source == .mtime)
        // The night photo is found on its local day, not the UTC one.
        #expect(try lib.search("date:2023-07-14") == ["night.jpg"])
        #expect(try lib.search("date:2023-07-15").isEmpty)
        #expect(try lib.search(#"camera:"Canon EOS R6" lens:rf50"#) == ["night.jpg", "noon.jpg"])
    }
}

@Suite("library export")
struct LibraryExportTests {
    @Test func aSearchExportsImagesCaptionsAndAManifest() throws {
        let lib = try LibraryFixture()
        let first = "\(lib.root)/2023/beach/img_0000.jpg"
        #expect(try Imgeda.run(["tag", lib.root, "caption", "a wave, at dusk", "--path", first]).status == 0)
        #expect(try Imgeda.run(["tag", lib.root, "add", "beach", "sea", "--search", "path:2023/beach"]).status == 0)
        let out = lib.ws.file("lora")
        let result = try Imgeda.run(["library", "export", lib.root, "-o", out, "--search", "tag:beach"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOfFile: "\(out)/2023/beach/img_0000.txt", encoding: .utf8) == "a wave, at dusk\n")
        #expect(try String(contentsOfFile: "\(out)/2023/beach/img_0001.txt", encoding: .utf8) == "beach, sea\n")
        #expect(!FileManager.default.fileExists(atPath: "\(out)/city"))
        let exported = try records("\(out)/manifest.jsonl")
        #expect(exported.map(\.path).sorted() == (0..<3).map { "\(out)/2023/beach/img_000\($0).jpg" })
        #expect(FileManager.default.contentsEqual(atPath: first, andPath: "\(out)/2023/beach/img_0000.jpg"))
        // Never into the library itself.
        let inside = try Imgeda.run(["library", "export", lib.root, "-o", "\(lib.root)/out"])
        #expect(inside.status == 1)
        #expect(inside.stderr.contains("inside the library"))
    }
}
