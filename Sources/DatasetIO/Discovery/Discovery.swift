public import DatasetAnalysis
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An image file found by discovery, with the facts that identify its version.
public struct DiscoveredFile: Sendable, Hashable {
    public var path: FilePathBytes
    public var size: Int
    /// Modification time as Python computes `st_mtime` (seconds + nanoseconds × 1e-9), so
    /// resume keys match manifests written by either tool.
    public var mtime: Double
}

/// Something with an image extension that discovery did not scan, and why.
public struct SkippedEntry: Sendable, Hashable {
    public var path: FilePathBytes
    public var reason: String
    /// What would include it, when a setting would.
    public var remedy: Remedy?

    public init(path: FilePathBytes, reason: String, remedy: Remedy? = nil) {
        self.path = path
        self.reason = reason
        self.remedy = remedy
    }

    /// The reason and the remedy in plain words.
    public var description: String { Remedy.appended(remedy, to: reason) }
}

/// What discovery found under the roots.
public struct DiscoveryResult: Sendable {
    /// Regular files with a matching extension, sorted by path bytes (deterministic).
    public var files: [DiscoveredFile]
    /// Non-regular entries (directories, FIFOs, sockets, devices, symlink loops, broken
    /// links, unreadable folders) with an image extension or that could not be entered.
    public var skipped: [SkippedEntry]
}

/// Finds image files under folders: deterministic (sorted by path bytes), case-insensitive
/// on extensions, safe on symlink loops (a directory is entered at most once, by device and
/// inode), tolerant of unreadable folders, and exact on names that are not UTF-8.
public enum Discovery {
    /// The reference's extensions plus the modern formats this build reads.
    public static let defaultExtensions = [
        "jpg", "jpeg", "png", "bmp", "tiff", "tif", "webp", "gif", "heic", "heif", "avif", "jxl",
    ]

    /// Parses a comma-separated extension list ("jpg, .PNG") into lowercase names without dots.
    public static func parseExtensions(_ list: String) -> [String] {
        list.split(separator: ",").map {
            var e = $0.trimmingCharacters(in: .whitespaces).lowercased()
            while e.hasPrefix(".") { e.removeFirst() }
            return e
        }.filter { !$0.isEmpty }
    }

    /// Walks `roots`. A root that is a regular file is included as it is, whatever its
    /// extension. Roots that do not exist throw.
    ///
    /// Symlinks are followed only while they stay inside the root they were found under
    /// (a link to `/` would otherwise hash `/etc/passwd` and find every image on the
    /// machine); ones that lead out are skipped with a reason, unless
    /// `followSymlinksOutside`. Paths longer than the system's `PATH_MAX` are skipped with a
    /// reason, never dropped silently.
    ///
    /// - Complexity: O(n log n) in the number of entries (the sort).
    ///
    /// Folders in `excluding` (a library's `.imgeda` state folder) are never entered.
    public static func discover(
        roots: [String], extensions: [String], followSymlinksOutside: Bool = false, excluding: [String] = []
    ) throws(DatasetIOError) -> DiscoveryResult {
        let wanted = wantedExtensions(extensions)
        var files: [DiscoveredFile] = []
        var skipped: [SkippedEntry] = []
        var visited = Set<DirectoryIdentity>()
        // An excluded folder counts as already visited, by device and inode, so no path to it
        // (a symlink, another spelling) enters it.
        for folder in excluding {
            var info = stat()
            if stat(folder, &info) == 0, isType(info, S_IFDIR) { visited.insert(DirectoryIdentity(info)) }
        }
        var seenFiles = Set<FilePathBytes>()

        for root in roots {
            let rootPath = FilePathBytes(root)
            var info = stat()
            let rc = rootPath.withCString { stat($0, &info) }
            guard rc == 0 else {
                throw DatasetIOError(.notFound, "cannot scan \(root): \(String(cString: strerror(errno)))", remedy: "check the path")
            }
            if isType(info, S_IFREG) {
                if seenFiles.insert(rootPath).inserted {
                    files.append(DiscoveredFile(path: rootPath, size: Int(info.st_size), mtime: mtime(info)))
                }
                continue
            }
            guard isType(info, S_IFDIR) else {
                throw DatasetIOError(.invalidArgument, "cannot scan \(root): not a folder or a regular file")
            }
            visited.insert(DirectoryIdentity(info))
            let realRoot = followSymlinksOutside ? nil : resolved(rootPath)
            var stack: [FilePathBytes] = [rootPath]
            while let directory = stack.popLast() {
                guard let handle = directory.withCString({ opendir($0) }) else {
                    let error = errno
                    skipped.append(
                        SkippedEntry(
                            path: directory,
                            reason: error == ENAMETOOLONG ? tooLong : "unreadable folder (\(String(cString: strerror(error))))"))
                    continue
                }
                defer { closedir(handle) }
                while let entry = readdir(handle) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> [UInt8] in
                        let bytes = raw.bindMemory(to: UInt8.self)
                        let length = bytes.firstIndex(of: 0) ?? bytes.count
                        return Array(bytes[0..<length])
                    }
                    if name == [0x2E] || name == [0x2E, 0x2E] { continue }
                    let path = directory.appending(name)
                    let matches = hasWantedExtension(name, wanted)
                    var link = stat()
                    guard path.withCString({ lstat($0, &link) }) == 0 else {
                        let error = errno
                        if error == ENAMETOOLONG {
                            skipped.append(SkippedEntry(path: path, reason: tooLong))
                        } else if matches {
                            skipped.append(
                                SkippedEntry(path: path, reason: "cannot read its details (\(String(cString: strerror(error))))"))
                        }
                        continue
                    }
                    var target = link
                    let isLink = isType(link, S_IFLNK)
                    if isLink {
                        if path.withCString({ stat($0, &target) }) != 0 {
                            let error = errno
                            if matches || error == ELOOP {
                                skipped.append(
                                    SkippedEntry(
                                        path: path,
                                        reason: error == ELOOP ? "symlink loop" : "broken symlink (\(String(cString: strerror(error))))"))
                            }
                            continue
                        }
                        if let realRoot, matches || isType(target, S_IFDIR),
                            let destination = resolved(path), !isInside(destination, realRoot)
                        {
                            skipped.append(
                                SkippedEntry(
                                    path: path,
                                    reason: "symlink leads outside the scanned folder, to \(destination.display)",
                                    remedy: .followSymlinksOutside))
                            continue
                        }
                    }
                    if isType(target, S_IFDIR) {
                        if matches {
                            skipped.append(SkippedEntry(path: path, reason: "is a directory, not an image file"))
                        }
                        if visited.insert(DirectoryIdentity(target)).inserted {
                            stack.append(path)
                        } else if isLink {
                            skipped.append(SkippedEntry(path: path, reason: "symlink to a folder already scanned (cycle or duplicate)"))
                        }
                        continue
                    }
                    guard matches else { continue }
                    if isType(target, S_IFREG) {
                        if seenFiles.insert(path).inserted {
                            files.append(DiscoveredFile(path: path, size: Int(target.st_size), mtime: mtime(target)))
                        }
                    } else {
                        skipped.append(SkippedEntry(path: path, reason: "not a regular file (\(kind(target)))"))
                    }
                }
            }
        }
        files.sort { $0.path < $1.path }
        skipped.sort { $0.path < $1.path }
        return DiscoveryResult(files: files, skipped: skipped)
    }

    static let tooLong = "path longer than the system limit of \(PATH_MAX) bytes; move or rename its folders to scan it"

    /// The path with every symlink resolved, or nil when it cannot be resolved.
    static func resolved(_ path: FilePathBytes) -> FilePathBytes? {
        guard let real = path.withCString({ realpath($0, nil) }) else { return nil }
        defer { free(real) }
        return FilePathBytes(Array(UnsafeRawBufferPointer(start: real, count: strlen(real))))
    }

    /// Whether the resolved `path` is `root` or lies under it.
    static func isInside(_ path: FilePathBytes, _ root: FilePathBytes) -> Bool {
        if path == root || root.bytes == [UInt8(ascii: "/")] { return true }
        return path.bytes.starts(with: root.bytes + [UInt8(ascii: "/")])
    }

    /// Fresh size and modification time of one file, or nil if it is gone or not regular.
    public static func currentVersion(of path: FilePathBytes) -> (size: Int, mtime: Double)? {
        var info = stat()
        guard path.withCString({ stat($0, &info) }) == 0, isType(info, S_IFREG) else { return nil }
        return (Int(info.st_size), mtime(info))
    }

    static func mtime(_ info: stat) -> Double {
        Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) * 1e-9
    }

    private static func isType(_ info: stat, _ type: mode_t) -> Bool {
        (info.st_mode & S_IFMT) == type
    }

    private static func kind(_ info: stat) -> String {
        switch info.st_mode & S_IFMT {
        case S_IFIFO: return "FIFO"
        case S_IFSOCK: return "socket"
        case S_IFCHR: return "character device"
        case S_IFBLK: return "block device"
        default: return "special file"
        }
    }

    /// The extension of a file (or object) name as discovery reads it: the bytes after its
    /// last dot, in lower case, or nil when no byte follows a dot. A name that is only an
    /// extension (`.jpg`) has one: such a file is scanned, on disk and on S3 alike.
    public static func fileExtension(ofName name: [UInt8]) -> [UInt8]? {
        guard let dot = name.lastIndex(of: UInt8(ascii: ".")), dot + 1 < name.count else { return nil }
        return name[(dot + 1)...].map(lowercased)
    }

    /// An ASCII capital as its small letter; every other byte as it is (extensions compare so).
    static func lowercased(_ byte: UInt8) -> UInt8 { (byte >= 65 && byte <= 90) ? byte + 32 : byte }

    /// Extensions as given (`jpg`, `PNG`) in the form ``hasWantedExtension(_:_:)`` compares.
    public static func wantedExtensions(_ extensions: [String]) -> Set<[UInt8]> {
        Set(extensions.map { Array($0.lowercased().utf8) })
    }

    /// Whether the file (or object) named `name` is one discovery takes: the one rule for
    /// folders and S3 prefixes.
    public static func hasWantedExtension(_ name: [UInt8], _ wanted: Set<[UInt8]>) -> Bool {
        fileExtension(ofName: name).map(wanted.contains) ?? false
    }

    /// ``wantedExtensions(_:)`` packed for ``hasWantedExtension(_:packed:)``: each extension of
    /// at most 8 bytes as one integer.
    public static func packedExtensions(_ wanted: Set<[UInt8]>) -> Set<UInt64> {
        Set(wanted.compactMap { $0.withUnsafeBufferPointer { packed($0[...]) } })
    }

    /// ``hasWantedExtension(_:_:)`` for a walk that asks it of every name, without making an
    /// array: the same rule (the bytes after the last dot, lower-cased) compared as one
    /// integer. Nil when the extension is longer than 8 bytes: ask ``hasWantedExtension(_:_:)``.
    public static func hasWantedExtension(_ name: UnsafeBufferPointer<UInt8>, packed wanted: Set<UInt64>) -> Bool? {
        guard let dot = name.lastIndex(of: UInt8(ascii: ".")), dot + 1 < name.count else { return false }
        guard let key = packed(name[(dot + 1)...]) else { return nil }
        return wanted.contains(key)
    }

    /// Up to 8 bytes, lower-cased as ``fileExtension(ofName:)`` does, in one integer (names
    /// hold no zero byte, so lengths cannot collide); nil when longer.
    private static func packed(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> UInt64? {
        guard bytes.count <= 8 else { return nil }
        var key: UInt64 = 0
        for byte in bytes { key = key << 8 | UInt64(lowercased(byte)) }
        return key
    }
}

struct DirectoryIdentity: Hashable {
    var device: UInt64
    var inode: UInt64
    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}
