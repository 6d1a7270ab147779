import CImgedaSupport
import Crypto
public import DatasetAnalysis
public import DatasetIO
import ImageDecoding
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Analyses one file into an ``ImageRecord``: reads its bytes once, hashes them (SHA-256),
/// decodes a preview from the same buffer and measures it.
///
/// Never throws: an unreadable, empty, truncated or foreign file becomes a record with
/// `is_corrupt` and a `corrupt_reason`.
public struct FileAnalyzer {
    public var settings: ScanSettings
    private let decoder = ImageDecoder()

    public init(settings: ScanSettings) {
        self.settings = settings
    }

    /// Analyses the file at `path`.
    public func analyze(_ path: FilePathBytes) -> ImageRecord {
        var record = ImageRecord(path: path.display, filename: path.lastComponent.display)
        if !path.isValidUTF8 { record.pathRaw = path.base64 }
        record.analyzedAt = Timestamp.nowISO8601()

        let outcome = Self.withFileBytes(path) { bytes, size, mtime in
            record.fileSizeBytes = size
            record.mtime = mtime
            record.sha256 = Self.sha256Hex(bytes)
            analyze(bytes, into: &record)
        }
        if case .failure(let reason) = outcome {
            record.isCorrupt = true
            record.corruptReason = reason.description
            // A file that could be opened but not read (too large for the memory limit)
            // keeps its version, so resume does not analyse it again and again.
            if let version = Discovery.currentVersion(of: path) {
                record.fileSizeBytes = version.size
                record.mtime = version.mtime
            }
        }
        return record
    }

    /// Analyses bytes already in memory (the decode and statistics part of ``analyze(_:)``).
    public func analyze(_ bytes: UnsafeRawBufferPointer, into record: inout ImageRecord) {
        let options = DecodeOptions(previewSide: settings.maxImageDimension, maxPixels: settings.maxPixels,
                                    readExif: !settings.skipExif)
        let decoded: DecodedImage
        do {
            decoded = try decoder.decode(bytes, options: options)
        } catch {
            record.isCorrupt = true
            let lower = error.reason.lowercased()
            let outOfMemory = lower.contains("out of memory") || lower.contains("cannot allocate memory")
            record.corruptReason = outOfMemory ? Self.memoryLimitReason(fileSize: bytes.count) ?? error.reason : error.reason
            if let partial = error.partial {
                record.format = partial.format
                record.colorMode = partial.colorMode ?? ""
                record.numChannels = partial.channels ?? 0
                record.width = partial.width ?? 0
                record.height = partial.height ?? 0
                if record.height > 0 { record.aspectRatio = Double(record.width) / Double(record.height) }
            }
            return
        }
        record.width = decoded.width
        record.height = decoded.height
        record.format = decoded.format
        record.colorMode = decoded.colorMode
        record.numChannels = decoded.channels
        record.aspectRatio = decoded.height > 0 ? Double(decoded.width) / Double(decoded.height) : 0
        record.frameCount = decoded.frameCount
        if let exif = decoded.exif, !settings.skipExif {
            record.cameraMake = exif.cameraMake
            record.cameraModel = exif.cameraModel
            record.lensModel = exif.lensModel
            record.focalLengthMM = exif.focalLengthMM
            record.focalLength35mm = exif.focalLength35mm
            record.isoSpeed = exif.isoSpeed
            record.fNumber = exif.fNumber
            record.exposureTimeSec = exif.exposureTimeSec
            record.datetimeOriginal = exif.datetimeOriginal
            record.orientationTag = exif.orientation
            record.hasGPSData = exif.hasGPS
            record.distortionRisk = exif.distortionRisk
        }

        let preview = decoded.preview
        if !settings.skipPixelStats {
            let stats = PixelStatistics.compute(preview)
            record.pixelStats = stats
            record.isDark = settings.quality.isDark(meanBrightness: stats.meanBrightness)
            record.isOverexposed = settings.quality.isOverexposed(meanBrightness: stats.meanBrightness)
            let corners = BorderStatistics.compute(preview, patchFraction: settings.cornerPatchFraction)
            record.cornerStats = corners
            record.hasBorderArtifact = settings.quality.hasBorderArtifact(cornerDelta: corners.delta)
        }
        let needsGray = (!settings.skipBlur && !settings.skipPixelStats) || settings.includeHashes
        guard needsGray else { return }
        // One luma image at the blur preview size serves the blur score and both hashes.
        let gray = GrayImage(luma: preview).fitted(longSide: BlurMeasure.previewSide)
        if !settings.skipBlur && !settings.skipPixelStats {
            let score = BlurMeasure.normalisedScore(gray)
            record.blurScore = score
            record.isBlurry = settings.quality.isBlurry(blurScore: score)
        }
        if settings.includeHashes {
            // Hashes describe the image as a viewer shows it, so an EXIF-rotated copy of a
            // photo hashes like the photo.
            let hashes = PerceptualHash.hashes(gray.oriented(decoded.orientation), hashSize: settings.hashSize)
            record.phash = hashes.phash
            record.phashCenter = hashes.centre
            record.dhash = hashes.dhash
        }
    }

    // MARK: - Reading

    struct ReadFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Maps a whole regular file read-only and calls `body` with its bytes, size and
    /// modification time. Mapping instead of reading saves a copy of every byte: the
    /// checksum and the decoder read the page cache directly. Opens without blocking (a FIFO
    /// that replaced the file after discovery must not hang the worker) and checks the type
    /// on the open descriptor.
    static func withFileBytes(
        _ path: FilePathBytes, _ body: (UnsafeRawBufferPointer, Int, Double) -> Void
    ) -> Result<Void, ReadFailure> {
        let fd = path.withCString { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else {
            return .failure(ReadFailure(description: "cannot open file (\(String(cString: strerror(errno))))"))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            return .failure(ReadFailure(description: "cannot stat file (\(String(cString: strerror(errno))))"))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            return .failure(ReadFailure(description: "not a regular file"))
        }
        let size = Int(info.st_size)
        let mtime = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) * 1e-9
        guard size > 0 else {
            body(UnsafeRawBufferPointer(start: nil, count: 0), 0, mtime)
            return .success(())
        }
        guard let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapping != MAP_FAILED else {
            let error = errno
            if error == ENOMEM, let reason = memoryLimitReason(fileSize: size) {
                return .failure(ReadFailure(description: reason))
            }
            return .failure(ReadFailure(description: "cannot read file (\(String(cString: strerror(error))))"))
        }
        defer { munmap(mapping, size) }
        // The whole file is about to be read front to back (checksum, then decoder).
        _ = madvise(mapping, size, MADV_SEQUENTIAL)
        body(UnsafeRawBufferPointer(start: mapping, count: size), size, mtime)
        return .success(())
    }

    /// Why a file failed when this process runs under a memory limit (a worker does), or
    /// nil without one.
    static func memoryLimitReason(fileSize: Int) -> String? {
        let limit = cimgeda_memory_limit()
        guard limit > 0 else { return nil }
        let gib = 1024.0 * 1024 * 1024
        func shown(_ bytes: Double) -> String { String(format: bytes >= gib ? "%.1f GiB" : "%.0f MiB", bytes >= gib ? bytes / gib : bytes / 1024 / 1024) }
        return "needs more memory than the limit of \(shown(Double(limit))) for one worker (the file is \(shown(Double(fileSize))); raise the limit with --max-memory)"
    }

    static func sha256Hex(_ bytes: UnsafeRawBufferPointer) -> String {
        let digest = SHA256.hash(data: bytes)
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Timestamps in the reference's format: ISO 8601 with microseconds and `+00:00`, as
/// Python's `datetime.now(timezone.utc).isoformat()` prints.
public enum Timestamp {
    public static func nowISO8601() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let micros = Int32(now.tv_nsec / 1000)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(micros, 6))+00:00"
    }
}
