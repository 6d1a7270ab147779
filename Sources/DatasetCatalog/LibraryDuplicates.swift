import DatasetAnalysis
import Foundation

/// One duplicate group as a person reviews it: its members, best first, and whether a
/// decision was already made (then it is never asked again).
public struct DuplicateReview: Sendable, Hashable, Encodable {
    public var group: Int
    /// Members, the one to keep first: the person's keeper if chosen, else the highest
    /// quality score, then the path.
    public var members: [CatalogHit]
    /// Whether a person chose the keeper of this group.
    public var decided: Bool

    public var keeper: CatalogHit? { members.first }

    enum CodingKeys: String, CodingKey {
        case group, members, decided, keeper
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(group, forKey: .group)
        try c.encode(members, forKey: .members)
        try c.encode(decided, forKey: .decided)
        try c.encodeIfPresent(keeper?.path, forKey: .keeper)
    }
}

extension LibraryEditor {
    /// The duplicate groups of the library (exact and near, from the scan's hashes), each
    /// with its best copy first. Quality is the first criterion, as the library promises.
    /// - Complexity: one search over `is:duplicate`, O(d log d) for d images in groups.
    public func duplicateGroups() async throws -> [DuplicateReview] {
        let hits = try await store.searchAll(CatalogQuery(terms: [.init(.flag(.duplicate))]))
        var keepers: [String: Sidecar] = [:]
        for sha in Set(hits.compactMap(\.sha256)) {
            if let sidecar = try await store.sidecar(sha256: sha), sidecar.keeper { keepers[sha] = sidecar }
        }
        // 2: the copy a person kept; 1: another copy of kept content not marked for the trash.
        func rank(_ hit: CatalogHit) -> Int {
            guard let sidecar = hit.sha256.flatMap({ keepers[$0] }) else { return 0 }
            switch sidecar.copies[hit.path] {
            case .keep: return 2
            case .trash: return 0
            case nil: return 1
            }
        }
        var groups: [Int: [CatalogHit]] = [:]
        for hit in hits {
            if let group = hit.duplicateGroup { groups[group, default: []].append(hit) }
        }
        return groups.keys.sorted().compactMap { number in
            guard let members = groups[number], members.count > 1 else { return nil }
            let ordered = members.sorted { a, b in
                if rank(a) != rank(b) { return rank(a) > rank(b) }
                if (a.quality ?? -1) != (b.quality ?? -1) { return (a.quality ?? -1) > (b.quality ?? -1) }
                return a.path < b.path
            }
            let decided = members.contains { rank($0) > 0 }
            return DuplicateReview(group: number, members: ordered, decided: decided)
        }
    }

    /// Keeps `path` in its duplicate group: its content becomes the keeper, the other members'
    /// contents are marked rejected (and lose a keeper mark), and other byte-identical copies
    /// of the kept content are marked for the trash, per path. Returns the other members.
    public func keep(_ path: String) async throws -> [String] {
        guard let (kept, sha) = try await resolve(.paths([path])).first, let sha else {
            throw ImgedaError(.notFound, "\(path) is not in the library \(library.root)")
        }
        guard let group = try await duplicateGroups().first(where: { $0.members.contains { $0.path == kept } }) else {
            throw ImgedaError(
                .notFound, "\(kept) is in no duplicate group", remedy: "list the groups with `imgeda library duplicates \(library.root)`")
        }
        let others = group.members.filter { $0.path != kept }
        try await edit(.paths([kept])) { sidecar, _ in
            sidecar.keeper = true
            sidecar.copies[kept] = .keep
            for copy in others where copy.sha256 == sidecar.sha256 { sidecar.copies[copy.path] = .trash }
        }
        let otherContents = others.filter { $0.sha256 != sha }
        if !otherContents.isEmpty {
            try await edit(.paths(otherContents.map(\.path))) { sidecar, _ in
                sidecar.keeper = false
                sidecar.status = .rejected
            }
        }
        return others.map(\.path)
    }

    /// Marks the contents at `paths` as not duplicates of one another, for good: the next
    /// index sync takes them out of each other's groups, and no later scan puts them back.
    public func markNotDuplicates(_ paths: [String]) async throws {
        let resolved = try await resolve(.paths(paths))
        let contents = Set(resolved.compactMap(\.sha256))
        guard contents.count >= 2 else {
            throw ImgedaError(
                .invalidFormat, "not-duplicate needs two different pictures (got \(contents.count))",
                remedy: "name two or more files of one duplicate group; byte-identical copies are always duplicates")
        }
        try await edit(.paths(resolved.map(\.path))) { sidecar, _ in
            for other in contents.sorted() where other != sidecar.sha256 && !sidecar.notDuplicateOf.contains(other) {
                sidecar.notDuplicateOf.append(other)
            }
        }
    }
}
