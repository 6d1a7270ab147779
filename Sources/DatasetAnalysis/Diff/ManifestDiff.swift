/// What changed between two manifests of a dataset.
///
/// Records are matched by path, as in the reference; beyond it, a file that disappeared
/// under one path and appeared under another with the same bytes (SHA-256) is a **move**
/// (or a **rename**, when only the file name changed), not a removal plus an addition.
public struct ManifestDiff: Sendable {
    /// One field that differs: its manifest name and the two values as display text.
    public struct FieldChange: Sendable, Hashable {
        public var field: String
        public var old: FieldValue
        public var new: FieldValue
    }

    /// A manifest value, kept typed so JSON output shows numbers as numbers.
    public typealias FieldValue = RecordField.Value

    public struct Changed: Sendable, Hashable {
        public var path: String
        public var fields: [FieldChange]
    }

    public struct Move: Sendable, Hashable {
        public var from: String
        public var to: String
        /// Same folder, other file name.
        public var isRename: Bool
    }

    /// Totals of one side and their change.
    public struct Summary: Sendable, Hashable {
        public var totalOld = 0, totalNew = 0
        public var addedCount = 0, removedCount = 0, changedCount = 0, movedCount = 0, unchangedCount = 0
        public var corruptOld = 0, corruptNew = 0
        public var darkOld = 0, darkNew = 0
        public var overexposedOld = 0, overexposedNew = 0
        public var blurryOld = 0, blurryNew = 0
        public var artifactOld = 0, artifactNew = 0
        /// Groups of byte-identical files (by SHA-256; by equal pHash for records without one).
        public var duplicateGroupsOld = 0, duplicateGroupsNew = 0
    }

    public var added: [String] = []
    public var removed: [String] = []
    public var changed: [Changed] = []
    public var moved: [Move] = []
    public var summary = Summary()

    /// The fields compared for "changed": the reference's, plus our checksum and blur flag.
    public static let comparedRecordFields: [RecordField] = [
        .fileSizeBytes, .width, .height, .format, .colorMode, .isCorrupt, .isDark,
        .isOverexposed, .isBlurry, .hasBorderArtifact, .phash, .sha256,
    ]

    /// The manifest names of ``comparedRecordFields``.
    public static let comparedFields = comparedRecordFields.map { "\($0.jsonKey)" }

    /// Compares two record lists (the newest record per path wins within each list).
    ///
    /// - Complexity: O((n + m) log(n + m)).
    public init(old: [ImageRecord], new: [ImageRecord]) {
        let oldByPath = ImageRecord.newestPerPath(old, key: \.path)
        let newByPath = ImageRecord.newestPerPath(new, key: \.path)

        var added = newByPath.keys.filter { oldByPath[$0] == nil }.sorted()
        var removed = oldByPath.keys.filter { newByPath[$0] == nil }.sorted()

        // Moves: a removed path and an added path with the same bytes.
        var addedBySum: [String: [String]] = [:]
        for path in added { if let sum = newByPath[path]?.sha256 { addedBySum[sum, default: []].append(path) } }
        var movedFrom = Set<String>(), movedTo = Set<String>()
        for path in removed {
            guard let sum = oldByPath[path]?.sha256, var candidates = addedBySum[sum], !candidates.isEmpty else { continue }
            // Prefer the same file name (a move between folders) over any other.
            let name = Self.fileName(path)
            let pick = candidates.firstIndex { Self.fileName($0) == name } ?? 0
            let target = candidates.remove(at: pick)
            addedBySum[sum] = candidates
            moved.append(Move(from: path, to: target, isRename: Self.folder(path) == Self.folder(target)))
            movedFrom.insert(path)
            movedTo.insert(target)
        }
        added.removeAll { movedTo.contains($0) }
        removed.removeAll { movedFrom.contains($0) }
        self.added = added
        self.removed = removed

        var unchanged = 0
        for path in oldByPath.keys.sorted() {
            guard let a = oldByPath[path], let b = newByPath[path] else { continue }
            let fields = Self.differences(a, b)
            if fields.isEmpty { unchanged += 1 } else { changed.append(Changed(path: path, fields: fields)) }
        }

        var s = Summary()
        s.totalOld = oldByPath.count
        s.totalNew = newByPath.count
        s.addedCount = added.count
        s.removedCount = removed.count
        s.changedCount = changed.count
        s.movedCount = moved.count
        s.unchangedCount = unchanged
        func tally(_ records: Dictionary<String, ImageRecord>.Values) -> (Int, Int, Int, Int, Int) {
            var t = (0, 0, 0, 0, 0)
            for r in records {
                t.0 += r.isCorrupt ? 1 : 0
                t.1 += r.isDark ? 1 : 0
                t.2 += r.isOverexposed ? 1 : 0
                t.3 += r.isBlurry ? 1 : 0
                t.4 += r.hasBorderArtifact ? 1 : 0
            }
            return t
        }
        (s.corruptOld, s.darkOld, s.overexposedOld, s.blurryOld, s.artifactOld) = tally(oldByPath.values)
        (s.corruptNew, s.darkNew, s.overexposedNew, s.blurryNew, s.artifactNew) = tally(newByPath.values)
        s.duplicateGroupsOld = Self.exactGroupCount(oldByPath.values)
        s.duplicateGroupsNew = Self.exactGroupCount(newByPath.values)
        summary = s
    }

    static func differences(_ a: ImageRecord, _ b: ImageRecord) -> [FieldChange] {
        var out: [FieldChange] = []
        for field in comparedRecordFields {
            let x = field.value(in: a), y = field.value(in: b)
            // A checksum missing on one side (another tool's manifest) is not a change.
            if field == .sha256, x == .null || y == .null { continue }
            if x != y { out.append(FieldChange(field: "\(field.jsonKey)", old: x, new: y)) }
        }
        return out
    }

    static func exactGroupCount(_ records: Dictionary<String, ImageRecord>.Values) -> Int {
        var counts: [String: Int] = [:]
        for r in records {
            guard let key = r.sha256.map({ "s" + $0 }) ?? r.phash.map({ "p" + $0 }) else { continue }
            counts[key, default: 0] += 1
        }
        return counts.values.filter { $0 > 1 }.count
    }

    static func fileName(_ path: String) -> Substring {
        path.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(path)
    }

    static func folder(_ path: String) -> Substring {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return path[..<slash]
    }
}
