/// The problem flags of a record, one bit each: small enough to travel beside a worker's
/// JSON answer, so the scan's supervisor counts problems without parsing the record.
public struct RecordFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let corrupt = RecordFlags(rawValue: 1)
    public static let dark = RecordFlags(rawValue: 2)
    public static let overexposed = RecordFlags(rawValue: 4)
    public static let blurry = RecordFlags(rawValue: 8)
    public static let borderArtifact = RecordFlags(rawValue: 16)
    /// The file was flagged because it needs more memory than a worker may use: a limit that
    /// can be raised, not damage. Set by the worker that analysed it (the record's fields
    /// alone do not say it), so ``init(_:)`` leaves it out.
    public static let overMemoryLimit = RecordFlags(rawValue: 32)
    /// The file was not decoded because it has more pixels than the limit allows.
    public static let overPixelLimit = RecordFlags(rawValue: 64)
    /// The file is read only by the untrusted loaders, which were off.
    public static let needsUntrustedLoaders = RecordFlags(rawValue: 128)

    public init(_ r: ImageRecord) {
        var flags: RecordFlags = []
        if r.isCorrupt { flags.insert(.corrupt) }
        if r.isDark { flags.insert(.dark) }
        if r.isOverexposed { flags.insert(.overexposed) }
        if r.isBlurry { flags.insert(.blurry) }
        if r.hasBorderArtifact { flags.insert(.borderArtifact) }
        switch r.corruptReason.flatMap(Remedy.named(in:)) {
        case .raisePixelLimit: flags.insert(.overPixelLimit)
        case .allowUntrustedLoaders: flags.insert(.needsUntrustedLoaders)
        default: break
        }
        self = flags
    }
}

/// Counts of problems among records.
public struct ProblemCounts: Sendable, Hashable {
    public var corrupt = 0
    public var dark = 0
    public var overexposed = 0
    public var blurry = 0
    public var borderArtifact = 0
    /// Files flagged for needing more memory than a worker may use.
    public var overMemoryLimit = 0
    /// Files not decoded because they have more pixels than the limit allows.
    public var overPixelLimit = 0
    /// Files read only by the untrusted loaders, which were off.
    public var needsUntrustedLoaders = 0

    public init() {}

    public mutating func add(_ flags: RecordFlags) {
        if flags.contains(.corrupt) { corrupt += 1 }
        if flags.contains(.dark) { dark += 1 }
        if flags.contains(.overexposed) { overexposed += 1 }
        if flags.contains(.blurry) { blurry += 1 }
        if flags.contains(.borderArtifact) { borderArtifact += 1 }
        if flags.contains(.overMemoryLimit) { overMemoryLimit += 1 }
        if flags.contains(.overPixelLimit) { overPixelLimit += 1 }
        if flags.contains(.needsUntrustedLoaders) { needsUntrustedLoaders += 1 }
    }
}
