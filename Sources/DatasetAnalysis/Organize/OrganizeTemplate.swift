/// Where `organize` puts a file: a path relative to the destination, with `{field}`s filled
/// from the file's capture date (local time, as the camera states it), camera and name.
///
/// Every component is rendered on its own and made safe by ``Escape/pathComponent(_:)``, so
/// no value — a camera model `../../etc`, a name with a NUL — can reach outside the
/// destination or add a folder.
///
/// ```swift
/// let template = try OrganizeTemplate("{year}/{year}-{month}-{day}/{name}")
/// template.render(OrganizeTemplate.Values(date: date, name: "IMG_1.jpg"))  // "2023/2023-07-14/IMG_1.jpg"
/// ```
public struct OrganizeTemplate: Sendable, Hashable {
    /// The default: a folder per year, one per day inside it, the original name.
    public static let defaultText = "{year}/{year}-{month}-{day}/{name}"

    /// The fields a template may name.
    public enum Field: String, Sendable, CaseIterable {
        case year, month, day, hour, minute, second, date, time
        case make, model, camera
        case name, stem, ext
        case seq, confidence, source

        /// What the field gives, for help and error messages.
        public var meaning: String {
            switch self {
            case .year: "capture year (2023)"
            case .month: "month, two digits (07)"
            case .day: "day of the month, two digits (14)"
            case .hour: "hour, 00-23"
            case .minute: "minute, 00-59"
            case .second: "second, 00-59"
            case .date: "2023-07-14"
            case .time: "233000 (hour minute second)"
            case .make: "camera make from EXIF"
            case .model: "camera model from EXIF"
            case .camera: "make and model (the model alone when it already names the make)"
            case .name: "original file name with its extension"
            case .stem: "original file name without its extension"
            case .ext: "original extension, without the dot"
            case .seq: "0001, 0002 … in capture order within each destination folder"
            case .confidence: "how far the date is trusted: high, medium, low, lowest"
            case .source: "where the date came from: exif_original, exif_other, file_name, folder, mtime"
            }
        }
    }

    /// What a value stands in for when the file does not say it (no date part, no camera).
    public static let unknown = "unknown"

    private enum Piece: Sendable, Hashable {
        case literal(String)
        case field(Field)
    }

    public let text: String
    private let components: [[Piece]]

    /// Whether the template numbers files (`{seq}`), which needs every file's folder first.
    public var usesSequence: Bool { components.contains { $0.contains(.field(.seq)) } }

    /// Parses `text`. Throws one line naming the problem: an unknown field (with the closest
    /// valid one), an unclosed brace, an absolute path, a `.` or `..` folder, an empty template.
    public init(_ text: String) throws(ImgedaError) {
        self.text = text
        guard !text.isEmpty else {
            throw ImgedaError(.invalidArgument, "the template is empty", remedy: "use for example \(Self.defaultText)")
        }
        guard !text.hasPrefix("/") else {
            throw ImgedaError(
                .invalidArgument, "the template \"\(text)\" is an absolute path; it must be relative to the destination",
                remedy: "remove the leading /")
        }
        var components: [[Piece]] = []
        for part in text.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." || part == ".." {
                throw ImgedaError(
                    .invalidArgument, "the template \"\(text)\" has a \"\(part)\" folder; it could leave the destination",
                    remedy: "name folders by fields and words only")
            }
            components.append(try Self.parse(String(part), in: text))
        }
        guard !components.isEmpty else {
            throw ImgedaError(.invalidArgument, "the template \"\(text)\" names no file", remedy: "end it with {name}")
        }
        self.components = components
    }

    private static func parse(_ part: String, in text: String) throws(ImgedaError) -> [Piece] {
        var pieces: [Piece] = []
        var literal = ""
        var rest = Substring(part)
        while let open = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
            literal += rest[..<open]
            guard rest[open] == "{", let close = rest[open...].firstIndex(of: "}") else {
                throw ImgedaError(
                    .invalidArgument, "the template \"\(text)\" has an unmatched brace", remedy: "write fields as {year}")
            }
            let name = String(rest[rest.index(after: open)..<close])
            guard let field = Field(rawValue: name.lowercased()) else {
                let valid = Field.allCases.map(\.rawValue)
                let hint = EditDistance.closest(to: name, in: valid).map { "did you mean {\($0)}? " } ?? ""
                throw ImgedaError(
                    .invalidArgument, "unknown field {\(name)} in the template \"\(text)\"",
                    remedy: .text("\(hint)valid fields: " + valid.map { "{\($0)}" }.joined(separator: " ")))
            }
            if !literal.isEmpty { pieces.append(.literal(literal)) }
            literal = ""
            pieces.append(.field(field))
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        return pieces
    }

    /// The values of one file.
    public struct Values: Sendable, Hashable {
        public var date: CaptureDate?
        public var make: String?
        public var model: String?
        /// The original file name (last path component).
        public var name: String
        /// The file's number within its destination folder (``usesSequence``).
        public var sequence: Int

        public init(date: CaptureDate?, make: String? = nil, model: String? = nil, name: String, sequence: Int = 0) {
            self.date = date
            self.make = make
            self.model = model
            self.name = name
            self.sequence = sequence
        }
    }

    /// The relative path for `values`: components joined by `/`, each one safe.
    public func render(_ values: Values) -> String {
        components.map { pieces in
            Escape.pathComponent(
                pieces.map { piece in
                    switch piece {
                    case .literal(let text): text
                    case .field(let field): Self.value(field, values)
                    }
                }.joined())
        }.joined(separator: "/")
    }

    static func value(_ field: Field, _ v: Values) -> String {
        let local = v.date?.local ?? ""
        // `2023-07-14T23:30:00`: fixed positions (CaptureDate's ISO form), possibly a prefix.
        func part(_ start: Int, _ length: Int, missing: String) -> String {
            let bytes = local.utf8
            guard bytes.count >= start + length else { return missing }
            let from = bytes.index(bytes.startIndex, offsetBy: start)
            return String(decoding: bytes[from..<bytes.index(from, offsetBy: length)], as: UTF8.self)
        }
        let name = v.name
        switch field {
        case .year: return part(0, 4, missing: unknown)
        case .month: return part(5, 2, missing: unknown)
        case .day: return part(8, 2, missing: unknown)
        case .hour: return part(11, 2, missing: "00")
        case .minute: return part(14, 2, missing: "00")
        case .second: return part(17, 2, missing: "00")
        case .date: return local.utf8.count >= 10 ? part(0, 10, missing: unknown) : unknown
        case .time: return part(11, 2, missing: "00") + part(14, 2, missing: "00") + part(17, 2, missing: "00")
        case .make: return clean(v.make) ?? unknown
        case .model: return clean(v.model) ?? unknown
        case .camera:
            switch (clean(v.make), clean(v.model)) {
            case (let make?, let model?):
                return model.lowercased().hasPrefix(make.lowercased().split(separator: " ").first.map(String.init) ?? make.lowercased())
                    ? model : "\(make) \(model)"
            case (let make?, nil): return make
            case (nil, let model?): return model
            case (nil, nil): return unknown
            }
        case .name: return name
        case .stem: return OrganizeNames.stem(of: name)
        case .ext: return OrganizeNames.extension(of: name)
        case .seq:
            let digits = String(v.sequence)
            return digits.count >= 4 ? digits : String(repeating: "0", count: 4 - digits.count) + digits
        case .confidence: return v.date?.confidence.rawValue ?? CaptureDate.Confidence.lowest.rawValue
        case .source: return v.date?.source.rawValue ?? unknown
        }
    }

    private static func clean(_ text: String?) -> String? {
        guard let text else { return nil }
        let trimmed = text.split(whereSeparator: { $0 == " " || $0 == "\0" }).joined(separator: " ")
        return trimmed.isEmpty ? nil : trimmed
    }
}

/// The naming rules `organize` shares between its plan and its companions: extensions,
/// stems, and the suffix that keeps two different files of one name apart.
public enum OrganizeNames {
    /// Photo and video formats a file can be organised by (the primary of a group).
    public static let imageExtensions: Set<String> = [
        "jpg", "jpeg", "png", "bmp", "tiff", "tif", "webp", "gif", "heic", "heif", "avif", "jxl",
    ]
    /// Camera RAW formats; a RAW file travels with the JPEG of the same name.
    public static let rawExtensions: Set<String> = [
        "dng", "cr2", "cr3", "crw", "nef", "nrw", "arw", "srf", "sr2", "raf", "orf", "rw2", "pef", "srw", "x3f", "3fr", "iiq", "erf",
        "mef", "mos", "kdc", "dcr",
    ]
    /// Video formats (a Live Photo's `.mov`, a phone's clip).
    public static let videoExtensions: Set<String> = ["mov", "mp4", "m4v", "3gp", "avi", "mts", "m2ts"]
    /// Sidecars that describe a photo and travel with it: XMP edits, Apple's `.aae`
    /// adjustments, Google Takeout's `.json` (`IMG_1.jpg.json` and `IMG_1.json`).
    public static let sidecarExtensions: Set<String> = ["xmp", "aae", "json"]

    /// The extension, as written, without the dot ("" when none; a leading dot is no extension).
    public static func `extension`(of name: String) -> String {
        guard let dot = lastDot(in: name) else { return "" }
        return String(name[name.utf8.index(after: dot)...])
    }

    /// The name without its last extension.
    public static func stem(of name: String) -> String {
        guard let dot = lastDot(in: name) else { return name }
        return String(name[..<dot])
    }

    /// The last `.` of `name` that is not its first byte: found among the UTF-8 bytes, not
    /// the characters (the planner asks several times per file).
    private static func lastDot(in name: String) -> String.Index? {
        guard let dot = name.utf8.lastIndex(of: UInt8(ascii: ".")), dot != name.startIndex else { return nil }
        return dot
    }

    /// What a file is to `organize`, by its extension.
    public enum Kind: Sendable, Hashable {
        case image, raw, video, sidecar, other
    }

    public static func kind(of name: String) -> Kind {
        // Every known extension is 2 to 4 ASCII letters or digits: a longer or non-ASCII one
        // (folded by `lowercased()` below) is looked up the long way.
        if let dot = lastDot(in: name) {
            let ext = name.utf8[name.utf8.index(after: dot)...]
            if ext.count > 4, ext.allSatisfy({ $0 < 0x80 }) { return .other }
        } else {
            return .other
        }
        let ext = `extension`(of: name).lowercased()
        if imageExtensions.contains(ext) { return .image }
        if rawExtensions.contains(ext) { return .raw }
        if videoExtensions.contains(ext) { return .video }
        if sidecarExtensions.contains(ext) { return .sidecar }
        return .other
    }

    /// The name shared by a photo and its companions: known extensions taken off the end,
    /// up to two (`IMG_1.jpg.json` → `IMG_1`, `IMG_1.CR2` → `IMG_1`, `IMG_1.xmp` → `IMG_1`).
    public static func groupStem(of name: String) -> String {
        var stem = name
        for _ in 0..<2 {
            guard kind(of: stem) != .other else { break }
            stem = self.stem(of: stem)
        }
        return stem
    }

    /// `name` with ` (n)`-free clash suffix `_n` before its companion part: `IMG_1.jpg` → `IMG_1_2.jpg`.
    /// `suffix` is what follows the shared stem (`.jpg`, `.jpg.json`); 0 gives the name unchanged.
    public static func withClashSuffix(stem: String, suffix: String, number: Int) -> String {
        number == 0 ? stem + suffix : "\(stem)_\(number)\(suffix)"
    }
}
