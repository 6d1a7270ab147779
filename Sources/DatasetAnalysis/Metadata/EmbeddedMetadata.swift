/// Where a photo keeps its EXIF block and its XMP packet, found without decoding a pixel:
/// a JPEG's APP1 segments, a PNG's `eXIf` and `iTXt` chunks, a WebP's `EXIF` and `XMP `
/// chunks, a HEIF or AVIF file's `Exif` and XMP (`mime`) items, and a TIFF file (or a
/// TIFF-based RAW file), which is an EXIF structure itself with its XMP in IFD0's
/// `XMLPacket` entry.
///
/// Both results point into the buffer searched and are valid as long as it is. Every read
/// is bounds-checked, so a truncated or crafted file yields less, never a crash.
///
/// ```swift
/// let found = EmbeddedMetadata.locate(in: bytes)
/// let exif = found.exif.flatMap(ExifReader.parse)
/// let xmp = found.xmp.flatMap(XMPDates.parse)
/// ```
///
/// A PNG may hold its XMP packet compressed (``compressedXMP``): this module has no zlib,
/// so a reader that has one inflates it before ``XMPDates/parse(_:)``.
public struct EmbeddedMetadata {
    /// The EXIF (TIFF) structure, possibly still behind an `Exif\0\0` prefix, which
    /// ``ExifReader/parse(_:)`` removes.
    public var exif: UnsafeRawBufferPointer?
    /// The XMP packet (RDF/XML text).
    public var xmp: UnsafeRawBufferPointer?
    /// A PNG's XMP packet as a zlib stream (an `iTXt` chunk with its compression flag set),
    /// when it is not stored plainly in ``xmp``.
    public var compressedXMP: UnsafeRawBufferPointer?

    public init(exif: UnsafeRawBufferPointer? = nil, xmp: UnsafeRawBufferPointer? = nil, compressedXMP: UnsafeRawBufferPointer? = nil) {
        self.exif = exif
        self.xmp = xmp
        self.compressedXMP = compressedXMP
    }

    /// Whether an XMP packet was found, plain or compressed.
    var hasXMP: Bool { xmp != nil || compressedXMP != nil }

    /// Finds the EXIF block and XMP packet of the file in `bytes`, by its signature (not its
    /// name); both nil for other formats.
    ///
    /// - Complexity: O(segments, chunks or boxes before the metadata); a PNG's chunks are
    ///   walked past its image data only when nothing was found before it.
    public static func locate(in bytes: UnsafeRawBufferPointer) -> EmbeddedMetadata {
        let r = ByteReader(bytes)
        if r.matches([0xFF, 0xD8, 0xFF], at: 0) { return jpeg(bytes) }
        if r.matches([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], at: 0) { return png(r) }
        if r.matches("RIFF", at: 0) && r.matches("WEBP", at: 8) { return webp(r) }
        if r.matches("II*\0", at: 0) || r.matches("MM\0*", at: 0) { return tiff(bytes) }
        if r.matches("ftyp", at: 4) { return isoMedia(r) }
        return EmbeddedMetadata()
    }

    /// The signature of an XMP packet in a JPEG APP1 segment.
    private static let jpegXMPSignature: StaticString = "http://ns.adobe.com/xap/1.0/\0"

    private static func jpeg(_ bytes: UnsafeRawBufferPointer) -> EmbeddedMetadata {
        var found = EmbeddedMetadata()
        for segment in JPEGSegments(bytes) where segment.marker == 0xE1 {
            let payload = ByteReader(segment.payload)
            if found.exif == nil, payload.matches("Exif\0\0", at: 0) {
                found.exif = UnsafeRawBufferPointer(rebasing: segment.payload[6...])
            } else if found.xmp == nil, payload.matches(jpegXMPSignature, at: 0) {
                let start = jpegXMPSignature.utf8CodeUnitCount
                found.xmp = UnsafeRawBufferPointer(rebasing: segment.payload[start...])
            }
            if found.exif != nil && found.xmp != nil { break }
        }
        return found
    }

    /// TIFF tag `XMLPacket`: a TIFF file's XMP packet, in IFD0 (TIFF-based RAW files too).
    private static let tiffXMPTag: UInt16 = 700

    /// A TIFF file is an EXIF structure itself; its XMP packet is IFD0's `XMLPacket` entry
    /// (BYTE or UNDEFINED values; some writers say ASCII).
    private static func tiff(_ bytes: UnsafeRawBufferPointer) -> EmbeddedMetadata {
        var found = EmbeddedMetadata(exif: bytes)
        guard let structure = TIFFStructure(bytes), let ifd0 = structure.firstIFDOffset,
            let entry = structure.directory(at: ifd0)[tiffXMPTag], [1, 2, 7].contains(entry.type)
        else { return found }
        found.xmp = structure.reader.slice(entry.valueOffset, length: entry.count)
        return found
    }

    /// PNG chunks: `eXIf` holds EXIF; an `iTXt` with the keyword `XML:com.adobe.xmp` holds
    /// XMP (keyword, NUL, compression flag and method, language, NUL, translated keyword,
    /// NUL, text), plain or — flag 1, method 0 — as a zlib stream.
    private static func png(_ r: ByteReader) -> EmbeddedMetadata {
        var found = EmbeddedMetadata()
        var position = 8
        // Each chunk takes at least 12 bytes, so the walk ends.
        while let length = r.u32(position, bigEndian: true), r.contains(position + 4, length: 4) {
            let type = position + 4, data = position + 8
            let size = Int(length)
            if r.matches("IEND", at: type) { break }
            // Writers put metadata before the image data; look past it only when none was there.
            if r.matches("IDAT", at: type), found.exif != nil || found.hasXMP { break }
            guard let payload = r.slice(data, length: size) else { break }
            if found.exif == nil, r.matches("eXIf", at: type) {
                found.exif = payload
            } else if !found.hasXMP, r.matches("iTXt", at: type), let text = pngXMP(payload) {
                if text.compressed { found.compressedXMP = text.bytes } else { found.xmp = text.bytes }
            }
            if found.exif != nil && found.hasXMP { break }
            position = data + size + 4
        }
        return found
    }

    private static let pngXMPKeyword: StaticString = "XML:com.adobe.xmp\0"

    private static func pngXMP(_ payload: UnsafeRawBufferPointer) -> (bytes: UnsafeRawBufferPointer, compressed: Bool)? {
        let p = ByteReader(payload)
        guard p.matches(pngXMPKeyword, at: 0) else { return nil }
        var at = pngXMPKeyword.utf8CodeUnitCount
        // Flag 0: plain text; flag 1 with method 0: zlib (exiftool -z writes it).
        guard let flag = p.u8(at), let method = p.u8(at + 1), flag == 0 || (flag == 1 && method == 0) else { return nil }
        at += 2
        for _ in 0..<2 {  // language tag, translated keyword
            while let byte = p.u8(at), byte != 0 { at += 1 }
            guard p.u8(at) == 0 else { return nil }
            at += 1
        }
        return p.slice(at, length: payload.count - at).map { ($0, flag == 1) }
    }

    /// WebP's RIFF chunks after `RIFF size WEBP`: `EXIF` and `XMP `, each padded to an even size.
    private static func webp(_ r: ByteReader) -> EmbeddedMetadata {
        var found = EmbeddedMetadata()
        var position = 12
        while let length = r.u32(position + 4, bigEndian: false) {
            let size = Int(length)
            guard let payload = r.slice(position + 8, length: size) else { break }
            if r.matches("EXIF", at: position) { found.exif = payload }
            if r.matches("XMP ", at: position) { found.xmp = payload }
            if found.exif != nil && found.xmp != nil { break }
            position += 8 + size + (size & 1)
        }
        return found
    }

    // MARK: HEIF / AVIF items

    /// The `Exif` item (a 4-byte offset to the TIFF header, then the block) and the XMP item
    /// (`mime` with the content type `application/rdf+xml`) of a HEIF or AVIF file, located
    /// through `meta`'s `iinf` and `iloc` boxes. Only items stored in one extent, in the
    /// file or in `idat`, are read.
    private static func isoMedia(_ r: ByteReader) -> EmbeddedMetadata {
        var found = EmbeddedMetadata()
        guard let meta = ImageHeaderSniffer.box("meta", in: r, from: 0, to: r.count)?.payload, meta.count >= 4 else { return found }
        let children = (meta.lowerBound + 4)..<meta.upperBound
        guard let iinf = ImageHeaderSniffer.box("iinf", in: r, from: children.lowerBound, to: children.upperBound)?.payload,
            let iloc = ImageHeaderSniffer.box("iloc", in: r, from: children.lowerBound, to: children.upperBound)?.payload
        else { return found }
        let items = itemTypes(iinf, in: r)
        let idat = ImageHeaderSniffer.box("idat", in: r, from: children.lowerBound, to: children.upperBound)?.payload
        if let id = items.first(where: { $0.type == "Exif" })?.id, let data = itemData(id, iloc: iloc, idat: idat, in: r) {
            let item = ByteReader(data)
            // The item starts with the offset of the TIFF header after these 4 bytes.
            if let skip = item.u32(0, bigEndian: true), let tiff = item.slice(4 + Int(skip), length: data.count - 4 - Int(skip)) {
                found.exif = tiff
            } else {
                found.exif = item.slice(4, length: data.count - 4)
            }
        }
        if let id = items.first(where: { $0.type == "mime" && $0.contentType == "application/rdf+xml" })?.id {
            found.xmp = itemData(id, iloc: iloc, idat: idat, in: r)
        }
        return found
    }

    /// Item ids and types from `iinf`'s `infe` boxes (versions 2 and 3).
    private static func itemTypes(_ iinf: Range<Int>, in r: ByteReader) -> [(id: UInt32, type: String, contentType: String)] {
        guard let version = r.u8(iinf.lowerBound) else { return [] }
        let entries = iinf.lowerBound + 4 + (version == 0 ? 2 : 4)
        var items: [(id: UInt32, type: String, contentType: String)] = []
        for infe in ImageHeaderSniffer.boxes(in: r, from: entries, to: iinf.upperBound) where infe.type == "infe" {
            let start = infe.payload.lowerBound
            guard let v = r.u8(start), v >= 2 else { continue }
            var at = start + 4
            let id: UInt32?
            if v == 2 {
                id = r.u16(at, bigEndian: true).map { UInt32($0) }
                at += 2
            } else {
                id = r.u32(at, bigEndian: true)
                at += 4
            }
            at += 2  // item_protection_index
            guard let id, r.contains(at, length: 4) else { continue }
            let type = ImageHeaderSniffer.fourCC(r, at: at)
            at += 4
            var contentType = ""
            if type == "mime" {
                while let byte = r.u8(at), byte != 0, at < infe.payload.upperBound { at += 1 }  // item_name
                at += 1
                var text: [UInt8] = []
                while let byte = r.u8(at), byte != 0, at < infe.payload.upperBound, text.count < 64 {
                    text.append(byte)
                    at += 1
                }
                contentType = String(decoding: text, as: UTF8.self)
            }
            items.append((id, type, contentType))
        }
        return items
    }

    /// The bytes of item `id` per `iloc` (versions 0–2), when stored in one extent.
    private static func itemData(_ id: UInt32, iloc: Range<Int>, idat: Range<Int>?, in r: ByteReader) -> UnsafeRawBufferPointer? {
        let start = iloc.lowerBound
        guard let version = r.u8(start), version <= 2, let sizes = r.u8(start + 4), let sizes2 = r.u8(start + 5) else { return nil }
        let offsetSize = Int(sizes >> 4), lengthSize = Int(sizes & 0xF), baseSize = Int(sizes2 >> 4)
        let indexSize = version == 0 ? 0 : Int(sizes2 & 0xF)
        var at = start + 6
        func read(_ size: Int) -> Int? {
            defer { at += size }
            switch size {
            case 0: return 0
            case 4: return r.u32(at, bigEndian: true).map(Int.init)
            case 8: return r.u64(at, bigEndian: true).flatMap { $0 <= UInt64(Int.max) ? Int($0) : nil }
            default: return nil
            }
        }
        let count: Int
        if version < 2 {
            guard let n = r.u16(at, bigEndian: true) else { return nil }
            count = Int(n)
            at += 2
        } else {
            guard let n = read(4) else { return nil }
            count = n
        }
        // Each item takes at least 6 bytes, so the buffer bounds the loop, not the count.
        for _ in 0..<count {
            guard at < iloc.upperBound else { return nil }
            let itemID: Int?
            if version < 2 {
                itemID = r.u16(at, bigEndian: true).map(Int.init)
                at += 2
            } else {
                itemID = read(4)
            }
            var method = 0
            if version >= 1 {
                method = r.u16(at, bigEndian: true).map { Int($0 & 0xF) } ?? -1
                at += 2
            }
            at += 2  // data_reference_index
            guard let itemID, let base = read(baseSize), let extents = r.u16(at, bigEndian: true) else { return nil }
            at += 2
            var ranges: [(offset: Int, length: Int)] = []
            for _ in 0..<extents {
                _ = read(indexSize)
                guard let offset = read(offsetSize), let length = read(lengthSize) else { return nil }
                ranges.append((offset, length))
            }
            guard itemID == Int(id) else { continue }
            guard ranges.count == 1, let extent = ranges.first else { return nil }
            let (offset, sum) = base.addingReportingOverflow(extent.offset)
            guard !sum else { return nil }
            switch method {
            case 0:
                return r.slice(offset, length: extent.length)
            case 1:
                guard let idat else { return nil }
                let (from, overflow) = idat.lowerBound.addingReportingOverflow(offset)
                guard !overflow, extent.length <= idat.upperBound - from, from <= idat.upperBound else { return nil }
                return r.slice(from, length: extent.length)
            default:
                return nil
            }
        }
        return nil
    }
}

/// The capture dates an XMP packet states: `exif:DateTimeOriginal` (else
/// `photoshop:DateCreated`), and `xmp:CreateDate` (else `exif:DateTimeDigitized`), as
/// written — ISO 8601, possibly with a fraction and a zone (`2023-07-14T23:30:00-05:00`).
///
/// A plain text search for the property names, as element (`<exif:DateTimeOriginal>…<`) or
/// attribute (`exif:DateTimeOriginal="…"`): enough for what cameras, phones and exiftool
/// write, without an XML parser.
public struct XMPDates: Sendable, Hashable {
    /// When the picture was taken.
    public var original: String?
    /// When the file was made (a scan, an export).
    public var created: String?

    public init(original: String? = nil, created: String? = nil) {
        self.original = original
        self.created = created
    }

    /// The dates in `packet`; nil when it states none.
    ///
    /// - Complexity: O(packet length × names searched).
    public static func parse(_ packet: UnsafeRawBufferPointer) -> XMPDates? {
        let text = Array(packet)
        let dates = XMPDates(
            original: value(of: "exif:DateTimeOriginal", in: text) ?? value(of: "photoshop:DateCreated", in: text),
            created: value(of: "xmp:CreateDate", in: text) ?? value(of: "exif:DateTimeDigitized", in: text))
        return dates.original == nil && dates.created == nil ? nil : dates
    }

    /// The value of the first occurrence of `name` written as an element or an attribute.
    static func value(of name: String, in text: [UInt8]) -> String? {
        let needle = Array(name.utf8)
        guard text.count > needle.count else { return nil }
        var i = 0
        while i + needle.count < text.count {
            defer { i += 1 }
            guard text[i] == needle[0], text[i..<(i + needle.count)].elementsEqual(needle) else { continue }
            // A whole name: `<name` or ` name`, not `…:xname`.
            if i > 0, text[i - 1] != UInt8(ascii: "<"), !isSpace(text[i - 1]) { continue }
            var at = i + needle.count
            while at < text.count, isSpace(text[at]) { at += 1 }
            guard at < text.count else { return nil }
            let end: UInt8
            if text[at] == UInt8(ascii: "=") {
                at += 1
                while at < text.count, isSpace(text[at]) { at += 1 }
                guard at < text.count, text[at] == UInt8(ascii: "\"") || text[at] == UInt8(ascii: "'") else { continue }
                end = text[at]
            } else if text[at] == UInt8(ascii: ">") {
                end = UInt8(ascii: "<")
            } else {
                continue
            }
            at += 1
            var value: [UInt8] = []
            // A date is short; a longer value is not one.
            while at < text.count, text[at] != end, value.count <= 64 {
                value.append(text[at])
                at += 1
            }
            let trimmed = String(decoding: value, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
                .joined(separator: " ")
            return trimmed.isEmpty ? nil : trimmed
        }
        return nil
    }

    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
}
