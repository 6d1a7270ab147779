public import DatasetAnalysis
import Foundation

/// One image as the catalog indexes it: the scan's record, the library-relative path that
/// identifies it, and what the library derives from the record (capture date, quality score,
/// duplicate group). Everything here is rebuildable from the manifest.
public struct CatalogImage: Sendable, Hashable {
    /// The path relative to the library's root (`2023/beach/IMG_0001.jpg`): the index's key.
    public var path: String
    public var record: ImageRecord
    public var capture: CaptureDate?
    /// The quality score 0–100 (``QualityScore``); nil for a corrupt file.
    public var quality: Int?
    /// The duplicate group the image belongs to (exact or near), numbered per import; nil
    /// when it has no duplicate.
    public var duplicateGroup: Int?

    public init(path: String, record: ImageRecord, capture: CaptureDate? = nil, quality: Int? = nil, duplicateGroup: Int? = nil) {
        self.path = path
        self.record = record
        self.capture = capture
        self.quality = quality
        self.duplicateGroup = duplicateGroup
    }

    public var sha256: String? { record.sha256 }
}

/// What a search returns for one image: enough to list it, show it and open it.
public struct CatalogHit: Sendable, Hashable, Codable {
    public var path: String
    public var sha256: String?
    public var width: Int
    public var height: Int
    public var format: String
    /// Local capture date and time as `YYYY-MM-DDTHH:MM:SS` (never shifted to UTC).
    public var captureDate: String?
    public var captureSource: String?
    public var quality: Int?
    public var status: ImageStatus
    public var rating: Int?
    public var tags: [String]
    public var caption: String?
    public var duplicateGroup: Int?
    /// The file's size in bytes.
    public var fileSizeBytes: Int

    public init(
        path: String, sha256: String?, width: Int, height: Int, format: String, captureDate: String?, captureSource: String?,
        quality: Int?, status: ImageStatus, rating: Int?, tags: [String], caption: String?, duplicateGroup: Int?,
        fileSizeBytes: Int = 0
    ) {
        self.path = path
        self.sha256 = sha256
        self.width = width
        self.height = height
        self.format = format
        self.captureDate = captureDate
        self.captureSource = captureSource
        self.quality = quality
        self.status = status
        self.rating = rating
        self.tags = tags
        self.caption = caption
        self.duplicateGroup = duplicateGroup
        self.fileSizeBytes = fileSizeBytes
    }

    /// The hit's JSON keys (public for the web app's page writer, which names its keys from them).
    public enum CodingKeys: String, CodingKey, CaseIterable, Sendable {
        case path, sha256, width, height, format
        case captureDate = "capture_date"
        case captureSource = "capture_source"
        case quality, status, rating, tags, caption
        case duplicateGroup = "duplicate_group"
        case fileSizeBytes = "file_size_bytes"
    }
}

/// The order of a search's results. Each is a keyset: a page continues after the last hit
/// of the previous one, so page 10,000 costs what page 1 costs.
public enum CatalogOrder: String, Sendable, Hashable, CaseIterable {
    /// By path, A to Z.
    case path
    /// Newest capture first (images without a date last), then by path.
    case newest
    /// Best quality first, then by path.
    case quality
    /// Largest file first, then by path.
    case size
    /// Most pixels (width × height) first, then by path.
    case pixels
}

/// Where the next page starts: the sort key and path of the last hit of the previous page.
/// Opaque to callers, who pass ``CatalogPage/next`` back.
public struct CatalogCursor: Sendable, Hashable, Codable {
    public var key: String?
    public var path: String

    public init(key: String?, path: String) {
        self.key = key
        self.path = path
    }
}

/// One page of search results.
public struct CatalogPage: Sendable, Hashable {
    public var hits: [CatalogHit]
    /// Where the next page starts; nil on the last page.
    public var next: CatalogCursor?

    public init(hits: [CatalogHit], next: CatalogCursor?) {
        self.hits = hits
        self.next = next
    }
}

/// What the index holds about a path: enough to tell, from a `stat`, whether the file changed.
public struct IndexedFile: Sendable, Hashable {
    public var path: String
    public var sha256: String?
    public var fileSizeBytes: Int
    public var mtime: Double
    public var duplicateGroup: Int?

    public init(path: String, sha256: String?, fileSizeBytes: Int, mtime: Double, duplicateGroup: Int? = nil) {
        self.path = path
        self.sha256 = sha256
        self.fileSizeBytes = fileSizeBytes
        self.mtime = mtime
        self.duplicateGroup = duplicateGroup
    }
}

/// What ``CatalogStore/holds(exactly:)`` learns on the way: the images it compared and the
/// duplicate groups among them.
public struct IndexedLibrary: Sendable, Hashable {
    public var images: Int
    public var duplicateGroups: Int

    public init(images: Int, duplicateGroups: Int) {
        self.images = images
        self.duplicateGroups = duplicateGroups
    }
}

/// What ``CatalogStore/replaceAll(_:)`` hands its loader: writes into an index that nobody
/// reads until it is complete, in batches the caller chooses.
public protocol CatalogBulkLoad: Sendable {
    /// Adds images; a path given again replaces its earlier image (the newest record wins).
    func insert(images: [CatalogImage]) async throws

    /// Adds the images of each batch `next` gives, until it gives nil: ``insert(images:)``
    /// per batch, unless a backend streams them all into one statement.
    func insert(batches next: () async throws -> [CatalogImage]?) async throws

    /// Adds the decisions of these contents (call it before ``insert(images:)``, so the
    /// full-text index built at the end holds their tags and captions).
    func apply(sidecars: [Sidecar]) async throws

    /// Sets the duplicate group of these paths (every other image has none).
    func setDuplicateGroups(_ groups: [String: Int]) async throws

    /// Called once after the last ``insert(images:)``: from then on each path holds the image
    /// it was given last, and the reads below see every image (backends make their secondary
    /// indexes here).
    func finishImages() async throws

    /// Makes the indexes a backend left out of ``finishImages()`` (so that the server builds
    /// them while the caller searches the loaded images for duplicates). Once, after
    /// ``finishImages()``; a backend that made every index there does nothing.
    func makeIndexes() async throws

    /// The row ids of the loaded images whose SHA-256 another loaded image shares.
    func sharedContentIDs() async throws -> [Int]

    /// The loaded images with these row ids.
    func images(ids: [Int]) async throws -> [CatalogImage]

    /// The loaded images at these paths (after ``finishImages()``: each path's newest).
    func images(paths: [String]) async throws -> [CatalogImage]
}

extension CatalogBulkLoad {
    public func makeIndexes() async throws {}

    public func insert(batches next: () async throws -> [CatalogImage]?) async throws {
        while let batch = try await next() { try await insert(images: batch) }
    }
}

/// A step that runs once, whoever asks first (a bulk load's ``CatalogBulkLoad/finishImages()``).
///
/// `@unchecked Sendable`: `done` is read and written only under `lock`.
package final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false

    package init() {}

    /// Marks it done; false when it already was.
    package func claim() -> Bool {
        lock.withLock {
            defer { done = true }
            return !done
        }
    }
}

/// The library's index: a rebuildable copy of the manifest and the sidecars, made to answer
/// searches and pages in milliseconds. The files (images, manifest, sidecars) are the truth;
/// a store may be deleted at any time and rebuilt with ``CatalogImporter``.
///
/// Backends (SQLite through GRDB, PostgreSQL) implement it with the same behaviour; the
/// conformance suite in `DatasetCatalogTests` runs against each. Nothing in this protocol
/// names a database type.
///
/// Writes happen in the order the truth dictates: callers write a sidecar file first, then
/// ``apply(sidecars:)``.
public protocol CatalogStore: Sendable {
    /// The schema version the store is at (after ``migrate()``).
    func schemaVersion() async throws -> Int

    /// Creates the schema or brings it to the current version. Idempotent.
    func migrate() async throws

    /// Checks the store's own consistency (SQLite's `integrity_check`, …); returns the
    /// problems found, empty when sound.
    func integrityProblems() async throws -> [String]

    /// Inserts images, replacing those at the same paths.
    func upsert(images: [CatalogImage]) async throws

    /// Removes the images at these paths (the sidecars of their content stay).
    func remove(paths: [String]) async throws

    /// Replaces what the index knows of these contents' decisions with the sidecars'. An
    /// empty sidecar clears them.
    func apply(sidecars: [Sidecar]) async throws

    /// Empties the store (schema kept).
    func removeAll() async throws

    /// Replaces the images and decisions the store holds with what `load` writes, all or
    /// nothing: until `load` has returned and the new index is complete, readers see the
    /// previous one, and a failure or a crash (even SIGKILL) part-way leaves the previous
    /// index in use, never a half-built one. Backends load without their secondary indexes
    /// and full-text index and build those once at the end. Jobs are kept.
    ///
    /// - Complexity: O(n) writes; memory independent of n (the caller hands batches).
    func replaceAll(_ load: (any CatalogBulkLoad) async throws -> Void) async throws

    /// Tidies up after a bulk write (`rebuild`, `update`): whatever makes the next reads
    /// fast for this backend (a checkpoint, fresh statistics).
    func optimize() async throws

    /// Number of images, and of contents with decisions.
    func counts() async throws -> (images: Int, sidecars: Int)

    /// Every indexed file's path, size, mtime and content, for `update` and `check`.
    func indexedFiles() async throws -> [IndexedFile]

    /// Whether the index holds exactly `files` (library-relative path → size and
    /// modification time), no more and no fewer: nil when a path, a size or a time differs.
    /// The unchanged `update`'s compare, streamed from the index in its own order.
    ///
    /// - Complexity: O(n) rows read once, one lookup by the path's bytes each.
    func holds(exactly files: FileVersions) async throws -> IndexedLibrary?

    /// The image at a library-relative path.
    func image(path: String) async throws -> CatalogImage?

    /// Up to `limit` images in the index's own order (its row numbers: a plain table scan,
    /// no index lookups), starting after row `row` (from the first when nil), each record
    /// holding only `fields` (the rest at their defaults), and the row to continue after (nil
    /// at the end): a pass over the whole library in pages, for a summary of it (the web
    /// app's overview), in memory flat in its size.
    func images(_ fields: [RecordField], afterRow row: Int?, limit: Int) async throws -> (images: [CatalogImage], lastRow: Int?)

    /// How many images hold each combination of values of `fields` (each combination as a
    /// record holding only those fields, the rest at their defaults): a `GROUP BY` in the
    /// index, so a summary counts text fields (formats, cameras) without reading every row.
    func imageCounts(by fields: [RecordField]) async throws -> [(record: ImageRecord, count: Int)]

    /// The decisions the index holds for a content, as a sidecar (nil when none).
    func sidecar(sha256: String) async throws -> Sidecar?

    /// Every content's decisions the index holds, ordered by SHA-256.
    func allSidecars() async throws -> [Sidecar]

    /// Runs a query: up to `limit` hits in `order`, starting after `cursor`.
    func search(_ query: CatalogQuery, order: CatalogOrder, after cursor: CatalogCursor?, limit: Int) async throws -> CatalogPage

    /// Runs a query backwards: up to `limit` hits that come just before `cursor` in `order`,
    /// nearest first (the image page's "previous").
    func search(_ query: CatalogQuery, order: CatalogOrder, before cursor: CatalogCursor, limit: Int) async throws -> [CatalogHit]

    /// How many images a query matches.
    func count(_ query: CatalogQuery) async throws -> Int

    // Background jobs (``CatalogJob``): the web app's queue and history.

    /// Adds a queued job and returns it with its id.
    func addJob(kind: String, createdAt: String) async throws -> CatalogJob

    /// Takes the oldest queued job for `owner`, marking it running: each job is taken once,
    /// however many servers ask at the same moment.
    func claimJob(owner: String, startedAt: String) async throws -> CatalogJob?

    /// Writes a job's status, progress, error and times.
    func updateJob(_ job: CatalogJob) async throws

    /// Cancels a job that is still queued; false when it was taken or has ended.
    func cancelQueuedJob(id: Int, finishedAt: String) async throws -> Bool

    /// The job with this id.
    func job(id: Int) async throws -> CatalogJob?

    /// The newest `limit` jobs, newest first.
    func jobs(limit: Int) async throws -> [CatalogJob]

    /// Marks every running job as interrupted (a server stopped without finishing them);
    /// returns how many.
    func interruptRunningJobs(finishedAt: String) async throws -> Int
}

extension CatalogStore {
    /// ``holds(exactly:)`` from ``indexedFiles()``, for backends without a leaner read.
    public func holds(exactly files: FileVersions) async throws -> IndexedLibrary? {
        let indexed = try await indexedFiles()
        guard indexed.count == files.count else { return nil }
        for entry in indexed {
            guard let version = files[entry.path], version.size == entry.fileSizeBytes, version.mtime == entry.mtime else { return nil }
        }
        return IndexedLibrary(images: indexed.count, duplicateGroups: Set(indexed.compactMap(\.duplicateGroup)).count)
    }

    /// Every hit of a query, page by page.
    public func searchAll(_ query: CatalogQuery, order: CatalogOrder = .path, pageSize: Int = 1000) async throws -> [CatalogHit] {
        var hits: [CatalogHit] = []
        var cursor: CatalogCursor?
        repeat {
            let page = try await search(query, order: order, after: cursor, limit: pageSize)
            hits += page.hits
            cursor = page.next
        } while cursor != nil
        return hits
    }

    /// The hits just before and just after `image` among a query's results in `order` (the
    /// image need not match the query: its place in the order is what counts).
    ///
    /// - Complexity: two keyset lookups of one row each.
    public func neighbours(of image: CatalogImage, _ query: CatalogQuery, order: CatalogOrder) async throws -> (
        previous: CatalogHit?, next: CatalogHit?
    ) {
        let cursor = CatalogSQL.cursor(at: image, order: order)
        let previous = try await search(query, order: order, before: cursor, limit: 1).first
        let next = try await search(query, order: order, after: cursor, limit: 1).hits.first
        return (previous, next)
    }
}
