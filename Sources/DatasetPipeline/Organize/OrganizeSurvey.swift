public import DatasetAnalysis
import DatasetIO
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Finds the files `organize` works on and reads what the plan needs from each: the
/// capture date (EXIF `DateTimeOriginal` with `OffsetTimeOriginal`, else XMP's dates, else a
/// date in the name or the folders, else the modification time — ``CaptureDate``), from
/// JPEG, PNG, WebP, HEIF/AVIF, TIFF and TIFF-based RAW files (``EmbeddedMetadata``), the
/// camera, and the SHA-256 where the plan needs it.
///
/// A file is read as little as the plan needs: its metadata only, unless its size and its
/// first and last ``probeLength`` bytes equal another file's (a possible exact copy: then it
/// is hashed whole) or ``Settings/hashEverything`` (a plan written to be carried out later
/// records every checksum). The copy hashes the rest as it reads them.
///
/// Near duplicates (``Settings/previewWorkers``) come from the scan's own analysis: the
/// perceptual hashes of a library's manifest where a source is a library, else a preview
/// decode of each photo in the scan's crash-isolated workers, compared by ``DuplicateFinder``.
public enum OrganizeSurvey {
    public struct Settings: Sendable {
        /// Absolute source folders (or files).
        public var roots: [String]
        /// Folders never entered (the destination when it lies inside a source, state folders).
        public var excluding: [String]
        public var hashEverything: Bool
        public var workers: Int
        /// The executable whose scan workers (``ScanWorker``) decode a preview of each photo
        /// to look for near duplicates; nil to look only in library manifests (nothing is
        /// decoded then).
        public var previewWorkers: String?
        /// Seconds one photo's preview may take before its worker is killed (the photo is
        /// then left out of the near-duplicate search).
        public var timeout: Double

        public init(
            roots: [String], excluding: [String] = [], hashEverything: Bool = false, workers: Int = 2, previewWorkers: String? = nil,
            timeout: Double = 30
        ) {
            self.roots = roots
            self.excluding = excluding
            self.hashEverything = hashEverything
            self.workers = max(1, workers)
            self.previewWorkers = previewWorkers
            self.timeout = timeout
        }
    }

    public struct Result: Sendable {
        public var files: [OrganizeSource]
        /// Entries discovery could not use, with the reason.
        public var skipped: [OrganizePlan.Skipped]
        /// Sets of near-identical photos (each set sorted, sets by their first path).
        public var nearDuplicates: [[String]]
    }

    /// Every extension `organize` picks up: photos, RAW, video and their sidecars.
    public static var extensions: [String] {
        Array(
            OrganizeNames.imageExtensions.union(OrganizeNames.rawExtensions).union(OrganizeNames.videoExtensions).union(
                OrganizeNames.sidecarExtensions)
        ).sorted()
    }

    /// Surveys `settings.roots`; `progress` is called (from worker threads, one call at a
    /// time) as files are read, and `previews` as photos are decoded for the near-duplicate
    /// search. A stopped `stop` ends the search early (fewer photos compared).
    public static func run(
        _ settings: Settings, stop: StopToken = StopToken(), progress: @Sendable (JobProgress) -> Void = { _ in },
        previews: (JobProgress) -> Void = { _ in }
    ) throws(ImgedaError) -> Result {
        let found = try Discovery.discover(roots: settings.roots, extensions: extensions, excluding: settings.excluding)
        var counts: [Int: Int] = [:]
        for f in found.files { counts[f.size, default: 0] += 1 }
        let sizes = counts
        let files = found.files
        let meter = ProgressMeter(total: files.count, startedAt: Monotonic.now())
        let results = Slots<OrganizeSource>(count: files.count)
        let probes = Slots<UInt64>(count: files.count)
        let counter = Counter()
        // One progress call at a time: a display draws from whichever worker reports.
        let reporting = NSLock()
        DispatchQueue.concurrentPerform(iterations: settings.workers) { _ in
            while let i = counter.next(below: files.count) {
                let file = files[i]
                let root = settings.roots.first {
                    file.path.display == $0 || file.path.display.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/")
                }
                let probe = !settings.hashEverything && (sizes[file.size] ?? 0) > 1
                let read = read(
                    file, root: root ?? FileSystem.parentFolder(of: file.path.display), hash: settings.hashEverything, probe: probe)
                results[i] = read?.source
                probes[i] = read?.probe
                let done = counter.finished()
                if done % 64 == 0 || done == files.count {
                    reporting.withLock { progress(meter.progress(done: done, at: Monotonic.now(), current: file.path.display)) }
                }
            }
        }
        // Files alike in size and in their first and last bytes may be exact copies: hashed whole.
        struct Alike: Hashable {
            var size: Int
            var probe: UInt64
        }
        var alike: [Alike: [Int]] = [:]
        for (i, probe) in probes.values.enumerated() {
            if let probe { alike[Alike(size: files[i].size, probe: probe), default: []].append(i) }
        }
        let suspects = alike.values.filter { $0.count > 1 }.flatMap { $0 }
        let hashing = Counter()
        DispatchQueue.concurrentPerform(iterations: min(settings.workers, max(1, suspects.count))) { _ in
            while let n = hashing.next(below: suspects.count) {
                let i = suspects[n]
                guard var source = results[i] else { continue }
                source.sha256 = sha256(of: source.path) ?? ""
                results[i] = source
            }
        }
        var out: [OrganizeSource] = []
        var skipped = found.skipped.map { OrganizePlan.Skipped(path: $0.path.display, reason: $0.description) }
        for (i, result) in results.values.enumerated() {
            if let result { out.append(result) } else { skipped.append(.init(path: files[i].path.display, reason: "cannot read the file")) }
        }
        let near = try nearDuplicates(out, settings: settings, stop: stop, progress: previews)
        return Result(files: out, skipped: skipped, nearDuplicates: near)
    }

    /// The most a compressed XMP packet may inflate to: packets are a few kilobytes, Adobe's
    /// largest (with a thumbnail) well under a megabyte; more is not a packet but a bomb.
    static let xmpLimit = 4 << 20

    /// Bytes from each end of a file that tell apart files of one size before any is hashed
    /// whole: most differ in their first few kilobytes (EXIF dates, headers) or their last.
    public static let probeLength = 4096

    /// One file: date, camera, (when `hash`) SHA-256 and (when `probe`) the ``probeHash(_:)``
    /// of its first and last ``probeLength`` bytes; nil when it cannot be read.
    static func read(_ file: DiscoveredFile, root: String, hash: Bool, probe: Bool) -> (source: OrganizeSource, probe: UInt64?)? {
        var source: OrganizeSource?
        var probeDigest: UInt64?
        let outcome = MappedFile.withBytes(file.path) { bytes, size, mtime in
            let path = file.path.display
            var exif: ExifSummary?
            var xmp: XMPDates?
            switch OrganizeNames.kind(of: path) {
            case .image, .raw:
                let found = EmbeddedMetadata.locate(in: bytes)
                exif = found.exif.flatMap(ExifReader.parse)
                xmp =
                    found.xmp.flatMap(XMPDates.parse)
                    ?? found.compressedXMP.flatMap { Zlib.inflate($0, limit: xmpLimit) }.flatMap { $0.withUnsafeBytes(XMPDates.parse) }
            case .video, .sidecar, .other: break
            }
            var s = OrganizeSource(
                path: path, root: root, size: size, mtime: mtime, sha256: hash ? FileAnalyzer.sha256Hex(bytes) : "", date: nil,
                make: exif?.cameraMake, model: exif?.cameraModel)
            s.date = CaptureDate.extract(exif: exif, xmp: xmp, path: s.relative, mtime: mtime)
            source = s
            if probe { probeDigest = probeHash(bytes) }
        }
        if case .failure = outcome { return nil }
        return source.map { ($0, probeDigest) }
    }

    /// A 64-bit hash of the first and last ``probeLength`` bytes of `bytes`: files of one size
    /// whose probes differ are not copies of each other; those whose probes agree are hashed
    /// whole (SHA-256), so a collision here costs time, never a wrong duplicate. A multiply
    /// and two shifts per 8 bytes: a fraction of a SHA-256 of the same bytes, for a check
    /// that is made of every file whose size another file shares.
    ///
    /// - Complexity: O(``probeLength``).
    static func probeHash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        func mix(_ part: UnsafeRawBufferPointer) {
            var i = 0
            while i + 8 <= part.count {
                h = (h ^ part.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
                h ^= h >> 32
                i += 8
            }
            while i < part.count {
                h = (h ^ UInt64(part[i])) &* 0xC4CE_B9FE_1A85_EC53
                i += 1
            }
            h ^= h >> 29
        }
        let head = min(bytes.count, probeLength)
        mix(UnsafeRawBufferPointer(rebasing: bytes[0..<head]))
        mix(UnsafeRawBufferPointer(rebasing: bytes[max(head, bytes.count - probeLength)...]))
        return h
    }

    /// The SHA-256 of the file at `path`, streamed; nil when it cannot be read.
    public static func sha256(of path: String) -> String? {
        var digest: String?
        _ = MappedFile.withBytes(FilePathBytes(path)) { bytes, _, _ in digest = FileAnalyzer.sha256Hex(bytes) }
        return digest
    }

    /// Near-duplicate sets among the photos of `files` (not their RAW, video or sidecar
    /// companions; a RAW file without a photo beside it is a photo, compared by its preview). A source that is a library gives its manifest's perceptual hashes (nothing
    /// decoded); with ``Settings/previewWorkers`` every other photo is analysed as `scan`
    /// analyses it — a preview decode, in crash-isolated workers — and all are compared by
    /// ``DuplicateFinder`` at its default threshold. A photo that cannot be decoded is left
    /// out of the comparison, not out of the plan.
    ///
    /// - Complexity: one preview decode per photo outside a library, then
    ///   ``DuplicateFinder/find(_:threshold:transforms:threads:)``.
    static func nearDuplicates(
        _ files: [OrganizeSource], settings: Settings, stop: StopToken, progress: (JobProgress) -> Void
    ) throws(ImgedaError) -> [[String]] {
        let manifests = settings.roots.map { $0 + "/.imgeda/manifest.jsonl" }.filter { FileManager.default.fileExists(atPath: $0) }
        // Nothing to compare by (a run that only carries a plan out): no photo is looked at.
        guard settings.previewWorkers != nil || !manifests.isEmpty else { return [] }
        // Photos, and RAW files with no photo of their stem beside them: the scan's analysis
        // compares a RAW file by its embedded preview.
        let withPhoto = Set(files.filter { OrganizeNames.kind(of: $0.name) == .image }.map(OrganizePlanner.companionKey))
        let photos = files.filter {
            switch OrganizeNames.kind(of: $0.name) {
            case .image: true
            case .raw: !withPhoto.contains(OrganizePlanner.companionKey(of: $0))
            case .video, .sidecar, .other: false
            }
        }
        let current = Dictionary(photos.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        var byPath: [String: ImageRecord] = [:]
        for root in settings.roots {
            let manifest = root + "/.imgeda/manifest.jsonl"
            guard FileManager.default.fileExists(atPath: manifest) else { continue }
            _ = try? ManifestReader(path: manifest).forEachRecord { record in
                let path = record.path.hasPrefix("/") ? record.path : root + "/" + record.path
                // Only a record of the file as it is now (a changed file is analysed again).
                guard let file = current[path], record.fileSizeBytes == file.size, abs(record.mtime - file.mtime) < 1e-6 else {
                    return
                }
                var r = record
                r.path = path
                byPath[path] = r
            }
        }
        if let executable = settings.previewWorkers {
            let missing = photos.filter { byPath[$0.path] == nil }.map { FilePathBytes($0.path) }
            if !missing.isEmpty {
                // The scan's analysis, less the blur score (it only ranks copies to keep).
                var analysis = ScanSettings()
                analysis.skipBlur = true
                let pool = WorkerPool.Configuration(
                    executable: executable, settings: analysis, workers: settings.workers, timeout: settings.timeout)
                let meter = ProgressMeter(total: missing.count, startedAt: Monotonic.now())
                var done = 0
                do {
                    let workers = try WorkerPool(configuration: pool)
                    defer { workers.shutdown() }
                    _ = try workers.run(files: missing, stop: stop) { completion in
                        done += 1
                        if var record = ManifestReader.record(line: completion.payload), !record.isCorrupt {
                            record.path = completion.path.display
                            byPath[record.path] = record
                        }
                        if done % 16 == 0 || done == missing.count {
                            progress(meter.progress(done: done, at: Monotonic.now(), current: completion.path.display))
                        }
                    }
                } catch let error as ImgedaError {
                    throw error
                } catch {
                    throw ImgedaError(.internal, "the near-duplicate search failed: \(error)")
                }
            }
        }
        let records = byPath.values.sorted { $0.path < $1.path }
        guard records.count > 1 else { return [] }
        let report = DuplicateFinder.find(records.map { DuplicateCandidate(record: $0) }, threshold: DuplicateFinder.defaultThreshold)
        return report.nearGroups.map { group in group.members.map { records[$0].path }.sorted() }.sorted { $0[0] < $1[0] }
    }
}

/// Results written by worker threads, one slot each.
final class Slots<Value>: @unchecked Sendable {
    // @unchecked Sendable: every slot is written by exactly one iteration, under the lock,
    // and `values` is read only after all workers have returned.
    private var storage: [Value?]
    private let lock = NSLock()

    init(count: Int) { storage = Array(repeating: nil, count: count) }

    subscript(i: Int) -> Value? {
        get { lock.withLock { storage[i] } }
        set { lock.withLock { storage[i] = newValue } }
    }

    var values: [Value?] { lock.withLock { storage } }
}

/// Hands out indices to worker threads and counts those finished.
final class Counter: @unchecked Sendable {
    // @unchecked Sendable: both counts change only under the lock.
    private var issued = 0
    private var done = 0
    private let lock = NSLock()

    func next(below limit: Int) -> Int? {
        lock.withLock {
            guard issued < limit else { return nil }
            issued += 1
            return issued - 1
        }
    }

    func finished() -> Int {
        lock.withLock {
            done += 1; return done
        }
    }
}
