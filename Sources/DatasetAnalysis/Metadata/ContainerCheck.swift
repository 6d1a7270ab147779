/// Structural checks that catch damaged files some decoders accept silently.
///
/// libvips' PNG loader, reading from memory, turns a truncated file into a picture with a
/// grey lower part and only a warning, whatever its `fail_on` setting; the reference (Pillow
/// `verify()`) rejects such files. Walking the container's chunk structure catches them for
/// the cost of reading a few headers.
public enum ContainerCheck {
    /// Why the file's structure is damaged, or nil if it looks whole.
    ///
    /// - Complexity: O(number of chunks); no pixel data is read.
    public static func damage(format: String, bytes: UnsafeRawBufferPointer) -> String? {
        switch format {
        case "PNG": return pngDamage(bytes)
        case "WEBP": return riffDamage(bytes)
        default: return nil
        }
    }

    static func pngDamage(_ b: UnsafeRawBufferPointer) -> String? {
        var offset = 8
        var sawData = false
        var chunks = 0
        while offset + 8 <= b.count {
            let length = Int(b[offset]) << 24 | Int(b[offset + 1]) << 16 | Int(b[offset + 2]) << 8 | Int(b[offset + 3])
            let type = (b[offset + 4], b[offset + 5], b[offset + 6], b[offset + 7])
            let end = offset + 12 + length
            if end > b.count {
                return "truncated PNG (chunk \(chunks + 1) needs \(end - b.count) more bytes than the file has)"
            }
            if type == (0x49, 0x44, 0x41, 0x54) { sawData = true }  // IDAT
            if type == (0x49, 0x45, 0x4E, 0x44) {  // IEND
                return sawData ? nil : "damaged PNG (no image data before the end marker)"
            }
            offset = end
            chunks += 1
        }
        return "truncated PNG (the file ends before its end marker)"
    }

    static func riffDamage(_ b: UnsafeRawBufferPointer) -> String? {
        guard b.count >= 12 else { return "truncated WebP (no complete header)" }
        let size = Int(b[4]) | Int(b[5]) << 8 | Int(b[6]) << 16 | Int(b[7]) << 24
        if size + 8 > b.count {
            return "truncated WebP (the header promises \(size + 8) bytes, the file has \(b.count))"
        }
        return nil
    }
}
