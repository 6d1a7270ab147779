import DatasetAnalysis
import DatasetCatalog
import DatasetCatalogPostgres
import DatasetCatalogSQLite
import Foundation
import Testing

/// The backends the conformance suite runs against, so one behaviour cannot exist in one
/// backend and not the other. PostgreSQL runs when `IMGEDA_TEST_POSTGRES_URL` names a server
/// (`.ci/start-postgres` starts one; CI always does); without it its cases are skipped,
/// saying why. Each PostgreSQL case gets a schema of its own (``PostgresSchemaTrait``).
enum CatalogBackend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgresql

    var testDescription: String { rawValue }

    func makeStore(_ ws: Workspace) async throws -> any CatalogStore {
        switch self {
        case .sqlite:
            let store = try SQLiteCatalogStore(path: ws.file("index.sqlite"))
            try await store.migrate()
            return store
        case .postgresql:
            let store = try await PostgresTestServer.makeStore()
            try await store.migrate()
            return store
        }
    }
}

/// The PostgreSQL server of the tests, named by `IMGEDA_TEST_POSTGRES_URL`.
enum PostgresTestServer {
    static var url: String? {
        ProcessInfo.processInfo.environment["IMGEDA_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static let notConfigured = Comment(
        rawValue: "IMGEDA_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against (start one with "
            + "`export IMGEDA_TEST_POSTGRES_URL=$(.ci/start-postgres)`)")

    /// The test case's schema (set by ``PostgresSchemaTrait``).
    @TaskLocal static var schema: String?

    /// The server's location with the test case's own schema; skips the test when no server
    /// is configured.
    static func location() throws -> PostgresLocation {
        guard let url else { try Test.cancel(notConfigured) }
        var location = try PostgresLocation(url: url)
        location.schema = try #require(schema, "the suite needs the .postgresSchema trait")
        return location
    }

    /// A store in the test case's own schema.
    static func makeStore() async throws -> PostgresCatalogStore {
        try await PostgresCatalogStore.open(try location())
    }
}

/// Gives each test case a PostgreSQL schema no other test uses, and drops it afterwards
/// (whether the case passed or not), so tests run in parallel against one server and leave
/// nothing behind.
struct PostgresSchemaTrait: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? { testCase == nil ? nil : self }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let schema = "imgeda_test_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let outcome: Result<Void, any Error>
        do {
            try await PostgresTestServer.$schema.withValue(schema) { try await function() }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        if let url = PostgresTestServer.url, var location = try? PostgresLocation(url: url) {
            location.schema = schema
            if let store = try? await PostgresCatalogStore.open(location) {
                try? await store.dropSchema()
                await store.close()
            }
        }
        try outcome.get()
    }
}

extension Trait where Self == PostgresSchemaTrait {
    /// A schema of its own for each test case that uses PostgreSQL.
    static var postgresSchema: Self { Self() }
}

/// Synthetic catalog images: deterministic, varied enough for every filter.
enum SyntheticCatalog {
    static func sha(_ i: Int) -> String {
        let hex = String(i, radix: 16)
        return String(repeating: "0", count: 64 - hex.count) + hex
    }

    static func image(_ i: Int) -> CatalogImage {
        var record = ImageRecord(path: "/lib/\(folder(i))/img_\(i).jpg", filename: "img_\(i).jpg")
        record.width = 640 + (i % 5) * 320
        record.height = 480
        record.format = i % 4 == 0 ? "PNG" : "JPEG"
        record.fileSizeBytes = 10_000 + i
        record.mtime = Double(1_600_000_000 + i)
        record.sha256 = sha(i)
        record.cameraMake = i % 3 == 0 ? "Canon" : "NIKON CORPORATION"
        record.cameraModel = i % 3 == 0 ? "Canon EOS R6" : "NIKON Z 6"
        record.lensModel = i % 2 == 0 ? "RF 50mm F1.8" : nil
        record.isBlurry = i % 7 == 0
        record.blurScore = Double(i % 300)
        record.pixelStats = PixelStats(
            meanR: 100, meanG: 110, meanB: 120, stdR: 40, stdG: 41, stdB: 42, meanBrightness: 110, minVal: 0, maxVal: 255)
        let day = 1 + i % 28
        let capture = CaptureDate(local: "2023-0\(1 + i % 9)-\(day < 10 ? "0" : "")\(day)T12:00:00", source: .exifOriginal)
        return CatalogImage(
            path: "\(folder(i))/img_\(i).jpg", record: record, capture: i % 10 == 9 ? nil : capture, quality: i % 101,
            duplicateGroup: i % 11 == 0 ? i / 11 : nil)
    }

    static func folder(_ i: Int) -> String { i % 2 == 0 ? "beach" : "city" }
}

@Suite("catalog store conformance", .postgresSchema)
struct CatalogStoreConformanceTests {
    /// The overview's pass: pages by row number cover every image once, with the fields asked
    /// for and no others.
    @Test(arguments: CatalogBackend.allCases)
    func pagesByRowNumberCoverEveryImageOnceWithTheFieldsAsked(backend: CatalogBackend) async throws {
        let ws = try Workspace()
        let store = try await backend.makeStore(ws)
        let images = (0..<23).map(SyntheticCatalog.image)
        try await store.upsert(images: images)
        try await store.remove(paths: [images[7].path])
        var seen: [String: ImageRecord] = [:]
        var after: Int?
        var pages = 0
        repeat {
            let page = try await store.images([.format, .fileSizeBytes, .meanBrightness], afterRow: after, limit: 5)
            #expect(page.images.count <= 5)
            for image in page.images {
                #expect(seen.updateValue(image.record, forKey: image.path) == nil, "\(image.path) twice")
            }
            after = page.images.isEmpty ? nil : page.lastRow
            pages += 1
        } while after != nil && pages < 50
        #expect(Set(seen.keys) == Set(images.map(\.path)).subtracting([images[7].path]))
        let back = try #require(seen[images[4].path])
        #expect(back.format == "PNG" && back.fileSizeBytes == 10_004)
        #expect(back.pixelStats?.meanBrightness == 110)
        #expect(back.sha256 == nil && back.width == 0, "a field not asked for was read")
    }

    /// The overview's grouped counts: each combination of the fields' values (a missing one
    /// included) with the number of images holding it, as counting the images finds.
    @Test(arguments: CatalogBackend.allCases)
    func imagesAreCountedByTheValuesOfTheirFields(backend: CatalogBackend) async throws {
        let ws = try Workspace()
        let store = try await backend.makeStore(ws)
        var images = (0..<30).map(SyntheticCatalog.image)
        images[4].record.cameraMake = nil
        images[4].record.cameraModel = nil
        images[7].record.format = "WEBP"
        try await store.upsert(images: images)
        let fields: [RecordField] = [.format, .cameraMake, .cameraModel]
        var expected: [[RecordField.Value]: Int] = [:]
        for image in images { expected[fields.map { $0.value(in: image.record) }, default: 0] += 1 }
        var counted: [[RecordField.Value]: Int] = [:]
        for (record, count) in try await store.imageCounts(by: fields) {
            #expect(counted.updateValue(count, forKey: fields.map { $0.value(in: record) }) == nil, "a combination twice")
        }
        #expect(counted == expected)
        #expect(expected.count >= 5)
        #expect(try await store.imageCounts(by: []).map(\.count) == [30])
    }

    /// The unchanged update's check: the index holds exactly these paths, sizes and times.
    @Test(arguments: CatalogBackend.allCases)
    func theIndexHoldsExactlyTheFilesWithTheirSizesAndTimes(backend: CatalogBackend) async throws {
        let ws = try Workspace()
        let store = try await backend.makeStore(ws)
        let images = (0..<12).map(SyntheticCatalog.image)
        try await store.upsert(images: images)
        var files = Dictionary(
            uniqueKeysWithValues: images.map { ($0.path, FileVersion(size: $0.record.fileSizeBytes, mtime: $0.record.mtime)) })
        #expect(try await store.holds(exactly: FileVersions(files)) == IndexedLibrary(images: 12, duplicateGroups: 2))
        var resized = files
        resized[images[5].path]?.size += 1
        #expect(try await store.holds(exactly: FileVersions(resized)) == nil)
        var touched = files
        touched[images[5].path]?.mtime += 0.000_001
        #expect(try await store.holds(exactly: FileVersions(touched)) == nil)
        files["new/one.jpg"] = FileVersion(size: 1, mtime: 1)
        #expect(try await store.holds(exactly: FileVersions(files)) == nil)
        files["new/one.jpg"] = nil
        files[images[0].path] = nil
        #expect(try await store.holds(exactly: FileVersions(files)) == nil)
    }

    @Test(arguments: CatalogBackend.allCases)
    func imagesRoundTripThroughTheIndex(backend: CatalogBackend) async throws {
        let ws = try Workspace()
        let store = try await backend.makeStore(ws)
        #expect(try await store.schemaVersion() >= 1)
        let images = (0..<20).map(SyntheticCatalog.image)
        try await store.upsert(images: images)
        #expect(try await store.counts().images == 20)
        let back = try #require(try await store.image(path: images[3].path))
        #expect(back.record.sha256 == images[3].record.sha256)
        #expect(back.record.cameraModel == "Canon EOS R6")
        #expect(back.record.pixelStats == images[3].record.pixelStats)
        #expect(back.record.cornerStats == nil)
        #expect(back.capture == images[3].capture)
        #expect(back.quality == 3)
        // Upsert replaces by path.
        var changed = images[3]
        changed.record.width = 1
        try await store.upsert(images: [changed])
        #expect(try await store.image(path: images[3].path)?.record.width == 1)
        #expect(try await store.counts().images == 20)
        try await store.remove(paths: [images[3].path, "not/there.jpg"])
        #expect(try await store.image(path: images[3].path) == nil)
        #expect(try await store.indexedFiles().count == 19)
        #expect(try await store.integrityProblems().isEmpty)
    }

    @Test(arguments: CatalogBackend.allCases)
    func filtersFindExactlyWhatTheyName(backend: CatalogBackend) async throws {
        let ws = try Workspace()
        let store = try await backend.makeStore(ws)
        let images = (0..<60).map(SyntheticCatalog.image)
        try await store.upsert(images: images)
        var sidecars: [Sidecar] = []
        for i in [2, 4, 6] {
            var s = Sidecar(sha256: SyntheticCatalog.sha(i))
            s.add(Tag(parsing: "Beach"))
            s.add(Tag(parsing: "place:Lisbon"))
            s.caption = "golden hour over the sea"
            s.status = i == 6 ? .rejected : .selected
            s.rating = i / 2
            sidecars.append(s)
        }
        try await store.apply(sidecars: sidecars)

        func paths(_ text: String) async throws -> Set<String> {
            Set(try await store.searchAll(try CatalogQuery.parse(text)).map(\.path))
        }
        func expected(_ keep: (Int) -> Bool) -> Set<String> { Set(images.indices.filter(keep).map { images[$0].path }) }

        #expect(try await paths("") == expected { _ in true })
        #expect(try await paths("tag:beach") == expected { [2, 4, 6].contains($0) })
        #expect(try await paths("tag:place:lisbon") == expected { [2, 4, 6].contains($0) })
        #expect(try await paths("tag:other:lisbon").isEmpty)
        #expect(try await paths("-tag:beach") == expected { ![2, 4, 6].contains($0) })
        #expect(try await paths("golden") == expected { [2, 4, 6].contains($0) })  // caption, full text
        #expect(try await paths(#""over the sea""#) == expected { [2, 4, 6].contains($0) })
        #expect(try await paths("lisbon") == expected { [2, 4, 6].contains($0) })  // tags, full text
        #expect(try await paths("city") == expected { $0 % 2 == 1 })  // path, full text
        #expect(try await paths(#"camera:"Canon EOS R6""#) == expected { $0 % 3 == 0 })
        #expect(try await paths("camera:nikon") == expected { $0 % 3 != 0 })
        #expect(try await paths("lens:50mm") == expected { $0 % 2 == 0 })
        #expect(try await paths("format:png") == expected { $0 % 4 == 0 })
        #expect(try await paths("format:jpg") == expected { $0 % 4 != 0 })
        #expect(try await paths("is:blurry") == expected { $0 % 7 == 0 })
        #expect(try await paths("is:duplicate") == expected { $0 % 11 == 0 })
        #expect(try await paths("is:tagged") == expected { [2, 4, 6].contains($0) })
        #expect(try await paths("status:rejected") == expected { $0 == 6 })
        #expect(try await paths("status:active") == expected { ![2, 4, 6].contains($0) })
        #expect(try await paths("rating>=2") == expected { [4, 6].contains($0) })
        #expect(try await paths("width>=1024") == expected { 640 + ($0 % 5) * 320 >= 1024 })
        #expect(try await paths("quality<10") == expected { $0 % 101 < 10 })
        #expect(try await paths("date:2023-03") == expected { $0 % 9 == 2 && $0 % 10 != 9 })
        #expect(try await paths("date:2023-02..2023-03") == expected { [1, 2].contains($0 % 9) && $0 % 10 != 9 })
        #expect(try await paths("date:2023") == expected { $0 % 10 != 9 })
        #expect(try await paths("path:beach/img_1") == expected { $0 % 2 == 0 && String($0).hasPrefix("1") })
        #expect(try await paths("sha:\(String(SyntheticCatalog.sha(5).prefix(63)))") == expected { $0 < 16 })
        // LIKE's wildcards are literal in a query.
        #expect(try await paths("path:%").isEmpty)
        #expect(try await paths("beach is:blurry -format:png") == expected { $0 % 2 == 0 && $0 % 7 == 0 && $0 % 4 != 0 })
        #expect(try await store.count(try CatalogQuery.parse("tag:beach")) == 3)
    }

    @Test(arguments: CatalogBackend.allCases)
    func keysetPagesCoverEveryHitOnceInOrder(backend: CatalogBackend) async throws {
        let ws = try Workspace()
        let store = try await backend.makeStore(ws)
        let images = (0..<257).map(SyntheticCatalog.image)
        try await store.upsert(images: images)
        for order in CatalogOrder.allCases {
            var seen: [CatalogHit] = []
            var cursor: CatalogCursor?
            repeat {
                let page = try await store.search(.all, order: order, after: cursor, limit: 50)
                #expect(page.hits.count <= 50)
                seen += page.hits
                cursor = page.next
            } while cursor != nil
            #expect(seen.count == 257, "\(order)")
            #expect(Set(seen.map(\.path)).count == 257, "\(order)")
            let all = try await store.search(.all, order: order, after: nil, limit: 1000).hits
            #expect(all.map(\.path) == seen.map(\.path), "\(order)")
            switch order {
            case .path: #expect(seen.map(\.path) == seen.map(\.path).sorted())
            case .newest:
                let keys = seen.map { $0.captureDate ?? "" }
                #expect(keys == keys.sorted(by: >))
            case .quality:
                let keys = seen.map { $0.quality ?? -1 }
                #expect(keys == keys.sorted(by: >))
            case .size:
                let keys = seen.map(\.fileSizeBytes)
                #expect(keys == keys.sorted(by: >))
            case .pixels:
                let keys = seen.map { $0.width * $0.height }
                #expect(keys == keys.sorted(by: >))
            }
        }
    }

    @Test(arguments: CatalogBackend.allCases)
    func sizeAndPixelOrdersPageEveryImageOnceWithTiesByPath(backend: CatalogBackend) async throws {
        let ws = try Workspace()
        let store = try await backend.makeStore(ws)
        // Thirteen file sizes and five resolutions: most keys are shared, so the keyset must
        // continue inside a run of equal keys by path.
        let images = (0..<257).map { i in
            var image = SyntheticCatalog.image(i)
            image.record.fileSizeBytes = 10_000 + (i * 7 % 13) * 1_000
            return image
        }
        try await store.upsert(images: images)
        let expected: [CatalogOrder: [String]] = [
            .size: images.sorted { ($0.record.fileSizeBytes, $1.path) > ($1.record.fileSizeBytes, $0.path) }.map(\.path),
            .pixels: images.sorted { ($0.record.width * $0.record.height, $1.path) > ($1.record.width * $1.record.height, $0.path) }
                .map(\.path),
        ]
        for (order, paths) in expected {
            var seen: [String] = []
            var cursor: CatalogCursor?
            repeat {
                let page = try await store.search(.all, order: order, after: cursor, limit: 7)
                seen += page.hits.map(\.path)
                cursor = page.next
            } while cursor != nil
            #expect(seen == paths, "\(order)")
        }
        let sizes = try await store.search(.all, order: .size, after: nil, limit: 3).hits.map(\.fileSizeBytes)
        #expect(sizes == [22_000, 22_000, 22_000])
    }

    @Test(arguments: CatalogBackend.allCases)
    func everyOrderKnowsAnImagesNeighboursInAQuery(backend: CatalogBackend) async throws {
        let ws = try Workspace()
        let store = try await backend.makeStore(ws)
        let images = (0..<120).map(SyntheticCatalog.image)
        try await store.upsert(images: images)
        let query = try CatalogQuery.parse("format:jpeg")
        for order in CatalogOrder.allCases {
            let all = try await store.searchAll(query, order: order, pageSize: 1000).map(\.path)
            #expect(all.count == 90, "\(order)")
            for k in stride(from: 0, to: all.count, by: 11) {
                let image = try #require(try await store.image(path: all[k]))
                let (previous, next) = try await store.neighbours(of: image, query, order: order)
                #expect(previous?.path == (k > 0 ? all[k - 1] : nil), "\(order) at \(k)")
                #expect(next?.path == (k + 1 < all.count ? all[k + 1] : nil), "\(order) at \(k)")
                let before = try await store.search(query, order: order, before: CatalogSQL.cursor(at: image, order: order), limit: 3)
                #expect(before.map(\.path) == Array(all[max(0, k - 3)..<k].reversed()), "\(order) at \(k)")
            }
            // An image outside the query still has its place in the order.
            let png = try #require(try await store.image(path: images[4].path))
            let around = try await store.neighbours(of: png, query, order: order)
            #expect(around.previous.map { !$0.path.hasSuffix("img_4.jpg") } ?? true)
            #expect(around.previous != nil || around.next != nil)
        }
    }

    @Test(arguments: CatalogBackend.allCases)
    func sidecarsReadBackAsWrittenAndAnEmptyOneClears(backend: CatalogBackend) async throws {
        let ws = try Workspace()
        let store = try await backend.makeStore(ws)
        try await store.upsert(images: (0..<3).map(SyntheticCatalog.image))
        var s = Sidecar(sha256: SyntheticCatalog.sha(1))
        s.add(Tag(category: "person", value: "Ana", position: .init(x: 0.1, y: 0.1, width: 0.2, height: 0.2)))
        s.copies = ["city/img_1.jpg": .keep]
        s.keeper = true
        try await store.apply(sidecars: [s])
        #expect(try await store.sidecar(sha256: s.sha256) == s)
        #expect(try await store.allSidecars() == [s])
        let hit = try #require(try await store.searchAll(try CatalogQuery.parse("is:keeper")).first)
        #expect(hit.tags == ["person:Ana"])
        try await store.apply(sidecars: [Sidecar(sha256: s.sha256)])
        #expect(try await store.sidecar(sha256: s.sha256) == nil)
        #expect(try await store.searchAll(try CatalogQuery.parse("ana")).isEmpty)
        try await store.removeAll()
        #expect(try await store.counts() == (0, 0))
    }

    /// A bulk load's images handed over in many batches (one transaction on SQLite) are all
    /// loaded, a path given again in a later batch holding its newest image, as the same images
    /// upserted one by one; a load failing after some batches leaves the previous index.
    @Test(arguments: CatalogBackend.allCases)
    func aBulkLoadOfManyBatchesEqualsUpsertsAndAFailedOneLeavesThePreviousIndex(backend: CatalogBackend) async throws {
        let ws = try Workspace()
        let store = try await backend.makeStore(ws)
        var expected = (0..<35).map(SyntheticCatalog.image)
        var newer = expected[3]
        newer.record.fileSizeBytes = 1
        newer.quality = 7
        expected[3] = newer
        try await store.upsert(images: expected)
        let upserted = try await IndexContents(store)
        #expect(upserted.images.count == 35)

        struct Stop: Error {}
        var given = 0
        var failed = false
        do {
            try await store.replaceAll { load in
                try await load.insert {
                    given += 1
                    guard given <= 3 else { throw Stop() }
                    return (0..<10).map { SyntheticCatalog.image(1_000 + given * 10 + $0) }
                }
            }
        } catch {
            // PostgreSQL reports it wrapped in the failed transaction.
            failed = true
        }
        #expect(failed)
        #expect(try await IndexContents(store) == upserted)

        // Five batches of seven, then the newer image of a path of the first batch.
        var batches = (0..<5).map { b in (0..<7).map { SyntheticCatalog.image(b * 7 + $0) } } + [[newer]]
        try await store.replaceAll { load in
            try await load.insert { batches.isEmpty ? nil : batches.removeFirst() }
        }
        #expect(try await IndexContents(store) == upserted)
        #expect(try await store.image(path: newer.path)?.record.fileSizeBytes == 1)
    }
}
