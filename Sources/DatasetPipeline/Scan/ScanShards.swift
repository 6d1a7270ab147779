import DatasetAnalysis
import DatasetIO

/// The files of one ``Shard`` of a scan.
enum ScanShards {
    /// The files of `files` in `shard`, keyed by their path relative to the scanned folder
    /// they were found in (a file named as a root is keyed by its name), so that the same
    /// folder mounted at another path on another machine splits the same way.
    ///
    /// - Complexity: O(total path bytes × roots).
    static func files(_ files: [DiscoveredFile], in shard: Shard, roots: [String]) -> [DiscoveredFile] {
        let prefixes = rootPrefixes(roots)
        return files.filter { file in shard.contains(key: key(of: file.path.bytes, prefixes: prefixes)) }
    }

    /// The files of `files` whose path relative to their scanned folder is in `names`, and
    /// how many of `names` matched none.
    ///
    /// - Complexity: O(total path bytes × roots).
    static func files(_ files: [DiscoveredFile], named names: Set<[UInt8]>, roots: [String]) -> (files: [DiscoveredFile], missing: Int) {
        let prefixes = rootPrefixes(roots)
        var matched = Set<[UInt8]>()
        let kept = files.filter { file in
            let relative = Array(key(of: file.path.bytes, prefixes: prefixes))
            guard names.contains(relative) else { return false }
            matched.insert(relative)
            return true
        }
        return (kept, names.count - matched.count)
    }

    static func rootPrefixes(_ roots: [String]) -> [[UInt8]] {
        roots.map { root -> [UInt8] in
            var bytes = Array(root.utf8)
            if bytes.last != UInt8(ascii: "/") { bytes.append(UInt8(ascii: "/")) }
            return bytes
        }
    }

    /// The path relative to the longest root it lies under, else its last component.
    static func key(of path: [UInt8], prefixes: [[UInt8]]) -> ArraySlice<UInt8> {
        var best = -1
        for prefix in prefixes where prefix.count > best && path.starts(with: prefix) { best = prefix.count }
        if best >= 0 { return path[best...] }
        let slash = path.lastIndex(of: UInt8(ascii: "/")).map { $0 + 1 } ?? 0
        return path[slash...]
    }
}
