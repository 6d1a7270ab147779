import CImgedaSupport
import Crypto
public import DatasetAnalysis
import DatasetIO
import Foundation
import ImageDecoding

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

        let outcome = MappedFile.withBytes(path) { bytes, size, mtime in
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
        let options = DecodeOptions(
            previewSide: settings.maxImageDimension, maxPixels: settings.maxPixels,
            readExif: !settings.skipExif)
        if RawFile.isRawName(record.filename), let raw = RawFile.read(bytes) {
            analyzeRaw(raw, bytes, options: options, into: &record)
            return
        }
        let decoded: DecodedImage
        do {
            decoded = try decoder.decode(bytes, options: options)
        } catch {
            record.isCorrupt = true
            let lower = error.reason.lowercased()
            let outOfMemory = lower.contains("out of memory") || lower.contains("cannot allocate memory")
            record.corruptReason = outOfMemory ? MappedFile.memoryLimitReason(fileSize: bytes.count) ?? error.reason : error.reason
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
        measure(decoded, into: &record)
    }

    /// A camera RAW file (TIFF-based): its size, EXIF and format from its directories, and
    /// the pixel measures of its largest embedded JPEG preview, turned as the RAW says. A RAW
    /// file is not corrupt for having sensor data this build does not decode; without a
    /// preview it gets no pixel measures.
    private func analyzeRaw(
        _ raw: RawFile.Summary, _ bytes: UnsafeRawBufferPointer, options: DecodeOptions, into record: inout ImageRecord
    ) {
        guard let preview = raw.preview,
            var decoded = try? decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[preview.range]), options: options)
        else {
            record.format = RawFile.formatName(record.filename)
            record.colorMode = "RGB"
            record.numChannels = 3
            record.width = raw.width
            record.height = raw.height
            record.aspectRatio = raw.height > 0 ? Double(raw.width) / Double(raw.height) : 0
            recordExif(raw.exif, into: &record)
            return
        }
        decoded.format = RawFile.formatName(record.filename)
        decoded.width = raw.width
        decoded.height = raw.height
        decoded.exif = raw.exif
        decoded.orientation = raw.orientation
        measure(decoded, into: &record)
    }

    /// Records what a decoded image says and what its pixels measure.
    private func measure(_ decoded: DecodedImage, into record: inout ImageRecord) {
        record.width = decoded.width
        record.height = decoded.height
        record.format = decoded.format
        record.colorMode = decoded.colorMode
        record.numChannels = decoded.channels
        record.aspectRatio = decoded.height > 0 ? Double(decoded.width) / Double(decoded.height) : 0
        record.frameCount = decoded.frameCount
        recordExif(decoded.exif, into: &record)
        measurePixels(decoded, into: &record)
    }

    /// Copies what the camera's EXIF says into the record (unless EXIF is skipped).
    private func recordExif(_ exif: ExifSummary?, into record: inout ImageRecord) {
        if let exif, !settings.skipExif {
            record.cameraMake = exif.cameraMake
            record.cameraModel = exif.cameraModel
            record.lensModel = exif.lensModel
            record.focalLengthMM = exif.focalLengthMM
            record.focalLength35mm = exif.focalLength35mm
            record.isoSpeed = exif.isoSpeed
            record.fNumber = exif.fNumber
            record.exposureTimeSec = exif.exposureTimeSec
            record.datetimeOriginal = exif.datetimeOriginal
            record.offsetTimeOriginal = exif.offsetTimeOriginal
            record.orientationTag = exif.orientation
            record.hasGPSData = exif.hasGPS
            record.distortionRisk = exif.distortionRisk
        }
    }

    /// Pixel statistics, blur and hashes of the decoded preview.
    private func measurePixels(_ decoded: DecodedImage, into record: inout ImageRecord) {
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
            let upright = gray.oriented(decoded.orientation)
            let hashes = PerceptualHash.hashes(upright, hashSize: settings.hashSize)
            record.phash = hashes.phash
            record.phashCenter = hashes.centre
            record.dhash = hashes.dhash
            if settings.windowHashes { record.windowHashes = WindowHashes.compute(upright).encoded }
        }
    }

    package static func sha256Hex(_ bytes: UnsafeRawBufferPointer) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// A digest as lowercase hexadecimal, as `sha256sum` prints it.
    package static func hex(_ digest: some Sequence<UInt8>) -> String {
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
