internal import CZlib

/// zlib and gzip streams inflated by the system's zlib, never past a bound: Parquet pages
/// written with the GZIP codec, a PNG's compressed XMP packet.
package enum Zlib {
    /// What `input` (a zlib stream or a gzip member) inflates to; nil when it is not a whole
    /// stream or would inflate to more than `limit` bytes — so a decompression bomb costs at
    /// most `limit` bytes. `capacity` is the first guess at the size (the exact size when the
    /// caller knows it, as a Parquet page header says).
    ///
    /// - Complexity: O(output), at most `limit` bytes.
    package static func inflate(_ input: UnsafeRawBufferPointer, limit: Int, capacity: Int? = nil) -> [UInt8]? {
        guard limit >= 0 else { return nil }
        var output = [UInt8](repeating: 0, count: min(limit, max(capacity ?? input.count * 4, 64)))
        var stream = z_stream()
        guard czlib_inflate_init(&stream) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        // zlib's API takes a mutable pointer to its input but never writes through it.
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(clamping: input.count)
        var produced = 0
        while true {
            if produced == output.count {
                // Full: one byte more than the limit tells a stream that goes on past it.
                guard output.count <= limit else { return nil }
                output += [UInt8](repeating: 0, count: min(max(output.count, 64), limit + 1 - output.count))
            }
            let status: Int32 = output.withUnsafeMutableBytes { out in
                stream.next_out = out.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) + produced }
                stream.avail_out = UInt32(clamping: out.count - produced)
                let before = stream.avail_out
                let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                produced += Int(before - stream.avail_out)
                return status
            }
            switch status {
            case Z_STREAM_END:
                guard produced <= limit else { return nil }
                output.removeLast(output.count - produced)
                return output
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress possible: the output is full (grown above) or the input ended early.
                if produced < output.count { return nil }
            default:
                return nil
            }
        }
    }
}
