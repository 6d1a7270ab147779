import DatasetIO
import Testing

/// The bounded inflate behind GZIP Parquet pages and compressed PNG XMP.
@Suite("zlib")
struct ZlibTests {
    /// A zlib stream of `data` in stored (uncompressed) deflate blocks of at most 65,535
    /// bytes, with its Adler-32: valid input any inflater must accept.
    static func stored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var at = 0
        repeat {
            let n = min(65_535, data.count - at)
            let last: UInt8 = at + n == data.count ? 1 : 0
            out += [last, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[at..<(at + n)]
            at += n
        } while at < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        let adler = (b << 16) | a
        return out + [UInt8(adler >> 24), UInt8((adler >> 16) & 0xFF), UInt8((adler >> 8) & 0xFF), UInt8(adler & 0xFF)]
    }

    @Test func aStreamInflatesToItsBytesWithinTheLimitAndNotPastIt() {
        let data = (0..<150_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let stream = Self.stored(data)
        #expect(stream.withUnsafeBytes { Zlib.inflate($0, limit: data.count) } == data)
        #expect(stream.withUnsafeBytes { Zlib.inflate($0, limit: 1 << 20, capacity: 10) } == data, "grows from a small guess")
        #expect(stream.withUnsafeBytes { Zlib.inflate($0, limit: data.count - 1) } == nil, "one byte past the limit is refused")
        #expect([UInt8]().withUnsafeBytes { Zlib.inflate($0, limit: 100) } == nil)
        #expect(Self.stored([]).withUnsafeBytes { Zlib.inflate($0, limit: 0) } == [])
    }

    @Test func aCutOrDamagedStreamIsRefused() {
        let stream = Self.stored(Array("<x:xmpmeta>2019-03-04T23:30:00</x:xmpmeta>".utf8))
        for length in 0..<stream.count {
            #expect(stream.withUnsafeBytes { Zlib.inflate(UnsafeRawBufferPointer(rebasing: $0[0..<length]), limit: 1000) } == nil)
        }
        var damaged = stream
        damaged[damaged.count - 1] ^= 1  // the checksum
        #expect(damaged.withUnsafeBytes { Zlib.inflate($0, limit: 1000) } == nil)
    }
}
