public import DatasetAnalysis
import DatasetIO
import Foundation
import ImageDecoding

#if canImport(Glibc)
    import Glibc
#endif

/// The thumbnail cache of a library: JPEG files in `STATE/thumbnails/SIZE/ab/abcd….jpg`,
/// keyed by the content's SHA-256 (so a moved or renamed file finds its thumbnail, and
/// byte-identical copies share one), upright (EXIF orientation applied), and rebuildable:
/// deleting the folder loses nothing.
///
/// A thumbnail is made on demand (``file(for:source:size:)``, in this process) or in bulk
/// (``generate(_:sizes:configuration:stop:progress:)``, in the supervised worker processes,
/// so a hostile file costs its thumbnail and nothing else). Every file is written to a
/// temporary name and renamed, so a reader never sees half a thumbnail.
///
/// ```swift
/// let cache = ThumbnailCache(stateFolder: library.state)
/// let jpeg = try cache.file(for: record.sha256, source: "/photos/IMG_0001.jpg", size: .small)
/// ```
public struct ThumbnailCache: Sendable {
    /// The sizes the cache keeps.
    public enum Size: String, Sendable, Hashable, CaseIterable, Codable {
        /// 256 px on the longer side: a grid cell, sharp on a high-density screen.
        case small
        /// 1024 px on the longer side: the large view of one picture.
        case preview

        /// The longer side in pixels.
        public var side: Int {
            switch self {
            case .small: 256
            case .preview: 1024
            }
        }
    }

    /// The cache's folder (`STATE/thumbnails`).
    public let folder: String

    /// The cache of the library whose state folder is `stateFolder`.
    public init(stateFolder: String) {
        folder = "\(stateFolder)/thumbnails"
    }

    /// Where the thumbnail of `sha256` at `size` is (or would be) stored.
    public func path(for sha256: String, size: Size) -> String {
        "\(folder)/\(size.rawValue)/\(sha256.prefix(2))/\(sha256).jpg"
    }

    /// The cached file of `sha256` at `size`, or nil when it has not been made.
    public func cached(_ sha256: String, size: Size) -> String? {
        let file = path(for: sha256, size: size)
        var info = stat()
        guard stat(file, &info) == 0, info.st_size > 0 else { return nil }
        return file
    }

    /// The path of the thumbnail of the content `sha256` whose file is at `path`, made now
    /// (in this process) when it is not cached yet.
    ///
    /// A small thumbnail is derived from a cached preview when there is one, so the original
    /// is opened at most once per content. The source is not re-hashed: callers pass the
    /// SHA-256 the manifest recorded for it.
    ///
    /// - Throws: ``ImgedaError`` when `sha256` is not a SHA-256 or no thumbnail can be made of
    ///   the file (missing, unreadable, not a picture this build decodes).
    public func file(for sha256: String, source path: String, size: Size) throws -> String {
        guard SidecarStore.isContentKey(sha256) else {
            throw ImgedaError(.invalidArgument, "not a SHA-256: '\(sha256)'", remedy: "thumbnails are keyed by lower-case hex SHA-256")
        }
        if let file = cached(sha256, size: size) { return file }
        guard Self.libvipsStarted else {
            throw ImgedaError(.renderFailed, "cannot make a thumbnail of \(path): libvips did not start")
        }
        let decoder = ImageDecoder()
        var jpeg: [UInt8]?
        if size == .small, let preview = cached(sha256, size: .preview) {
            jpeg = Self.shrink(preview, side: size.side, decoder: decoder)
        }
        if jpeg == nil {
            jpeg = Thumbnailer.jpeg(FilePathBytes(path), side: size.side, decoder: decoder)
        }
        guard let jpeg else {
            throw ImgedaError(
                .renderFailed, "no thumbnail can be made of \(path): it is missing, unreadable or not a picture this build decodes")
        }
        return try store(jpeg, sha256: sha256, size: size)
    }

    /// Stores a JPEG as the thumbnail of `sha256` at `size` (atomically); returns its path.
    @discardableResult
    public func store(_ jpeg: [UInt8], sha256: String, size: Size) throws -> String {
        let file = path(for: sha256, size: size)
        try FileSystem.createDirectories(FileSystem.parentFolder(of: file))
        try AtomicFile.write(jpeg, to: file)
        return file
    }

    /// libvips for thumbnails made in this process (started once; idempotent).
    static let libvipsStarted: Bool = ImageDecoder.startLibvips() == nil

    /// A smaller JPEG of a cached thumbnail (our own file, so safe to decode in-process).
    static func shrink(_ cachedFile: String, side: Int, decoder: ImageDecoder) -> [UInt8]? {
        var result: [UInt8]?
        _ = MappedFile.withBytes(FilePathBytes(cachedFile)) { bytes, _, _ in
            result = decoder.thumbnailJPEG(bytes, side: side)
        }
        return result
    }
}

// MARK: - Bulk generation

/// One content to make thumbnails of: its SHA-256 and a file that holds it.
public struct ThumbnailSource: Sendable, Hashable {
    public var sha256: String
    public var path: FilePathBytes

    public init(sha256: String, path: FilePathBytes) {
        self.sha256 = sha256
        self.path = path
    }
}

/// What a bulk generation did.
public struct ThumbnailBatch: Sendable, Hashable, Encodable {
    /// Contents asked for (byte-identical copies count once).
    public var contents = 0
    /// Thumbnail files made.
    public var made = 0
    /// Thumbnail files that were already cached.
    public var cached = 0
    /// Files no thumbnail could be made of (unreadable, not a picture, crashed or hung the
    /// decoder), by path.
    public var failed: [String] = []
    /// Why the run stopped early, if it did.
    public var stopped: StopReason?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case contents, made, cached, failed
    }
}

extension ThumbnailCache {
    /// Makes the missing thumbnails of `sources` at `sizes` in the supervised worker
    /// processes (``WorkerPool``): a file that crashes or hangs its decoder is listed in
    /// ``ThumbnailBatch/failed`` and the rest go on. Byte-identical copies are made once.
    ///
    /// When both sizes are wanted the workers make the preview and the small thumbnail is
    /// derived from it here (a JPEG this cache wrote, safe to decode in-process), so each
    /// original is decoded once.
    ///
    /// `configuration.side` is ignored: the sizes say it. `progress` receives a value per
    /// finished content and is finished when the run ends.
    ///
    /// - Complexity: O(n) in the number of sources; memory is one path per content to make.
    public func generate(
        _ sources: [ThumbnailSource], sizes: Set<Size>, configuration: Thumbnailer.Configuration, stop: StopToken = StopToken(),
        progress: ProgressSink? = nil
    ) throws -> ThumbnailBatch {
        defer { progress?.finish() }
        var batch = ThumbnailBatch()
        var seen = Set<String>()
        var pending: [ThumbnailSource] = []
        for source in sources where SidecarStore.isContentKey(source.sha256) && seen.insert(source.sha256).inserted {
            batch.contents += 1
            let missing = sizes.filter { cached(source.sha256, size: $0) == nil }
            batch.cached += sizes.count - missing.count
            if !missing.isEmpty { pending.append(source) }
        }
        let meter = ProgressMeter(total: pending.count, startedAt: Monotonic.now())
        progress?.yield(meter.progress(done: 0, at: Monotonic.now()))
        guard !pending.isEmpty else { return batch }
        guard Self.libvipsStarted else {
            throw ImgedaError(.renderFailed, "cannot make thumbnails: libvips did not start")
        }
        let decoder = ImageDecoder()
        // Contents whose preview is cached and only the small size is missing need no worker.
        var forWorkers: [ThumbnailSource] = []
        var done = 0
        for source in pending {
            if sizes.contains(.small), cached(source.sha256, size: .small) == nil, let preview = cached(source.sha256, size: .preview),
                let jpeg = Self.shrink(preview, side: Size.small.side, decoder: decoder)
            {
                try store(jpeg, sha256: source.sha256, size: .small)
                batch.made += 1
                done += 1
                progress?.yield(meter.progress(done: done, at: Monotonic.now(), current: source.path.display))
            } else {
                forWorkers.append(source)
            }
        }
        guard !forWorkers.isEmpty else { return batch }
        let largest: Size = sizes.contains(.preview) ? .preview : .small
        var pool = WorkerPool.Configuration(
            executable: configuration.executable, settings: ScanSettings(), workers: configuration.workers, timeout: configuration.timeout)
        pool.job = .thumbnail(side: largest.side)
        pool.memoryLimit = configuration.memoryLimit
        pool.environment = configuration.environment
        let workers = try WorkerPool(configuration: pool)
        defer { workers.shutdown() }
        let outcome = try workers.run(files: forWorkers.map(\.path), stop: stop) { completion in
            let source = forWorkers[completion.sequence]
            done += 1
            defer { progress?.yield(meter.progress(done: done, at: Monotonic.now(), current: source.path.display)) }
            guard !completion.flags.contains(.corrupt), !completion.payload.isEmpty else {
                batch.failed.append(source.path.display)
                return
            }
            if cached(source.sha256, size: largest) == nil {
                try store(completion.payload, sha256: source.sha256, size: largest)
                batch.made += 1
            }
            if largest == .preview, sizes.contains(.small), cached(source.sha256, size: .small) == nil,
                let file = cached(source.sha256, size: .preview), let jpeg = Self.shrink(file, side: Size.small.side, decoder: decoder)
            {
                try store(jpeg, sha256: source.sha256, size: .small)
                batch.made += 1
            }
        }
        batch.stopped = outcome.stopped
        batch.failed.sort()
        return batch
    }

    /// ``generate(_:sizes:configuration:stop:progress:)`` from async code (the web app's
    /// thumbnails job): the workers are supervised on a thread of their own; cancelling the
    /// task stops them.
    public func generateInBackground(
        _ sources: [ThumbnailSource], sizes: Set<Size>, configuration: Thumbnailer.Configuration, stop: StopToken = StopToken(),
        progress: ProgressSink? = nil
    ) async throws -> ThumbnailBatch {
        try await BlockingJob.run(stop: stop) { [self] in
            try generate(sources, sizes: sizes, configuration: configuration, stop: stop, progress: progress)
        }
    }
}
