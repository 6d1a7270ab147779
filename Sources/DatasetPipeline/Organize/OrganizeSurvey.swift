import Crypto
public import DatasetAnalysis
import DatasetIO
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Finds the files `organize` works on and reads what the plan needs from each: the
/// capture date (EXIF `DateTimeOriginal` with `OffsetTimeOriginal`, else a date in the
/// name or the folders, else the modification time — ``CaptureDate``), the camera, and the
/// SHA-256 where the plan needs it.
///
/// A file is read as little as the plan needs: its EXIF block only, unless its size equals
/// another file's (a possible exact copy) or ``Settings/hashEverything`` (a plan written to
/// be carried out later records every checksum). The copy hashes the rest as it reads them.
public enum OrganizeSurvey {
    public struct Settings: Sendable {
        /// Absolute source folders (or files).
        public var roots: [String]
        /// Folders never entered (the destination when it lies inside a source, state folders).
        public var excluding: [String]
        public var hashEverything: Bool
        public var workers: Int

        public init(roots: [String], excluding: [String] = [], hashEverything: Bool = false, workers: Int = 2) {
            self.roots = roots
            self.excluding = excluding
            self.hashEverything = hashEverything
            self.workers = max(1, workers)
        }
    }

    public struct Result: Sendable {
        public var files: [OrganizeSource]
        /// Entries discovery could not use, with the reason.
        public var skipped: [OrganizePlan.Skipped]
        /// Sets of near-identical photos, from a library manifest when a source is a library.
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
    /// time) as files are read.
    public static func run(_ settings: Settings, progress: @Sendable (JobProgress) -> Void = { _ in }) throws(ImgedaError) -> Result {
        let found = try Discovery.discover(roots: settings.roots, extensions: extensions, excluding: settings.excluding)
        var counts: [Int: Int] = [:]
        for f in found.files { counts[f.size, default: 0] += 1 }
        let sizes = counts
        let files = found.files
        let meter = ProgressMeter(total: files.count, startedAt: Monotonic.now())
        let results = Slots<OrganizeSource>(count: files.count)
        let counter = Counter()
        // One progress call at a time: a display draws from whichever worker reports.
        let reporting = NSLock()
        DispatchQueue.concurrentPerform(iterations: settings.workers) { _ in
            while let i = counter.next(below: files.count) {
                let file = files[i]
                let root = settings.roots.first {
                    file.path.display == $0 || file.path.display.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/")
                }
                let hash = settings.hashEverything || (sizes[file.size] ?? 0) > 1
                results[i] = read(file, root: root ?? FileSystem.parentFolder(of: file.path.display), hash: hash)
                let done = counter.finished()
                if done % 64 == 0 || done == files.count {
                    reporting.withLock { progress(meter.progress(done: done, at: Monotonic.now(), current: file.path.display)) }
                }
            }
        }
        var out: [OrganizeSource] = []
        var skipped = found.skipped.map { OrganizePlan.Skipped(path: $0.path.display, reason: $0.description) }
        for (i, result) in results.values.enumerated() {
            if let result { out.append(result) } else { skipped.append(.init(path: files[i].path.display, reason: "cannot read the file")) }
        }
        return Result(files: out, skipped: skipped, nearDuplicates: nearDuplicates(out, roots: settings.roots))
    }

    /// One file: date, camera and (when `hash`) SHA-256; nil when it cannot be read.
    static func read(_ file: DiscoveredFile, root: String, hash: Bool) -> OrganizeSource? {
        var source: OrganizeSource?
        let outcome = MappedFile.withBytes(file.path) { bytes, size, mtime in
            let path = file.path.display
            var exif: ExifSummary?
            switch OrganizeNames.kind(of: path) {
            case .image, .raw:
                if let payload = ExifReader.jpegExifPayload(in: bytes) {
                    exif = ExifReader.parse(payload)
                } else if isTIFF(bytes) {
                    // TIFF and the TIFF-based RAW formats (DNG, CR2, NEF, ARW…) are EXIF themselves.
                    exif = ExifReader.parse(bytes)
                }
            case .video, .sidecar, .other: break
            }
            var s = OrganizeSource(
                path: path, root: root, size: size, mtime: mtime, sha256: hash ? FileAnalyzer.sha256Hex(bytes) : "", date: nil,
                make: exif?.cameraMake, model: exif?.cameraModel)
            s.date = CaptureDate.extract(
                exifOriginal: exif?.datetimeOriginal, exifOffset: exif?.offsetTimeOriginal, path: s.relative, mtime: mtime)
            source = s
        }
        if case .failure = outcome { return nil }
        return source
    }

    /// The SHA-256 of the file at `path`, streamed; nil when it cannot be read.
    public static func sha256(of path: String) -> String? {
        var digest: String?
        _ = MappedFile.withBytes(FilePathBytes(path)) { bytes, _, _ in digest = FileAnalyzer.sha256Hex(bytes) }
        return digest
    }

    /// Near-duplicate sets among `files`, from the scan manifest of each source that is a
    /// library (`.imgeda/manifest.jsonl` in it): the perceptual hashes are already there,
    /// so nothing is decoded.
    static func nearDuplicates(_ files: [OrganizeSource], roots: [String]) -> [[String]] {
        let wanted = Set(files.map(\.path))
        var records: [ImageRecord] = []
        for root in roots {
            let manifest = root + "/.imgeda/manifest.jsonl"
            guard FileManager.default.fileExists(atPath: manifest) else { continue }
            var newest: [String: ImageRecord] = [:]
            _ = try? ManifestReader(path: manifest).forEachRecord { record in
                let path = record.path.hasPrefix("/") ? record.path : root + "/" + record.path
                guard wanted.contains(path) else { return }
                var r = record
                r.path = path
                newest[path] = r
            }
            records += newest.values.sorted { $0.path < $1.path }
        }
        guard records.count > 1 else { return [] }
        let report = DuplicateFinder.find(records.map { DuplicateCandidate(record: $0) }, threshold: DuplicateFinder.defaultThreshold)
        return report.nearGroups.map { group in group.members.map { records[$0].path }.sorted() }.sorted { $0[0] < $1[0] }
    }
}

/// Whether `bytes` start with a TIFF header (`II*\0` or `MM\0*`).
private func isTIFF(_ bytes: UnsafeRawBufferPointer) -> Bool {
    bytes.count >= 4
        && ((bytes[0] == 0x49 && bytes[1] == 0x49 && bytes[2] == 0x2A && bytes[3] == 0)
            || (bytes[0] == 0x4D && bytes[1] == 0x4D && bytes[2] == 0 && bytes[3] == 0x2A))
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
