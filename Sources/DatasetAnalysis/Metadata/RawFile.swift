/// Camera RAW files built on TIFF (DNG, CR2, NEF, ARW, ORF, RW2, PEF and their kin): what a
/// catalog needs without decoding the sensor data — the camera's EXIF, the sensor's size,
/// and the largest JPEG preview the camera embedded, which stands in for the pixels.
///
/// The directories are walked from IFD0 along the chain (`NextIFD`) and into `SubIFDs`, at
/// most ``maxDirectories`` of them, each read once; every offset is bounds-checked, so a
/// truncated or crafted file yields less, never a crash or a loop.
///
/// ```swift
/// if RawFile.isRawName("IMG_0001.CR2"), let raw = RawFile.read(bytes), let preview = raw.preview {
///     let jpeg = UnsafeRawBufferPointer(rebasing: bytes[preview.range])
/// }
/// ```
public enum RawFile {
    /// Extensions of the TIFF-based RAW formats: Adobe DNG, Canon CR2, Nikon NEF/NRW, Sony
    /// ARW/SRF/SR2, Olympus ORF, Panasonic RW2, Pentax PEF, Samsung SRW, Epson ERF,
    /// Hasselblad 3FR, Kodak KDC/DCR, Leaf MOS, Phase One IIQ.
    public static let extensions = [
        "dng", "cr2", "nef", "nrw", "arw", "srf", "sr2", "orf", "rw2", "pef", "srw", "erf", "3fr", "kdc", "dcr", "mos", "iiq",
    ]

    /// Directories read at most: real files hold fewer than ten (IFD0, a thumbnail, a few
    /// SubIFDs, the ExifIFD), so this bounds a crafted file's cost.
    static let maxDirectories = 64

    /// Whether a file name has one of the RAW ``extensions`` (any case).
    public static func isRawName(_ filename: String) -> Bool {
        guard let dot = filename.lastIndex(of: ".") else { return false }
        return extensions.contains(filename[filename.index(after: dot)...].lowercased())
    }

    /// The format name a record gives a RAW file: its extension in capitals (`CR2`, `DNG`).
    public static func formatName(_ filename: String) -> String {
        guard let dot = filename.lastIndex(of: ".") else { return "RAW" }
        return filename[filename.index(after: dot)...].uppercased()
    }

    /// An embedded JPEG: where it is in the file and its size in pixels.
    public struct Preview: Sendable, Hashable {
        /// The JPEG's bytes within the file.
        public var range: Range<Int>
        public var width: Int
        public var height: Int
    }

    /// What a RAW file says about itself.
    public struct Summary: Sendable, Hashable {
        /// The camera's EXIF (make, model, lens, date, exposure), when IFD0 holds any.
        public var exif: ExifSummary?
        /// IFD0's orientation (1 when absent or out of range): how to turn the preview.
        public var orientation: Int
        /// The largest image any directory describes (the sensor's data, usually), in pixels.
        public var width: Int
        public var height: Int
        /// The largest decodable embedded JPEG (baseline or progressive; never the lossless
        /// JPEG some formats use for the sensor data), or nil.
        public var preview: Preview?
    }

    /// Reads a RAW file's structure; nil when `bytes` is not a TIFF-based file (`II*\0`,
    /// `MM\0*`, Olympus `IIRO`/`IISR`/`MMOR`, Panasonic `IIU\0`) with a readable IFD0.
    ///
    /// - Complexity: O(directories × entries), at most ``maxDirectories`` × ``TIFFStructure/maxEntries``.
    public static func read(_ bytes: UnsafeRawBufferPointer) -> Summary? {
        guard let tiff = structure(bytes), let ifd0Offset = tiff.firstIFDOffset else { return nil }
        let ifd0 = tiff.directory(at: ifd0Offset)
        guard !ifd0.isEmpty else { return nil }
        var summary = Summary(exif: ExifReader.summary(of: tiff), orientation: 1, width: 0, height: 0, preview: nil)
        if let orientation = summary.exif?.orientation, (1...8).contains(orientation) { summary.orientation = orientation }

        var queue = [ifd0Offset]
        var visited = Set<Int>()
        while let offset = queue.popLast(), visited.count < maxDirectories {
            guard visited.insert(offset).inserted else { continue }
            let directory = tiff.directory(at: offset)
            if let next = tiff.nextDirectoryOffset(after: offset) { queue.append(next) }
            if let subIFDs = directory[Tag.subIFDs] {
                for index in 0..<min(subIFDs.count, maxDirectories) {
                    if let pointer = tiff.number(subIFDs, index: index)?.integer, pointer > 0 { queue.append(pointer) }
                }
            }
            if let width = directory[Tag.imageWidth].flatMap(tiff.firstInteger),
                let height = directory[Tag.imageLength].flatMap(tiff.firstInteger),
                width > 0, height > 0, width * height > summary.width * summary.height
            {
                summary.width = width
                summary.height = height
            }
            for candidate in jpegCandidates(directory, tiff) {
                guard let preview = decodableJPEG(at: candidate, in: tiff.reader) else { continue }
                if let best = summary.preview, best.width * best.height >= preview.width * preview.height { continue }
                summary.preview = preview
            }
        }
        if let preview = summary.preview, preview.width * preview.height > summary.width * summary.height {
            summary.width = preview.width
            summary.height = preview.height
        }
        return summary
    }

    /// The TIFF structure of a RAW file, accepting the variant magic numbers of Olympus and
    /// Panasonic beside TIFF's own.
    static func structure(_ bytes: UnsafeRawBufferPointer) -> TIFFStructure? {
        if let tiff = TIFFStructure(bytes) { return tiff }
        let reader = ByteReader(bytes)
        // ORF: "IIRO" or "IISR" (little-endian), "MMOR" (big-endian); RW2: "IIU\0".
        for magic: [UInt8] in [[0x49, 0x49, 0x52, 0x4F], [0x49, 0x49, 0x53, 0x52], [0x49, 0x49, 0x55, 0x00]]
        where reader.matches(magic, at: 0) {
            return TIFFStructure(reader: reader, bigEndian: false)
        }
        if reader.matches([0x4D, 0x4D, 0x4F, 0x52], at: 0) { return TIFFStructure(reader: reader, bigEndian: true) }
        return nil
    }

    /// Byte ranges in a directory that may hold a JPEG: `JPEGInterchangeFormat`, a single
    /// JPEG-compressed strip, and Panasonic's `JpgFromRaw`.
    static func jpegCandidates(_ directory: [UInt16: TIFFEntry], _ tiff: TIFFStructure) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        func add(_ start: Int?, _ length: Int?) {
            guard let start, let length, start >= 0, length > 2, tiff.reader.contains(start, length: length) else { return }
            ranges.append(start..<(start + length))
        }
        add(
            directory[Tag.jpegInterchangeFormat].flatMap(tiff.firstInteger),
            directory[Tag.jpegInterchangeFormatLength].flatMap(tiff.firstInteger))
        // Compression 6 (old JPEG) and 7 (JPEG): 7 also holds lossless sensor data, which
        // `decodableJPEG` turns away by its SOF marker.
        if let compression = directory[Tag.compression].flatMap(tiff.firstInteger), compression == 6 || compression == 7,
            let offsets = directory[Tag.stripOffsets], offsets.count == 1,
            let counts = directory[Tag.stripByteCounts], counts.count == 1
        {
            add(tiff.firstInteger(offsets), tiff.firstInteger(counts))
        }
        if let embedded = directory[Tag.panasonicJpgFromRaw] { add(embedded.valueOffset, embedded.count) }
        return ranges
    }

    /// The range as a preview when it holds a JPEG a decoder reads: SOI, then a baseline,
    /// extended or progressive frame header (SOF0–2) with a size.
    static func decodableJPEG(at range: Range<Int>, in reader: ByteReader) -> Preview? {
        guard reader.matches([0xFF, 0xD8, 0xFF], at: range.lowerBound),
            let bytes = reader.slice(range.lowerBound, length: range.count)
        else { return nil }
        for segment in JPEGSegments(bytes) {
            switch segment.marker {
            case 0xC0, 0xC1, 0xC2:
                let frame = ByteReader(segment.payload)
                guard let height = frame.u16(1, bigEndian: true), let width = frame.u16(3, bigEndian: true), width > 0, height > 0
                else { return nil }
                return Preview(range: range, width: Int(width), height: Int(height))
            case 0xC3...0xCF where segment.marker != 0xC4 && segment.marker != 0xC8 && segment.marker != 0xCC:
                return nil  // lossless, hierarchical or arithmetic: not a preview decoders read
            default:
                continue
            }
        }
        return nil
    }

    private enum Tag {
        static let panasonicJpgFromRaw: UInt16 = 0x002E
        static let imageWidth: UInt16 = 0x0100
        static let imageLength: UInt16 = 0x0101
        static let compression: UInt16 = 0x0103
        static let stripOffsets: UInt16 = 0x0111
        static let stripByteCounts: UInt16 = 0x0117
        static let subIFDs: UInt16 = 0x014A
        static let jpegInterchangeFormat: UInt16 = 0x0201
        static let jpegInterchangeFormatLength: UInt16 = 0x0202
    }
}
