import CImgedaSupport
public import DatasetAnalysis
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Files read by mapping them: the checksum and the decoder read the page cache directly,
/// with no copy of the bytes.
public enum MappedFile {
    /// Why a file could not be read, in words for a record's `corrupt_reason`.
    public struct ReadFailure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Maps a whole regular file read-only and calls `body` with its bytes, size and
    /// modification time. Mapping instead of reading saves a copy of every byte: the
    /// checksum and the decoder read the page cache directly. Opens without blocking (a FIFO
    /// that replaced the file after discovery must not hang the worker) and checks the type
    /// on the open descriptor.
    public static func withBytes(
        _ path: FilePathBytes, _ body: (UnsafeRawBufferPointer, Int, Double) -> Void
    ) -> Result<Void, ReadFailure> {
        let fd = path.withCString { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else {
            return .failure(ReadFailure(description: "cannot open file (\(String(cString: strerror(errno))))"))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            return .failure(ReadFailure(description: "cannot stat file (\(String(cString: strerror(errno))))"))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            return .failure(ReadFailure(description: "not a regular file"))
        }
        let size = Int(info.st_size)
        let mtime = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) * 1e-9
        guard size > 0 else {
            body(UnsafeRawBufferPointer(start: nil, count: 0), 0, mtime)
            return .success(())
        }
        guard let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapping != MAP_FAILED else {
            let error = errno
            if error == ENOMEM, let reason = memoryLimitReason(fileSize: size) {
                return .failure(ReadFailure(description: reason))
            }
            return .failure(ReadFailure(description: "cannot read file (\(String(cString: strerror(error))))"))
        }
        defer { munmap(mapping, size) }
        // The whole file is about to be read front to back (checksum, then decoder).
        _ = madvise(mapping, size, MADV_SEQUENTIAL)
        body(UnsafeRawBufferPointer(start: mapping, count: size), size, mtime)
        return .success(())
    }

    /// How ``memoryLimitReason(fileSize:)`` begins, so a worker can tell a file that hit its
    /// memory limit (a limit the user can raise) from a damaged one.
    public static let memoryLimitPrefix = "needs more memory than the limit of"

    /// Why a file failed when this process runs under a memory limit (a worker does), or
    /// nil without one.
    public static func memoryLimitReason(fileSize: Int) -> String? {
        let limit = cimgeda_memory_limit()
        guard limit > 0 else { return nil }
        let gib = 1024.0 * 1024 * 1024
        func shown(_ bytes: Double) -> String {
            String(format: bytes >= gib ? "%.1f GiB" : "%.0f MiB", bytes >= gib ? bytes / gib : bytes / 1024 / 1024)
        }
        return
            "\(memoryLimitPrefix) \(shown(Double(limit))) for one worker (the file is \(shown(Double(fileSize))); the limit per worker can be raised)"
    }
}
