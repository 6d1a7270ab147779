public import DatasetAnalysis

/// The manifest's line format.
public enum ManifestEncoding {
    /// The key that marks the header line.
    public static let metaKey = "__manifest_meta__"
    public static let schemaVersion = 1

    /// One record as a JSON line (with the trailing newline), fields in the reference's order
    /// followed by ours.
    ///
    /// - Complexity: O(size of the record).
    public static func line(for r: ImageRecord) -> [UInt8] {
        var w = JSONWriter(capacity: 1200)
        w.beginObject()
        w.key("path"); w.string(r.path)
        w.key("filename"); w.string(r.filename)
        w.key("file_size_bytes"); w.int(r.fileSizeBytes)
        w.key("mtime"); w.double(r.mtime)
        w.key("width"); w.int(r.width)
        w.key("height"); w.int(r.height)
        w.key("format"); w.string(r.format)
        w.key("color_mode"); w.string(r.colorMode)
        w.key("num_channels"); w.int(r.numChannels)
        w.key("aspect_ratio"); w.double(r.aspectRatio, decimals: 4)
        w.key("camera_make"); w.string(r.cameraMake)
        w.key("camera_model"); w.string(r.cameraModel)
        w.key("lens_model"); w.string(r.lensModel)
        w.key("focal_length_mm"); w.double(r.focalLengthMM)
        w.key("focal_length_35mm"); w.int(r.focalLength35mm)
        w.key("iso_speed"); w.int(r.isoSpeed)
        w.key("f_number"); w.double(r.fNumber)
        w.key("exposure_time_sec"); w.double(r.exposureTimeSec)
        w.key("datetime_original"); w.string(r.datetimeOriginal)
        w.key("orientation_tag"); w.int(r.orientationTag)
        w.key("has_gps_data"); w.bool(r.hasGPSData)
        w.key("distortion_risk"); w.string(r.distortionRisk)
        w.key("pixel_stats")
        if let p = r.pixelStats {
            w.beginObject()
            w.key("mean_r"); w.double(p.meanR, decimals: 3)
            w.key("mean_g"); w.double(p.meanG, decimals: 3)
            w.key("mean_b"); w.double(p.meanB, decimals: 3)
            w.key("std_r"); w.double(p.stdR, decimals: 3)
            w.key("std_g"); w.double(p.stdG, decimals: 3)
            w.key("std_b"); w.double(p.stdB, decimals: 3)
            w.key("mean_brightness"); w.double(p.meanBrightness, decimals: 3)
            w.key("min_val"); w.int(p.minVal)
            w.key("max_val"); w.int(p.maxVal)
            w.endObject()
        } else {
            w.null()
        }
        w.key("corner_stats")
        if let c = r.cornerStats {
            w.beginObject()
            w.key("corner_mean"); w.double(c.cornerMean, decimals: 3)
            w.key("center_mean"); w.double(c.centerMean, decimals: 3)
            w.key("border_mean"); w.double(c.borderMean, decimals: 3)
            w.key("delta"); w.double(c.delta, decimals: 3)
            w.endObject()
        } else {
            w.null()
        }
        w.key("phash"); w.string(r.phash)
        w.key("dhash"); w.string(r.dhash)
        w.key("blur_score"); w.double(r.blurScore, decimals: 2)
        w.key("is_blurry"); w.bool(r.isBlurry)
        w.key("is_corrupt"); w.bool(r.isCorrupt)
        w.key("is_dark"); w.bool(r.isDark)
        w.key("is_overexposed"); w.bool(r.isOverexposed)
        w.key("has_border_artifact"); w.bool(r.hasBorderArtifact)
        w.key("analyzed_at"); w.string(r.analyzedAt)
        w.key("analyzer_version"); w.string(r.analyzerVersion)
        // Our additions.
        w.key("corrupt_reason"); w.string(r.corruptReason)
        w.key("sha256"); w.string(r.sha256)
        w.key("phash_center"); w.string(r.phashCenter)
        if let frames = r.frameCount { w.key("frame_count"); w.int(frames) }
        if let raw = r.pathRaw { w.key("path_raw"); w.string(raw) }
        if let split = r.split { w.key("split"); w.string(split) }
        if let className = r.className { w.key("class_name"); w.string(className) }
        w.endObject()
        w.newline()
        return w.bytes
    }

    /// Adds `split` and `class_name` to a record line written by ``line(for:)`` (before its
    /// closing brace), so the supervisor can label records that workers analysed.
    public static func labelled(_ line: [UInt8], split: String?, className: String?) -> [UInt8] {
        guard split != nil || className != nil, line.count >= 2, line[line.count - 2] == UInt8(ascii: "}") else { return line }
        var w = JSONWriter(capacity: 64)
        if let split { w.key("split"); w.string(split) }
        if let className { w.key("class_name"); w.string(className) }
        var out = Array(line.dropLast(2))
        out.append(contentsOf: [UInt8(ascii: ","), UInt8(ascii: " ")])
        out.append(contentsOf: w.bytes)
        out.append(contentsOf: [UInt8(ascii: "}"), 0x0A])
        return out
    }

    /// The header as a JSON line (with the trailing newline).
    public static func line(for h: ManifestHeader) -> [UInt8] {
        var w = JSONWriter(capacity: 800)
        w.beginObject()
        w.key("__manifest_meta__"); w.bool(true)
        w.key("input_dir"); w.string(h.inputDir)
        w.key("schema_version"); w.int(h.schemaVersion)
        w.key("settings")
        let s = h.settings
        w.beginObject()
        w.key("include_hashes"); w.bool(s.includeHashes)
        w.key("skip_pixel_stats"); w.bool(s.skipPixelStats)
        w.key("skip_exif"); w.bool(s.skipExif)
        w.key("skip_blur"); w.bool(s.skipBlur)
        w.key("dark_threshold"); w.double(s.darkThreshold)
        w.key("overexposed_threshold"); w.double(s.overexposedThreshold)
        w.key("artifact_threshold"); w.double(s.artifactThreshold)
        w.key("blur_threshold"); w.double(s.blurThreshold)
        w.key("corner_patch_fraction"); w.double(s.cornerPatchFraction)
        w.key("hash_size"); w.int(s.hashSize)
        w.key("max_image_dimension"); w.int(s.maxImageDimension)
        w.key("max_pixels"); w.int(s.maxPixels)
        w.endObject()
        w.key("total_files"); w.int(h.totalFiles)
        w.key("created_at"); w.string(h.createdAt)
        w.key("input_dirs")
        w.beginArray()
        for dir in h.inputDirs { w.string(dir) }
        w.endArray()
        if !h.workingDir.isEmpty { w.key("working_dir"); w.string(h.workingDir) }
        w.key("tool"); w.string(h.tool)
        w.key("tool_version"); w.string(h.toolVersion)
        w.endObject()
        w.newline()
        return w.bytes
    }
}
