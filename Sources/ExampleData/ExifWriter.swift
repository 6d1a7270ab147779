/// Writes a minimal EXIF block (little-endian TIFF: camera make and model, orientation, and
/// an EXIF directory with exposure, f-number, ISO, date, focal lengths and lens) into a
/// JPEG, so the example dataset has camera metadata to summarise and plot.
public enum ExifWriter {
    public struct Camera: Sendable {
        public var make: String, model: String, lens: String
        public var focalLength: Int, focalLength35mm: Int, iso: Int
        public var exposureDenominator: Int, fNumberTenths: Int
        public var date: String
        /// `OffsetTimeOriginal` (`-05:00`), written when set.
        public var offset: String?

        public init(
            make: String, model: String, lens: String, focalLength: Int, focalLength35mm: Int, iso: Int,
            exposureDenominator: Int, fNumberTenths: Int, date: String
        ) {
            self.make = make
            self.model = model
            self.lens = lens
            self.focalLength = focalLength
            self.focalLength35mm = focalLength35mm
            self.iso = iso
            self.exposureDenominator = exposureDenominator
            self.fNumberTenths = fNumberTenths
            self.date = date
        }
    }

    private enum Value {
        case ascii(String)
        case short(Int)
        case long(Int)
        case rational(Int, Int)
    }

    /// `jpeg` with an APP1 EXIF segment inserted after its start marker.
    public static func insert(_ camera: Camera, into jpeg: [UInt8]) -> [UInt8] {
        let tiff = block(camera)
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + Array(jpeg.dropFirst(2))
    }

    static func block(_ c: Camera) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        let ifd0: [(Int, Value)] = [(0x010F, .ascii(c.make)), (0x0110, .ascii(c.model)), (0x0112, .short(1))]
        // Entries in ascending tag order, as TIFF requires.
        let exif: [(Int, Value)] =
            [
                (0x829A, .rational(1, c.exposureDenominator)), (0x829D, .rational(c.fNumberTenths, 10)), (0x8827, .short(c.iso)),
                (0x9003, .ascii(c.date)),
            ] + (c.offset.map { [(0x9011, .ascii($0))] } ?? [])
            + [(0x920A, .rational(c.focalLength, 1)), (0xA405, .short(c.focalLength35mm)), (0xA434, .ascii(c.lens))]
        let ifd0Size = 2 + 12 * (ifd0.count + 1) + 4
        let exifOffset = 8 + ifd0Size
        let dataStart = exifOffset + 2 + 12 * exif.count + 4
        var data: [UInt8] = []
        func entries(_ list: [(Int, Value)]) -> [UInt8] {
            var out: [UInt8] = []
            for (tag, value) in list {
                out += u16(tag)
                switch value {
                case .ascii(let s):
                    let bytes = Array(s.utf8) + [0]
                    out += u16(2) + u32(bytes.count)
                    if bytes.count <= 4 {
                        out += bytes + [UInt8](repeating: 0, count: 4 - bytes.count)
                    } else {
                        out += u32(dataStart + data.count)
                        data += bytes
                    }
                case .short(let v): out += u16(3) + u32(1) + u16(v) + [0, 0]
                case .long(let v): out += u16(4) + u32(1) + u32(v)
                case .rational(let n, let d):
                    out += u16(5) + u32(1) + u32(dataStart + data.count)
                    data += u32(n) + u32(d)
                }
            }
            return out
        }
        var out: [UInt8] = [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00]
        out += u16(ifd0.count + 1) + entries(ifd0 + [(0x8769, .long(exifOffset))]) + u32(0)
        out += u16(exif.count) + entries(exif) + u32(0)
        return out + data
    }
}
