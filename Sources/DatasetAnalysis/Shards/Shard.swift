/// One part of an input split `count` ways: `--shard 2/8` is the second of eight.
///
/// Which part an item belongs to is decided by its key alone — the path relative to the
/// scanned folder, or a URL list row's URL — so any number of machines can take their part
/// at the same time without talking to each other, and a re-run takes exactly the same items.
///
/// The key is hashed with 64-bit FNV-1a, mixed with SplitMix64's finaliser (FNV alone leaves
/// the low bits of similar names correlated), and mapped to a part with **jump consistent
/// hashing** (Lamping and Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm", 2014).
/// Why jump hashing rather than rendezvous hashing or `hash % count`:
/// - adding or removing files never moves another file (the key alone decides), as with any
///   keyed hash;
/// - growing from `count` to `count + 1` parts moves only `1/(count + 1)` of the items, all
///   into the new part, where `hash % count` would move almost all of them, so the partial
///   manifests of an earlier run are still mostly valid and resume;
/// - it needs no table and costs O(log count) per key, where rendezvous hashing costs
///   O(count) per key (it scores every part) for the same balance and stability; jump
///   hashing's one restriction, that parts are numbered rather than named, fits `I/N`.
///
/// Nothing here uses Swift's `Hasher`, which is seeded differently in every process: the
/// assignment is the same on every machine, in every version, for the same key bytes.
///
/// ```swift
/// let shard = try Shard(parsing: "2/8")
/// let mine = files.filter { shard.contains(key: $0.relativePath) }
/// ```
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// The part, from 1 to ``count``.
    public var index: Int
    /// How many parts the input is split into.
    public var count: Int

    /// Most parts an input can be split into: far more machines than anyone runs at once,
    /// and small enough that `I/N` reads well in headers and file names.
    public static let maxCount = 1_000_000

    /// A shard, or an error naming what is wrong with the numbers.
    public init(index: Int, count: Int) throws(ImgedaError) {
        guard count >= 1, count <= Self.maxCount else {
            throw ImgedaError(
                .invalidArgument, "shard count \(count) is out of range",
                remedy: "give I/N with N from 1 to \(Self.maxCount), for example 1/4")
        }
        guard index >= 1, index <= count else {
            throw ImgedaError(
                .invalidArgument, "shard \(index)/\(count) does not exist: parts are numbered 1 to \(count)",
                remedy: "give I/N with 1 ≤ I ≤ N, for example 1/\(count)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `I/N` (both decimal, `1 ≤ I ≤ N`).
    public init(parsing text: String) throws(ImgedaError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw ImgedaError(
                .invalidArgument, "'\(text)' is not a shard", remedy: "give I/N, the part and the number of parts, for example 2/4")
        }
        try self.init(index: index, count: count)
    }

    /// `I/N`, as written on the command line and in manifest headers.
    public var description: String { "\(index)/\(count)" }

    /// Whether the item with this key belongs to this part.
    ///
    /// - Complexity: O(key length + log ``count``).
    public func contains(key: some Sequence<UInt8>) -> Bool {
        Self.part(of: key, count: count) == index
    }

    /// Whether the item with this key belongs to this part.
    public func contains(key: String) -> Bool { contains(key: key.utf8) }

    /// The part (1…`count`) an item with this key belongs to.
    ///
    /// - Complexity: O(key length + log `count`).
    public static func part(of key: some Sequence<UInt8>, count: Int) -> Int {
        jump(hash: mix(fnv1a(key)), buckets: count) + 1
    }

    /// 64-bit FNV-1a: simple, stable, and defined byte for byte.
    static func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// SplitMix64's finaliser: every input bit affects every output bit.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Jump consistent hash: the bucket (0…`buckets - 1`) for `hash`, as in the paper.
    static func jump(hash: UInt64, buckets: Int) -> Int {
        var key = hash
        var b: Int64 = -1
        var j: Int64 = 0
        while j < Int64(buckets) {
            b = j
            key = key &* 2_862_933_555_777_941_757 &+ 1
            j = Int64(Double(b + 1) * (Double(Int64(1) << 31) / Double((key >> 33) &+ 1)))
        }
        return Int(b)
    }
}
