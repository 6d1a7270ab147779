import DatasetAnalysis
import DatasetIO
import DatasetPipeline
import Foundation

/// What `imgeda library check` found: the index against the files, and with `verify` each
/// file's bytes against its recorded SHA-256.
public struct LibraryCheckResult: Sendable, Hashable, Encodable {
    public var images = 0
    /// Problems of the index itself (unreadable, damaged, an old schema); empty when sound.
    public var indexProblems: [String] = []
    /// Indexed paths whose file is gone.
    public var missing: [String] = []
    /// Indexed paths whose size or modification time differ from the index.
    public var modified: [String] = []
    /// Image files under the root the index does not hold.
    public var unindexed: [String] = []
    /// With verify: files whose bytes no longer hash to the recorded SHA-256 although size
    /// and time are unchanged (bit rot, a silent edit).
    public var checksumMismatches: [String] = []
    /// Files verified.
    public var verified = 0
    /// Sidecars that are not valid JSON sidecars.
    public var invalidSidecars: [String] = []

    public init() {}

    public var isClean: Bool {
        indexProblems.isEmpty && missing.isEmpty && modified.isEmpty && unindexed.isEmpty && checksumMismatches.isEmpty
            && invalidSidecars.isEmpty
    }

    enum CodingKeys: String, CodingKey {
        case images
        case indexProblems = "index_problems"
        case missing, modified, unindexed
        case checksumMismatches = "checksum_mismatches"
        case verified
        case invalidSidecars = "invalid_sidecars"
        case clean
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(images, forKey: .images)
        try c.encode(indexProblems, forKey: .indexProblems)
        try c.encode(missing, forKey: .missing)
        try c.encode(modified, forKey: .modified)
        try c.encode(unindexed, forKey: .unindexed)
        try c.encode(checksumMismatches, forKey: .checksumMismatches)
        try c.encode(verified, forKey: .verified)
        try c.encode(invalidSidecars, forKey: .invalidSidecars)
        try c.encode(isClean, forKey: .clean)
    }
}

extension Library {
    /// Compares the index with the files (a `stat` each, one walk of the root) and, with
    /// `verify`, hashes every indexed file again.
    /// - Complexity: O(n) stats; with `verify`, O(total bytes).
    public func check(store: some CatalogStore, verify: Bool, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws
        -> LibraryCheckResult
    {
        var result = LibraryCheckResult()
        result.invalidSidecars = sidecars.readAll().invalid.map { "\($0.path): \($0.reason)" }
        let problems = try await store.integrityProblems()
        result.indexProblems = problems
        let files = try await store.indexedFiles()
        result.images = files.count
        let discovered = try Discovery.discover(roots: [root], extensions: Self.extensions, excluding: [state, trash])
        var onDisk = Set<String>()
        for file in discovered.files {
            if let relative = relativePath(file.path.display) { onDisk.insert(relative) }
        }
        for (i, file) in files.enumerated() {
            progress?(i, files.count)
            guard onDisk.remove(file.path) != nil, let now = Discovery.currentVersion(of: FilePathBytes(absolutePath(file.path))) else {
                result.missing.append(file.path)
                continue
            }
            if now.size != file.fileSizeBytes || now.mtime != file.mtime {
                result.modified.append(file.path)
                continue
            }
            guard verify, let recorded = file.sha256 else { continue }
            var actual: String?
            _ = MappedFile.withBytes(FilePathBytes(absolutePath(file.path))) { bytes, _, _ in
                actual = FileAnalyzer.sha256Hex(bytes)
            }
            result.verified += 1
            if actual != recorded { result.checksumMismatches.append(file.path) }
        }
        result.unindexed = onDisk.sorted()
        return result
    }
}
