public import DatasetAnalysis
public import DatasetIO
public import DatasetPipeline
import Foundation

/// A library: a folder of images (the root) and its state folder, `.imgeda/` inside the root
/// by default or anywhere else (for read-only originals). The state folder holds the truth
/// a person adds — the scan manifest and one sidecar per content — and what is rebuildable:
/// the index, thumbnails. Trashed files wait in its `trash/` folder.
///
/// ```swift
/// let library = try Library(root: "photos")
/// library.manifest      // photos/.imgeda/manifest.jsonl
/// library.sidecars      // photos/.imgeda/sidecars/ab/abcd….json
/// ```
public struct Library: Sendable {
    /// The root, absolute, without a trailing slash.
    public let root: String
    /// The state folder, absolute.
    public let state: String

    /// The files a library holds: the scan's image formats and the camera RAW formats
    /// (catalogued from their EXIF and embedded preview).
    public static let extensions = Discovery.defaultExtensions + RawFile.extensions

    /// The name of the default state folder inside the root.
    public static let defaultStateName = ".imgeda"

    /// `root` must be a folder; `state` defaults to `root/.imgeda`.
    public init(root: String, state: String? = nil) throws(ImgedaError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ImgedaError(
                .notFound, "the library folder \(root) does not exist or is not a folder", remedy: "give the folder of your images")
        }
        self.root = Self.absolute(root)
        self.state = state.map(Self.absolute) ?? "\(self.root)/\(Self.defaultStateName)"
    }

    public var manifest: String { "\(state)/manifest.jsonl" }
    public var sidecarFolder: String { "\(state)/sidecars" }
    public var index: String { "\(state)/index.sqlite" }
    public var thumbnails: String { thumbnailCache.folder }
    public var trash: String { "\(state)/trash" }
    /// The web app's overview of the images, saved for the next server (rebuildable: it is
    /// made again from the index whenever the manifest changed since).
    public var overview: String { "\(state)/overview.json" }
    public var sidecars: SidecarStore { SidecarStore(folder: sidecarFolder) }
    /// The thumbnail cache (`STATE/thumbnails`), keyed by content.
    public var thumbnailCache: ThumbnailCache { ThumbnailCache(stateFolder: state) }

    /// Whether `init` has made this library (its state folder holds a manifest).
    public var exists: Bool { FileManager.default.fileExists(atPath: manifest) }

    /// Fails with the fix when the library has not been made yet.
    public func requireExisting() throws(ImgedaError) {
        guard exists else {
            throw ImgedaError(
                .notFound, "\(root) is not a library yet (no \(manifest))", remedy: "make it with `imgeda library init \(root)`")
        }
    }

    /// The scan that keeps the manifest: the root, the state folder excluded, hashes on,
    /// resume on (so unchanged files are only `stat`ed). Window hashes stay off here, unlike
    /// `scan`'s default: the index build's duplicate screen (``NearDuplicateScreen``) spills
    /// whole and centre hashes to files to keep its memory flat, but links pictures with
    /// window hashes in memory, which at a million photos would take gigabytes.
    public func scanConfiguration(workers: Int, workerExecutable: String, toolVersion: String) -> ScanConfiguration {
        var settings = ScanSettings()
        settings.windowHashes = false
        var configuration = ScanConfiguration(
            roots: [root], output: manifest, settings: settings, workers: workers, resume: true,
            workerExecutable: workerExecutable, toolVersion: toolVersion)
        configuration.excludedFolders = [state, trash]
        configuration.extensions = Self.extensions
        return configuration
    }

    /// One source per indexed content for the thumbnail cache: its SHA-256 and the first
    /// indexed file (by path) that holds it.
    public func thumbnailSources(_ store: any CatalogStore) async throws -> [ThumbnailSource] {
        var seen = Set<String>()
        var sources: [ThumbnailSource] = []
        for file in try await store.indexedFiles().sorted(by: { $0.path < $1.path }) {
            guard let sha = file.sha256, seen.insert(sha).inserted else { continue }
            sources.append(ThumbnailSource(sha256: sha, path: FilePathBytes(absolutePath(file.path))))
        }
        return sources
    }

    /// Whether `path` has a component starting with a dot or an empty one (`/.`, `//`), read
    /// byte by byte (Foundation's substring search was a tenth of an unchanged update's time).
    static func hasDotOrEmptyComponent(_ path: String) -> Bool {
        var previous: UInt8 = 0
        for byte in path.utf8 {
            if previous == UInt8(ascii: "/"), byte == UInt8(ascii: ".") || byte == UInt8(ascii: "/") { return true }
            previous = byte
        }
        return false
    }

    /// The path of a record relative to the root, or nil when the record is not under it.
    public func relativePath(_ path: String) -> String? {
        let prefix = root == "/" ? "/" : root + "/"
        // The common case, a path the scan wrote under this root, needs no normalising (it
        // runs once per record when a million are indexed).
        if path.hasPrefix(prefix), path.utf8.count > prefix.utf8.count, path.utf8.last != UInt8(ascii: "/"),
            !Self.hasDotOrEmptyComponent(path)
        {
            return String(path[path.utf8.index(path.startIndex, offsetBy: prefix.utf8.count)...])
        }
        let absolute = Self.absolute(path)
        guard absolute.hasPrefix(prefix), absolute.count > prefix.count else { return nil }
        return String(absolute.dropFirst(prefix.count))
    }

    /// The absolute path of a library-relative path.
    public func absolutePath(_ relative: String) -> String { root == "/" ? "/\(relative)" : "\(root)/\(relative)" }

    /// `path` made absolute against the working directory, without `.`/`..` components or a
    /// trailing slash (symlinks are not resolved: the library is where the user says it is).
    public static func absolute(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}
