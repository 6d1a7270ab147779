import Foundation

/// A small TIFF-structured RAW-like file built by hand, as cameras lay them out: IFD0 with
/// the camera's make, model and orientation, a small JPEG thumbnail (`JPEGInterchangeFormat`),
/// an ExifIFD with the capture date and lens, and SubIFDs holding a larger JPEG preview (a
/// JPEG-compressed strip) and the "sensor data" (a lossless-JPEG header that no preview
/// reader may take, sized like a 24-megapixel sensor).
public enum RawFixture {
    public enum Value {
        case short(UInt16)
        case long(UInt32)
        case ascii(String)
        /// The offset of directory `n` (as LONG).
        case directory(Int)
        /// The offsets of several directories (LONG × n): `SubIFDs`.
        case directories([Int])
        /// The offset (LONG) of blob `n`.
        case blob(Int)
        /// The length (LONG) of blob `n`.
        case blobLength(Int)
        /// Blob `n` itself as UNDEFINED bytes (Panasonic's `JpgFromRaw`).
        case inlineBlob(Int)
    }

    /// Lays out `directories` (IFD0 first; only IFD0 is chained from the header) and `blobs`
    /// little-endian; `magic` replaces the 4-byte header signature (`IIRO` for an ORF).
    public static func tiff(directories: [[(UInt16, Value)]], blobs: [[UInt8]], magic: [UInt8] = [0x49, 0x49, 0x2A, 0x00]) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }
        var directoryOffsets: [Int] = []
        var position = 8
        for directory in directories {
            directoryOffsets.append(position)
            position += 2 + 12 * directory.count + 4
        }
        // Out-of-line values of every directory, then the blobs.
        var extra: [UInt8] = []
        let extraStart = position
        var blobOffsets: [Int] = []
        let blobStart: Int = {
            var size = 0
            for directory in directories {
                for (_, value) in directory {
                    switch value {
                    case .ascii(let s) where s.utf8.count + 1 > 4: size += s.utf8.count + 1
                    case .directories(let list) where list.count > 1: size += 4 * list.count
                    default: break
                    }
                }
            }
            return extraStart + size
        }()
        var offset = blobStart
        for blob in blobs {
            blobOffsets.append(offset)
            offset += blob.count
        }
        var out = magic + u32(8)
        for directory in directories {
            out += u16(UInt16(directory.count))
            for (tag, value) in directory.sorted(by: { $0.0 < $1.0 }) {
                out += u16(tag)
                switch value {
                case .short(let v): out += u16(3) + u32(1) + u16(v) + [0, 0]
                case .long(let v): out += u16(4) + u32(1) + u32(v)
                case .ascii(let s):
                    let chars = Array(s.utf8) + [0]
                    out += u16(2) + u32(UInt32(chars.count))
                    if chars.count <= 4 {
                        out += chars + [UInt8](repeating: 0, count: 4 - chars.count)
                    } else {
                        out += u32(UInt32(extraStart + extra.count))
                        extra += chars
                    }
                case .directory(let n): out += u16(4) + u32(1) + u32(UInt32(directoryOffsets[n]))
                case .directories(let list):
                    out += u16(4) + u32(UInt32(list.count))
                    if list.count == 1 {
                        out += u32(UInt32(directoryOffsets[list[0]]))
                    } else {
                        out += u32(UInt32(extraStart + extra.count))
                        for n in list { extra += u32(UInt32(directoryOffsets[n])) }
                    }
                case .blob(let n): out += u16(4) + u32(1) + u32(UInt32(blobOffsets[n]))
                case .blobLength(let n): out += u16(4) + u32(1) + u32(UInt32(blobs[n].count))
                case .inlineBlob(let n): out += u16(7) + u32(UInt32(blobs[n].count)) + u32(UInt32(blobOffsets[n]))
                }
            }
            out += u32(0)
        }
        out += extra
        for blob in blobs { out += blob }
        return out
    }

    /// The header of a lossless JPEG (SOF3), as DNG and CR2 store sensor data: not a preview.
    public static let losslessJPEG: [UInt8] = [
        0xFF, 0xD8, 0xFF, 0xC3, 0x00, 0x0B, 0x0E, 0x0F, 0xA0, 0x17, 0x70, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9,
    ]

    /// A RAW-like file: `thumbnail` in IFD0, `preview` in a SubIFD, EXIF with `date`,
    /// `offset`, `lens`, and IFD0's `orientation`.
    public static func camera(
        thumbnail: [UInt8], preview: [UInt8], make: String = "Canon", model: String = "Canon EOS R6",
        lens: String = "RF24-105mm F4 L IS USM", date: String = "2023:07:14 23:30:00", offset: String = "-05:00",
        orientation: UInt16 = 1, magic: [UInt8] = [0x49, 0x49, 0x2A, 0x00]
    ) -> [UInt8] {
        let ifd0: [(UInt16, Value)] = [
            (0x00FE, .long(1)), (0x0100, .long(160)), (0x0101, .long(120)), (0x0103, .short(6)),
            (0x010F, .ascii(make)), (0x0110, .ascii(model)), (0x0112, .short(orientation)),
            (0x014A, .directories([1, 2])), (0x0201, .blob(0)), (0x0202, .blobLength(0)), (0x8769, .directory(3)),
        ]
        let previewIFD: [(UInt16, Value)] = [
            (0x00FE, .long(1)), (0x0103, .short(7)), (0x0111, .blob(1)), (0x0117, .blobLength(1)),
        ]
        let sensorIFD: [(UInt16, Value)] = [
            (0x00FE, .long(0)), (0x0100, .long(6000)), (0x0101, .long(4000)), (0x0103, .short(7)),
            (0x0111, .blob(2)), (0x0117, .blobLength(2)),
        ]
        let exifIFD: [(UInt16, Value)] = [
            (0x9003, .ascii(date)), (0x9011, .ascii(offset)), (0xA434, .ascii(lens)),
        ]
        return tiff(directories: [ifd0, previewIFD, sensorIFD, exifIFD], blobs: [thumbnail, preview, losslessJPEG], magic: magic)
    }
}
