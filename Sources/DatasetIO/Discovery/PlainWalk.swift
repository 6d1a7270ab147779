public import DatasetAnalysis

#if canImport(Glibc)
    import Glibc
#endif

extension Discovery {
    /// The image files under `root`, by path relative to it, from one plain walk: the folder
    /// entries' types from `readdir`, one `fstatat` per image file and per folder, no sort —
    /// the least a check of "did anything change?" can do.
    ///
    /// Nil when the tree holds anything that needs the rules of
    /// ``discover(roots:extensions:followSymlinksOutside:excluding:)`` (a symlink, a special
    /// file or a folder with an image extension, a folder that cannot be read, a name that is
    /// not UTF-8): the caller then takes that walk, which agrees with this one wherever this
    /// one answers. Folders in `excluding` are not entered (by device and inode, as there).
    ///
    /// - Complexity: O(n) in the entries under `root`.
    public static func plainWalk(root: String, extensions: [String], excluding: [String] = []) -> FileVersions? {
        let wanted = wantedExtensions(extensions)
        let packedWanted = packedExtensions(wanted)
        var excluded = Set<DirectoryIdentity>()
        for folder in excluding {
            var info = stat()
            if stat(folder, &info) == 0 { excluded.insert(DirectoryIdentity(info)) }
        }
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { return nil }
        defer { close(rootFD) }
        var files = FileVersions()
        // A file's relative path is built here, as bytes: no `String` per file.
        var path: [UInt8] = []
        var folders: [String] = [""]
        while let folder = folders.popLast() {
            let fd = folder.isEmpty ? dup(rootFD) : openat(rootFD, folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            guard let handle = fdopendir(fd) else {
                close(fd)
                return nil
            }
            defer { closedir(handle) }
            let prefix = folder.isEmpty ? "" : folder + "/"
            let prefixBytes = Array(prefix.utf8)
            while let entry = readdir(handle) {
                let kind = Int32(entry.pointee.d_type)
                let understood = withUnsafeBytes(of: &entry.pointee.d_name) { raw -> Bool in
                    let name = raw.bindMemory(to: UInt8.self)
                    let length = raw.baseAddress.map { strnlen($0.assumingMemoryBound(to: CChar.self), raw.count) } ?? 0
                    if name[0] == UInt8(ascii: "."), length == 1 || (length == 2 && name[1] == UInt8(ascii: ".")) { return true }
                    let bytes = UnsafeBufferPointer(rebasing: name[0..<length])
                    let matches = hasWantedExtension(bytes, packed: packedWanted) ?? hasWantedExtension(Array(bytes), wanted)
                    switch kind {
                    case Int32(DT_REG) where !matches: return true  // not an image: no stat
                    case Int32(DT_REG), Int32(DT_DIR), Int32(DT_UNKNOWN): break
                    case Int32(DT_LNK): return false  // followed or not by discovery's rules
                    default: return !matches  // a special file with an image name is reported there
                    }
                    var info = stat()
                    guard let cName = raw.baseAddress?.assumingMemoryBound(to: CChar.self),
                        fstatat(dirfd(handle), cName, &info, AT_SYMLINK_NOFOLLOW) == 0,
                        bytes.allSatisfy({ $0 < 0x80 }) || String(validating: bytes, as: UTF8.self) != nil
                    else { return false }
                    switch info.st_mode & S_IFMT {
                    case S_IFDIR:
                        if matches { return false }
                        if !excluded.contains(DirectoryIdentity(info)) { folders.append(prefix + String(decoding: bytes, as: UTF8.self)) }
                    case S_IFREG:
                        guard matches else { break }
                        path.removeAll(keepingCapacity: true)
                        path.append(contentsOf: prefixBytes)
                        path.append(contentsOf: bytes)
                        let version = FileVersion(size: Int(info.st_size), mtime: mtime(info))
                        path.withUnsafeBytes { files.set(version, forPath: $0) }
                    default:
                        return !matches && (info.st_mode & S_IFMT) != S_IFLNK
                    }
                    return true
                }
                guard understood else { return nil }
            }
        }
        return files
    }
}
