public import DatasetAnalysis
import DatasetIO
import Foundation

/// What exporting a collection wrote.
public struct LibraryExportResult: Sendable, Hashable, Encodable {
    public var images = 0
    public var captions = 0
    public var manifest = ""
    public init() {}
}

extension LibraryEditor {
    /// Exports the images a query finds as a training set: each image copied to `folder` under
    /// its library path, a `.txt` beside it holding its caption (or, without one, its tags
    /// joined by ", ") — the layout LoRA and other trainers read — and `manifest.jsonl` with
    /// the exported images' records (paths pointing at the copies).
    /// - Complexity: O(n) copies; one manifest pass.
    public func export(_ query: CatalogQuery, to folder: String) async throws -> LibraryExportResult {
        let hits = try await store.searchAll(query)
        let output = Library.absolute(folder)
        guard output != library.root, !output.hasPrefix(library.root + "/") else {
            throw ImgedaError(
                .outputConflict, "the export folder \(folder) is inside the library",
                remedy: "export outside \(library.root), or the copies would be catalogued as new images")
        }
        try FileSystem.createDirectories(output)
        var result = LibraryExportResult()
        var lines: [[UInt8]] = []
        for hit in hits {
            let destination = "\(output)/\(hit.path)"
            try FileSystem.createDirectories(FileSystem.parentFolder(of: destination))
            let source = library.absolutePath(hit.path)
            try? FileManager.default.removeItem(atPath: destination)
            do {
                try FileManager.default.copyItem(atPath: source, toPath: destination)
            } catch {
                throw ImgedaError(.ioFailed, "cannot copy \(hit.path) to \(destination): \(FileSystem.describe(error))")
            }
            let text = hit.caption ?? (hit.tags.isEmpty ? nil : hit.tags.joined(separator: ", "))
            if let text {
                let base = destination.lastIndex(of: ".").map { String(destination[..<$0]) } ?? destination
                try AtomicFile.write(Array((text + "\n").utf8), to: base + ".txt")
                result.captions += 1
            }
            if var record = try await store.image(path: hit.path)?.record {
                record.path = destination
                lines.append(ManifestEncoding.line(for: record))
            }
            result.images += 1
        }
        let manifest = "\(output)/manifest.jsonl"
        let header = ManifestHeader(
            inputDir: output, inputDirs: [output], schemaVersion: ManifestEncoding.schemaVersion, totalFiles: lines.count,
            createdAt: Timestamp.nowISO8601(), tool: "imgeda-swift")
        try AtomicFile.replace(manifest) { write in
            try write(ManifestEncoding.line(for: header))
            for line in lines { try write(line) }
        }
        result.manifest = manifest
        return result
    }
}
