package import DatasetAnalysis
import DatasetIO
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Putting a finished index file in place, for backends that keep the index in a file: the
/// same steps as ``AtomicFile/commit()`` for a file another library wrote.
package enum CatalogFiles {
    /// Flushes `staging` to disk, renames it over `path` and flushes the folder, so a crash
    /// leaves the previous file or the complete new one.
    package static func install(_ staging: String, at path: String) throws(ImgedaError) {
        let fd = open(staging, O_RDONLY | O_CLOEXEC)
        guard fd >= 0, fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            if fd >= 0 { close(fd) }
            throw ImgedaError(.ioFailed, "cannot write the index \(path): \(reason) (is the disk full?); the previous index is unchanged")
        }
        close(fd)
        guard rename(staging, path) == 0 else {
            throw ImgedaError(.ioFailed, "cannot replace the index \(path): \(String(cString: strerror(errno)))")
        }
        let folder = open(FileSystem.parentFolder(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }
}
