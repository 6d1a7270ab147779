/// What `imgeda diff` found: a ``ManifestDiff`` is the result value, encoded with the keys
/// the command has always written (`added`, `removed`, `moved`, `changed`, `unchanged_count`,
/// `summary`).
public typealias DiffResult = ManifestDiff

extension ManifestDiff: Encodable {
    enum CodingKeys: String, CodingKey {
        case added, removed, moved, changed, summary
        case unchangedCount = "unchanged_count"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(added, forKey: .added)
        try c.encode(removed, forKey: .removed)
        try c.encode(moved, forKey: .moved)
        try c.encode(changed, forKey: .changed)
        try c.encode(summary.unchangedCount, forKey: .unchangedCount)
        try c.encode(summary, forKey: .summary)
    }
}

extension ManifestDiff.Move: Encodable {
    enum CodingKeys: String, CodingKey {
        case from, to
        case isRename = "renamed"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(isRename, forKey: .isRename)
    }
}

extension ManifestDiff.Changed: Encodable {
    /// `{"path": …, "fields": {"field": {"old": …, "new": …}}}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode(path, forKey: DynamicKey("path"))
        var fieldsContainer = c.nestedContainer(keyedBy: DynamicKey.self, forKey: DynamicKey("fields"))
        for change in fields {
            var pair = fieldsContainer.nestedContainer(keyedBy: DynamicKey.self, forKey: DynamicKey(change.field))
            try pair.encode(change.old, forKey: DynamicKey("old"))
            try pair.encode(change.new, forKey: DynamicKey("new"))
        }
    }
}

extension ManifestDiff.FieldValue: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .bool(let b): try c.encode(b)
        case .string(let s): try c.encode(s)
        case .null: try c.encodeNil()
        }
    }
}

extension ManifestDiff.Summary: Encodable {
    enum CodingKeys: String, CodingKey {
        case totalOld = "total_old"
        case totalNew = "total_new"
        case addedCount = "added_count"
        case removedCount = "removed_count"
        case changedCount = "changed_count"
        case movedCount = "moved_count"
        case corruptOld = "corrupt_old"
        case corruptNew = "corrupt_new"
        case darkOld = "dark_old"
        case darkNew = "dark_new"
        case overexposedOld = "overexposed_old"
        case overexposedNew = "overexposed_new"
        case blurryOld = "blurry_old"
        case blurryNew = "blurry_new"
        case artifactOld = "artifact_old"
        case artifactNew = "artifact_new"
        case duplicateGroupsOld = "duplicate_groups_old"
        case duplicateGroupsNew = "duplicate_groups_new"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(totalOld, forKey: .totalOld)
        try c.encode(totalNew, forKey: .totalNew)
        try c.encode(addedCount, forKey: .addedCount)
        try c.encode(removedCount, forKey: .removedCount)
        try c.encode(changedCount, forKey: .changedCount)
        try c.encode(movedCount, forKey: .movedCount)
        try c.encode(corruptOld, forKey: .corruptOld)
        try c.encode(corruptNew, forKey: .corruptNew)
        try c.encode(darkOld, forKey: .darkOld)
        try c.encode(darkNew, forKey: .darkNew)
        try c.encode(overexposedOld, forKey: .overexposedOld)
        try c.encode(overexposedNew, forKey: .overexposedNew)
        try c.encode(blurryOld, forKey: .blurryOld)
        try c.encode(blurryNew, forKey: .blurryNew)
        try c.encode(artifactOld, forKey: .artifactOld)
        try c.encode(artifactNew, forKey: .artifactNew)
        try c.encode(duplicateGroupsOld, forKey: .duplicateGroupsOld)
        try c.encode(duplicateGroupsNew, forKey: .duplicateGroupsNew)
    }
}

/// A coding key made at run time, for objects keyed by data (field names, split names).
struct DynamicKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
