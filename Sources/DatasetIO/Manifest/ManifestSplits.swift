public import DatasetAnalysis
import Foundation

/// Several manifests read as the splits of one dataset (`-m train.jsonl -m val.jsonl`), or
/// one manifest whose records carry their own splits: how `check` and `gate` name the split
/// of every record, in one place.
public enum ManifestSplits {
    /// Each manifest with its split name: none for a single manifest (its records' own
    /// splits count), else the file name without extension (the path when two names clash).
    ///
    /// ```swift
    /// ManifestSplits.labelled(["a/train.jsonl", "b/val.jsonl"])  // [("a/train.jsonl", "train"), ("b/val.jsonl", "val")]
    /// ```
    public static func labelled(_ manifests: [String]) -> [(path: String, split: String)] {
        guard manifests.count > 1 else { return manifests.map { ($0, "") } }
        var names: [String] = []
        for path in manifests {
            var name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            if names.contains(name) { name = path }
            names.append(name)
        }
        return Array(zip(manifests, names))
    }

    /// Calls `body` with every record of `manifests` and its split: the manifest's split name
    /// when there are several, else the record's own `split` ("" when it has none).
    ///
    /// - Throws: ``DatasetIOError`` when a manifest cannot be read or holds no record.
    public static func forEachRecord(in manifests: [String], _ body: (ImageRecord, _ split: String) throws -> Void) throws {
        for (path, split) in labelled(manifests) {
            try ManifestReader(path: path).forEachRecord { try body($0, split.isEmpty ? ($0.split ?? "") : split) }
                .requireRecords(in: path)
        }
    }
}
