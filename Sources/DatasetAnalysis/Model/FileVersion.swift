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
