public import DatasetAnalysis
import DatasetIO
import Foundation
import ImageDecoding

#if canImport(Glibc)
    import Glibc
#endif

/// Carries out a ``UniquifyPlan``: edits each copy to alter (``ImageEdits``, weakest first)
/// until ``DuplicateFinder`` no longer puts it in a group with the keeper or with any copy of
/// its set already edited, verified by analysing the edited bytes exactly as `scan` does.
///
/// Safety: before a file is changed its original bytes are saved in ``backupDir`` (named by
/// their SHA-256, with no image extension, so a later scan of the folder does not see them)
/// and a line naming them is appended to the journal and synced; then the file is replaced
/// atomically (``AtomicFile``). An interruption at any moment leaves each file either as it
/// was or edited, with its original in the backup; ``restore(root:backupDir:)`` puts every
/// original back byte for byte.
///
/// Decoding and encoding run in this process: the files were read without harm by the scan's
/// isolated workers first, and only readable ones are in the plan.
public struct Uniquifier {
    public var root: String
    public var backupDir: String
    public var settings: ScanSettings
    public var threshold: Int

    public init(root: String, backupDir: String, settings: ScanSettings = ScanSettings(), threshold: Int) {
        self.root = root
        self.backupDir = backupDir
        self.settings = settings
        self.threshold = threshold
    }

    /// The default backup folder for `root`.
    public static func defaultBackupDir(root: String) -> String { root + "/.imgeda/uniquify-backup" }

    static let journalName = "journal.jsonl"

    /// One line of the journal: a file's path relative to the root, and the backup of its
    /// original bytes.
    struct JournalEntry: Codable {
        var path: String
        var backup: String
        var sha256: String
    }

    /// Runs `plan` over `records` (the scan of ``root``); `progress` receives a value after
    /// each file. A stopped `stop` token ends the run between files (every file is then
    /// either edited, with its backup, or untouched) and sets ``UniquifyOutcome/stopped``.
    public func run(
        _ plan: UniquifyPlan, records: [ImageRecord], stop: StopToken? = nil, progress: (JobProgress) -> Void = { _ in }
    ) throws(ImgedaError) -> UniquifyOutcome {
        let meter = ProgressMeter(total: plan.toAlter, startedAt: Monotonic.now())
        var outcome = UniquifyOutcome(backupDir: backupDir, threshold: threshold)
        var byPath: [String: ImageRecord] = [:]
        for r in records { byPath[r.path] = r }
        try FileSystem.createDirectories(backupDir)
        var journal = try Journal(folder: backupDir)
        let analyzer = FileAnalyzer(settings: settings)
        let decoder = ImageDecoder()
        var done = 0
        for group in plan.groups {
            guard let keeper = byPath[group.keeper] else { continue }
            var others = [keeper]
            for (variant, path) in group.alter.enumerated() {
                if stop?.isStopped == true {
                    outcome.stopped = true
                    return outcome
                }
                defer {
                    done += 1
                    progress(meter.progress(done: done, at: Monotonic.now(), current: path))
                }
                guard let record = byPath[path] else { continue }
                do throws(UniquifyFailure) {
                    let change = try alter(
                        path: path, record: record, keeper: group.keeper, variant: variant, others: &others,
                        journal: &journal, analyzer: analyzer, decoder: decoder)
                    outcome.changed.append(change)
                } catch {
                    outcome.failed.append(UniquifyOutcome.Failure(path: path, reason: error.reason))
                }
            }
        }
        return outcome
    }

    struct UniquifyFailure: Error {
        var reason: String
    }

    private func alter(
        path: String, record: ImageRecord, keeper: String, variant: Int, others: inout [ImageRecord], journal: inout Journal,
        analyzer: FileAnalyzer, decoder: ImageDecoder
    ) throws(UniquifyFailure) -> UniquifyOutcome.Change {
        guard let original = FileManager.default.contents(atPath: path).map({ [UInt8]($0) }) else {
            throw UniquifyFailure(reason: "cannot read the file")
        }
        let before = original.withUnsafeBytes { FileAnalyzer.sha256Hex($0) }
        if let scanned = record.sha256, scanned != before {
            throw UniquifyFailure(reason: "the file changed since it was scanned; run uniquify again")
        }
        // The whole picture: a preview whose longer side is the image's own (from the scan).
        let options = DecodeOptions(previewSide: max(record.width, record.height, 1), maxPixels: settings.maxPixels)
        let attempt: Result<DecodedImage, DecodeError> = original.withUnsafeBytes { bytes in
            Result { () throws(DecodeError) in try decoder.decode(bytes, options: options) }
        }
        let decoded: DecodedImage
        switch attempt {
        case .success(let image): decoded = image
        case .failure(let error): throw UniquifyFailure(reason: "cannot decode: \(error.reason)")
        }
        // Edited upright: the new file carries no EXIF orientation.
        let upright = decoded.preview.oriented(decoded.orientation)
        let suffix = Self.encoderSuffix(path)
        let seed = Self.seed(path)
        for (attempt, strength) in ImageEdits.ladder(variant: variant).enumerated() {
            let edited = ImageEdits.apply(upright, strength, seed: seed &+ UInt64(attempt))
            let bytes: [UInt8]
            do {
                bytes = try ImageEncoder.encode(
                    pixels: edited.pixels, width: edited.width, height: edited.height, bands: 3, suffix: suffix)
            } catch {
                throw UniquifyFailure(reason: "cannot encode the edited image: \(error.description)")
            }
            var result = ImageRecord(path: path, filename: record.filename)
            bytes.withUnsafeBytes { raw in
                result.sha256 = FileAnalyzer.sha256Hex(raw)
                analyzer.analyze(raw, into: &result)
            }
            guard !result.isCorrupt, result.phash != nil else {
                throw UniquifyFailure(reason: "the edited image does not read back: \(result.corruptReason ?? "no hash")")
            }
            let candidates = (others + [result]).map { DuplicateCandidate(record: $0) }
            let report = DuplicateFinder.find(candidates, threshold: threshold, threads: 1)
            let mine = candidates.count - 1
            let grouped = (report.exactGroups + report.nearGroups).contains { $0.members.contains(mine) }
            guard !grouped else { continue }
            try save(bytes, path: path, original: original, sha256: before, journal: &journal)
            others.append(result)
            return UniquifyOutcome.Change(
                path: path, keeper: keeper, edit: strength.summary, attempts: attempt + 1,
                distance: Self.distance(result, to: others.dropLast()), sha256Before: before,
                sha256After: result.sha256 ?? "")
        }
        throw UniquifyFailure(
            reason: "still within \(threshold) bits of a copy after the strongest edit; left unchanged (a flat or tiny picture?)")
    }

    /// Backs up the original (once per file, ever: a second run keeps the first original),
    /// records it in the journal, then replaces the file.
    private func save(_ bytes: [UInt8], path: String, original: [UInt8], sha256: String, journal: inout Journal) throws(UniquifyFailure) {
        let relative = relativePath(path)
        do throws(ImgedaError) {
            if journal.entry(for: relative) == nil {
                let name = sha256 + ".orig"
                let backup = backupDir + "/" + name
                if !FileManager.default.fileExists(atPath: backup) { try AtomicFile.write(original, to: backup) }
                try journal.append(JournalEntry(path: relative, backup: name, sha256: sha256))
            }
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw UniquifyFailure(reason: error.description)
        }
    }

    func relativePath(_ path: String) -> String {
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    /// Puts back every original in `backupDir`'s journal, each checked by SHA-256 before and
    /// after; when all are back, the journal is renamed `journal.restored-<time>.jsonl` and
    /// the backups are removed.
    public static func restore(root: String, backupDir: String) throws(ImgedaError) -> UniquifyRestoreResult {
        var result = UniquifyRestoreResult(backupDir: backupDir)
        let journal = try Journal(folder: backupDir, create: false)
        guard !journal.entries.isEmpty else {
            throw ImgedaError(
                .notFound, "nothing to restore: \(backupDir)/\(journalName) lists no backups",
                remedy: "name the backup folder that uniquify used")
        }
        for entry in journal.entries {
            let target = entry.path.hasPrefix("/") ? entry.path : root + "/" + entry.path
            guard let saved = FileManager.default.contents(atPath: backupDir + "/" + entry.backup).map({ [UInt8]($0) }) else {
                result.failed.append(.init(path: entry.path, reason: "its backup \(entry.backup) is missing"))
                continue
            }
            guard saved.withUnsafeBytes({ FileAnalyzer.sha256Hex($0) }) == entry.sha256 else {
                result.failed.append(.init(path: entry.path, reason: "its backup \(entry.backup) is damaged (SHA-256 differs)"))
                continue
            }
            do throws(ImgedaError) {
                try FileSystem.createDirectories(FileSystem.parentFolder(of: target))
                try AtomicFile.write(saved, to: target)
            } catch {
                result.failed.append(.init(path: entry.path, reason: error.description))
                continue
            }
            let back = FileManager.default.contents(atPath: target).map { [UInt8]($0) }
            guard let back, back.withUnsafeBytes({ FileAnalyzer.sha256Hex($0) }) == entry.sha256 else {
                result.failed.append(.init(path: entry.path, reason: "the restored file does not match its backup"))
                continue
            }
            result.restored.append(entry.path)
        }
        if result.failed.isEmpty {
            let stamp = Timestamp.nowISO8601().filter { $0.isNumber }
            _ = rename(journal.path, "\(backupDir)/journal.restored-\(stamp).jsonl")
            for entry in journal.entries { unlink(backupDir + "/" + entry.backup) }
        }
        return result
    }

    /// The libvips save suffix that keeps the file's format, by its extension.
    static func encoderSuffix(_ path: String) -> String {
        let ext = (path.split(separator: ".").last.map { String($0).lowercased() }) ?? ""
        switch ext {
        case "jpg", "jpeg": return ".jpg[Q=95]"
        case "webp": return ".webp[Q=95]"
        case "heic", "heif": return ".heic[Q=90]"
        case "avif": return ".avif[Q=90]"
        case "png", "tif", "tiff", "bmp", "gif", "jxl": return "." + ext
        default: return ".png"
        }
    }

    /// A seed from the path (FNV-1a), so the edits of a file are the same on every run.
    static func seed(_ path: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in path.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }

    /// The smallest pHash distance from `record` to `others`, as ``DuplicateFinder`` measures
    /// it (full against full, and either's centre against the other's full hash).
    static func distance(_ record: ImageRecord, to others: ArraySlice<ImageRecord>) -> Int {
        let a = DuplicateCandidate(record: record)
        var best = 256
        for other in others {
            let b = DuplicateCandidate(record: other)
            guard let ha = a.phash, let hb = b.phash else { continue }
            best = min(best, ha.distance(to: hb))
            if let ca = a.phashCenter { best = min(best, ca.distance(to: hb)) }
            if let cb = b.phashCenter { best = min(best, ha.distance(to: cb)) }
        }
        return best
    }
}

/// The journal of backups (a ``SyncedJournal``): each line is on disk before the file it
/// names is changed. The first line for a path wins.
struct Journal {
    private let file: SyncedJournal<Uniquifier.JournalEntry>
    var path: String { file.path }
    private(set) var entries: [Uniquifier.JournalEntry] = []
    private var index: [String: Int] = [:]

    init(folder: String, create: Bool = true) throws(ImgedaError) {
        file = SyncedJournal(path: folder + "/" + Uniquifier.journalName)
        if let lines = file.read() {
            for entry in lines where index[entry.path] == nil {
                index[entry.path] = entries.count
                entries.append(entry)
            }
        } else if !create {
            throw ImgedaError(
                .notFound, "nothing to restore: \(file.path) does not exist", remedy: "name the backup folder that uniquify used")
        }
    }

    func entry(for relative: String) -> Uniquifier.JournalEntry? { index[relative].map { entries[$0] } }

    mutating func append(_ entry: Uniquifier.JournalEntry) throws(ImgedaError) {
        try file.append([entry])
        index[entry.path] = entries.count
        entries.append(entry)
    }
}
