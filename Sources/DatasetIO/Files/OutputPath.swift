public import DatasetAnalysis
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Checks every command makes before it writes an output, so a slip on the command line
/// never destroys an input: `export csv -m m.jsonl -o m.jsonl` would otherwise replace the
/// manifest with its own export.
public enum OutputPath {
    /// Refuses an output that is the same file as one of `inputs`: the same device and inode
    /// when both exist (hard and symbolic links included), or the same resolved path (the
    /// output may not exist yet). `option` names the output on the command line (`-o`).
    public static func refuseInput(_ output: String, inputs: [String], option: String = "-o") throws(DatasetIOError) {
        let outputIdentity = identity(output)
        let outputResolved = resolved(output)
        for input in inputs {
            let same = (outputIdentity != nil && outputIdentity == identity(input)) || outputResolved == resolved(input)
            if same {
                let which = input == output ? "an input of this command" : "the same file as the input \(input)"
                throw DatasetIOError(
                    .outputConflict, "refusing to write \(option) \(output): it is \(which)", remedy: "choose another output file")
            }
        }
    }

    /// Refuses two outputs that are the same file (`--junit r.xml --markdown r.xml`).
    public static func refuseRepeated(_ outputs: [(option: String, path: String)]) throws(DatasetIOError) {
        for (i, a) in outputs.enumerated() {
            for b in outputs[(i + 1)...] where resolved(a.path) == resolved(b.path) {
                throw DatasetIOError(
                    .outputConflict, "\(a.option) and \(b.option) both name \(a.path)", remedy: "give each output its own file")
            }
        }
    }

    /// Refuses to append to `path` when it exists and is not a manifest (its first line is not
    /// a manifest header): `scan -o notes.txt` must not overwrite someone's notes. An empty
    /// file is fine.
    public static func requireManifestOrAbsent(_ path: String) throws(DatasetIOError) {
        var info = stat()
        guard stat(path, &info) == 0 else { return }  // does not exist yet
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw DatasetIOError(
                .outputConflict,
                "-o \(path) is a folder; give the manifest a file name, e.g. -o \(path.hasSuffix("/") ? path : path + "/")manifest.jsonl")
        }
        guard info.st_size > 0 else { return }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DatasetIOError(.notFound, "cannot read \(path)", remedy: "check its permissions")
        }
        defer { try? handle.close() }
        let start = (try? handle.read(upToCount: 64 * 1024)) ?? Data()
        let firstLine = Array(start.prefix { $0 != 0x0A })
        // The reference writes `__manifest_meta__` last, so decode the line rather than peek.
        guard ManifestReader.decodeHeader(firstLine[...]) != nil else {
            throw DatasetIOError(
                .outputConflict,
                "-o \(path) exists and is not an imgeda manifest (its first line is not a manifest header); refusing to overwrite it",
                remedy: "choose another file, or remove it first")
        }
    }

    /// Device and inode of the file `path` names (following symbolic links), if it exists.
    static func identity(_ path: String) -> [UInt64]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }

    /// An absolute path with symbolic links resolved in the longest existing prefix.
    static func resolved(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        if let real = realpath(absolute, nil) {
            defer { free(real) }
            return String(cString: real)
        }
        let (folder, base) = AtomicFile.split(absolute)
        guard folder != absolute, folder != "/" else { return absolute }
        let parent = resolved(folder)
        return parent.hasSuffix("/") ? parent + base : parent + "/" + base
    }
}
