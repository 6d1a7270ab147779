public import DatasetAnalysis
import DatasetIO
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What bringing the index up to date did.
public struct LibrarySync: Sendable, Hashable, Encodable {
    /// Images in the index afterwards.
    public var images = 0
    public var added = 0
    public var changed = 0
    /// New paths whose content the index knew at a path now gone.
    public var moved = 0
    public var removed = 0
    public var unchanged = 0
    /// Files edited in place whose new content took the sidecar of the old one.
    public var inherited = 0
    /// Sidecars read into the index.
    public var sidecars = 0
    /// Sidecar files that are not valid, with the reason (left as they are, not indexed).
    public var invalidSidecars: [String] = []
    public var duplicateGroups = 0
    /// Manifest lines that could not be read (a truncated last line after a crash).
    public var malformedManifestLines = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case images, added, changed, moved, removed, unchanged, inherited, sidecars
        case invalidSidecars = "invalid_sidecars"
        case duplicateGroups = "duplicate_groups"
        case malformedManifestLines = "malformed_manifest_lines"
    }
}

/// Fills a ``CatalogStore`` from the library's files: the manifest (what the scan found) and
/// the sidecars (what a person decided). ``rebuild(_:into:)`` makes the index from nothing;
/// ``sync(_:into:)`` brings it up to date with a manifest a scan has just updated.
public enum LibraryIndexer {
    /// Images written to the store per call: large enough that a transaction's fixed cost
    /// vanishes, small enough that memory stays flat in the size of the library.
    public static let batchSize = 2000

    /// What the first pass over the manifest learns: the newest record of each path under the
    /// root (by ordinal in the manifest) and the duplicate group of each path.
    struct ManifestPass {
        var newest: [String: Int] = [:]
        var groups: [String: Int] = [:]
        var groupCount = 0
        var malformed = 0
        var shaOfPath: [String: String] = [:]
        var fileOfPath: [String: (size: Int, mtime: Double)] = [:]
    }

    /// Reads the manifest once for identities and hashes, finds the duplicate groups (minus
    /// the pairs a person marked "not a duplicate").
    /// - Complexity: O(n) reading, plus ``DuplicateFinder/find(_:threshold:transforms:threads:)``.
    static func firstPass(_ library: Library, notDuplicate: [String: Set<String>]) throws -> ManifestPass {
        var pass = ManifestPass()
        var candidates: [String: DuplicateCandidate] = [:]
        var ordinal = 0
        let report = try ManifestReader(path: library.manifest).forEachRecord { record in
            defer { ordinal += 1 }
            guard let relative = library.relativePath(record.path) else { return }
            pass.newest[relative] = ordinal
            pass.shaOfPath[relative] = record.sha256
            pass.fileOfPath[relative] = (record.fileSizeBytes, record.mtime)
            var candidate = DuplicateCandidate(record: record)
            candidate.path = relative
            candidates[relative] = candidate
        }
        pass.malformed = report.malformedLines
        var list = Array(candidates.values)
        candidates = [:]
        let grouping = duplicateGroups(&list, notDuplicate: notDuplicate)
        pass.groups = grouping.groups
        pass.groupCount = grouping.count
        return pass
    }

    /// The duplicate group of each path that has one (exact and near groups that share a
    /// member are one group), minus the pairs a person marked "not a duplicate"; groups are
    /// numbered by their first path, so the same library gets the same numbers.
    /// - Complexity: ``DuplicateFinder/find(_:threshold:transforms:threads:)`` plus O(n log n).
    /// `list` (one candidate per path) is sorted by path in place: no copy of it is made.
    static func duplicateGroups(_ list: inout [DuplicateCandidate], notDuplicate: [String: Set<String>]) -> (
        groups: [String: Int], count: Int
    ) {
        list.sort { $0.path < $1.path }
        let found = DuplicateFinder.find(list)
        // Exact and near groups that share a member are one group (union–find).
        var sets = UnionFind(count: list.count)
        for group in found.exactGroups + found.nearGroups {
            // A member a person said is not a duplicate of another member leaves the group.
            let members = group.members.filter { m in
                guard let sha = list[m].sha256, let marks = notDuplicate[sha] else { return true }
                return !group.members.contains { other in other != m && list[other].sha256.map(marks.contains) == true }
            }
            guard let first = members.first, members.count > 1 else { continue }
            for m in members.dropFirst() { sets.union(m, first) }
        }
        var members: [Int: [Int]] = [:]
        for group in found.exactGroups + found.nearGroups {
            for m in group.members { members[sets.root(m), default: []].append(m) }
        }
        let groups = members.values.map { Array(Set($0)).sorted() }.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }
        var numbers: [String: Int] = [:]
        for (number, group) in groups.enumerated() {
            for m in group { numbers[list[m].path] = number + 1 }
        }
        return (numbers, groups.count)
    }

    /// The catalog entry of a record: its capture date, quality score and group.
    public static func image(_ record: ImageRecord, relativePath: String, duplicateGroup: Int?, thresholds: QualityThresholds = .defaults)
        -> CatalogImage
    {
        let capture = CaptureDate.extract(
            exifOriginal: record.datetimeOriginal, exifOffset: record.offsetTimeOriginal, path: relativePath, mtime: record.mtime)
        return CatalogImage(
            path: relativePath, record: record, capture: capture, quality: QualityScore.score(record, thresholds: thresholds),
            duplicateGroup: duplicateGroup)
    }

    /// Makes the index from the manifest and the sidecars alone, replacing what the store
    /// held all at once (``CatalogStore/replaceAll(_:)``: a crash part-way leaves the previous
    /// index). One pass over the manifest: a reading thread parses records, hands batches of
    /// images to the store and their hashes to the duplicate search's screen; then the
    /// duplicate groups are found (``loadedDuplicateGroups(_:in:screen:notDuplicate:)``) while
    /// the store builds its indexes, and written.
    /// - Complexity: O(n) reading and writing, plus the duplicate search; memory flat in the
    ///   number of images except for the images in duplicate groups.
    public static func rebuild(_ library: Library, into store: some CatalogStore) async throws -> LibrarySync {
        try library.requireExisting()
        var sync = LibrarySync()
        var malformed = 0
        var groupCount = 0
        var marks: [String: Set<String>] = [:]
        try await store.replaceAll { load in
            // The sidecars a batch at a time: memory does not grow with their number.
            var batch: [Sidecar] = []
            func applyBatch() async throws {
                marks.merge(notDuplicateMarks(batch)) { $0.union($1) }
                sync.sidecars += batch.count
                try await load.apply(sidecars: batch)
                batch.removeAll(keepingCapacity: true)
            }
            for file in library.sidecars.files() {
                do throws(DatasetIOError) {
                    batch.append(try library.sidecars.read(file: file))
                } catch {
                    sync.invalidSidecars.append("\(file): \(error.message)")
                }
                if batch.count >= batchSize { try await applyBatch() }
            }
            try await applyBatch()
            let screen = try NearDuplicateScreen(folder: "\(library.state)/duplicate-search-\(getpid())")
            malformed = try await streamAll(library, into: load, screen: screen)
            try await load.finishImages()
            let grouping = try await loadedDuplicateGroups(library, in: load, screen: screen, notDuplicate: marks)
            groupCount = grouping.count
            try await load.setDuplicateGroups(grouping.groups)
        }
        sync.malformedManifestLines = malformed
        sync.duplicateGroups = groupCount
        try await store.optimize()
        sync.images = try await store.counts().images
        sync.added = sync.images
        return sync
    }

    /// The duplicate groups of the images `load` holds, as ``duplicateGroups(_:notDuplicate:)``
    /// finds them among all of them, without holding all of them: the near search's first
    /// step runs on the hashes the reading thread gave `screen` (keyed by their line's offset
    /// in the manifest, spilled to files) while the store builds its indexes, and only the
    /// images it links, with those sharing their SHA-256, are read whole from the index and
    /// grouped. The groups are the same, because every rule of the finder links two images by
    /// their own hashes alone: an image linked to none, with no byte-identical copy, is in no
    /// group, and leaving it out changes no other. A path given twice in the manifest may be
    /// linked by its older record: its newest image is read then, and grouped by its own
    /// hashes (more images than needed, never fewer).
    /// - Complexity: ``NearDuplicateScreen``, plus the finder on the linked images.
    static func loadedDuplicateGroups(
        _ library: Library, in load: any CatalogBulkLoad, screen: NearDuplicateScreen, notDuplicate: [String: Set<String>]
    ) async throws -> (groups: [String: Int], count: Int) {
        // The store builds its indexes while the screen searches.
        async let indexed: Void = load.makeIndexes()
        let linked = Result { try screen.linkedIDs() }
        try await indexed
        var paths = Set<String>()
        for record in try ManifestReader(path: library.manifest).records(at: try linked.get()) {
            if let record, let relative = library.relativePath(record.path) { paths.insert(relative) }
        }
        var images = try await load.images(paths: paths.sorted())
        images += try await load.images(ids: try await load.sharedContentIDs()).filter { !paths.contains($0.path) }
        var list = images.map { image in
            var candidate = DuplicateCandidate(record: image.record)
            candidate.path = image.path
            return candidate
        }
        return duplicateGroups(&list, notDuplicate: notDuplicate)
    }

    /// Reads the manifest once on a thread of its own, handing batches of images (without
    /// their duplicate groups) to `load`, one batch in flight at a time, and each record's
    /// hashes to `screen` keyed by its line's offset; returns the unreadable lines.
    static func streamAll(_ library: Library, into load: any CatalogBulkLoad, screen: NearDuplicateScreen) async throws -> Int {
        let batches = BatchChannel<CatalogImage>()
        let result = PassResult()
        let manifest = library.manifest
        let thread = Thread {
            var batch: [CatalogImage] = []
            batch.reserveCapacity(batchSize)
            do {
                let report = try ManifestReader(path: manifest).forEachRecordWithOffset { offset, record in
                    guard let relative = library.relativePath(record.path) else { return }
                    try screen.add(id: offset, record: record)
                    batch.append(image(record, relativePath: relative, duplicateGroup: nil))
                    if batch.count >= batchSize {
                        guard batches.send(batch) else { throw CancellationError() }
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { _ = batches.send(batch) }
                result.store(malformed: report.malformedLines)
                batches.finish(nil)
            } catch {
                batches.finish(error)
            }
        }
        try await batches.drain(reader: thread) { next in try await load.insert(batches: next) }
        return result.malformed
    }

    /// ``sync(_:into:)``, made as fast as ``rebuild(_:into:)`` for an empty index (a new
    /// library's first `init`): every path is new then, so the index is built in one pass
    /// over the manifest. When the manifest names files that are gone or has unreadable
    /// lines, the index is emptied again and the full sync removes them and compacts the
    /// manifest.
    public static func syncOrBuild(_ library: Library, into store: some CatalogStore) async throws -> LibrarySync {
        try library.requireExisting()
        try await store.migrate()
        guard try await store.counts().images == 0 else { return try await sync(library, into: store) }
        let built = try await rebuild(library, into: store)
        let complete = try await store.indexedFiles().allSatisfy {
            Discovery.currentVersion(of: FilePathBytes(library.absolutePath($0.path))) != nil
        }
        guard built.malformedManifestLines > 0 || !complete else { return built }
        try await store.removeAll()
        return try await sync(library, into: store)
    }

    /// Brings the store up to date with the manifest (which a scan with resume has just
    /// brought up to date with the files): adds new paths, replaces changed ones, removes
    /// paths whose file is gone, lets a file edited in place inherit its old sidecar, and
    /// rewrites the manifest without the records of removed files.
    public static func sync(_ library: Library, into store: some CatalogStore) async throws -> LibrarySync {
        try library.requireExisting()
        try await store.migrate()
        var sync = LibrarySync()
        let indexed = Dictionary(try await store.indexedFiles().map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        let listing = library.sidecars.readAll()
        sync.invalidSidecars = listing.invalid.map { "\($0.path): \($0.reason)" }
        var pass = try firstPass(library, notDuplicate: notDuplicateMarks(listing.sidecars))
        sync.malformedManifestLines = pass.malformed

        // Paths whose file is gone (a stat each; no image is opened).
        var gone: [String] = []
        for path in pass.newest.keys where Discovery.currentVersion(of: FilePathBytes(library.absolutePath(path))) == nil {
            gone.append(path)
        }
        for path in gone {
            pass.newest[path] = nil
            pass.shaOfPath[path] = nil
        }
        let removed = indexed.keys.filter { pass.newest[$0] == nil }
        let goneContents = Set(removed.compactMap { indexed[$0]?.sha256 })

        var changedPaths = Set<String>()
        var sidecarsOfContent = Dictionary(listing.sidecars.map { ($0.sha256, $0) }, uniquingKeysWith: { a, _ in a })
        var rewritten: [Sidecar] = []
        for (path, _) in pass.newest {
            let sha = pass.shaOfPath[path] ?? nil
            let file = pass.fileOfPath[path]
            guard let old = indexed[path] else {
                changedPaths.insert(path)
                if let sha, goneContents.contains(sha) { sync.moved += 1 } else { sync.added += 1 }
                continue
            }
            if old.sha256 == sha, old.fileSizeBytes == file?.size, old.mtime == file?.mtime {
                sync.unchanged += 1
                continue
            }
            changedPaths.insert(path)
            sync.changed += 1
            // Edited in place: the new content inherits what described the old one.
            if let sha, let oldSHA = old.sha256, oldSHA != sha, sidecarsOfContent[sha] == nil, let previous = sidecarsOfContent[oldSHA] {
                let inherited = previous.inherited(by: sha)
                try library.sidecars.write(inherited)
                sidecarsOfContent[sha] = inherited
                rewritten.append(inherited)
                sync.inherited += 1
            }
        }
        // Duplicate groups move when anything changes; images whose group changed are rewritten.
        for (path, old) in indexed where pass.newest[path] != nil && old.duplicateGroup != pass.groups[path] {
            changedPaths.insert(path)
        }
        try await store.remove(paths: removed)
        sync.removed = removed.count
        try await streamImages(library, pass: pass, only: changedPaths, into: store)
        try await store.apply(sidecars: rewritten)
        sync.sidecars = sidecarsOfContent.count
        sync.duplicateGroups = pass.groupCount
        if !gone.isEmpty || pass.malformed > 0 { try compactManifest(library, keep: pass.newest) }
        try await store.optimize()
        sync.images = try await store.counts().images
        return sync
    }

    /// What an update would find when nothing changed, or nil when something did: walks the
    /// root (a `stat` per image file; no image and no manifest is read) and asks the index
    /// whether it holds exactly those paths with those sizes and modification times. The walk
    /// is ``Discovery/plainWalk(root:extensions:excluding:)`` — no sort, no second list — or,
    /// when the tree has symlinks or special files, the scan's own discovery.
    /// - Complexity: O(n) stats and index rows, one dictionary lookup per row.
    public static func unchanged(_ library: Library, in store: some CatalogStore) async throws -> LibrarySync? {
        guard library.exists, let files = try currentFiles(library), let held = try await store.holds(exactly: files) else { return nil }
        var sync = LibrarySync()
        sync.images = held.images
        sync.unchanged = held.images
        sync.duplicateGroups = held.duplicateGroups
        sync.sidecars = try await store.counts().sidecars
        return sync
    }

    /// The library's image files by relative path, as the scan would find them.
    static func currentFiles(_ library: Library) throws -> FileVersions? {
        let excluded = [library.state, library.trash]
        if let walked = Discovery.plainWalk(root: library.root, extensions: Library.extensions, excluding: excluded) { return walked }
        let found = try Discovery.discover(roots: [library.root], extensions: Library.extensions, excluding: excluded)
        var files = FileVersions()
        for file in found.files {
            guard let relative = library.relativePath(file.path.display) else { return nil }
            files[relative] = FileVersion(size: file.size, mtime: file.mtime)
        }
        return files
    }

    static func notDuplicateMarks(_ sidecars: [Sidecar]) -> [String: Set<String>] {
        var marks: [String: Set<String>] = [:]
        for sidecar in sidecars where !sidecar.notDuplicateOf.isEmpty {
            for other in sidecar.notDuplicateOf {
                marks[sidecar.sha256, default: []].insert(other)
                marks[other, default: []].insert(sidecar.sha256)
            }
        }
        return marks
    }

    /// Reads the manifest a second time on a thread of its own and hands batches of images
    /// to the store, one batch in flight at a time, so memory stays flat.
    static func streamImages(_ library: Library, pass: ManifestPass, only: Set<String>?, into store: some CatalogStore) async throws {
        let batches = BatchChannel<CatalogImage>()
        let manifest = library.manifest
        let newest = pass.newest
        let groups = pass.groups
        let thread = Thread {
            var batch: [CatalogImage] = []
            var ordinal = 0
            do {
                try ManifestReader(path: manifest).forEachRecord { record in
                    defer { ordinal += 1 }
                    guard let relative = library.relativePath(record.path), newest[relative] == ordinal else { return }
                    if let only, !only.contains(relative) { return }
                    batch.append(image(record, relativePath: relative, duplicateGroup: groups[relative]))
                    if batch.count >= batchSize {
                        guard batches.send(batch) else { throw CancellationError() }
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { _ = batches.send(batch) }
                batches.finish(nil)
            } catch {
                batches.finish(error)
            }
        }
        try await batches.drain(reader: thread) { next in
            while let batch = try await next() { try await store.upsert(images: batch) }
        }
    }

    /// Rewrites the manifest with only the newest record of each path still in the library.
    static func compactManifest(_ library: Library, keep: [String: Int]) throws {
        let reader = try ManifestReader(path: library.manifest)
        let header = try reader.header()
        var lines: [[UInt8]] = []
        var ordinal = 0
        try reader.forEachRawRecord { line, record in
            defer { ordinal += 1 }
            guard let relative = library.relativePath(record.path), keep[relative] == ordinal else { return }
            lines.append(Array(line) + [0x0A])
        }
        try AtomicFile.replace(library.manifest) { write in
            if let header { try write(ManifestEncoding.line(for: header)) }
            for line in lines { try write(line) }
        }
    }
}

/// What the reading thread of ``LibraryIndexer/streamAll(_:into:)`` found, handed over once
/// it has finished.
///
/// `@unchecked Sendable`: written by the reading thread before it finishes the channel, read
/// by the consumer after the channel reported the end; the lock orders the two.
final class PassResult: @unchecked Sendable {
    private let lock = NSLock()
    private var lines = 0

    func store(malformed: Int) { lock.withLock { lines = malformed } }

    var malformed: Int { lock.withLock { lines } }
}

/// A hand-over of one batch at a time between the reading thread and the async consumer:
/// the reader blocks until the consumer has taken and stored the previous batch.
///
/// `@unchecked Sendable`: every field is read and written only under `condition`'s lock.
final class BatchChannel<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: [Element]?
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private var inFlight = false

    /// Blocks until the previous batch was consumed; false when the consumer gave up.
    func send(_ batch: [Element]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while (pending != nil || inFlight) && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        pending = batch
        condition.broadcast()
        return true
    }

    func finish(_ error: (any Error)?) {
        condition.lock()
        defer { condition.unlock() }
        finished = true
        failure = error
        condition.broadcast()
    }

    /// The next batch, nil at the end; rethrows the reader's error. Blocks its thread while
    /// waiting (the reader is quick, and the wait is bounded by one batch's reading).
    func receive() throws -> [Element]? {
        condition.lock()
        defer { condition.unlock() }
        while pending == nil && !finished { condition.wait() }
        if let batch = pending {
            pending = nil
            inFlight = true
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    func consumed() {
        condition.lock()
        inFlight = false
        condition.broadcast()
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// Starts `reader` (the thread sending this channel's batches) and hands `consume` a
    /// function giving each batch in order, nil at the end (asking for the next batch marks
    /// the previous one consumed); when `consume` throws, the reader is told to stop and the
    /// error is rethrown.
    func drain(reader: Thread, _ consume: (() async throws -> [Element]?) async throws -> Void) async throws {
        reader.name = "imgeda library reader"
        reader.start()
        let channel = self
        var started = false
        do {
            try await consume {
                if started { channel.consumed() }
                started = true
                return try channel.receive()
            }
        } catch {
            cancel()
            throw error
        }
        cancel()
    }
}
