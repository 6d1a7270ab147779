public import DatasetAnalysis
import DatasetIO
import Foundation
import ImageDecoding

/// Small JPEG thumbnails of images on disk, for the HTML report's galleries.
///
/// Thumbnails are made by the same supervised worker processes as a scan: each decode runs
/// with the scan's time limit and memory cap, so an image replaced by a huge or hostile file
/// costs its thumbnail, not minutes and gigabytes of the report's process.
public struct Thumbnailer: Sendable {
    public struct Configuration: Sendable {
        /// The longer side of the thumbnails in pixels.
        public var side: Int = 160
        /// The executable that runs workers (this program).
        public var executable: String
        public var workers: Int
        /// Seconds one image may take.
        public var timeout: Double = 30
        /// Bytes of address space one worker may use; nil for ``WorkerPool/defaultMemoryLimit(maxPixels:)``.
        public var memoryLimit: UInt64?
        /// More environment for the workers, `KEY=VALUE` (see ``WorkerPool/Configuration/environment``).
        public var environment: [String] = []

        public init(executable: String, workers: Int, side: Int = 160, timeout: Double = 30, memoryLimit: UInt64? = nil) {
            self.executable = executable
            self.workers = workers
            self.side = side
            self.timeout = timeout
            self.memoryLimit = memoryLimit
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// JPEG thumbnails of `paths`, in order; nil where an image cannot be read or decoded
    /// (moved, deleted, corrupt, too large, too slow): the report then says so instead.
    /// When `stop` trips, the thumbnails not yet made are nil.
    public func jpegs(_ paths: [FilePathBytes], stop: StopToken = StopToken()) throws -> [[UInt8]?] {
        guard !paths.isEmpty else { return [] }
        var pool = WorkerPool.Configuration(
            executable: configuration.executable, settings: ScanSettings(),
            workers: configuration.workers, timeout: configuration.timeout)
        pool.job = .thumbnail(side: configuration.side)
        pool.memoryLimit = configuration.memoryLimit
        pool.environment = configuration.environment
        let workers = try WorkerPool(configuration: pool)
        defer { workers.shutdown() }
        var results = [[UInt8]?](repeating: nil, count: paths.count)
        _ = try workers.run(files: paths, stop: stop) { completion in
            if !completion.flags.contains(.corrupt) && !completion.payload.isEmpty {
                results[completion.sequence] = completion.payload
            }
        }
        return results
    }

    /// The same from async code: cancelling the task stops the workers.
    public func jpegs(_ paths: [FilePathBytes], stop: StopToken = StopToken()) async throws -> [[UInt8]?] {
        try await BlockingJob.run(stop: stop) { [self] in try jpegs(paths, stop: stop) }
    }

    /// A JPEG thumbnail of the image at `path` made in this process, or nil: the thumbnail
    /// worker's body (reading the file; the decoding is ``ImageDecoder/thumbnailJPEG(_:side:maxPixels:quality:orientation:)``).
    /// A RAW file's thumbnail is made from its largest embedded JPEG preview, turned as the
    /// RAW says.
    static func jpeg(_ path: FilePathBytes, side: Int, decoder: ImageDecoder) -> [UInt8]? {
        var result: [UInt8]?
        let raw = RawFile.isRawName(path.lastComponent.display)
        _ = MappedFile.withBytes(path) { bytes, _, _ in
            if raw, let summary = RawFile.read(bytes), let preview = summary.preview {
                let jpeg = UnsafeRawBufferPointer(rebasing: bytes[preview.range])
                result = decoder.thumbnailJPEG(jpeg, side: side, orientation: summary.orientation)
            } else {
                result = decoder.thumbnailJPEG(bytes, side: side)
            }
        }
        return result
    }
}
