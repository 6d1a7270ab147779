import DatasetAnalysis
import DatasetCatalog
import DatasetCatalogPostgres
import Foundation
import Testing

@testable import DatasetCatalogSQLite

/// The search planner (``CatalogSQL/plan(counts:bound:)``) may read a page from a term's
/// candidates or walk the order's index; whichever it picks, every query must return the rows
/// a brute-force filter over all images returns, in the same order, page after page. Each
/// backend runs with the planner's bound at 0 (always walk), 12 (some terms drive, some do
/// not) and 1,000,000 (every term that can drive does).
@Suite("catalog search plans", .postgresSchema)
struct CatalogSearchPlanTests {
    /// One image of the fixture with what the brute-force filter reads.
    struct Fixture {
        var image: CatalogImage
        var sidecar: Sidecar?
        var tags: [DatasetAnalysis.Tag] { sidecar?.tags ?? [] }
        var status: ImageStatus { sidecar?.status ?? .active }
        /// The camera as a `camera:` term reads it: make and model.
        var camera: String { "\(image.record.cameraMake ?? "") \(image.record.cameraModel ?? "")".lowercased() }
    }

    static let count = 240

    static func fixtures() -> [Fixture] {
        (0..<count).map { i in
            var image = SyntheticCatalog.image(i)
            // Folders by year, as photo libraries keep them, so dates and paths go together.
            let year = 2019 + i % 5
            image.path = "\(year)/\(SyntheticCatalog.folder(i))/img_\(i).jpg"
            if let capture = image.capture {
                image.capture = CaptureDate(local: "\(year)" + capture.local.dropFirst(4), source: capture.source)
            }
            image.record.fileSizeBytes = 10_000 + (i * 37 % 50) * 100
            // A third camera, and images without one; a few dark and corrupt images.
            if i % 10 == 5 { (image.record.cameraMake, image.record.cameraModel) = ("SONY", "ILCE-7M3") }
            if i % 17 == 0 { (image.record.cameraMake, image.record.cameraModel) = (nil, nil) }
            image.record.isDark = i % 11 == 0
            image.record.isCorrupt = i % 23 == 0
            var sidecar: Sidecar?
            // A word at both ends of the path order (2019's beach folder, 2023's city folder):
            // a bounded walk that starts in the first stretch stops before the second.
            let dawn = (i % 5 == 0 && i % 2 == 0) || (i % 5 == 4 && i % 2 == 1)
            if i % 4 == 0 || i % 9 == 0 || dawn {
                var s = Sidecar(sha256: SyntheticCatalog.sha(i))
                if dawn { s.add(Tag(parsing: "dawn")) }
                if i % 4 == 0 { s.add(Tag(parsing: "beach")) }
                if i % 9 == 0 { s.add(Tag(parsing: "place:Lisbon")) }
                // The value again, in another category and case: posted once per image.
                if i % 20 == 0 { s.add(Tag(parsing: "scene:Beach")) }
                if i % 12 == 0 { s.caption = "golden hour at the sea" }
                s.status = i % 8 == 0 ? .rejected : (i % 9 == 0 ? .selected : .active)
                s.rating = i % 5
                sidecar = s
            }
            return Fixture(image: image, sidecar: sidecar)
        }
    }

    /// The queries of the benchmarks' fixed sets and their relatives, each with the filter
    /// that decides it over the fixture's values.
    static let queries: [(text: String, keep: @Sendable (Fixture) -> Bool)] = [
        ("", { _ in true }),
        ("tag:beach", { $0.tags.contains { $0.value == "beach" } }),
        ("tag:place:lisbon", { $0.tags.contains { $0.category == "place" && $0.value == "Lisbon" } }),
        ("beach", { $0.tags.contains { $0.value == "beach" } || $0.image.path.contains("beach") }),
        (#""golden hour""#, { $0.sidecar?.caption == "golden hour at the sea" }),
        (#"camera:"Canon EOS R6""#, { $0.camera.contains("canon eos r6") }),
        ("camera:o", { $0.camera.contains("o") }),  // every camera but the blank one
        ("camera:nikon", { $0.camera.contains("nikon") }),
        ("-camera:canon", { !$0.camera.contains("canon") }),
        ("camera:leica", { _ in false }),
        (#"camera:"Canon EOS R6" is:blurry"#, { $0.camera.contains("canon eos r6") && $0.image.record.isBlurry }),
        ("camera:sony tag:beach", { $0.camera.contains("sony") && $0.tags.contains { $0.value == "beach" } }),
        ("is:dark", { $0.image.record.isDark }),
        ("is:corrupt", { $0.image.record.isCorrupt }),
        ("-is:blurry", { !$0.image.record.isBlurry }),
        ("is:blurry tag:beach", { $0.image.record.isBlurry && $0.tags.contains { $0.value == "beach" } }),
        ("date:2021-03", { $0.image.capture?.local.hasPrefix("2021-03") == true }),
        ("date:2020..2021-02", { ($0.image.capture?.local ?? "~") >= "2020" && ($0.image.capture?.local ?? "~") < "2021-02~" }),
        ("format:png width>=1024", { $0.image.record.format == "PNG" && $0.image.record.width >= 1024 }),
        ("is:blurry", { $0.image.record.isBlurry }),
        ("status:rejected", { $0.status == .rejected }),
        ("status:active", { $0.status == .active }),
        (
            "beach -is:blurry quality>=50",
            {
                ($0.tags.contains { $0.value == "beach" } || $0.image.path.contains("beach")) && !$0.image.record.isBlurry
                    && ($0.image.quality ?? -1) >= 50
            }
        ),
        ("path:2021/", { $0.image.path.hasPrefix("2021/") }),
        ("path:2021/city/img_1", { $0.image.path.hasPrefix("2021/city/img_1") }),
        ("path:City", { _ in false }),  // a prefix is compared case by case
        ("path:*CITY/IMG_1", { $0.image.path.contains("city/img_1") }),  // a substring ignores ASCII case
        ("tag:beach date:2020", { $0.tags.contains { $0.value == "beach" } && $0.image.capture?.local.hasPrefix("2020") == true }),
        ("path:2022/ -tag:beach", { $0.image.path.hasPrefix("2022/") && !$0.tags.contains { $0.value == "beach" } }),
        ("tag:nothing", { _ in false }),
        ("tag:scene:beach", { $0.tags.contains { $0.category == "scene" && $0.value == "Beach" } }),
        ("tag:BEACH -tag:scene:beach", { $0.tags.contains { $0.value == "beach" } && !$0.tags.contains { $0.category == "scene" } }),
        ("tag:beach tag:place:lisbon", { $0.tags.contains { $0.value == "beach" } && $0.tags.contains { $0.value == "Lisbon" } }),
        ("tag:beach caption:golden", { $0.tags.contains { $0.value == "beach" } && $0.sidecar?.caption?.contains("golden") == true }),
        ("status:rejected tag:place:lisbon", { $0.status == .rejected && $0.tags.contains { $0.value == "Lisbon" } }),
        // Words: sparse (read and sorted), dense (a bounded walk of the order's index where the
        // counts allow one, its page read again by the plan when it comes back short), with a
        // tag, a flag, a decision and a negation.
        ("golden", { $0.sidecar?.caption?.contains("golden") == true }),
        ("dawn", { $0.tags.contains { $0.value == "dawn" } }),
        ("city", { $0.image.path.contains("/city/") }),
        ("2021", { $0.image.path.hasPrefix("2021/") }),
        // The oldest year: last by date, past where a bounded walk of 19 rows stops.
        ("2019", { $0.image.path.hasPrefix("2019/") }),
        ("2021 tag:beach", { $0.image.path.hasPrefix("2021/") && $0.tags.contains { $0.value == "beach" } }),
        ("2021 is:duplicate", { $0.image.path.hasPrefix("2021/") && $0.image.duplicateGroup != nil }),
        ("2021 is:tagged", { $0.image.path.hasPrefix("2021/") && !$0.tags.isEmpty }),
        ("2021 -is:blurry", { $0.image.path.hasPrefix("2021/") && !$0.image.record.isBlurry }),
        // Words of every column of the full-text index: a content's (tags, caption: the text
        // postings) and an image's own (path, camera, lens), alone and with other terms; a word
        // on every image (a bounded walk where the planner reads candidates).
        ("lisbon", { hasWord($0, "lisbon") }),
        ("sea", { hasWord($0, "sea") }),
        ("canon", { hasWord($0, "canon") }),
        ("rf", { hasWord($0, "rf") }),
        ("jpg", { hasWord($0, "jpg") }),
        ("lisbon -is:blurry quality>=50", { hasWord($0, "lisbon") && !$0.image.record.isBlurry && ($0.image.quality ?? -1) >= 50 }),
        ("canon status:rejected", { hasWord($0, "canon") && $0.status == .rejected }),
        ("canon -lisbon", { hasWord($0, "canon") && !hasWord($0, "lisbon") }),
    ]

    /// Whether a one-word free-text term matches the image as the full-text index does: a word
    /// (``CatalogWords``) of its path, tags, caption, camera or lens starts with `word`.
    static func hasWord(_ fixture: Fixture, _ word: String) -> Bool {
        let record = fixture.image.record
        let texts = [
            fixture.image.path, fixture.tags.map(\.text).joined(separator: "\n"), fixture.sidecar?.caption ?? "", record.cameraName ?? "",
            record.lensModel ?? "",
        ]
        return texts.contains { CatalogWords.words($0).contains { $0.hasPrefix(word) } }
    }

    /// The tag and status put on images after they were indexed.
    static let retagQueries: [(text: String, keep: @Sendable (Fixture) -> Bool)] = [
        ("status:selected", { $0.status == .selected }),
        ("status:selected tag:sunset", { $0.status == .selected && $0.tags.contains { $0.value == "sunset" } }),
        ("tag:sunset", { $0.tags.contains { $0.value == "sunset" } }),
        ("tag:sunset tag:beach", { $0.tags.contains { $0.value == "sunset" } && $0.tags.contains { $0.value == "beach" } }),
        // Words and dates after the writes: PostgreSQL reads them from its text postings and
        // its capture index, which follow retags, moves (a path losing "beach") and edits.
        ("sunset", { $0.tags.contains { $0.value == "sunset" } || $0.image.path.contains("sunset") }),
        ("date:2030-01", { $0.image.capture?.local.hasPrefix("2030-01") == true }),
    ]

    /// The word queries of ``queries`` asked again after the writes.
    static let wordQueries: Set<String> = [
        "beach", #""golden hour""#, "beach -is:blurry quality>=50", "lisbon", "sea", "canon", "jpg", "lisbon -is:blurry quality>=50",
        "canon status:rejected",
    ]

    /// The fixture's images in `order`, as the index sorts them (ties by path).
    static func sorted(_ fixtures: [Fixture], _ order: CatalogOrder) -> [String] {
        func key(_ f: Fixture) -> (Int, String) {
            let r = f.image.record
            switch order {
            case .path: return (0, "")
            case .newest: return (0, f.image.capture?.local ?? "")
            case .quality: return (f.image.quality ?? -1, "")
            case .size: return (r.fileSizeBytes, "")
            case .pixels: return (r.width * r.height, "")
            }
        }
        return fixtures.sorted { a, b in
            let (ka, kb) = (key(a), key(b))
            if ka != kb { return ka > kb }
            return a.image.path < b.image.path
        }.map(\.image.path)
    }

    func makeStore(_ backend: CatalogBackend, _ ws: Workspace, bound: Int) async throws -> any CatalogStore {
        switch backend {
        case .sqlite:
            // With every plan reading candidates, each word's page sorts only one page of them
            // first (plus one row), so pages after a cursor and filtered pages come back short
            // and are read again with all sorted.
            let store = try SQLiteCatalogStore(
                path: ws.file("index-\(bound).sqlite"), candidateBound: bound,
                keyedSortFactor: bound == 1_000_000 ? 1 : CatalogSQL.keyedSortFactor)
            try await store.migrate()
            return store
        case .postgresql:
            // A pool (walks in transactions of their own) with the bound that makes every
            // plan a walk; one connection (walk settings switched for the session) where
            // walks and candidate reads alternate; one page of each word's candidates sorted
            // first where every plan reads candidates, as on SQLite.
            let store = try await PostgresCatalogStore.open(
                try PostgresTestServer.location(), connections: bound == 0 ? .pool : .one, candidateBound: bound,
                keyedSortFactor: bound == 1_000_000 ? 1 : CatalogSQL.keyedSortFactor)
            try await store.migrate()
            return store
        }
    }

    @Test(arguments: CatalogBackend.allCases)
    func everyPlanReturnsTheRowsOfABruteForceFilterInOrder(backend: CatalogBackend) async throws {
        let ws = try Workspace()
        let fixtures = Self.fixtures()
        for bound in [0, 12, 1_000_000] {
            let store = try await makeStore(backend, ws, bound: bound)
            try await store.removeAll()
            try await store.upsert(images: fixtures.map(\.image))
            try await store.apply(sidecars: fixtures.compactMap(\.sidecar))
            try await store.optimize()
            try await Self.check(store, fixtures, Self.queries, label: "\(backend) bound \(bound)")
        }
    }

    /// The tag, status, word and date queries after the tags, decisions and images changed:
    /// tags and statuses replaced, a sidecar emptied, files moved, edited in place (a new
    /// content loses its tags, a new date or score keeps them), copied (a copy shares its
    /// content's tags), trashed and some restored — the postings and the text postings follow
    /// every write (a stale or missing text posting changes a word's pages at the larger bound).
    @Test(arguments: CatalogBackend.allCases)
    func tagAndStatusPagesFollowRetagsMovesEditsAndTrash(backend: CatalogBackend) async throws {
        let ws = try Workspace()
        for bound in [0, 1_000_000] {
            var fixtures = Self.fixtures()
            let store = try await makeStore(backend, ws, bound: bound)
            try await store.removeAll()
            try await store.upsert(images: fixtures.map(\.image))
            try await store.apply(sidecars: fixtures.compactMap(\.sidecar))
            var retagged: [Sidecar] = []
            var moved: [(from: String, to: CatalogImage)] = []
            var edited: [CatalogImage] = []
            var trashed: [String] = []
            var emptied: [Sidecar] = []
            for i in fixtures.indices {
                if i % 36 == 9 {
                    // Every decision taken back: the content has no sidecar left.
                    emptied.append(Sidecar(sha256: SyntheticCatalog.sha(i)))
                    fixtures[i].sidecar = nil
                } else if i % 8 == 0 || i % 7 == 1 {
                    // Beach taken off some, put on others; a sunset on both.
                    var sidecar = fixtures[i].sidecar ?? Sidecar(sha256: SyntheticCatalog.sha(i))
                    sidecar.tags = (i % 8 == 0 ? [] : [Tag(parsing: "beach")]) + [Tag(parsing: "sunset")]
                    if i % 16 == 8 { sidecar.status = .selected }  // no longer rejected
                    fixtures[i].sidecar = sidecar
                    retagged.append(sidecar)
                } else if i % 16 == 4 {
                    let from = fixtures[i].image.path
                    fixtures[i].image.path = "moved/\(i).jpg"
                    moved.append((from, fixtures[i].image))
                } else if i % 12 == 6 {
                    fixtures[i].image.quality = 100 - (fixtures[i].image.quality ?? 0)
                    fixtures[i].image.capture = CaptureDate(local: "2030-01-0\(1 + i % 9)T00:00:00", source: .fileName)
                    fixtures[i].image.record.width += 7
                    fixtures[i].image.record.fileSizeBytes += 5_000
                    if i % 5 == 0 {
                        // A new content: its tags were the old content's.
                        fixtures[i].image.record.sha256 = SyntheticCatalog.sha(10_000 + i)
                        fixtures[i].sidecar = nil
                    }
                    edited.append(fixtures[i].image)
                } else if i % 16 == 12 {
                    trashed.append(fixtures[i].image.path)
                }
            }
            // The last image inserted trashed too: SQLite gives its id to the next image
            // inserted, whose text posting must be its own, not the trashed image's.
            if let last = fixtures.last?.image.path, !trashed.contains(last) { trashed.append(last) }
            // Copies of tagged and captioned contents under new paths.
            let copies = [36, 72, 108, 180].map { i in
                var copy = fixtures[i]
                copy.image.path = "copies/\(i).jpg"
                return copy
            }
            try await store.apply(sidecars: retagged + emptied)
            try await store.remove(paths: moved.map(\.from) + trashed)
            try await store.upsert(images: moved.map(\.to) + edited + copies.map(\.image))
            fixtures += copies
            // Half of the trashed images restored (the trash gives back their files and sidecars).
            let restored = Set(trashed.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
            try await store.upsert(images: fixtures.filter { restored.contains($0.image.path) }.map(\.image))
            try await store.apply(sidecars: fixtures.filter { restored.contains($0.image.path) }.compactMap(\.sidecar))
            fixtures.removeAll { trashed.contains($0.image.path) && !restored.contains($0.image.path) }
            let queries =
                Self.queries.filter { $0.text.contains("tag:") || $0.text.contains("status:") || Self.wordQueries.contains($0.text) }
                + Self.retagQueries
            try await Self.check(store, fixtures, queries, label: "\(backend) bound \(bound) after writes")
        }
    }

    /// A rebuild (``CatalogStore/replaceAll(_:)``: the images and sidecars loaded in bulk, the
    /// postings and text postings filled once after them) answers every query as the writes
    /// one by one did, and keeps its postings current on the writes after it.
    @Test(arguments: CatalogBackend.allCases)
    func aRebuiltIndexAnswersEveryQueryAndFollowsLaterWrites(backend: CatalogBackend) async throws {
        let ws = try Workspace()
        var fixtures = Self.fixtures()
        let store = try await makeStore(backend, ws, bound: 1_000_000)
        try await store.removeAll()
        try await store.replaceAll { load in
            try await load.insert(images: fixtures.map(\.image))
            try await load.apply(sidecars: fixtures.compactMap(\.sidecar))
        }
        try await Self.check(store, fixtures, Self.queries, label: "\(backend) rebuilt")
        // A tag put on, a file moved.
        var sidecar = fixtures[1].sidecar ?? Sidecar(sha256: SyntheticCatalog.sha(1))
        sidecar.add(Tag(parsing: "lisbon"))
        fixtures[1].sidecar = sidecar
        try await store.apply(sidecars: [sidecar])
        let from = fixtures[9].image.path
        fixtures[9].image.path = "moved/9.jpg"
        try await store.remove(paths: [from])
        try await store.upsert(images: [fixtures[9].image])
        let words = Self.queries.filter { Self.wordQueries.contains($0.text) }
        try await Self.check(store, fixtures, words, label: "\(backend) rebuilt, then written")
    }

    /// An index made before the text postings (its last migration `v7-capture-keys`) migrates
    /// to them and to their order indexes: two schema versions on, the text postings filled
    /// from the images and decisions it holds, every query answered as before.
    @Test func anIndexWithoutTextPostingsMigratesToThem() async throws {
        let ws = try Workspace()
        let fixtures = Self.fixtures()
        let path = ws.file("old.sqlite")
        let old = try SQLiteCatalogStore(path: path, candidateBound: 1_000_000)
        try await old.migrate(upTo: "v7-capture-keys")
        let before = try await old.schemaVersion()
        try await old.upsert(images: fixtures.map(\.image))
        try await old.apply(sidecars: fixtures.compactMap(\.sidecar))
        let store = try SQLiteCatalogStore(path: path, candidateBound: 1_000_000)
        try await store.migrate()
        #expect(try await store.schemaVersion() == before + 2)
        try await Self.check(store, fixtures, Self.queries.filter { Self.wordQueries.contains($0.text) }, label: "migrated")
    }

    /// Every query's pages, in every order, against the brute-force filter over `fixtures`.
    static func check(
        _ store: any CatalogStore, _ fixtures: [Fixture], _ queries: [(text: String, keep: @Sendable (Fixture) -> Bool)],
        label prefix: String
    ) async throws {
        for (text, keep) in queries {
            let query = try CatalogQuery.parse(text)
            for order in CatalogOrder.allCases {
                let expected = Self.sorted(fixtures.filter(keep), order)
                let label = "\(prefix): '\(text)' by \(order)"
                // The first page as the gallery and `imgeda search --limit` ask for it.
                let first = try await store.search(query, order: order, after: nil, limit: 50)
                #expect(first.hits.map(\.path) == Array(expected.prefix(50)), "\(label)")
                #expect((first.next != nil) == (expected.count > 50), "\(label)")
                // Every page after it, small ones so that many cursors are crossed.
                var seen: [String] = []
                var cursor: CatalogCursor?
                repeat {
                    let page = try await store.search(query, order: order, after: cursor, limit: 19)
                    seen += page.hits.map(\.path)
                    cursor = page.next
                } while cursor != nil && seen.count <= Self.count + 10
                #expect(seen == expected, "\(label)")
                // And backwards from the last hit.
                if let last = expected.last, let image = try await store.image(path: last) {
                    let before = try await store.search(
                        query, order: order, before: CatalogSQL.cursor(at: image, order: order), limit: 9)
                    #expect(before.map(\.path) == Array(expected.dropLast().suffix(9).reversed()), "\(label) backwards")
                }
            }
        }
    }

    @Test func thePlannerDrivesWithTheFewestCandidatesBelowTheBound() {
        #expect(CatalogSQL.plan(counts: [], bound: 10) == .walk)
        #expect(CatalogSQL.plan(counts: [(term: 0, count: 10)], bound: 10) == .walk)
        #expect(CatalogSQL.plan(counts: [(term: 0, count: 9)], bound: 10) == .candidates(term: 0))
        #expect(CatalogSQL.plan(counts: [(term: 0, count: 7), (term: 2, count: 3)], bound: 10) == .candidates(term: 2))
    }

    @Test func aWordWalksTheOrderOnlyWhenItsMatchesAreManyEnough() {
        // At 1M: `sunset` (4,451 matches) walks twice the ~11,500 entries that hold a page of
        // 50 when spread evenly; a word with 10 matches is read and sorted.
        #expect(CatalogSQL.boundedWalkEntries(count: 4_451, images: 1_000_000, limit: 50) == 22_916)
        #expect(CatalogSQL.boundedWalkEntries(count: 10, images: 1_000_000, limit: 50) == nil)
        #expect(CatalogSQL.boundedWalkEntries(count: 1_000, images: 1_000_000, limit: 50) == nil)
        #expect(CatalogSQL.boundedWalkEntries(count: 0, images: 1_000_000, limit: 50) == nil)
        // Other terms leave out some matches: `beach -is:blurry quality>=50` walks six times as far.
        #expect(CatalogSQL.boundedWalkEntries(count: 9_705, images: 1_000_000, limit: 50, otherTerms: true) == 31_530)
        // Against narrow keyed rows (an entry for a match), those words are read and sorted;
        // a word on one image in 67 still walks.
        let keyed = CatalogSQL.entriesPerKeyedMatch
        #expect(CatalogSQL.boundedWalkEntries(count: 4_451, images: 1_000_000, limit: 50, entriesPerMatch: keyed) == nil)
        #expect(
            CatalogSQL.boundedWalkEntries(count: 9_705, images: 1_000_000, limit: 50, otherTerms: true, entriesPerMatch: keyed) == nil)
        #expect(CatalogSQL.boundedWalkEntries(count: 15_000, images: 1_000_000, limit: 50, entriesPerMatch: keyed) == 6_800)
    }

    @Test func onlyPositiveTermsWithAnIndexAreCounted() throws {
        let query = try CatalogQuery.parse(
            "sunset -tag:x tag:beach camera:canon date:2023 path:2023/ path:*a status:rejected status:active is:blurry is:gps")
        let counted = CatalogSQL.candidateCounts(query, dialect: SQLiteDialectProbe(), bound: 100).map(\.term)
        // A flag counts where a partial index holds its images (blurry), not otherwise (gps).
        #expect(counted == [0, 2, 3, 4, 5, 7, 9])
    }
}

/// A minimal dialect for the planner's pure parts (the SQLite store's own is internal).
struct SQLiteDialectProbe: CatalogSQLDialect {
    func placeholder(_ number: Int) -> String { "?\(number)" }
    func equalsIgnoringCase(_ expression: String, _ placeholder: String) -> String { "\(expression) = \(placeholder)" }
    func likeIgnoringCase(_ expression: String, _ placeholder: String) -> String { "\(expression) LIKE \(placeholder)" }
    func isTrue(_ expression: String) -> String { expression }
    var falseLiteral: String { "0" }
    func fullTextIDs(_ text: String, bind: (RecordField.Value) -> String) -> String? { "SELECT \(bind(.string(text))) AS id" }
    func fullTextEstimate(_ text: String, bind: (RecordField.Value) -> String) -> String? { "SELECT \(bind(.string(text)))" }
    func candidatesFirst(_ filter: CatalogQuery.Filter, rows candidates: String) -> (from: String, keepsCondition: Bool) {
        ("(\(candidates)) i", false)
    }
    func orderWalk(_ order: CatalogOrder, along index: CatalogSQL.WalkIndex?) -> String { "image i" }
}
