#if canImport(Glibc)
    import Glibc
#endif

/// A file's size and modification time: what tells, without opening it, whether it changed.
public struct FileVersion: Sendable, Hashable {
    public var size: Int
    /// As a discovered file's `mtime` (seconds + nanoseconds × 1e-9).
    public var mtime: Double

    public init(size: Int, mtime: Double) {
        self.size = size
        self.mtime = mtime
    }
}

/// Files by path (as raw UTF-8 bytes) with their versions: what a walk of a folder found,
/// looked up by the bytes a database hands back, with no `String` made on either side.
///
/// Paths are compared byte for byte (two spellings of one name in different Unicode
/// normalisations are different paths here: the caller then does the slower, exact work).
/// - Complexity: insert and lookup O(length of the path) on average.
public struct FileVersions: Sendable {
    private struct Entry: Sendable {
        var start: Int
        var length: Int
        var hash: UInt64
        var version: FileVersion
    }

    /// Every path's bytes, one after another.
    private var arena: [UInt8] = []
    private var entries: [Entry] = []
    /// Open addressing: an index into `entries`, or -1; the count is a power of two.
    private var slots: [Int32] = Array(repeating: -1, count: 64)

    public init() {}

    public init(_ files: [String: FileVersion]) {
        for (path, version) in files { self[path] = version }
    }

    /// The number of paths.
    public var count: Int { entries.count }

    /// Every path with its version (for tests and reports; allocates a `String` per path).
    public var dictionary: [String: FileVersion] {
        var result: [String: FileVersion] = [:]
        for entry in entries { result[String(decoding: arena[entry.start..<(entry.start + entry.length)], as: UTF8.self)] = entry.version }
        return result
    }

    public subscript(path: String) -> FileVersion? {
        get {
            var path = path
            return path.withUTF8 { version(ofPath: UnsafeRawBufferPointer($0)) }
        }
        set {
            var path = path
            path.withUTF8 { bytes in
                if let newValue {
                    set(newValue, forPath: UnsafeRawBufferPointer(bytes))
                } else {
                    remove(path: UnsafeRawBufferPointer(bytes))
                }
            }
        }
    }

    /// The version of the file at `path` (its UTF-8 bytes), or nil.
    public func version(ofPath path: UnsafeRawBufferPointer) -> FileVersion? {
        let hash = Self.hash(path)
        guard let slot = find(path, hash) else { return nil }
        let index = slots[slot]
        return index >= 0 ? entries[Int(index)].version : nil
    }

    /// Sets the version of the file at `path` (its UTF-8 bytes), replacing any earlier one.
    public mutating func set(_ version: FileVersion, forPath path: UnsafeRawBufferPointer) {
        let hash = Self.hash(path)
        if let slot = find(path, hash), slots[slot] >= 0 {
            entries[Int(slots[slot])].version = version
            return
        }
        if (entries.count + 1) * 4 > slots.count * 3 { grow() }
        entries.append(Entry(start: arena.count, length: path.count, hash: hash, version: version))
        arena.append(contentsOf: path)
        place(Int32(entries.count - 1), hash)
    }

    private mutating func remove(path: UnsafeRawBufferPointer) {
        guard version(ofPath: path) != nil else { return }
        // Rare (tests edit tables by path): rebuilt without the path.
        var kept = FileVersions()
        for entry in entries {
            let same = arena.withUnsafeBytes { all in
                Self.equal(UnsafeRawBufferPointer(rebasing: all[entry.start..<(entry.start + entry.length)]), path)
            }
            if !same {
                arena.withUnsafeBytes { all in
                    kept.set(entry.version, forPath: UnsafeRawBufferPointer(rebasing: all[entry.start..<(entry.start + entry.length)]))
                }
            }
        }
        self = kept
    }

    /// The slot holding `path`, or the empty slot where it would go (nil only if the table
    /// were full, which growth prevents).
    private func find(_ path: UnsafeRawBufferPointer, _ hash: UInt64) -> Int? {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        for _ in 0..<slots.count {
            let index = slots[slot]
            if index < 0 { return slot }
            let entry = entries[Int(index)]
            if entry.hash == hash, entry.length == path.count {
                let same = arena.withUnsafeBytes { all in
                    Self.equal(UnsafeRawBufferPointer(rebasing: all[entry.start..<(entry.start + entry.length)]), path)
                }
                if same { return slot }
            }
            slot = (slot + 1) & mask
        }
        return nil
    }

    private mutating func place(_ index: Int32, _ hash: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = index
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        for (index, entry) in entries.enumerated() { place(Int32(index), entry.hash) }
    }

    private static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard let x = a.baseAddress, let y = b.baseAddress else { return true }
        return memcmp(x, y, a.count) == 0
    }

    /// A 64-bit hash of bytes, eight at a time (multiply and rotate; not for adversaries: a
    /// collision only costs a comparison).
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var offset = 0
        while offset + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            h = (h ^ word) &* 0xBF58_476D_1CE4_E5B9
            h = (h << 31) | (h >> 33)
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            tail |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 29)
    }
}
