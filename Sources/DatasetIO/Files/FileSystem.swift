public import DatasetAnalysis
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// File-system operations whose failures read as one clear line.
public enum FileSystem {
    /// The folder part of `path` ("" for a bare name, "/" for a file at the root), as
    /// `dirname` gives it. Foundation's `deletingLastPathComponent` traps on a one-character
    /// name such as `-o r` (swift-corelibs-foundation, Swift 6.3), so every caller uses this.
    public static func parentFolder(of path: String) -> String {
        var bytes = Array(path.utf8)
        while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "" }
        var end = slash
        while end > 0, bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }
        return end == 0 ? "/" : String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// Creates `path` and any missing parents (like `mkdir -p`).
    public static func createDirectories(_ path: String) throws(DatasetIOError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw DatasetIOError(
                    .outputConflict, "cannot create the folder \(path): a file of that name exists", remedy: "choose another output folder")
            }
            return
        }
        let parent = parentFolder(of: path)
        if !parent.isEmpty && parent != path { try createDirectories(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw DatasetIOError(.ioFailed, "cannot create the folder \(path): \(String(cString: strerror(errno)))")
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
