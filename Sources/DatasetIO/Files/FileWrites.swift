import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension AtomicFileWriter {
    /// Writes `bytes` to `path` under a temporary name in the same folder, then renames it
    /// into place. Failures name the path and the cause in words ("No space left on
    /// device"), never a Foundation error code.
    public static func write(_ bytes: [UInt8], to path: String) throws(DatasetIOError) {
        let file = try AtomicFileWriter(path: path)
        try file.write(bytes)
        try file.commit()
    }
}

/// File-system operations whose failures read as one clear line.
public enum FileSystem {
    /// Creates `path` and any missing parents (like `mkdir -p`).
    public static func createDirectories(_ path: String) throws(DatasetIOError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw DatasetIOError("cannot create the folder \(path): a file of that name exists (choose another output folder)")
            }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try createDirectories(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw DatasetIOError("cannot create the folder \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The cause of a Foundation file error in words: the underlying POSIX error when there
    /// is one (`NSCocoaErrorDomain error 512` on Linux otherwise says nothing).
    public static func describe(_ error: any Error) -> String {
        if let error = error as? DatasetIOError { return error.description }
        let ns = error as NSError
        guard ns.domain == NSPOSIXErrorDomain || ns.domain == NSCocoaErrorDomain else { return "\(error)" }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return String(cString: strerror(ENOENT))
        case .fileWriteNoPermission, .fileReadNoPermission: return String(cString: strerror(EACCES))
        case .fileWriteOutOfSpace: return String(cString: strerror(ENOSPC))
        case .fileWriteVolumeReadOnly: return String(cString: strerror(EROFS))
        case .fileWriteFileExists: return String(cString: strerror(EEXIST))
        default: return "\(ns.localizedFailureReason ?? "unknown error") (\(ns.domain) \(ns.code))"
        }
    }
}
