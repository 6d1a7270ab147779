/// Where a picture stands in a person's review: the status vocabulary of the library.
public enum ImageStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case active, flagged, rejected, selected, archived
}

/// One tag: a value within a category (`place:beach`, `person:Ana`), with its position in the
/// picture when the tag marks a region (x, y, width, height as fractions 0–1 of the picture).
public struct Tag: Sendable, Hashable, Codable {
    /// The default category of a tag typed without one (`beach` is `tag:beach`).
    public static let defaultCategory = "tag"

    public var category: String
    public var value: String
    public var position: Region?

    public init(category: String = Tag.defaultCategory, value: String, position: Region? = nil) {
        self.category = category
        self.value = value
        self.position = position
    }

    /// `category:value` as typed on the command line; a bare word is in ``defaultCategory``.
    public init(parsing text: String) {
        if let colon = text.firstIndex(of: ":"), colon != text.startIndex, text.index(after: colon) != text.endIndex {
            self.init(category: String(text[..<colon]).lowercased(), value: String(text[text.index(after: colon)...]))
        } else {
            self.init(value: text)
        }
    }

    /// `category:value`, or the value alone in the default category.
    public var text: String { category == Tag.defaultCategory ? value : "\(category):\(value)" }

    /// A rectangle of the picture, in fractions of its width and height.
    public struct Region: Sendable, Hashable, Codable {
        public var x: Double
        public var y: Double
        public var width: Double
        public var height: Double
        public init(x: Double, y: Double, width: Double, height: Double) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
        }
    }
}

/// A relation from one picture to another, by content: `mask-of`, `similar`, `edit-of`, ….
public struct Relation: Sendable, Hashable, Codable {
    public var kind: String
    public var sha256: String
    public init(kind: String, sha256: String) {
        self.kind = kind
        self.sha256 = sha256
    }
}

/// What a person decided about one copy of a picture, when byte-identical copies live at
/// several paths: keep this one, trash that one.
public enum CopyDecision: String, Sendable, Hashable, Codable {
    case keep, trash
}

/// Everything a person decided about one picture, keyed by its content (SHA-256): the truth
/// the library's index is rebuilt from. One human-readable JSON file per content, so a moved
/// or renamed file keeps its tags.
///
/// What describes the picture (tags, caption, status, rating, duplicate decisions, relations)
/// is shared by byte-identical copies; what concerns one copy (``copies``: keep this path,
/// trash that one) is kept per path, relative to the library's root.
///
/// ```swift
/// var sidecar = Sidecar(sha256: record.sha256 ?? "")
/// sidecar.add(Tag(parsing: "place:beach"))
/// sidecar.status = .selected
/// ```
public struct Sidecar: Sendable, Hashable, Codable {
    /// The sidecar format's version, written in every file so a later format can read old ones.
    public static let formatVersion = 1

    public var version: Int
    public var sha256: String
    public var tags: [Tag]
    public var caption: String?
    public var status: ImageStatus
    /// 0–5 stars; nil when not rated.
    public var rating: Int?
    /// Contents (SHA-256) a person said are not duplicates of this one: never grouped again.
    public var notDuplicateOf: [String]
    /// Whether a person chose this picture as the one to keep of its duplicate group.
    public var keeper: Bool
    public var relations: [Relation]
    /// Decisions about single copies, by path relative to the library's root.
    public var copies: [String: CopyDecision]
    /// When a person last changed it (ISO 8601, UTC).
    public var updatedAt: String?

    public init(sha256: String) {
        self.version = Sidecar.formatVersion
        self.sha256 = sha256
        self.tags = []
        self.caption = nil
        self.status = .active
        self.rating = nil
        self.notDuplicateOf = []
        self.keeper = false
        self.relations = []
        self.copies = [:]
        self.updatedAt = nil
    }

    /// Whether it holds no decision at all (a sidecar that need not exist).
    public var isEmpty: Bool {
        tags.isEmpty && caption == nil && status == .active && rating == nil && notDuplicateOf.isEmpty && !keeper
            && relations.isEmpty && copies.isEmpty
    }

    /// Adds a tag unless an equal one (same category and value, case-insensitively) is there.
    /// Returns whether it was added.
    @discardableResult
    public mutating func add(_ tag: Tag) -> Bool {
        guard !tags.contains(where: { $0.sameName(as: tag) }) else { return false }
        tags.append(tag)
        return true
    }

    /// Removes tags with the category and value of `tag`, case-insensitively. Returns whether
    /// any was removed.
    @discardableResult
    public mutating func remove(_ tag: Tag) -> Bool {
        let before = tags.count
        tags.removeAll { $0.sameName(as: tag) }
        return tags.count != before
    }

    /// This sidecar with what `other` (a sidecar of the same content set aside, as in the
    /// trash) adds: its tags, marks, relations and per-copy decisions, and its caption,
    /// rating, status and keeper choice where this one has none.
    public func merging(_ other: Sidecar) -> Sidecar {
        var merged = self
        for tag in other.tags { merged.add(tag) }
        if merged.caption == nil { merged.caption = other.caption }
        if merged.rating == nil { merged.rating = other.rating }
        if merged.status == .active { merged.status = other.status }
        merged.keeper = merged.keeper || other.keeper
        for mark in other.notDuplicateOf where !merged.notDuplicateOf.contains(mark) { merged.notDuplicateOf.append(mark) }
        for relation in other.relations where !merged.relations.contains(relation) { merged.relations.append(relation) }
        for (path, decision) in other.copies where merged.copies[path] == nil { merged.copies[path] = decision }
        return merged
    }

    /// What the picture inherits when it is edited in place: what describes it (tags,
    /// caption, status, rating, relations), not duplicate decisions, which were about the
    /// old content.
    public func inherited(by sha256: String) -> Sidecar {
        var next = Sidecar(sha256: sha256)
        next.tags = tags
        next.caption = caption
        next.status = status
        next.rating = rating
        next.relations = relations
        next.copies = copies
        next.updatedAt = updatedAt
        return next
    }

    // Absent keys take their defaults, so a hand-edited sidecar may leave out what is empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decodeIfPresent(Int.self, forKey: .version) ?? Sidecar.formatVersion
        sha256 = try c.decode(String.self, forKey: .sha256)
        tags = try c.decodeIfPresent([Tag].self, forKey: .tags) ?? []
        caption = try c.decodeIfPresent(String.self, forKey: .caption)
        status = try c.decodeIfPresent(ImageStatus.self, forKey: .status) ?? .active
        rating = try c.decodeIfPresent(Int.self, forKey: .rating)
        notDuplicateOf = try c.decodeIfPresent([String].self, forKey: .notDuplicateOf) ?? []
        keeper = try c.decodeIfPresent(Bool.self, forKey: .keeper) ?? false
        relations = try c.decodeIfPresent([Relation].self, forKey: .relations) ?? []
        copies = try c.decodeIfPresent([String: CopyDecision].self, forKey: .copies) ?? [:]
        updatedAt = try c.decodeIfPresent(String.self, forKey: .updatedAt)
    }

    enum CodingKeys: String, CodingKey {
        case version, sha256, tags, caption, status, rating
        case notDuplicateOf = "not_duplicate_of"
        case keeper, relations, copies
        case updatedAt = "updated_at"
    }
}

extension Tag {
    func sameName(as other: Tag) -> Bool {
        category.lowercased() == other.category.lowercased() && value.lowercased() == other.value.lowercased()
    }
}
