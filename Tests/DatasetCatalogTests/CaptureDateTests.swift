import DatasetAnalysis
import Testing

@Suite("capture dates with confidence")
struct CaptureDateTests {
    @Test func exifOriginalWithOffsetKeepsLocalTimeAndIsHigh() throws {
        // 23:30 local at UTC−5 is 04:30 UTC the next day; the library keeps the local day.
        let date = try #require(
            CaptureDate.extract(
                exifOriginal: "2023:07:14 23:30:00", exifOffset: "-05:00", path: "2023/08/IMG_20230801_101010.jpg", mtime: 1e9))
        #expect(date.local == "2023-07-14T23:30:00")
        #expect(date.offset == "-05:00")
        #expect(date.source == .exifOriginal)
        #expect(date.confidence == .high)
        #expect(date.timeZoneKnown)
    }

    @Test func exifOriginalWithoutOffsetHasUnknownZone() throws {
        let date = try #require(CaptureDate.extract(exifOriginal: "2021:05:01 12:00:00", path: "a.jpg", mtime: 0))
        #expect(date.local == "2021-05-01T12:00:00")
        #expect(!date.timeZoneKnown)
        #expect(date.confidence == .high)
    }

    @Test func placeholderAndImpossibleExifDatesFallThrough() throws {
        for bad in ["0000:00:00 00:00:00", "2023:02:30 10:00:00", "2023:07:14 25:00:00", "garbage", ""] {
            let date = try #require(CaptureDate.extract(exifOriginal: bad, path: "IMG_20230714_160211.jpg", mtime: 0))
            #expect(date.source == .fileName, "\(bad)")
        }
    }

    @Test func otherExifAndXmpDatesAreHigh() throws {
        let date = try #require(CaptureDate.extract(exifOther: "2022-12-31T23:59:58.123+01:00", path: "x.jpg", mtime: 0))
        #expect(date.local == "2022-12-31T23:59:58")
        #expect(date.source == .exifOther)
        #expect(date.confidence == .high)
    }

    @Test(arguments: [
        ("IMG_20230714_160211.jpg", "2023-07-14T16:02:11"),
        ("PXL_20230714_160211123.jpg", "2023-07-14T16:02:11"),
        ("2023-07-14 16.02.11.jpg", "2023-07-14T16:02:11"),
        ("Screenshot_2023-07-14-16-02-11.png", "2023-07-14T16:02:11"),
        ("IMG-20230714-WA0001.jpg", "2023-07-14"),
        ("holiday_2023_07_14.jpg", "2023-07-14"),
        ("20230714.jpg", "2023-07-14"),
    ])
    func fileNameDatesAreMedium(name: String, expected: String) throws {
        let date = try #require(CaptureDate.extract(path: "photos/\(name)", mtime: 0))
        #expect(date.local == expected)
        #expect(date.source == .fileName)
        #expect(date.confidence == .medium)
        #expect(!date.timeZoneKnown)
    }

    @Test(arguments: [
        ("2019/06/21/beach.jpg", "2019-06-21"),
        ("2019/06/beach.jpg", "2019-06"),
        ("archive/2019/beach.jpg", "2019"),
        ("2019-06-21 Midsummer/beach.jpg", "2019-06-21"),
    ])
    func folderDatesAreLow(path: String, expected: String) throws {
        let date = try #require(CaptureDate.extract(path: path, mtime: 0))
        #expect(date.local == expected)
        #expect(date.source == .folder)
        #expect(date.confidence == .low)
    }

    @Test func numbersThatAreNoDatesAreIgnored() {
        #expect(CaptureDate.dateInName("IMG_0001.jpg") == nil)
        #expect(CaptureDate.dateInName("12345678901.jpg") == nil)
        #expect(CaptureDate.dateInName("photo_20231399.jpg") == nil)
        #expect(CaptureDate.dateInFolders(["Trip 2023"]) == nil)
    }

    @Test func mtimeIsTheLastResortWithItsZone() throws {
        let date = try #require(CaptureDate.extract(path: "misc/beach.jpg", mtime: 1_689_350_000))
        #expect(date.source == .mtime)
        #expect(date.confidence == .lowest)
        #expect(date.local.hasPrefix("2023-07-1"))
        #expect(date.timeZoneKnown)
        #expect(CaptureDate.extract(path: "misc/beach.jpg", mtime: 0) == nil)
    }

    /// The dates written byte by byte read as the zero-padded decimal form, for every month,
    /// day and time field value and years across the range; the name is the path's last
    /// non-empty component, and folders date a file only when its name does not.
    @Test func datesAreWrittenZeroPaddedFromTheNameOrTheFolders() throws {
        func padded(_ v: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(v).count)) + String(v) }
        for (k, year) in [1900, 1969, 1999, 2000, 2023, 2099].enumerated() {
            for month in 1...12 {
                let day = 1 + (month * 7 + k) % 28
                let (h, m, s) = ((month + k) % 24, (month * 5 + k) % 60, (month * 11 + k) % 60)
                let name = "IMG_\(year)\(padded(month, 2))\(padded(day, 2))_\(padded(h, 2))\(padded(m, 2))\(padded(s, 2)).jpg"
                let expected = "\(year)-\(padded(month, 2))-\(padded(day, 2))T\(padded(h, 2)):\(padded(m, 2)):\(padded(s, 2))"
                for path in [name, "2001/02/\(name)", "a/\(name)/", "/b//\(name)"] {
                    let date = try #require(CaptureDate.extract(path: path, mtime: 0), "\(path)")
                    #expect(date.local == expected, "\(path)")
                    #expect(date.source == .fileName, "\(path)")
                }
                let folder = try #require(CaptureDate.extract(path: "\(year)/\(padded(month, 2))/\(padded(day, 2))/x.jpg", mtime: 0))
                #expect(folder.local == "\(year)-\(padded(month, 2))-\(padded(day, 2))")
                #expect(folder.source == .folder)
                let dated = try #require(CaptureDate.extract(path: "\(year)-\(padded(month, 2))-\(padded(day, 2)) Trip/x.jpg", mtime: 0))
                #expect(dated.local == "\(year)-\(padded(month, 2))-\(padded(day, 2))")
            }
        }
        // A trailing slash is no name of its own: the component before it is the name.
        #expect(CaptureDate.extract(path: "2023/IMG_20230714_160211.jpg//", mtime: 0)?.source == .fileName)
        let inFolder = CaptureDate.extract(path: "20230714_160211/x.jpg", mtime: 0)
        #expect(inFolder?.local == "2023-07-14T16:02:11")
        #expect(inFolder?.source == .folder)
    }

    @Test func confidencesAreOrdered() {
        typealias C = CaptureDate.Confidence
        #expect(C.lowest < C.low && C.low < C.medium && C.medium < C.high)
    }
}
