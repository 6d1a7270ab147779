internal import CSnappy
internal import CZstd

/// Decompression of Parquet pages: Snappy, ZSTD and GZIP through the system libraries.
///
/// The output buffer is allocated at the size the page header declares — which the caller
/// has already bounded — and a codec can never write past it, so a decompression bomb costs
/// at most that many bytes; a page that does not decompress to exactly its declared size is
/// refused.
enum ParquetCodecs {
    struct Failure: Error {
        var reason: String
    }

    static func decompress(_ codec: Int32, _ input: UnsafeRawBufferPointer, size: Int) throws(Failure) -> [UInt8] {
        switch ParquetFormat.Codec(rawValue: codec) {
        case .uncompressed:
            guard input.count == size else {
                throw Failure(reason: "an uncompressed page holds \(input.count) bytes but declares \(size)")
            }
            return Array(input)
        case .snappy: return try snappy(input, size: size)
        case .zstd: return try zstd(input, size: size)
        case .gzip: return try gzip(input, size: size)
        default:
            throw Failure(
                reason:
                    "pages use the \(ParquetFormat.Codec.name(codec)) codec, which imgeda does not read (it reads UNCOMPRESSED, SNAPPY, ZSTD and GZIP)"
            )
        }
    }

    private static func snappy(_ input: UnsafeRawBufferPointer, size: Int) throws(Failure) -> [UInt8] {
        guard let base = input.baseAddress?.assumingMemoryBound(to: CChar.self) else {
            throw Failure(reason: "a Snappy page is empty")
        }
        var declared = 0
        guard snappy_uncompressed_length(base, input.count, &declared) == SNAPPY_OK, declared == size else {
            throw Failure(reason: "a Snappy page does not decompress to its declared \(size) bytes")
        }
        var output = [UInt8](repeating: 0, count: size)
        var produced = size
        let status = output.withUnsafeMutableBytes { out in
            snappy_uncompress(base, input.count, out.baseAddress?.assumingMemoryBound(to: CChar.self), &produced)
        }
        guard status == SNAPPY_OK, produced == size else {
            throw Failure(reason: "a Snappy page is corrupt")
        }
        return output
    }

    private static func zstd(_ input: UnsafeRawBufferPointer, size: Int) throws(Failure) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: size)
        let produced = output.withUnsafeMutableBytes { out in
            ZSTD_decompress(out.baseAddress, size, input.baseAddress, input.count)
        }
        guard ZSTD_isError(produced) == 0 else {
            let name = ZSTD_getErrorName(produced).map { String(cString: $0) } ?? "unknown error"
            throw Failure(reason: "a ZSTD page is corrupt or larger than declared (\(name))")
        }
        guard produced == size else {
            throw Failure(reason: "a ZSTD page decompresses to \(produced) bytes but declares \(size)")
        }
        return output
    }

    private static func gzip(_ input: UnsafeRawBufferPointer, size: Int) throws(Failure) -> [UInt8] {
        guard let output = Zlib.inflate(input, limit: size, capacity: size), output.count == size else {
            throw Failure(reason: "a GZIP page is corrupt or does not decompress to its declared \(size) bytes")
        }
        return output
    }
}
