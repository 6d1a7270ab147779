import DatasetAnalysis
import DatasetIO
import Foundation

/// Refusals that protect a user's data and time before a scan writes anything: a manifest
/// named as a folder to scan, a manifest of other folders that the scan would silently mix
/// with this one, and a scan that finds nothing to analyse.
enum ScanPreflight {
    /// Checks the roots and the existing output before discovery. Returns the header roots to
    /// keep (those of an existing manifest that `append` adds to).
    static func check(_ config: ScanConfiguration) throws(PipelineError) -> [String] {
        for root in config.roots where Self.isManifest(root) {
            throw PipelineError(
                .manifestAsInput, "\(root) is an imgeda manifest, not an image or a folder",
                remedy: .readManifest(path: root))
        }
        guard FileManager.default.fileExists(atPath: config.output), !config.force,
            let reader = try? ManifestReader(path: config.output),
            let header = try? reader.header()
        else { return [] }
        if let shard = config.shard, header.shard != shard {
            // Resuming would drop every record outside this part as if its file were gone.
            throw PipelineError(
                .outputConflict,
                "\(config.output) holds \(header.shard.map { "shard \($0)" } ?? "a whole scan"), not shard \(shard)",
                remedy: "write each shard to a manifest of its own")
        }
        let previous = header.inputDirs.isEmpty ? [header.inputDir].filter { !$0.isEmpty } : header.inputDirs
        let now = Set(config.roots.map(ScanRunner.absolute).map(Self.canonical))
        let others = previous.filter { !now.contains(Self.canonical($0)) }
        if config.append { return previous }
        if !others.isEmpty {
            throw PipelineError(
                .manifestOfOtherFolders, "\(config.output) already holds a scan of \(others.joined(separator: ", "))",
                remedy: .otherOutputAppendOrReplace)
        }
        return []
    }

    /// Nothing to analyse is a mistake to point out, not a success.
    static func requireImages(_ discovery: DiscoveryResult, config: ScanConfiguration) throws(PipelineError) {
        guard discovery.files.isEmpty else { return }
        let roots = config.roots.joined(separator: ", ")
        var line = "no images found in \(roots) with the extensions \(config.extensions.map { "." + $0 }.joined(separator: " "))"
        if let splits = config.splits { line += " in the splits \(splits.sorted().joined(separator: ", "))" }
        if !discovery.skipped.isEmpty { line += "; \(Plural.count(discovery.skipped.count, "entry", plural: "entries")) skipped" }
        throw PipelineError(.noImages, line, remedy: .otherExtensions)
    }

    /// A regular file whose first line is a manifest header.
    static func isManifest(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let start = (try? handle.read(upToCount: 256)) ?? Data()
        return String(decoding: start, as: UTF8.self).contains("\"__manifest_meta__\"")
    }

    /// The path with symbolic links and `..` resolved, so two spellings of a folder compare equal.
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }
}
