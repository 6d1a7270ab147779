public import DatasetAnalysis

/// The manifest's line format.
public enum ManifestEncoding {
    /// The key that marks the header line.
    public static let metaKey = "__manifest_meta__"
    public static let schemaVersion = 1

    /// One record as a JSON line (with the trailing newline): the fields of ``RecordField``
    /// in its order (the reference's, then ours), nested objects as objects or `null`.
    ///
    /// - Complexity: O(size of the record).
    public static func line(for r: ImageRecord) -> [UInt8] {
        var w = JSONWriter(capacity: 1200)
        w.beginObject()
        // The nested object being written, and whether the record has it (else it was
        // written as null and its fields are skipped).
        var group = RecordField.Group.record
        var groupPresent = true
        for field in RecordField.manifestOrder {
            let spec = field.spec
            if spec.group != group {
                if group != .record && groupPresent { w.endObject() }
                group = spec.group
                groupPresent = group.isPresent(in: r)
                if group != .record {
                    w.key(group.jsonKey)
                    if groupPresent { w.beginObject() } else { w.null() }
                }
            }
            guard groupPresent else { continue }
            let value = field.value(in: r)
            if spec.omittedWhenNull, case .null = value { continue }
            w.key(spec.jsonKey)
            w.value(value, decimals: spec.decimals)
        }
        if group != .record && groupPresent { w.endObject() }
        w.endObject()
        w.newline()
        return w.bytes
    }

    /// Adds `split` and `class_name` to a record line written by ``line(for:)`` (before its
    /// closing brace), so the supervisor can label records that workers analysed.
    public static func labelled(_ line: [UInt8], split: String?, className: String?) -> [UInt8] {
        guard split != nil || className != nil, line.count >= 2, line[line.count - 2] == UInt8(ascii: "}") else { return line }
        var w = JSONWriter(capacity: 64)
        if let split { w.key(RecordField.split.jsonKey); w.string(split) }
        if let className { w.key(RecordField.className.jsonKey); w.string(className) }
        var out = Array(line.dropLast(2))
        out.append(contentsOf: [UInt8(ascii: ","), UInt8(ascii: " ")])
        out.append(contentsOf: w.bytes)
        out.append(contentsOf: [UInt8(ascii: "}"), 0x0A])
        return out
    }

    /// Adds `source_url` to a record line written by ``line(for:)`` (before its closing
    /// brace), so a download can say where each image that workers analysed came from.
    public static func withSourceURL(_ line: [UInt8], _ url: String?) -> [UInt8] {
        guard let url, line.count >= 2, line[line.count - 2] == UInt8(ascii: "}") else { return line }
        var w = JSONWriter(capacity: url.utf8.count + 32)
        w.key(RecordField.sourceURL.jsonKey)
        w.string(url)
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
        if s.windowHashes { w.key("window_hashes"); w.bool(true) }
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
        if let shard = h.shard { w.key("shard"); w.string(shard.description) }
        w.endObject()
        w.newline()
        return w.bytes
    }
}
