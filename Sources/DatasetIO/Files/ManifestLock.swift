public import DatasetAnalysis
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive lock on a manifest for the duration of a scan, so two scans writing one
/// manifest at the same time do not interleave and lose records: the second is refused with
/// the PID of the first. Readers take no lock and are never blocked.
///
/// The lock is `flock` on a sibling file, `.<manifest>.lock`, which holds the owner's PID; the
/// manifest itself cannot carry the lock because a rewrite replaces its inode.
///
/// ```swift
/// let lock = try ManifestLock(manifest: "m.jsonl")
/// defer { lock.release() }
/// ```
public final class ManifestLock {
    public let path: String
    private var fd: Int32 = -1

    /// Takes the lock, or throws naming the process that holds it.
    public init(manifest: String) throws(DatasetIOError) {
        let (folder, base) = AtomicFile.split(manifest)
        path = "\(folder)/.\(base).lock"
        // A holder removes the file when it releases the lock; one that opened the file just
        // before may then lock a file no longer in the folder. Checking that the locked file
        // is still the one at `path` closes that race.
        for _ in 0..<100 {
            let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw DatasetIOError(
                    .ioFailed, "cannot create the lock file \(path): \(String(cString: strerror(errno)))",
                    remedy: "check that \(folder) exists and is writable")
            }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                let holder = Self.holder(descriptor)
                Glibc.close(descriptor)
                throw DatasetIOError(
                    .locked, "\(manifest) is being written by another scan, \(holder.map { "PID \($0)" } ?? "in another process")",
                    remedy: .waitForOtherScan)
            }
            var locked = stat(), current = stat()
            if fstat(descriptor, &locked) == 0, stat(path, &current) == 0,
                locked.st_dev == current.st_dev, locked.st_ino == current.st_ino
            {
                fd = descriptor
                let pid = Array("\(getpid())\n".utf8)
                _ = ftruncate(descriptor, 0)
                _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
                return
            }
            Glibc.close(descriptor)
        }
        throw DatasetIOError(.locked, "cannot lock \(manifest): its lock file \(path) keeps changing; try again")
    }

    deinit { release() }

    /// Removes the lock file and releases the lock (in that order, see `init`).
    public func release() {
        guard fd >= 0 else { return }
        unlink(path)
        Glibc.close(fd)
        fd = -1
    }

    private static func holder(_ descriptor: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let n = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return Int32(String(decoding: bytes[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
