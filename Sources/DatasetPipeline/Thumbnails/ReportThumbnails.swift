import DatasetAnalysis
public import DatasetIO
import Foundation

/// The thumbnails of an HTML report: JPEG data URIs made by a ``Thumbnailer`` from the
/// records' paths (resolved against where the scan ran, not where the report runs), with a
/// count of the images it could not read. A failure of the thumbnailer itself (no worker
/// starts) is kept for the caller to throw once the report is drawn.
public final class ReportThumbnails: @unchecked Sendable {
    // @unchecked Sendable: every access to `missing`, `example` and `failure` holds `lock`;
    // the other properties are constants.
    private let thumbnailer: Thumbnailer?
    private let paths: ManifestPaths
    private let rawPaths: [String: String]
    private let lock = NSLock()
    private var missing = 0
    private var example: String?
    private var failure: (any Error)?

    /// - Parameters:
    ///   - thumbnailer: nil for a report without thumbnails.
    ///   - rawPaths: the exact path bytes (`path_raw`) of records whose names are not UTF-8.
    public init(thumbnailer: Thumbnailer?, paths: ManifestPaths, rawPaths: [String: String]) {
        self.thumbnailer = thumbnailer
        self.paths = paths
        self.rawPaths = rawPaths
    }

    /// A `data:image/jpeg;base64,…` URI for each record path, nil where none could be made.
    public func dataURIs(_ wanted: [String]) -> [String?] {
        guard let thumbnailer else { return wanted.map { _ in nil } }
        let files = wanted.map { paths.resolve(FilePathBytes(path: $0, pathRaw: rawPaths[$0])) }
        do {
            let jpegs = try thumbnailer.jpegs(files)
            for (file, jpeg) in zip(files, jpegs) where jpeg == nil { noteMissing(file.display) }
            return jpegs.map { $0.map { "data:image/jpeg;base64," + Data($0).base64EncodedString() } }
        } catch {
            lock.withLock { failure = failure ?? error }
            return wanted.map { _ in nil }
        }
    }

    /// How many images had no thumbnail, and the first of them by path.
    public var missingSummary: (count: Int, example: String)? {
        lock.withLock { example.map { (missing, $0) } }
    }

    /// Throws what stopped the thumbnailer, if anything did.
    public func checkFailure() throws {
        if let failure = lock.withLock({ failure }) { throw failure }
    }

    private func noteMissing(_ path: String) {
        lock.withLock {
            missing += 1
            if example == nil || path < example ?? "" { example = path }
        }
    }
}
