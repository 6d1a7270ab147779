public import DatasetAnalysis
import DatasetIO
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The images a person's edit applies to: named paths, or everything a search finds.
public enum LibraryTarget: Sendable, Hashable {
    /// Paths as typed: absolute, relative to the working directory, or relative to the root.
    case paths([String])
    case search(CatalogQuery)
}

/// What an edit did.
public struct LibraryEdit: Sendable, Hashable, Encodable {
    /// Images the edit applied to (by library path).
    public var images: [String] = []
    /// Contents (sidecars) changed.
    public var changed = 0
    public init() {}
}

/// People's edits — tags, captions, status, rating, duplicate decisions, trash — written the
/// way the truth demands: the sidecar file first (atomically), then the index.
public struct LibraryEditor: Sendable {
    public let library: Library
    public let store: any CatalogStore

    public init(library: Library, store: any CatalogStore) {
        self.library = library
        self.store = store
    }

    /// The indexed images a target names. An unknown path is an error naming it.
    public func resolve(_ target: LibraryTarget) async throws -> [(path: String, sha256: String?)] {
        switch target {
        case .search(let query):
            return try await store.searchAll(query).map { ($0.path, $0.sha256) }
        case .paths(let paths):
            var found: [(String, String?)] = []
            for typed in paths {
                let relative = library.relativePath(typed) ?? library.relativePath(library.absolutePath(typed)) ?? typed
                let candidates = [library.relativePath(Library.absolute(typed)), relative].compactMap { $0 }
                var hit: CatalogImage?
                for candidate in candidates {
                    if let image = try await store.image(path: candidate) {
                        hit = image
                        break
                    }
                }
                guard let hit else {
                    throw ImgedaError(
                        .notFound, "\(typed) is not in the library \(library.root)",
                        remedy: "give a path inside the library; new files need `imgeda library update \(library.root)` first")
                }
                found.append((hit.path, hit.sha256))
            }
            return found
        }
    }

    /// Applies `change` to the sidecar of every content the target names (once per content,
    /// however many copies), then updates the index.
    @discardableResult
    public func edit(_ target: LibraryTarget, _ change: @escaping @Sendable (inout Sidecar, _ path: String) -> Void) async throws
        -> LibraryEdit
    {
        var edit = LibraryEdit()
        var written: [Sidecar] = []
        var seen = Set<String>()
        for (path, sha) in try await resolve(target) {
            edit.images.append(path)
            guard let sha else {
                throw ImgedaError(
                    .invalidFormat, "\(path) has no SHA-256 in the manifest, so it cannot hold decisions",
                    remedy: "run `imgeda library update \(library.root)` to analyse it again")
            }
            guard seen.insert(sha).inserted else { continue }
            let before = try library.sidecars.read(sha256: sha) ?? Sidecar(sha256: sha)
            let after = try library.sidecars.update(sha256: sha) { change(&$0, path) }
            if after != before {
                written.append(after)
                edit.changed += 1
            }
        }
        try await store.apply(sidecars: written)
        return edit
    }

    /// Tag counts among the target's images (all images when nil), most used first.
    public func tagCounts(_ target: LibraryTarget?) async throws -> [(tag: String, images: Int)] {
        let hits = try await store.searchAll(target.flatMap { if case .search(let q) = $0 { q } else { nil } } ?? .all)
        var wanted: Set<String>?
        if case .paths = target, let target { wanted = Set(try await resolve(target).map(\.path)) }
        var counts: [String: Int] = [:]
        for hit in hits where wanted?.contains(hit.path) ?? true {
            for tag in hit.tags { counts[tag, default: 0] += 1 }
        }
        return counts.map { ($0.key, $0.value) }.sorted { $0.images != $1.images ? $0.images > $1.images : $0.tag < $1.tag }
    }

    // MARK: - Soft delete

    /// The folder inside the trash where trashed files' sidecars wait, by library path.
    static let trashedSidecarsName = ".sidecars"

    /// Where the sidecar (or the per-path part of it) of a trashed file waits:
    /// `TRASH/.sidecars/PATH.json`.
    public func trashedSidecar(_ path: String) -> String {
        "\(library.trash)/\(Self.trashedSidecarsName)/\(path).json"
    }

    /// Moves the target's files into the trash folder (same relative path under it) and out
    /// of the index, each with its sidecar: the whole sidecar when no other indexed copy of
    /// the content stays, else only what concerns that path (its per-copy decision), so the
    /// copies that stay keep their tags. `restore` puts both back.
    ///
    /// The sidecar's trashed part is written before the live one is changed: a crash between
    /// the two leaves a decision in both places, never in none.
    public func trash(_ target: LibraryTarget) async throws -> LibraryEdit {
        var edit = LibraryEdit()
        let images = try await resolve(target)
        var trashedPaths = Set<String>()
        var changed: [Sidecar] = []
        for (path, sha) in images {
            let destination = "\(library.trash)/\(path)"
            try FileSystem.createDirectories(FileSystem.parentFolder(of: destination))
            guard !FileManager.default.fileExists(atPath: destination) else {
                throw ImgedaError(
                    .outputConflict, "the trash already holds \(path)",
                    remedy: .restoreOrEmptyTrash(library: library.root))
            }
            guard rename(library.absolutePath(path), destination) == 0 else {
                throw ImgedaError(.ioFailed, "cannot move \(path) to the trash: \(String(cString: strerror(errno)))")
            }
            edit.images.append(path)
            trashedPaths.insert(path)
            guard let sha, let sidecar = try library.sidecars.read(sha256: sha) else { continue }
            let staying = try await store.searchAll(CatalogQuery(terms: [.init(.sha256(sha))])).contains {
                $0.sha256 == sha && !trashedPaths.contains($0.path)
            }
            var part = Sidecar(sha256: sha)
            var remaining = sidecar
            if staying {
                part.copies = sidecar.copies[path].map { [path: $0] } ?? [:]
                remaining.copies[path] = nil
            } else {
                part = sidecar
                remaining = Sidecar(sha256: sha)
            }
            if !part.isEmpty {
                let file = trashedSidecar(path)
                try FileSystem.createDirectories(FileSystem.parentFolder(of: file))
                try AtomicFile.write(SidecarStore.encode(part), to: file)
            }
            if remaining != sidecar {
                try library.sidecars.write(remaining)
                changed.append(remaining)
            }
        }
        try await store.remove(paths: edit.images)
        try await store.apply(sidecars: changed)
        return edit
    }

    /// The library-relative paths waiting in the trash (their sidecars not counted).
    public func trashed() -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: library.trash) else { return [] }
        var paths: [String] = []
        while let next = enumerator.nextObject() as? String {
            if next == Self.trashedSidecarsName {
                enumerator.skipDescendants()
                continue
            }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(library.trash)/\(next)", isDirectory: &isDirectory), !isDirectory.boolValue {
                paths.append(next)
            }
        }
        return paths.sorted()
    }

    /// Moves trashed files back to their place (all when `paths` is empty), with their
    /// sidecars: a trashed sidecar returns as it was, or, when the content has a sidecar
    /// again (another copy was tagged meanwhile), is merged into it. The caller then updates
    /// the library so the files are indexed again.
    public func restore(_ paths: [String]) async throws -> [String] {
        let wanted = paths.isEmpty ? trashed() : paths.map { library.relativePath($0) ?? $0 }
        var restored: [String] = []
        var changed: [Sidecar] = []
        for path in wanted {
            let source = "\(library.trash)/\(path)"
            guard FileManager.default.fileExists(atPath: source), !path.hasPrefix(Self.trashedSidecarsName + "/") else {
                throw ImgedaError(
                    .notFound, "\(path) is not in the trash", remedy: .listTrash(library: library.root))
            }
            let destination = library.absolutePath(path)
            guard !FileManager.default.fileExists(atPath: destination) else {
                throw ImgedaError(
                    .outputConflict, "cannot restore \(path): a file of that name is back in its place", remedy: "move that file away first"
                )
            }
            try FileSystem.createDirectories(FileSystem.parentFolder(of: destination))
            guard rename(source, destination) == 0 else {
                throw ImgedaError(.ioFailed, "cannot restore \(path): \(String(cString: strerror(errno)))")
            }
            restored.append(path)
            let file = trashedSidecar(path)
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            guard let part = try? JSONDecoder().decode(Sidecar.self, from: data), SidecarStore.isContentKey(part.sha256) else {
                throw ImgedaError(
                    .invalidFormat, "the trashed sidecar \(file) of \(path) is not a valid sidecar",
                    remedy: "fix the JSON by hand, or delete the file to drop its decisions")
            }
            let merged = (try library.sidecars.read(sha256: part.sha256)).map { $0.merging(part) } ?? part
            try library.sidecars.write(merged)
            changed.append(merged)
            guard unlink(file) == 0 || errno == ENOENT else {
                throw ImgedaError(.ioFailed, "cannot remove \(file): \(String(cString: strerror(errno)))")
            }
        }
        try await store.apply(sidecars: changed)
        return restored
    }

    /// Deletes every file in the trash, for good. Returns the paths deleted.
    public func emptyTrash() throws -> [String] {
        let paths = trashed()
        for path in paths {
            guard unlink("\(library.trash)/\(path)") == 0 || errno == ENOENT else {
                throw ImgedaError(.ioFailed, "cannot delete \(path) from the trash: \(String(cString: strerror(errno)))")
            }
        }
        try? FileManager.default.removeItem(atPath: library.trash)
        return paths
    }
}
