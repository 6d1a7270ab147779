internal import CImgedaSupport
public import DatasetAnalysis
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The one way imgeda writes an output file: under a temporary name in the same folder, then
/// `fsync`, `rename` over the destination and `fsync` of the folder. Readers — and a full
/// disk, a crash or Ctrl-C — see the previous file or the new one, never a torn mixture.
///
/// The temporary file never outlives a failure: it is removed when writing fails, when the
/// writer is dropped without ``commit()``, when SIGINT, SIGTERM or SIGHUP ends the process
/// (it is registered with the signal handlers), and — for a process killed with SIGKILL — by
/// the next write of the same file, which removes temporary files of processes that no
/// longer exist.
///
/// ```swift
/// let file = try AtomicFile(path: "out.csv")
/// try file.write(Array("a,b\n".utf8))
/// try file.commit()
/// ```
public final class AtomicFile {
    public let path: String
    private let temporary: String
    private var fd: Int32
    private var slot: Int32
    private var done = false

    public init(path: String) throws(DatasetIOError) {
        // `s3://b/k` would otherwise become a local folder named `s3:`: only a scan's manifest
        // goes to S3 (written locally first, then uploaded).
        guard !RemoteManifests.isRemote(path) else {
            throw DatasetIOError(
                .invalidArgument, "cannot write \(path): only a scan's manifest is written to S3",
                remedy: "write to a local file, then upload it")
        }
        self.path = path
        let (folder, base) = Self.split(path)
        Self.removeAbandoned(base: base, in: folder)
        temporary = "\(folder)/.\(base).\(getpid()).tmp"
        unlink(temporary)
        // Registered before it exists, so no signal can arrive between creating and registering.
        slot = cimgeda_temp_register(temporary)
        fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            cimgeda_temp_unregister(slot)
            done = true
            throw DatasetIOError(.ioFailed, "cannot write \(path): \(reason)", remedy: "check that \(folder) exists and is writable")
        }
    }

    deinit { abandon() }

    /// Appends `bytes` to the temporary file.
    public func write(_ bytes: [UInt8]) throws(DatasetIOError) {
        do throws(DatasetIOError) {
            try ManifestFiles.writeAll(fd: fd, bytes, path: path)
        } catch {
            abandon()
            throw error
        }
    }

    /// Flushes the temporary file to disk and renames it over ``path``.
    public func commit() throws(DatasetIOError) {
        guard !done else { return }
        guard fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            abandon()
            throw DatasetIOError(.ioFailed, "cannot write \(path): \(reason) (is the disk full?); the previous file is unchanged")
        }
        Glibc.close(fd)
        fd = -1
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            abandon()
            throw DatasetIOError(
                .ioFailed, "cannot replace \(path): \(reason)", remedy: "check that it is not a folder and that its folder is writable")
        }
        done = true
        cimgeda_temp_unregister(slot)
        let dirFD = open(Self.split(path).folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            Glibc.close(dirFD)
        }
    }

    /// Removes the temporary file; ``path`` is left as it was.
    public func abandon() {
        guard !done else { return }
        done = true
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
        unlink(temporary)
        cimgeda_temp_unregister(slot)
    }

    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: [UInt8], to path: String) throws(DatasetIOError) {
        let file = try AtomicFile(path: path)
        try file.write(bytes)
        try file.commit()
    }

    /// Replaces `path` atomically with what `produce` writes (through a 1 MiB buffer): if
    /// `produce` throws, the temporary file is removed and `path` is unchanged.
    public static func replace(
        _ path: String, produce: (_ write: ([UInt8]) throws(DatasetIOError) -> Void) throws -> Void
    ) throws {
        let file = try AtomicFile(path: path)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        do {
            try produce { (bytes: [UInt8]) throws(DatasetIOError) in
                buffer.append(contentsOf: bytes)
                if buffer.count >= 1 << 20 {
                    try file.write(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try file.write(buffer)
        } catch {
            file.abandon()
            throw error
        }
        try file.commit()
    }

    static func split(_ path: String) -> (folder: String, base: String) {
        let directory = FileSystem.parentFolder(of: path)
        return (directory.isEmpty ? "." : directory, (path as NSString).lastPathComponent)
    }

    /// Removes `.<base>.<pid>.tmp` files in `folder` whose process no longer exists: what a
    /// process killed with SIGKILL (which no handler sees) left behind.
    static func removeAbandoned(base: String, in folder: String) {
        let prefix = ".\(base).", suffix = ".tmp"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(suffix) && name.count > prefix.count + suffix.count {
            let middle = name.dropFirst(prefix.count).dropLast(suffix.count)
            guard let pid = Int32(middle), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink("\(folder)/\(name)") }
        }
    }

    /// The temporary name a writer in this process uses for `path`: `.<name>.<pid>.tmp` in
    /// the same folder (what ``removeAbandonedTemporaries(in:)`` recognises).
    package static func temporaryName(for path: String) -> String {
        let (folder, base) = split(path)
        return "\(folder)/.\(base).\(getpid()).tmp"
    }

    /// Removes every `.<name>.<pid>.tmp` in `folder` whose process no longer exists: one
    /// listing for a whole folder, for writers that put many files there.
    package static func removeAbandonedTemporaries(in folder: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            let parts = name.dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count >= 3, let pid = Int32(parts[parts.count - 1]), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink("\(folder)/\(name)") }
        }
    }
}
