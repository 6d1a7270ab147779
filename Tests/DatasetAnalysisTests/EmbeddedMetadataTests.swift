import DatasetAnalysis
import Testing

@Suite("embedded metadata: XMP dates and their zones")
struct EmbeddedMetadataTests {
    func dates(_ xml: String) -> XMPDates? {
        Array(xml.utf8).withUnsafeBytes { XMPDates.parse($0) }
    }

    @Test func elementsAndAttributesAreBothRead() {
        let element = dates("<rdf:Description><exif:DateTimeOriginal>2023-07-14T23:30:00-05:00</exif:DateTimeOriginal></rdf:Description>")
        #expect(element == XMPDates(original: "2023-07-14T23:30:00-05:00"))
        let attribute = dates("<rdf:Description xmp:CreateDate='2021-01-02T03:04:05' exif:DateTimeOriginal = \"2020-05-06T07:08:09Z\"/>")
        #expect(attribute == XMPDates(original: "2020-05-06T07:08:09Z", created: "2021-01-02T03:04:05"))
        #expect(dates("<x photoshop:DateCreated=\"2019-03-04\"/>")?.original == "2019-03-04")
    }

    @Test func onlyWholePropertyNamesCount() {
        #expect(dates("<x myexif:DateTimeOriginal=\"2020-05-06T07:08:09\"/>") == nil)
        #expect(dates("<x exif:DateTimeOriginalX=\"2020-05-06T07:08:09\"/>") == nil)
        #expect(dates("no xmp here") == nil)
        #expect(dates("<exif:DateTimeOriginal>") == nil, "a value cut off by the end of the packet")
    }

    @Test func theZoneOfAnISODateIsItsOffset() {
        #expect(CaptureDate.zone(ofISO: "2023-07-14T23:30:00-05:00") == "-05:00")
        #expect(CaptureDate.zone(ofISO: "2023-07-14T23:30:00.25+09:00") == "+09:00")
        #expect(CaptureDate.zone(ofISO: "2023-07-14T23:30:00Z") == "+00:00")
        #expect(CaptureDate.zone(ofISO: "2023-07-14T23:30:00") == nil)
        #expect(CaptureDate.zone(ofISO: "2023-07-14") == nil)
    }

    @Test func exifWinsOverXMPAndXMPOverTheName() {
        var exif = ExifSummary()
        exif.datetimeOriginal = "2023:07:14 23:30:00"
        exif.offsetTimeOriginal = "-05:00"
        let xmp = XMPDates(original: "2020-05-06T07:08:09+09:00", created: "2021-01-02T03:04:05")
        let fromExif = CaptureDate.extract(exif: exif, xmp: xmp, path: "IMG_20190101_000000.jpg", mtime: 0)
        #expect(fromExif == CaptureDate(local: "2023-07-14T23:30:00", offset: "-05:00", source: .exifOriginal))
        let fromXMP = CaptureDate.extract(exif: ExifSummary(), xmp: xmp, path: "IMG_20190101_000000.jpg", mtime: 0)
        #expect(fromXMP == CaptureDate(local: "2020-05-06T07:08:09", offset: "+09:00", source: .exifOriginal))
        let created = CaptureDate.extract(exif: nil, xmp: XMPDates(created: "2021-01-02T03:04:05"), path: "a.jpg", mtime: 0)
        #expect(created == CaptureDate(local: "2021-01-02T03:04:05", source: .exifOther))
        let name = CaptureDate.extract(exif: nil, xmp: nil, path: "IMG_20190101_000000.jpg", mtime: 0)
        #expect(name?.source == .fileName)
    }

    @Test func formatsWithoutMetadataGiveNothing() {
        let none = Array("GIF89a and more".utf8).withUnsafeBytes { bytes in
            let found = EmbeddedMetadata.locate(in: bytes)
            return found.exif == nil && found.xmp == nil
        }
        #expect(none)
    }
}
