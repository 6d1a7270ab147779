/// The same picture labelled with different classes: byte-identical files, or near copies
/// within the duplicate threshold, whose `class_name`s differ. A classifier is then taught
/// two answers for one input.
public struct LabelConflict: Sendable, Hashable, Encodable {
    /// The classes involved, sorted.
    public var classes: [String]
    /// The copies and the class of each, the group's keeper first.
    public var members: [Member]
    /// Whether the copies are byte-identical (same SHA-256) rather than near copies.
    public var exact: Bool
    /// The largest pHash distance from the keeper (0 when exact).
    public var maxDistance: Int

    public struct Member: Sendable, Hashable, Encodable {
        public var path: String
        public var className: String?

        enum CodingKeys: String, CodingKey {
            case path
            case className = "class_name"
        }
    }

    enum CodingKeys: String, CodingKey {
        case classes, members, exact
        case maxDistance = "max_distance"
    }
}

/// Finds label conflicts among duplicate groups.
public enum LabelConflictFinder {
    /// Conflicts in the exact groups, then in the near groups, of `duplicates` (found on
    /// `candidates`). Records without a class take no part.
    ///
    /// - Complexity: O(total group members).
    public static func find(_ candidates: [DuplicateCandidate], duplicates: DuplicateReport) -> [LabelConflict] {
        var conflicts: [LabelConflict] = []
        for (groups, exact) in [(duplicates.exactGroups, true), (duplicates.nearGroups, false)] {
            for group in groups {
                let classes = Set(group.members.compactMap { candidates[$0].className })
                guard classes.count > 1 else { continue }
                conflicts.append(
                    LabelConflict(
                        classes: classes.sorted(),
                        members: group.members.map { .init(path: candidates[$0].path, className: candidates[$0].className) },
                        exact: exact, maxDistance: exact ? 0 : group.maxDistance))
            }
        }
        return conflicts
    }
}
