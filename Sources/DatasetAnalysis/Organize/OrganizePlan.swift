/// One file found under a source folder, as `organize` plans with it: where it is, its
/// bytes' SHA-256, its capture date (local time, with source and confidence) and camera.
public struct OrganizeSource: Sendable, Hashable, Codable {
    /// Absolute path.
    public var path: String
    /// The source folder it was found under (absolute).
    public var root: String
    public var size: Int
    public var mtime: Double
    public var sha256: String
    public var date: CaptureDate?
    public var make: String?
    public var model: String?

    public init(
        path: String, root: String, size: Int, mtime: Double, sha256: String, date: CaptureDate?, make: String? = nil,
        model: String? = nil
    ) {
        self.path = path
        self.root = root
        self.size = size
        self.mtime = mtime
        self.sha256 = sha256
        self.date = date
        self.make = make
        self.model = model
    }

    /// The path relative to ``root``.
    public var relative: String {
        let prefix = root.hasSuffix("/") ? root : root + "/"
        // Compared and cut as UTF-8 bytes: the root is how discovery spelled the start of the path.
        guard path.utf8.starts(with: prefix.utf8) else { return path }
        return String(path[path.utf8.index(path.startIndex, offsetBy: prefix.utf8.count)...])
    }

    /// The last path component (trailing slashes aside; the whole path when it has none).
    ///
    /// - Complexity: O(length of the name): the path is scanned from its end, nothing is
    ///   split (the planner asks for names many times per file).
    public var name: String {
        let bytes = path.utf8
        let slash = UInt8(ascii: "/")
        var end = bytes.endIndex
        while end > bytes.startIndex, bytes[bytes.index(before: end)] == slash { end = bytes.index(before: end) }
        guard end > bytes.startIndex else { return path }
        var start = end
        while start > bytes.startIndex, bytes[bytes.index(before: start)] != slash { start = bytes.index(before: start) }
        return String(path[start..<end])
    }
}

/// What `organize` will do, decided before anything is touched: one operation per file
/// (placed, already at its destination, or already where it belongs), the duplicates it will
/// not place twice, near duplicates (reported, never dropped) and files it leaves alone.
/// Written with `--plan` and carried out later, exactly, with `--from-plan`.
public struct OrganizePlan: Sendable, Hashable, Codable {
    public enum Mode: String, Sendable, Hashable, Codable {
        case copy, move
    }

    public enum Action: String, Sendable, Hashable, Codable {
        /// Copy (or move) the source to the destination.
        case place
        /// The destination already holds the same bytes: nothing to copy (a move removes the
        /// source once the destination's bytes are checked).
        case alreadyThere = "already_there"
        /// The source is its own destination.
        case inPlace = "in_place"
    }

    public struct Operation: Sendable, Hashable, Codable {
        /// Absolute source path.
        public var source: String
        /// Destination path relative to ``OrganizePlan/destination``.
        public var destination: String
        public var sha256: String
        public var size: Int
        public var mtime: Double
        public var action: Action
        /// For a companion (sidecar, RAW beside a JPEG, Live Photo video): the source path
        /// of the photo it travels with.
        public var companionOf: String?
        /// The local capture date the destination was made from, and where it came from.
        public var date: String?
        public var dateSource: CaptureDate.Source?
        /// A different file held the name, so a `_n` suffix was added.
        public var renamed: Bool

        public init(
            source: String, destination: String, sha256: String, size: Int, mtime: Double, action: Action,
            companionOf: String? = nil, date: String? = nil, dateSource: CaptureDate.Source? = nil, renamed: Bool = false
        ) {
            self.source = source
            self.destination = destination
            self.sha256 = sha256
            self.size = size
            self.mtime = mtime
            self.action = action
            self.companionOf = companionOf
            self.date = date
            self.dateSource = dateSource
            self.renamed = renamed
        }

        public var confidence: CaptureDate.Confidence { dateSource?.confidence ?? .lowest }

        enum CodingKeys: String, CodingKey {
            case source, destination, sha256, size, mtime, action, date, renamed
            case companionOf = "companion_of"
            case dateSource = "date_source"
        }
    }

    public struct Duplicate: Sendable, Hashable, Codable {
        /// The source file not placed.
        public var path: String
        /// The source file with the same bytes that is placed.
        public var copyOf: String

        public init(path: String, copyOf: String) {
            self.path = path
            self.copyOf = copyOf
        }

        enum CodingKeys: String, CodingKey {
            case path
            case copyOf = "copy_of"
        }
    }

    public struct Skipped: Sendable, Hashable, Codable {
        public var path: String
        public var reason: String

        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }
    }

    /// Marks a plan file, with its format version.
    public var planVersion = 1
    /// Absolute destination folder.
    public var destination: String
    public var template: String
    public var lowConfidenceTemplate: String?
    public var mode: Mode
    public var keepDuplicates: Bool
    public var sources: [String]
    public var operations: [Operation] = []
    /// Exact copies within the sources placed once (empty with `keepDuplicates`).
    public var duplicates: [Duplicate] = []
    /// Sets of source files that look alike but differ in bytes: all are placed.
    public var nearDuplicates: [[String]] = []
    public var skipped: [Skipped] = []

    enum CodingKeys: String, CodingKey {
        case destination, template, mode, sources, operations, duplicates, skipped
        case planVersion = "imgeda_organize_plan"
        case lowConfidenceTemplate = "low_confidence_template"
        case keepDuplicates = "keep_duplicates"
        case nearDuplicates = "near_duplicates"
    }

    public init(
        destination: String, template: String, lowConfidenceTemplate: String?, mode: Mode, keepDuplicates: Bool, sources: [String]
    ) {
        self.destination = destination
        self.template = template
        self.lowConfidenceTemplate = lowConfidenceTemplate
        self.mode = mode
        self.keepDuplicates = keepDuplicates
        self.sources = sources
    }

    /// Whether `other` was asked for with the same sources, destination, templates, mode and
    /// duplicate handling (its operations aside): a run of it that was interrupted is then
    /// finished as it was planned.
    public func sameRequest(as other: OrganizePlan) -> Bool {
        (destination, template, lowConfidenceTemplate, mode, keepDuplicates, sources)
            == (other.destination, other.template, other.lowConfidenceTemplate, other.mode, other.keepDuplicates, other.sources)
    }

    /// The absolute destination path of `operation`.
    public func destinationPath(_ operation: Operation) -> String {
        destination == "/" ? "/" + operation.destination : destination + "/" + operation.destination
    }

    /// Files to copy or move.
    public var toPlace: [Operation] { operations.filter { $0.action == .place } }
    /// Files whose name was taken by a different file, so they get a suffix.
    public var conflicts: [Operation] { operations.filter(\.renamed) }
    /// Photos (not companions) whose date is below ``OrganizePlanner/trustedConfidence``.
    public var lowConfidence: [Operation] {
        operations.filter { $0.companionOf == nil && $0.confidence < OrganizePlanner.trustedConfidence }
    }
    public var bytesToPlace: Int { toPlace.reduce(0) { $0 + $1.size } }

    /// How many files go to each destination folder, folders in order.
    public var filesPerFolder: [(folder: String, files: Int)] {
        var counts: [String: Int] = [:]
        for op in operations where op.action == .place {
            let slash = op.destination.lastIndex(of: "/")
            counts[slash.map { String(op.destination[..<$0]) } ?? ".", default: 0] += 1
        }
        return counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

/// Makes an ``OrganizePlan`` from the files found: groups each photo with its companions
/// (same folder, same name before the extensions: `IMG_1.jpg`, `IMG_1.CR2`, `IMG_1.xmp`,
/// `IMG_1.jpg.json`, `IMG_1.MOV`), places exact copies once, renders the template for the
/// photo, sends the companions to the same folder under the same new name, and adds a `_n`
/// suffix — the same for the whole group — when a different file holds a name.
///
/// `{seq}` numbers belong to the plan: the photos placed (exact copies take none) are
/// numbered 1, 2, 3 … within each destination folder in capture order, then path — a
/// function of the sources alone, so planning the same sources again gives every file the
/// same number, and a run interrupted part-way is finished from its kept plan.
public enum OrganizePlanner {
    /// Dates below this confidence (from folder names or the modification time) are listed
    /// as uncertain, and go to the low-confidence template when there is one.
    public static let trustedConfidence = CaptureDate.Confidence.medium

    public struct Settings: Sendable {
        public var destination: String
        public var template: OrganizeTemplate
        public var lowConfidenceTemplate: OrganizeTemplate?
        public var mode: OrganizePlan.Mode
        public var keepDuplicates: Bool

        public init(
            destination: String, template: OrganizeTemplate, lowConfidenceTemplate: OrganizeTemplate? = nil,
            mode: OrganizePlan.Mode = .copy, keepDuplicates: Bool = false
        ) {
            self.destination = destination
            self.template = template
            self.lowConfidenceTemplate = lowConfidenceTemplate
            self.mode = mode
            self.keepDuplicates = keepDuplicates
        }
    }

    /// A photo and the files that travel with it.
    struct Group {
        var members: [OrganizeSource]
        /// Index of the photo in ``members``.
        var primary: Int
        var stem: String
        var date: CaptureDate?
        var make: String?
        var model: String?
    }

    /// The plan for `files`. `existing` tells what the destination already holds at an
    /// absolute path: nil when nothing, else the SHA-256 of the file there ("" when it
    /// cannot be read or is not a file). `checksum` gives the SHA-256 of a source whose
    /// ``OrganizeSource/sha256`` is empty (not read yet), when a destination must be compared.
    ///
    /// - Complexity: O(n log n) in the number of files, plus one `existing` call per
    ///   destination name tried.
    public static func make(
        _ files: [OrganizeSource], sources: [String], settings: Settings, nearDuplicates: [[String]] = [],
        existing: (String) -> String?, checksum: (OrganizeSource) -> String = { $0.sha256 }
    ) -> OrganizePlan {
        var plan = OrganizePlan(
            destination: settings.destination, template: settings.template.text,
            lowConfidenceTemplate: settings.lowConfidenceTemplate?.text, mode: settings.mode,
            keepDuplicates: settings.keepDuplicates, sources: sources)
        plan.nearDuplicates = nearDuplicates
        let (groups, skipped) = group(files)
        plan.skipped = skipped

        // Exact copies first, so that they take no sequence number: a group all of whose
        // members' bytes an earlier group holds is placed once, as that group.
        var placedBySHA: [String: (primary: String, members: [String: String])] = [:]
        var placing: [Group] = []
        for g in groups {
            let primary = g.members[g.primary]
            if !settings.keepDuplicates, !primary.sha256.isEmpty, let kept = placedBySHA[primary.sha256],
                g.members.allSatisfy({ kept.members[$0.sha256] != nil })
            {
                for m in g.members {
                    plan.duplicates.append(OrganizePlan.Duplicate(path: m.path, copyOf: kept.members[m.sha256] ?? kept.primary))
                }
                continue
            }
            placing.append(g)
            guard !primary.sha256.isEmpty, placedBySHA[primary.sha256] == nil else { continue }
            var members: [String: String] = [:]
            for m in g.members where !m.sha256.isEmpty { members[m.sha256] = members[m.sha256] ?? m.path }
            placedBySHA[primary.sha256] = (primary.path, members)
        }

        // Each group's template path, numbered in capture order within its folder.
        func templateFor(_ g: Group) -> OrganizeTemplate {
            if let low = settings.lowConfidenceTemplate, (g.date?.confidence ?? .lowest) < trustedConfidence { return low }
            return settings.template
        }
        func values(_ g: Group, sequence: Int) -> OrganizeTemplate.Values {
            OrganizeTemplate.Values(date: g.date, make: g.make, model: g.model, name: g.members[g.primary].name, sequence: sequence)
        }
        var rendered: [String] = []
        var sequence: [String: Int] = [:]
        for g in placing {
            let template = templateFor(g)
            guard template.usesSequence else {
                rendered.append(template.render(values(g, sequence: 0)))
                continue
            }
            let key = folder(of: template.render(values(g, sequence: 0)))
            let n = (sequence[key] ?? 0) + 1
            sequence[key] = n
            rendered.append(template.render(values(g, sequence: n)))
        }

        var claimed = Set<String>()
        for (g, target) in zip(placing, rendered) {
            let primary = g.members[g.primary]
            let targetFolder = folder(of: target)
            let targetName = lastComponent(of: target)
            // The new stem, so companions keep sharing the photo's (new) name.
            let primarySuffix = afterStem(primary.name, g.stem)
            let newStem: String, primaryKeepsSuffix: Bool
            if !primarySuffix.isEmpty, targetName.lowercased().hasSuffix(primarySuffix.lowercased()),
                targetName.count > primarySuffix.count
            {
                newStem = String(targetName.dropLast(primarySuffix.count))
                primaryKeepsSuffix = true
            } else {
                newStem = targetName
                primaryKeepsSuffix = false
            }
            var members = g.members
            var chosen: [(OrganizeSource, String, OrganizePlan.Action)]?
            var number = 0
            while chosen == nil, number < 10_000 {
                var attempt: [(OrganizeSource, String, OrganizePlan.Action)] = []
                for i in members.indices {
                    let m = members[i]
                    let suffix = i == g.primary ? (primaryKeepsSuffix ? primarySuffix : "") : afterStem(m.name, g.stem)
                    let name = Escape.pathComponent(OrganizeNames.withClashSuffix(stem: newStem, suffix: suffix, number: number))
                    let relative = targetFolder.isEmpty ? name : targetFolder + "/" + name
                    guard !claimed.contains(relative) else { break }
                    let absolute = plan.destination == "/" ? "/" + relative : plan.destination + "/" + relative
                    if absolute == m.path {
                        attempt.append((m, relative, .inPlace))
                        continue
                    }
                    if let there = existing(absolute) {
                        if members[i].sha256.isEmpty { members[i].sha256 = checksum(m) }
                        guard !there.isEmpty, there == members[i].sha256 else { break }
                        attempt.append((members[i], relative, .alreadyThere))
                    } else {
                        attempt.append((m, relative, .place))
                    }
                    if attempt.count != i + 1 { break }
                }
                if attempt.count == members.count { chosen = attempt } else { number += 1 }
            }
            guard let chosen else {
                for m in g.members { plan.skipped.append(.init(path: m.path, reason: "no free name at \(target) after 10000 tries")) }
                continue
            }
            for (i, (m, relative, action)) in chosen.enumerated() {
                claimed.insert(relative)
                plan.operations.append(
                    OrganizePlan.Operation(
                        source: m.path, destination: relative, sha256: m.sha256, size: m.size, mtime: m.mtime, action: action,
                        companionOf: i == g.primary ? nil : primary.path, date: g.date?.local, dateSource: g.date?.source,
                        renamed: number > 0))
            }
        }
        return plan
    }

    /// What files travelling together share: their source, their folder and their stem
    /// (case aside), so `IMG_1.CR2`, `IMG_1.JPG` and `IMG_1.xmp` are one group.
    public static func companionKey(of file: OrganizeSource) -> String {
        companionKey(of: file, name: file.name)
    }

    /// ``companionKey(of:)`` with the file's name already at hand.
    static func companionKey(of file: OrganizeSource, name: String) -> String {
        var key = file.root
        key += "\u{0}"
        key += folder(of: file.relative)
        key += "\u{0}"
        key += OrganizeNames.groupStem(of: name).lowercased()
        return key
    }

    /// Groups files by folder and shared stem; the photo of a group is its first image, else
    /// its RAW file, else its video. Files that are none of these, and sidecars without a
    /// photo, are skipped with a reason. Groups come in capture order (then path).
    static func group(_ files: [OrganizeSource]) -> (groups: [Group], skipped: [OrganizePlan.Skipped]) {
        // Each file's name and kind are worked out once: the ranking below asks for them often.
        var byKey: [String: [(file: OrganizeSource, name: String, kind: OrganizeNames.Kind)]] = [:]
        var skipped: [OrganizePlan.Skipped] = []
        for file in files {
            let name = file.name
            let kind = OrganizeNames.kind(of: name)
            guard kind != .other else {
                skipped.append(.init(path: file.path, reason: "not a photo, video or sidecar"))
                continue
            }
            byKey[companionKey(of: file, name: name), default: []].append((file, name, kind))
        }
        func rank(_ kind: OrganizeNames.Kind) -> Int {
            switch kind {
            case .image: 0
            case .raw: 1
            case .video: 2
            case .sidecar, .other: 3
            }
        }
        var groups: [Group] = []
        for (_, var found) in byKey {
            if found.count > 1 { found.sort { $0.file.path < $1.file.path } }
            let members = found.map(\.file)
            let ranked = found.indices.min { (rank(found[$0].kind), $0) < (rank(found[$1].kind), $1) }
            guard let primary = ranked, rank(found[primary].kind) < 3 else {
                for m in members { skipped.append(.init(path: m.path, reason: "a sidecar without its photo")) }
                continue
            }
            // The most trusted date among the media files, the photo's first on a tie.
            var date = members[primary].date
            for m in found where rank(m.kind) < 3 {
                if let d = m.file.date, d.confidence > (date?.confidence ?? .lowest) || date == nil { date = d }
            }
            let camera = ([members[primary]] + members).first { $0.make != nil || $0.model != nil }
            groups.append(
                Group(
                    members: members, primary: primary, stem: OrganizeNames.groupStem(of: found[primary].name), date: date,
                    make: camera?.make, model: camera?.model))
        }
        // Sorted by keys taken out once: a group is too large a value to move about while sorting.
        let keys = groups.map { (date: $0.date?.local ?? "", path: $0.members[$0.primary].path) }
        let order = groups.indices.sorted { (keys[$0].date, keys[$0].path) < (keys[$1].date, keys[$1].path) }
        groups = order.map { groups[$0] }
        skipped.sort { $0.path < $1.path }
        return (groups, skipped)
    }

    static func folder(of relative: String) -> String {
        guard let slash = relative.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "" }
        return String(relative[..<slash])
    }

    static func lastComponent(of relative: String) -> String {
        guard let slash = relative.utf8.lastIndex(of: UInt8(ascii: "/")) else { return relative }
        return String(relative[relative.utf8.index(after: slash)...])
    }

    /// What follows `stem` in `name`, of which it is the start (``OrganizeNames/groupStem(of:)``):
    /// cut by its UTF-8 length.
    static func afterStem(_ name: String, _ stem: String) -> String {
        let bytes = name.utf8
        guard let at = bytes.index(bytes.startIndex, offsetBy: stem.utf8.count, limitedBy: bytes.endIndex) else { return "" }
        return String(name[at...])
    }
}

extension OrganizePlan.Operation {
    /// This operation as the JSON object its `Codable` conformance writes and reads (the same
    /// keys, from ``CodingKeys``; absent values left out), appended to `out` — without
    /// `JSONEncoder`, which costs tens of thousands of instructions per operation. False, with
    /// nothing appended, when a value has no JSON form (a non-finite mtime): the caller then
    /// encodes the usual way.
    package func appendJSON(to out: inout [UInt8]) -> Bool {
        guard mtime.isFinite else { return false }
        var first = true
        func key(_ key: CodingKeys) {
            out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            first = false
            Escape.jsonString(key.rawValue, into: &out)
            out.append(UInt8(ascii: ":"))
        }
        key(.source)
        Escape.jsonString(source, into: &out)
        key(.destination)
        Escape.jsonString(destination, into: &out)
        key(.sha256)
        Escape.jsonString(sha256, into: &out)
        key(.size)
        out += String(size).utf8
        key(.mtime)
        out += mtime.description.utf8
        key(.action)
        Escape.jsonString(action.rawValue, into: &out)
        if let companionOf {
            key(.companionOf)
            Escape.jsonString(companionOf, into: &out)
        }
        if let date {
            key(.date)
            Escape.jsonString(date, into: &out)
        }
        if let dateSource {
            key(.dateSource)
            Escape.jsonString(dateSource.rawValue, into: &out)
        }
        key(.renamed)
        out += (renamed ? "true" : "false").utf8
        out.append(UInt8(ascii: "}"))
        return true
    }
}
