import DatasetAnalysis
import DatasetCatalogPostgres
import DatasetCatalogSQLite
import DatasetIO
import Foundation
import Testing

@testable import DatasetCatalog

/// The index build's duplicate search, which takes the hashes from the manifest's reading
/// thread and spills them to files (``NearDuplicateScreen``): it finds the groups the
/// in-memory finder finds, on both backends.
@Suite("library duplicate search")
struct LibraryDuplicateSearchTests {
    /// A deterministic generator, so a failure can be replayed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// `hash` with `count` bits flipped, spread over the substrings from `start` on (so a
    /// distance near the threshold leaves at most one bit of difference in few substrings —
    /// the pairs the search finds only through its one-bit neighbours).
    static func flipped(_ hash: Hash256, _ count: Int, start: Int, using rng: inout Generator) -> Hash256 {
        var words = [hash.w0, hash.w1, hash.w2, hash.w3]
        var bits = Set<Int>()
        var chunk = start
        while bits.count < count {
            let bit = (chunk % 16) * 16 + Int(rng.next() % 16)
            if bits.insert(bit).inserted { chunk += 1 }
        }
        for bit in bits { words[bit / 64] ^= 1 << UInt64(63 - bit % 64) }
        return Hash256(words[0], words[1], words[2], words[3])
    }

    /// Records with random hashes, and planted copies at distances around the threshold,
    /// centre hashes near another's whole, byte-identical copies, near-blank and corrupt
    /// pictures.
    static func records(count: Int, root: String, seed: UInt64) -> [ImageRecord] {
        var rng = Generator(state: seed)
        func random() -> Hash256 { Hash256(rng.next(), rng.next(), rng.next(), rng.next()) }
        var records: [ImageRecord] = []
        func add(_ hash: Hash256, centre: Hash256? = nil, sha: String? = nil, blank: Bool = false, corrupt: Bool = false) {
            let i = records.count
            var r = ImageRecord(path: "\(root)/f\(i % 7)/img_\(i).jpg", filename: "img_\(i).jpg")
            r.fileSizeBytes = 1000 + i
            r.width = 100 + i % 50
            r.height = 80
            r.format = "JPEG"
            r.sha256 = sha ?? String(format: "%064x", i)
            r.phash = hash.hex
            r.phashCenter = centre?.hex
            r.isCorrupt = corrupt
            r.blurScore = Double(i % 90)
            let deviation = blank ? 2.0 : 40.0
            r.pixelStats = PixelStats(
                meanR: 100, meanG: 100, meanB: 100, stdR: deviation, stdG: deviation, stdB: deviation, meanBrightness: 100, minVal: 0,
                maxVal: 255)
            records.append(r)
        }
        for i in 0..<count {
            let base = random()
            switch i % 10 {
            case 0:
                add(base)
                // 22–26 bits: both sides of the threshold (24).
                add(flipped(base, 22 + (i / 10) % 5, start: i % 16, using: &rng))
            case 1:
                add(base)
                // A crop: its whole is far, its centre near the other's whole.
                add(random(), centre: flipped(base, 10 + (i / 10) % 16, start: i % 16, using: &rng))
            case 2:
                add(base, sha: "shared-\(i)")
                add(base, sha: "shared-\(i)")
            case 3:
                add(base, blank: true)
                add(flipped(base, 3, start: 0, using: &rng), blank: true)
            case 4:
                add(base, corrupt: true)
                add(flipped(base, 3, start: 0, using: &rng))
            default:
                add(base, centre: i % 3 == 0 ? random() : nil)
            }
        }
        return records
    }

    @Test func theScreenLinksWhatTheFinderLinks() throws {
        let ws = try Workspace()
        let records = Self.records(count: 3000, root: ws.path, seed: 7)
        let screen = try NearDuplicateScreen(folder: ws.file("screen"))
        for (id, record) in records.enumerated() { try screen.add(id: id + 1, record: record) }
        let found = try screen.linkedIDs()

        let candidates = records.map { DuplicateCandidate(record: $0) }
        var expected = Set<Int>()
        for pair in DuplicateFinder.linkedPairs(candidates, rules: MatchRules()) {
            expected.insert(pair.a + 1)
            expected.insert(pair.b + 1)
        }
        #expect(expected.count > 500)
        #expect(found == expected.sorted())
    }

    @Test func theSpillFilesGoWithTheScreen() throws {
        let ws = try Workspace()
        do {
            let screen = try NearDuplicateScreen(folder: ws.file("screen"))
            for (id, record) in Self.records(count: 50, root: ws.path, seed: 3).enumerated() { try screen.add(id: id, record: record) }
            _ = try screen.linkedIDs()
            #expect(FileManager.default.fileExists(atPath: ws.file("screen")))
        }
        #expect(!FileManager.default.fileExists(atPath: ws.file("screen")))
    }

    /// A library whose manifest holds `records` (one path given twice: the newest wins) and a
    /// "not a duplicate" mark between two near copies.
    static func library(_ ws: Workspace, records: [ImageRecord]) throws -> Library {
        let root = ws.file("photos")
        try FileManager.default.createDirectory(atPath: root + "/.imgeda/sidecars", withIntermediateDirectories: true)
        var lines = [
            #"{"__manifest_meta__": true, "schema_version": 1, "input_dir": "\#(root)", "settings": {}, "total_files": \#(records.count), "created_at": "2026-11-27T00:00:00+00:00"}"#
        ]
        func line(_ record: ImageRecord) -> String {
            String(decoding: ManifestEncoding.line(for: record), as: UTF8.self).trimmingCharacters(in: .newlines)
        }
        for record in records { lines.append(line(record)) }
        // The first record's path again, with the hash of the second: the newest wins.
        var again = records[0]
        again.phash = records[5].phash
        again.sha256 = String(repeating: "e", count: 64)
        lines.append(line(again))
        // Text that must survive each backend's load as written (PostgreSQL's COPY reads
        // backslashes, tabs and line breaks as its own syntax unless they are escaped).
        var odd = records[1]
        odd.cameraModel = Self.oddText
        lines.append(line(odd))
        try (lines.joined(separator: "\n") + "\n").write(toFile: root + "/.imgeda/manifest.jsonl", atomically: true, encoding: .utf8)
        let library = try Library(root: root)
        var mark = Sidecar(sha256: try #require(records[30].sha256))
        mark.notDuplicateOf = [try #require(records[31].sha256)]
        try library.sidecars.write(mark)
        return library
    }

    static let oddText = "back\\slash \\N café \\\\ \\t\ttab\nline\rreturn"

    /// Rebuilds `store` from `library` and checks its groups against the in-memory finder's.
    static func expectSameGroups(_ library: Library, _ store: some CatalogStore) async throws {
        let sync = try await LibraryIndexer.rebuild(library, into: store)
        let listing = library.sidecars.readAll()
        let expected = try LibraryIndexer.firstPass(library, notDuplicate: LibraryIndexer.notDuplicateMarks(listing.sidecars))
        #expect(expected.groupCount > 100)
        #expect(sync.duplicateGroups == expected.groupCount)
        var found: [String: Int] = [:]
        for hit in try await store.searchAll(try CatalogQuery.parse("is:duplicate")) { found[hit.path] = hit.duplicateGroup }
        #expect(found == expected.groups)
        let odd = try #require(try await store.image(path: "f1/img_1.jpg"))
        #expect(odd.record.cameraModel == oddText)
        // The spill folder is gone.
        let left = try FileManager.default.contentsOfDirectory(atPath: library.state).filter { $0.hasPrefix("duplicate-search") }
        #expect(left.isEmpty)
    }

    @Test func aRebuildGroupsAsTheFinderDoesInMemory() async throws {
        let ws = try Workspace()
        let library = try Self.library(ws, records: Self.records(count: 1500, root: ws.file("photos"), seed: 11))
        try await Self.expectSameGroups(library, try SQLiteCatalogStore(path: library.index))
    }

    @Test(.enabled(if: PostgresTestServer.url != nil, PostgresTestServer.notConfigured))
    func aRebuildGroupsAsTheFinderDoesInMemoryOnPostgres() async throws {
        let ws = try Workspace()
        let library = try Self.library(ws, records: Self.records(count: 1500, root: ws.file("photos"), seed: 11))
        let (_, location) = try PostgresLibraryCommandTests.database()
        let store = try await PostgresCatalogStore.open(location)
        do {
            try await Self.expectSameGroups(library, store)
            // Loaded twice: the path given twice holds its newest record (COPY loads both rows).
            try await Self.expectSameGroups(library, store)
            let first = try #require(try await store.image(path: "f0/img_0.jpg"))
            #expect(first.record.sha256 == String(repeating: "e", count: 64))
        } catch {
            await store.close()
            await PostgresLibraryCommandTests.dropSchema(location)
            throw error
        }
        await store.close()
        await PostgresLibraryCommandTests.dropSchema(location)
    }
}
