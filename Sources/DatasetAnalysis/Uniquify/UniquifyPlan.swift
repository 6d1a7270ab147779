/// What `uniquify` will do: for each set of copies (byte-identical or perceptually near), the
/// copy kept as it is and the copies to edit.
public struct UniquifyPlan: Sendable, Encodable {
    public struct Group: Sendable, Encodable, Hashable {
        /// The copy kept unchanged (``DuplicateFinder``'s keeper).
        public var keeper: String
        /// The copies to edit, in the order they are edited.
        public var alter: [String]
        /// "exact" when every copy has the same bytes, else "near".
        public var kind: String
    }

    public var groups: [Group]
    public var threshold: Int
    /// Images considered (readable, with hashes).
    public var images: Int

    public var toAlter: Int { groups.reduce(0) { $0 + $1.alter.count } }

    enum CodingKeys: String, CodingKey {
        case groups, threshold, images
        case toAlter = "to_alter"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(groups, forKey: .groups)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(images, forKey: .images)
        try c.encode(toAlter, forKey: .toAlter)
    }

    /// The plan for `records`: ``DuplicateFinder``'s exact and near groups merged, so that a
    /// near group whose members have byte-identical copies becomes one set, with its keeper.
    ///
    /// - Complexity: as ``DuplicateFinder/find(_:threshold:transforms:threads:)``.
    public static func make(_ records: [ImageRecord], threshold: Int = DuplicateFinder.defaultThreshold) -> UniquifyPlan {
        let candidates = records.map { DuplicateCandidate(record: $0) }
        let report = DuplicateFinder.find(candidates, threshold: threshold)
        // The byte-identical copies behind each exact group's keeper (the near search's representative).
        var copies: [Int: [Int]] = [:]
        for group in report.exactGroups { copies[group.keeper] = Array(group.removable) }
        var groups: [Group] = []
        var covered = Set<Int>()
        for near in report.nearGroups {
            var alter = copies[near.keeper] ?? []
            for member in near.removable { alter += [member] + (copies[member] ?? []) }
            covered.formUnion(near.members)
            groups.append(Group(keeper: records[near.keeper].path, alter: alter.map { records[$0].path }, kind: "near"))
        }
        for exact in report.exactGroups where !covered.contains(exact.keeper) {
            // Copies without a usable hash (corrupt) cannot be edited; leave them to `check`.
            let alter = exact.removable.filter { !records[$0].isCorrupt && records[$0].phash != nil }
            guard !alter.isEmpty, !records[exact.keeper].isCorrupt else { continue }
            groups.append(Group(keeper: records[exact.keeper].path, alter: alter.map { records[$0].path }, kind: "exact"))
        }
        groups.sort { $0.keeper < $1.keeper }
        let usable = records.filter { !$0.isCorrupt && $0.phash != nil }.count
        return UniquifyPlan(groups: groups, threshold: threshold, images: usable)
    }
}

/// What `uniquify` did.
public struct UniquifyOutcome: Sendable, Encodable {
    public struct Change: Sendable, Encodable, Hashable {
        public var path: String
        public var keeper: String
        /// The edit that made it distinct.
        public var edit: String
        /// Attempts, 1 for the weakest edit.
        public var attempts: Int
        /// The smallest distance (bits) to any other copy of its set, after the edit.
        public var distance: Int
        public var sha256Before: String
        public var sha256After: String

        public init(
            path: String, keeper: String, edit: String, attempts: Int, distance: Int, sha256Before: String, sha256After: String
        ) {
            self.path = path
            self.keeper = keeper
            self.edit = edit
            self.attempts = attempts
            self.distance = distance
            self.sha256Before = sha256Before
            self.sha256After = sha256After
        }

        enum CodingKeys: String, CodingKey {
            case path, keeper, edit, attempts, distance
            case sha256Before = "sha256_before"
            case sha256After = "sha256_after"
        }
    }

    public struct Failure: Sendable, Encodable, Hashable {
        public var path: String
        public var reason: String

        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }
    }

    public var changed: [Change] = []
    public var failed: [Failure] = []
    public var backupDir: String
    public var threshold: Int
    /// Whether the run was stopped (Ctrl-C) before every copy was tried.
    public var stopped = false

    public init(backupDir: String, threshold: Int) {
        self.backupDir = backupDir
        self.threshold = threshold
    }

    enum CodingKeys: String, CodingKey {
        case changed, failed, threshold, stopped
        case backupDir = "backup_dir"
    }
}

/// What `uniquify --restore` did.
public struct UniquifyRestoreResult: Sendable, Encodable {
    /// Files given back their original bytes (checked by SHA-256).
    public var restored: [String] = []
    /// Entries that could not be restored, with the reason.
    public var failed: [UniquifyOutcome.Failure] = []
    public var backupDir: String

    public init(backupDir: String) { self.backupDir = backupDir }

    enum CodingKeys: String, CodingKey {
        case restored, failed
        case backupDir = "backup_dir"
    }
}
