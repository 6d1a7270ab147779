/// What `organize --apply` did.
public struct OrganizeOutcome: Sendable, Hashable, Encodable {
    public struct Failure: Sendable, Hashable, Encodable {
        public var path: String
        public var reason: String

        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }
    }

    public var journal: String
    public var mode: OrganizePlan.Mode
    /// Files copied or moved to their destination, each checked against its source (a copy
    /// byte for byte after the flush, a move within a file system by its SHA-256).
    public var placed = 0
    /// Files whose destination already held the same bytes.
    public var alreadyThere = 0
    /// Files already where the template puts them.
    public var inPlace = 0
    /// Sources removed after their verified copy existed (moves).
    public var sourcesRemoved = 0
    public var bytes = 0
    /// Operations of an interrupted earlier run finished first.
    public var recovered = 0
    public var failed: [Failure] = []
    /// Whether Ctrl-C stopped the run between batches (what was done is kept and journaled).
    public var stopped = false
    public var seconds = 0.0

    public init(journal: String, mode: OrganizePlan.Mode) {
        self.journal = journal
        self.mode = mode
    }

    enum CodingKeys: String, CodingKey {
        case journal, mode, placed, bytes, recovered, failed, stopped, seconds
        case alreadyThere = "already_there"
        case inPlace = "in_place"
        case sourcesRemoved = "sources_removed"
    }
}

/// What `organize --undo` did.
public struct OrganizeUndoResult: Sendable, Hashable, Encodable {
    public var journal: String
    /// Sources put back (from their destination copy), each checked by SHA-256.
    public var restored = 0
    /// Destination files removed (their source holds the same bytes).
    public var removed = 0
    /// Folders removed that the run had created.
    public var folders = 0
    public var failed: [OrganizeOutcome.Failure] = []

    public init(journal: String) { self.journal = journal }
}
