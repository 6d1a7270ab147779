#if canImport(Glibc)
    import Glibc
#endif

/// When a picture was taken, with where that came from and how far to trust it.
///
/// The time is the **local** time the camera (or the name, or the folder) states, kept as
/// written — never shifted to UTC — so a photo taken at 23:30 on 14 July stays on 14 July
/// whatever the time zone. ``offset`` holds the UTC offset when the source states it
/// (EXIF `OffsetTimeOriginal`).
///
/// ```swift
/// let date = CaptureDate.extract(exifOriginal: "2023:07:14 23:30:00", exifOffset: "-05:00",
///                                path: "2023/IMG_1.jpg", mtime: 0)
/// // date.local == "2023-07-14T23:30:00", date.source == .exifOriginal, date.confidence == .high
/// ```
public struct CaptureDate: Sendable, Hashable, Codable {
    /// Where the date was found, from most to least trustworthy.
    public enum Source: String, Sendable, Hashable, Codable, CaseIterable {
        /// EXIF `DateTimeOriginal`.
        case exifOriginal = "exif_original"
        /// Another EXIF or XMP date (`DateTimeDigitized`, `DateTime`, `xmp:CreateDate`).
        case exifOther = "exif_other"
        /// A date in the file's name (`IMG_20230714_160211.jpg`).
        case fileName = "file_name"
        /// A date in the folders of its path (`2023/07/14/`, `2023-07-14 Beach/`).
        case folder
        /// The file's modification time.
        case mtime

        /// How far a date from this source is trusted.
        public var confidence: Confidence {
            switch self {
            case .exifOriginal, .exifOther: .high
            case .fileName: .medium
            case .folder: .low
            case .mtime: .lowest
            }
        }
    }

    public enum Confidence: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case lowest, low, medium, high

        private var rank: Int {
            switch self {
            case .lowest: 0
            case .low: 1
            case .medium: 2
            case .high: 3
            }
        }
        public static func < (a: Confidence, b: Confidence) -> Bool { a.rank < b.rank }
    }

    /// Local date and time as far as the source knows it: `2023-07-14T23:30:00`, or a
    /// prefix (`2023-07-14`, `2023-07`) when the source states no more. ISO order, so text
    /// comparison is date comparison.
    public var local: String
    /// The UTC offset (`-05:00`) when the source states it; nil when the time zone is unknown.
    public var offset: String?
    public var source: Source

    public var confidence: Confidence { source.confidence }
    public var timeZoneKnown: Bool { offset != nil }

    public init(local: String, offset: String? = nil, source: Source) {
        self.local = local
        self.offset = offset
        self.source = source
    }

    /// The most trustworthy capture date among the sources, trying each in order: EXIF
    /// `DateTimeOriginal` (with `OffsetTimeOriginal` when present), other EXIF/XMP dates, the
    /// file name, the folders, and finally `mtime` (seconds since the epoch, shown in this
    /// machine's local time; nil when `mtime` is not positive).
    /// - Complexity: O(length of the path).
    public static func extract(
        exifOriginal: String? = nil, exifOffset: String? = nil, exifOther: String? = nil, path: String, mtime: Double
    ) -> CaptureDate? {
        if let local = exifOriginal.flatMap(parseExif) {
            return CaptureDate(local: local, offset: exifOffset.flatMap(parseOffset), source: .exifOriginal)
        }
        if let local = exifOther.flatMap(parseExif) {
            return CaptureDate(local: local, source: .exifOther)
        }
        // The name's bytes first (the last non-empty component): most files are dated by
        // their name, and the folders are split into strings only when it is not.
        let bytes = Array(path.utf8)
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }
        var start = end
        while start > 0, bytes[start - 1] != UInt8(ascii: "/") { start -= 1 }
        if start < end, let local = dateInName(bytes: Array(bytes[start..<end])) {
            return CaptureDate(local: local, source: .fileName)
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if let local = dateInFolders(Array(parts.dropLast())) {
            return CaptureDate(local: local, source: .folder)
        }
        return localTime(mtime: mtime).map { CaptureDate(local: $0.local, offset: $0.offset, source: .mtime) }
    }

    /// The capture date from what a file's own metadata says (``EmbeddedMetadata``): EXIF
    /// `DateTimeOriginal` with `OffsetTimeOriginal`, else XMP's original date with the zone
    /// it is written with, else XMP's creation date; then, as ``extract(exifOriginal:exifOffset:exifOther:path:mtime:)``,
    /// the name, the folders and `mtime`.
    public static func extract(exif: ExifSummary?, xmp: XMPDates?, path: String, mtime: Double) -> CaptureDate? {
        if let original = exif?.datetimeOriginal, parseExif(original) != nil {
            return extract(exifOriginal: original, exifOffset: exif?.offsetTimeOriginal, path: path, mtime: mtime)
        }
        if let original = xmp?.original, parseExif(original) != nil {
            return extract(exifOriginal: original, exifOffset: zone(ofISO: original), path: path, mtime: mtime)
        }
        return extract(exifOther: xmp?.created, path: path, mtime: mtime)
    }

    /// The zone of an ISO 8601 date and time (`2023-07-14T23:30:00.12-05:00` → `-05:00`,
    /// `…Z` → `+00:00`); nil when it states none.
    public static func zone(ofISO text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count > 19 else { return nil }
        var at = 19
        if bytes[at] == UInt8(ascii: ".") {
            at += 1
            while at < bytes.count, isDigit(bytes[at]) { at += 1 }
        }
        guard at < bytes.count else { return nil }
        return parseOffset(String(decoding: bytes[at...], as: UTF8.self))
    }

    /// `2023:07:14 23:30:00` (EXIF's form; `-` separators too, and XMP's `2023-07-14T23:30:00`
    /// with an optional fraction or zone, which is dropped) as `2023-07-14T23:30:00`. Nil for
    /// the all-zero placeholder cameras write and for impossible values.
    public static func parseExif(_ text: String) -> String? {
        let digits = Array(text.utf8)
        // YYYY?MM?DD?HH?MM?SS: separators at 4, 7, 10, 13, 16.
        guard digits.count >= 19 else {
            // A date alone (XMP allows it).
            guard digits.count == 10, let d = fields(digits, [0, 5, 8], widths: [4, 2, 2]) else { return nil }
            return valid(year: d[0], month: d[1], day: d[2]) ? iso(d[0], d[1], d[2]) : nil
        }
        guard let f = fields(digits, [0, 5, 8, 11, 14, 17], widths: [4, 2, 2, 2, 2, 2]) else { return nil }
        guard valid(year: f[0], month: f[1], day: f[2]), validTime(f[3], f[4], f[5]) else { return nil }
        return iso(f[0], f[1], f[2], f[3], f[4], f[5])
    }

    /// `+02:00`, `-05:00`, `Z`, `+0200` → `+02:00` form; nil when unreadable.
    public static func parseOffset(_ text: String) -> String? {
        let t = text.trimmingSpaces
        if t == "Z" { return "+00:00" }
        let bytes = Array(t.utf8)
        guard let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
        let digits = bytes.dropFirst().filter { $0 != UInt8(ascii: ":") }
        guard digits.count == 4, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        let hours = Int(digits[digits.startIndex] - 0x30) * 10 + Int(digits[digits.startIndex + 1] - 0x30)
        let minutes = Int(digits[digits.startIndex + 2] - 0x30) * 10 + Int(digits[digits.startIndex + 3] - 0x30)
        guard hours <= 14, minutes < 60 else { return nil }
        return "\(Character(Unicode.Scalar(sign)))\(pad(hours)):\(pad(minutes))"
    }

    /// A date (and time, when present) in a file name: `IMG_20230714_160211`,
    /// `PXL_20230714_160211123`, `2023-07-14 16.02.11`, `Screenshot_2023-07-14-16-02-11`,
    /// `IMG-20230714-WA0001` (date only), `2023_07_14`.
    public static func dateInName(_ name: String) -> String? { dateInName(bytes: Array(name.utf8)) }

    private static func dateInName(bytes chars: [UInt8]) -> String? {
        var start = 0
        while start + 8 <= chars.count {
            // A date starts at a digit not preceded by a digit.
            if isDigit(chars[start]) && (start == 0 || !isDigit(chars[start - 1])), let found = dateTime(in: chars, at: start) {
                return found
            }
            start += 1
        }
        return nil
    }

    /// The deepest date the folders state: `…/2023/07/14/`, `…/2023/07/`, `…/2023-07-14 Beach/`,
    /// `…/2023/` (year only). A year alone must be a whole folder name, so `Trip 2023` is no date.
    public static func dateInFolders(_ folders: [String]) -> String? {
        var best: String?
        for (i, folder) in folders.enumerated() {
            let chars = Array(folder.utf8)
            if let date = dateTime(in: chars, at: 0) {
                best = date
                continue
            }
            // YYYY, then MM, then DD as whole folder names.
            guard chars.count == 4, let year = number(chars, 0, 4), (1900...2099).contains(year) else { continue }
            var found = "\(year)"
            if i + 1 < folders.count, let month = wholeNumber(folders[i + 1], 2), (1...12).contains(month) {
                found += "-\(pad(month))"
                if i + 2 < folders.count, let day = wholeNumber(folders[i + 2], 2), valid(year: year, month: month, day: day) {
                    found += "-\(pad(day))"
                }
            }
            best = found
        }
        return best
    }

    /// `mtime` in this machine's local time, with its offset.
    static func localTime(mtime: Double) -> (local: String, offset: String)? {
        guard mtime > 0, mtime < 1e11 else { return nil }
        var seconds = time_t(mtime)
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return nil }
        let local = iso(
            Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min),
            Int(parts.tm_sec))
        let gmt = Int(parts.tm_gmtoff)
        let sign = gmt < 0 ? "-" : "+"
        return (local, "\(sign)\(pad(abs(gmt) / 3600)):\(pad(abs(gmt) % 3600 / 60))")
    }

    // MARK: - Scanning helpers

    /// `YYYY[-_.]?MM[-_.]?DD` at `at`, then optionally `[_ T-]HH[.:-]?MM[.:-]?SS`.
    private static func dateTime(in c: [UInt8], at: Int) -> String? {
        guard let year = number(c, at, 4), (1900...2099).contains(year) else { return nil }
        var i = at + 4
        let dateSeparator: UInt8? = i < c.count && isSeparator(c[i]) ? c[i] : nil
        if dateSeparator != nil { i += 1 }
        guard let month = number(c, i, 2), (1...12).contains(month) else { return nil }
        i += 2
        if let s = dateSeparator {
            guard i < c.count, c[i] == s else { return nil }
            i += 1
        }
        guard let day = number(c, i, 2), valid(year: year, month: month, day: day) else { return nil }
        i += 2
        // Not part of a longer number (20230714123 without a separator is no date).
        if i < c.count, isDigit(c[i]) { return nil }
        var result = iso(year, month, day)
        if i < c.count, [UInt8(ascii: "_"), UInt8(ascii: " "), UInt8(ascii: "T"), UInt8(ascii: "-")].contains(c[i]) {
            var j = i + 1
            if let h = number(c, j, 2) {
                j += 2
                let timeSeparator: UInt8? =
                    j < c.count && [UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "-")].contains(c[j]) ? c[j] : nil
                if timeSeparator != nil { j += 1 }
                if let m = number(c, j, 2) {
                    j += 2
                    if let s = timeSeparator {
                        if j < c.count, c[j] == s { j += 1 } else { return result }
                    }
                    if let sec = number(c, j, 2), validTime(h, m, sec) {
                        result = iso(year, month, day, h, m, sec)
                    }
                }
            }
        }
        return result
    }

    private static func isDigit(_ c: UInt8) -> Bool { (0x30...0x39).contains(c) }
    private static func isSeparator(_ c: UInt8) -> Bool { c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".") }

    private static func number(_ c: [UInt8], _ at: Int, _ width: Int) -> Int? {
        guard at >= 0, at + width <= c.count else { return nil }
        var value = 0
        for i in at..<(at + width) {
            guard isDigit(c[i]) else { return nil }
            value = value * 10 + Int(c[i] - 0x30)
        }
        return value
    }

    private static func wholeNumber(_ text: String, _ width: Int) -> Int? {
        let c = Array(text.utf8)
        return c.count == width ? number(c, 0, width) : nil
    }

    private static func fields(_ c: [UInt8], _ starts: [Int], widths: [Int]) -> [Int]? {
        var out: [Int] = []
        for (s, w) in zip(starts, widths) {
            guard let n = number(c, s, w) else { return nil }
            out.append(n)
        }
        return out
    }

    private static func valid(year: Int, month: Int, day: Int) -> Bool {
        guard (1800...2200).contains(year), (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    private static func validTime(_ h: Int, _ m: Int, _ s: Int) -> Bool { h < 24 && m < 60 && s < 61 }

    private static func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// `YYYY-MM-DD`, written byte by byte (it runs for every image a library indexes).
    private static func iso(_ y: Int, _ mo: Int, _ d: Int) -> String {
        guard (1000...9999).contains(y), (0..<100).contains(mo), (0..<100).contains(d) else { return "\(y)-\(pad(mo))-\(pad(d))" }
        return String(unsafeUninitializedCapacity: 10) { out in
            putDate(y, mo, d, into: out)
            return 10
        }
    }

    /// `YYYY-MM-DD` in the first 10 bytes of `out`.
    private static func putDate(_ y: Int, _ mo: Int, _ d: Int, into out: UnsafeMutableBufferPointer<UInt8>) {
        put(y, 4, into: out, at: 0)
        out[4] = UInt8(ascii: "-")
        put(mo, 2, into: out, at: 5)
        out[7] = UInt8(ascii: "-")
        put(d, 2, into: out, at: 8)
    }

    /// `YYYY-MM-DDTHH:MM:SS`, written byte by byte.
    private static func iso(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> String {
        let twoDigits = min(mo, d, h, mi, s) >= 0 && max(mo, d, h, mi, s) < 100
        guard (1000...9999).contains(y), twoDigits else { return "\(iso(y, mo, d))T\(pad(h)):\(pad(mi)):\(pad(s))" }
        return String(unsafeUninitializedCapacity: 19) { out in
            putDate(y, mo, d, into: out)
            out[10] = UInt8(ascii: "T")
            put(h, 2, into: out, at: 11)
            out[13] = UInt8(ascii: ":")
            put(mi, 2, into: out, at: 14)
            out[16] = UInt8(ascii: ":")
            put(s, 2, into: out, at: 17)
            return 19
        }
    }

    /// `value`'s last `width` decimal digits at `at`, zero-padded.
    private static func put(_ value: Int, _ width: Int, into out: UnsafeMutableBufferPointer<UInt8>, at: Int) {
        var rest = value
        for k in stride(from: at + width - 1, through: at, by: -1) {
            out[k] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
