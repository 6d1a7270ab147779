public import DatasetAnalysis
import Foundation

/// Where a manifest's record paths point, wherever the command reading it runs.
///
/// A scan records paths as it found them: relative to the folder the scan ran in when the
/// folder was given as a relative path (as the reference does too). Commands that open the
/// images (`report`) resolve them against that folder, and commands that compare manifests
/// (`diff`) compare paths relative to each manifest's scan root, so two versions of a
/// dataset in different folders line up.
///
/// The scan's folder is the header's `working_dir`; for manifests without one (the
/// reference's), it is derived from `input_dir`, which is absolute and ends with the
/// folder as given: `data/x.jpg` scanned as `/home/u/data` was scanned in `/home/u`.
///
/// ```swift
/// let paths = ManifestPaths(header: try reader.header(), manifest: "m.jsonl")
/// paths.resolve("data/x.jpg")         // "/home/u/data/x.jpg"
/// paths.relativeToRoot("data/x.jpg")  // "x.jpg"
/// ```
public struct ManifestPaths: Sendable {
    /// The absolute folder relative record paths start from, when known.
    public var base: String?
    /// The absolute folder that was scanned, or the deepest folder holding all of them.
    public var scanRoot: String?
    /// The absolute folder of the manifest file: a fallback for a dataset moved together
    /// with its manifest.
    var manifestFolder: String
    var inputDirs: [String]

    public init(header: ManifestHeader?, manifest: String) {
        let dirs = header.map { $0.inputDirs.isEmpty ? [$0.inputDir] : $0.inputDirs } ?? []
        inputDirs = dirs.filter { $0.hasPrefix("/") }.map(Self.normalized)
        if let dir = header?.workingDir, dir.hasPrefix("/") { base = Self.normalized(dir) }
        let dirsFound = inputDirs
        scanRoot = dirsFound.first.map { first in dirsFound.dropFirst().reduce(first, Self.commonAncestor) }
        manifestFolder = Self.normalized(Self.absolute(FileSystem.parentFolder(of: manifest)))
    }

    /// The absolute path of a record's file (absolute paths are returned as they are).
    /// A relative path starts from the scan's folder, or from the manifest's folder when
    /// the file is there and not in the scan's folder (a dataset moved with its manifest).
    public func resolve(_ path: String) -> String {
        guard !path.hasPrefix("/"), let folder = startFolder(path) else { return path }
        return Self.normalized(folder + "/" + path)
    }

    /// ``resolve(_:)`` for exact path bytes (names that are not UTF-8).
    public func resolve(_ path: FilePathBytes) -> FilePathBytes {
        guard path.bytes.first != UInt8(ascii: "/"), let folder = startFolder(path.display) else { return path }
        return FilePathBytes(Array((folder == "/" ? "/" : folder + "/").utf8) + path.bytes)
    }

    /// A record's path relative to the scan root (`train/x.jpg` for `/data/v1/train/x.jpg`
    /// scanned as `/data/v1`); the absolute path when it lies outside, and the path as it
    /// is when the manifest does not say where it was scanned.
    public func relativeToRoot(_ path: String) -> String {
        guard let scanRoot else { return path }
        let absolute: String
        if path.hasPrefix("/") {
            absolute = Self.normalized(path)
        } else if let folder = scanFolder(path) {
            absolute = Self.normalized(folder + "/" + path)
        } else {
            return path
        }
        if absolute == scanRoot { return (absolute as NSString).lastPathComponent }
        let prefix = scanRoot == "/" ? "/" : scanRoot + "/"
        return absolute.hasPrefix(prefix) ? String(absolute.dropFirst(prefix.count)) : absolute
    }

    func startFolder(_ path: String) -> String? {
        let scan = scanFolder(path)
        if let scan, FileManager.default.fileExists(atPath: scan + "/" + path) { return scan }
        if FileManager.default.fileExists(atPath: manifestFolder + "/" + path) { return manifestFolder }
        return scan
    }

    /// The folder the scan ran in: the header's, or derived from the scanned folders.
    func scanFolder(_ path: String) -> String? {
        if let base { return base }
        // `data/sub/x.jpg` from `/home/u/data`: the longest leading part of the path that
        // ends an input folder tells where the scan ran.
        let parts = Self.normalized(path).split(separator: "/").map(String.init)
        guard parts.count > 1 else { return nil }
        for dir in inputDirs {
            for k in stride(from: parts.count - 1, through: 1, by: -1) {
                let lead = parts[..<k].joined(separator: "/")
                if dir == lead || dir.hasSuffix("/" + lead) {
                    let folder = String(dir.dropLast(lead.count + 1))
                    return folder.isEmpty ? "/" : folder
                }
            }
        }
        return nil
    }

    /// Removes `.` and empty components and folds `..` lexically (links are not followed).
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
                continue
            }
            if part == "..", path.hasPrefix("/") { continue }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    static func commonAncestor(_ a: String, _ b: String) -> String {
        let x = a.split(separator: "/"), y = b.split(separator: "/")
        return "/" + zip(x, y).prefix { $0 == $1 }.map(\.0).joined(separator: "/")
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let cwd = FileManager.default.currentDirectoryPath
        return path.isEmpty ? cwd : cwd + "/" + path
    }
}

extension ManifestReader {
    /// Every record, its path relative to the manifest's scan root, so that two versions of
    /// a dataset in different folders compare file by file (as `diff` compares them).
    ///
    /// - Throws: ``DatasetIOError`` when the manifest cannot be read or holds no record.
    public func recordsRelativeToRoot() throws -> [ImageRecord] {
        var all: [ImageRecord] = []
        let paths = ManifestPaths(header: try header(), manifest: path)
        try forEachRecord { record in
            var record = record
            record.path = paths.relativeToRoot(record.path)
            all.append(record)
        }
        .requireRecords(in: path)
        return all
    }
}
