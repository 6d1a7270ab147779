public import DatasetAnalysis
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Appends lines to a manifest: one `write` per checkpoint with `O_APPEND`, then `fsync`,
/// so a crash can leave at most one truncated last line.
public final class ManifestAppender {
    public let path: String
    private var fd: Int32

    /// Opens `path` for appending. If the file ends in a partial line (a crash while
    /// writing), that fragment is cut off first so the next line starts cleanly.
    public init(path: String) throws(DatasetIOError) {
        self.path = path
        try ManifestFiles.dropPartialLastLine(path)
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw DatasetIOError(
                "cannot open manifest \(path) for writing: \(String(cString: strerror(errno))) (check the folder exists and is writable)")
        }
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Writes `bytes` (whole lines) and flushes them to disk.
    public func append(_ bytes: [UInt8]) throws(DatasetIOError) {
        guard !bytes.isEmpty else { return }
        try ManifestFiles.writeAll(fd: fd, bytes, path: path)
        fsync(fd)
    }

    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }
}

/// Whole-file manifest operations.
public enum ManifestFiles {
    /// Mends the end of `path` before appending: a last line without a newline is either a
    /// complete record written by a tool that omits the final newline (a newline is added) or
    /// a fragment left by a crash mid-write (it is cut off; the file it described is
    /// analysed again).
    package static func dropPartialLastLine(_ path: String) throws(DatasetIOError) {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return }  // does not exist yet
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else { return }
        let size = Int(info.st_size)
        var position = size
        var keep = 0
        let block = 64 * 1024
        var buffer = [UInt8](repeating: 0, count: block)
        search: while position > 0 {
            let start = max(0, position - block)
            let length = position - start
            let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(start)) }
            guard got == length else { return }
            if let newline = buffer[0..<length].lastIndex(of: 0x0A) {
                keep = start + newline + 1
                break search
            }
            position = start
        }
        guard keep < size else { return }
        var tail = [UInt8](repeating: 0, count: size - keep)
        let got = tail.withUnsafeMutableBytes { pread(fd, $0.baseAddress, size - keep, off_t(keep)) }
        guard got == size - keep else { return }
        if !InputLimits.jsonTooDeep(tail), (try? JSONSerialization.jsonObject(with: Data(tail))) is [String: Any] {
            _ = pwrite(fd, [UInt8(0x0A)], 1, off_t(size))
        } else {
            _ = ftruncate(fd, off_t(keep))
        }
    }

    static func writeAll(fd: Int32, _ bytes: [UInt8], path: String) throws(DatasetIOError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                write(fd, raw.baseAddress.map { $0 + offset }, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw DatasetIOError("cannot write to \(path): \(String(cString: strerror(errno))) (is the disk full?)")
            }
            offset += written
        }
    }
}
