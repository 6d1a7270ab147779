public import DatasetAnalysis
import Foundation

/// Manifests that live somewhere other than local disk, such as `s3://bucket/m.jsonl`.
///
/// Every command reads manifests through ``ManifestReader``, which asks here for a local
/// file: a local path is returned as it is; a remote one is fetched once per process, by the
/// stager the program registered, into a local copy. (The S3 client lives in ObjectStorage,
/// which depends on this module, hence a registration rather than a call.)
///
/// ```swift
/// RemoteManifests.register { url in try stageFromS3(url) }   // at start-up
/// let reader = try ManifestReader(path: "s3://data/m.jsonl")
/// ```
public enum RemoteManifests {
    /// Fetches a remote manifest into a local file and returns its path.
    public typealias Stager = @Sendable (String) throws -> String

    private static let state = State()

    /// Sets how remote manifests are fetched (the program does this once, at start-up).
    public static func register(_ stager: @escaping Stager) {
        state.lock.withLock { state.stager = stager }
    }

    /// Whether `path` names a remote manifest (`s3://…`).
    public static func isRemote(_ path: String) -> Bool { path.lowercased().hasPrefix("s3://") }

    /// The local file to read for `path`: `path` itself, or a staged copy of a remote one.
    public static func localPath(for path: String) throws(ImgedaError) -> String {
        guard isRemote(path) else { return path }
        let (cached, stager) = state.lock.withLock { (state.staged[path], state.stager) }
        if let cached { return cached }
        guard let stager else {
            throw ImgedaError(.invalidArgument, "cannot read \(path): this program reads manifests from local files only")
        }
        let local: String
        do {
            local = try stager(path)
        } catch let error as ImgedaError {
            throw error
        } catch {
            throw ImgedaError(.ioFailed, "cannot read \(path): \(FileSystem.describe(error))")
        }
        state.lock.withLock { state.staged[path] = local }
        return local
    }

    /// `@unchecked Sendable`: both properties are read and written only while holding `lock`.
    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var stager: Stager?
        var staged: [String: String] = [:]
    }
}
