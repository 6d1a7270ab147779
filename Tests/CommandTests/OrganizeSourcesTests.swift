import DatasetAnalysis
import DatasetIO
import DatasetPipeline
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `organize` on what its sources hold and where they live: `{seq}` numbers that survive a
/// killed run, near duplicates of a plain folder and of RAW files alone, dates inside PNG
/// (plain or compressed XMP), WebP, HEIC, AVIF and TIFF files, moves to another file
/// system, and a source library's index after a move.
@Suite("organize sources")
struct OrganizeSourcesTests {
    let helpers = OrganizeCommandTests()

    func plan(_ stdout: String) throws -> OrganizePlan {
        try JSONDecoder().decode(OrganizePlan.self, from: Data(stdout.utf8))
    }

    /// Runs a tool (`vips`, `exiftool`) and fails the test with its error output if it fails.
    func tool(_ name: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/" + name)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(name) \(arguments.joined(separator: " ")): \(message)")
    }

    // MARK: {seq}

    /// 300 photos (more than one batch of the executor) numbered into one folder; the move is
    /// killed in its first batch, so most operations have not even begun. The re-run must
    /// finish the plan as planned: every file under the number the dry run showed.
    @Test func sequenceNumbersBelongToThePlanAndSurviveAKilledMove() throws {
        let ws = try Workspace()
        var bytes: [String: [UInt8]] = [:]
        for i in 0..<300 {
            let name = String(format: "src/IMG_20230714_12%02d%02d.jpg", i / 60, i % 60)
            // Sizes differ from file to file, as real photos do.
            let content = Array("photo \(i) ".utf8) + [UInt8](repeating: UInt8(i % 251), count: i)
            try ws.write(content, to: name)
            bytes[ws.file(name)] = content
        }
        let arguments = ["organize", ws.file("src"), "-o", ws.file("dest"), "--template", "{year}/{seq}.{ext}", "--move"]
        let dry = try Imgeda.run(arguments + ["--json"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let planned = try plan(dry.stdout)
        let again = try plan(try Imgeda.run(arguments + ["--json"]).stdout)
        #expect(planned.operations == again.operations, "the same sources give the same plan")
        let destinations = Dictionary(uniqueKeysWithValues: planned.operations.map { ($0.source, $0.destination) })
        #expect(destinations[ws.file("src/IMG_20230714_120000.jpg")] == "2023/0001.jpg")
        #expect(destinations[ws.file("src/IMG_20230714_120459.jpg")] == "2023/0300.jpg")

        let killed = try Imgeda.run(arguments + ["--apply", "--quiet"], environment: [Organizer.killSwitch: "40"])
        #expect(killed.status != 0, "the hook must kill the run")
        let rerun = try Imgeda.run(arguments + ["--apply"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stderr.contains("of an interrupted run first"), "\(rerun.stderr)")
        for (source, content) in bytes {
            let destination = try #require(destinations[source])
            let there = FileManager.default.contents(atPath: ws.file("dest/" + destination)).map { [UInt8]($0) }
            #expect(there == content, "\(source) must be at \(destination), its planned number")
        }
        #expect(helpers.tree(ws.file("src")).isEmpty)
        #expect(helpers.tree(ws.file("dest")).count == 300, "no file placed twice under another number")
    }

    // MARK: Exact copies

    /// Files of one size are told apart by their first and last bytes before any is hashed
    /// whole; files alike there but different in the middle are not copies.
    @Test func filesAlikeAtBothEndsButDifferentInsideAreNotCopies() throws {
        let ws = try Workspace()
        var content = [UInt8](repeating: 7, count: 3 * OrganizeSurvey.probeLength)
        try ws.write(content, to: "src/IMG_20230714_120000.jpg")
        try ws.write(content, to: "src/IMG_20230714_120001.jpg")
        content[content.count / 2] = 8
        try ws.write(content, to: "src/IMG_20230714_120002.jpg")
        content[0] = 9
        try ws.write(content, to: "src/IMG_20230714_120003.jpg")
        let dry = try Imgeda.run(["organize", ws.file("src"), "-o", ws.file("dest"), "--json"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let planned = try plan(dry.stdout)
        #expect(
            planned.duplicates == [.init(path: ws.file("src/IMG_20230714_120001.jpg"), copyOf: ws.file("src/IMG_20230714_120000.jpg"))],
            "\(planned.duplicates)")
        #expect(planned.toPlace.count == 3)
    }

    // MARK: Near duplicates

    @Test func nearDuplicatesOfAPlainFolderAreListedAndAllPlaced() throws {
        let ws = try Workspace()
        _ = Fixtures.libvipsStarted
        let picture = Fixtures.scene(21, width: 480, height: 360)
        try ws.write(try Fixtures.jpeg(picture), to: "src/beach.jpg")
        try ws.write(try Fixtures.jpeg(picture.fitted(longSide: 200)), to: "src/beach small.jpg")
        try ws.write(try Fixtures.jpeg(picture, quality: 35), to: "src/beach recompressed.jpg")
        try ws.write(try Fixtures.encode(picture.fitted(longSide: 320), suffix: ".png"), to: "src/beach.png")
        try ws.write(try Fixtures.jpeg(Fixtures.scene(22, width: 480, height: 360)), to: "src/forest.jpg")
        try ws.write(try Fixtures.jpeg(Fixtures.scene(23, width: 480, height: 360)), to: "src/city.jpg")

        let dry = try Imgeda.run(["organize", ws.file("src"), "-o", ws.file("dest"), "--json"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let planned = try plan(dry.stdout)
        let beach = ["beach recompressed.jpg", "beach small.jpg", "beach.jpg", "beach.png"].map { ws.file("src/" + $0) }
        #expect(planned.nearDuplicates == [beach], "\(planned.nearDuplicates)")
        #expect(planned.toPlace.count == 6, "near duplicates are all placed")

        let text = try Imgeda.run(["organize", ws.file("src"), "-o", ws.file("dest")])
        #expect(text.stdout.contains("Near duplicates (look alike; all are placed): 1 set"), "\(text.stdout)")

        let applied = try Imgeda.run(["organize", ws.file("src"), "-o", ws.file("dest"), "--apply", "--quiet"])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(helpers.tree(ws.file("dest")).count == 6)
    }

    // MARK: Dates inside PNG, WebP, HEIC, AVIF

    /// Files made by libvips with no metadata, then dated by exiftool: EXIF with an offset in
    /// each format, XMP alone in a PNG and a WebP. Their names and times say nothing, so only
    /// the embedded dates can file them.
    @Test func datesInsidePNGWebPHEICAndAVIFFileThem() throws {
        let ws = try Workspace()
        try ws.write(try helpers.photo(31), to: "work/base.jpg")
        let base = ws.file("work/base.jpg")
        let exifDates = [
            "png": "2019:03:04 23:30:00", "webp": "2020:05:06 00:15:00", "heic": "2021:07:08 12:00:00",
            "avif": "2022:09:10 06:45:00",
        ]
        var expected: [String: String] = [:]
        for (format, date) in exifDates {
            // Stems differ: files of one stem would be companions filed together.
            let file = ws.file("src/exif-\(format).\(format)")
            try FileManager.default.createDirectory(atPath: ws.file("src"), withIntermediateDirectories: true)
            try tool("vips", ["copy", base, file + "[strip]"])
            try tool("exiftool", ["-q", "-q", "-overwrite_original", "-DateTimeOriginal=\(date)", "-OffsetTimeOriginal=-05:00", file])
            let day = date.prefix(10).replacingOccurrences(of: ":", with: "-")
            expected["exif-\(format).\(format)"] = "\(day.prefix(4))/\(day)/exif-\(format).\(format)"
        }
        for format in ["png", "webp"] {
            let file = ws.file("src/xmp-\(format).\(format)")
            try tool("vips", ["copy", base, file + "[strip]"])
            try tool("exiftool", ["-q", "-q", "-overwrite_original", "-XMP-exif:DateTimeOriginal=2018:12:31 23:59:00+09:00", file])
            expected["xmp-\(format).\(format)"] = "2018/2018-12-31/xmp-\(format).\(format)"
        }
        for name in expected.keys { helpers.setMTime(ws.file("src/" + name), 1_600_000_000) }

        let dry = try Imgeda.run(["organize", ws.file("src"), "-o", ws.file("dest"), "--json"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let planned = try plan(dry.stdout)
        var found: [String: String] = [:]
        for op in planned.operations {
            found[(op.source as NSString).lastPathComponent] = op.destination
            #expect(op.dateSource == .exifOriginal, "\(op.source): \(op.dateSource?.rawValue ?? "no date")")
        }
        #expect(found == expected)
        let xmp = try #require(planned.operations.first { $0.source.hasSuffix("xmp-png.png") })
        #expect(xmp.date == "2018-12-31T23:59:00")

        // Every truncation of these files is read without a crash, and the whole file is read.
        for name in expected.keys {
            let bytes = try #require(FileManager.default.contents(atPath: ws.file("src/" + name)).map { [UInt8]($0) })
            bytes.withUnsafeBytes { all in
                let whole = EmbeddedMetadata.locate(in: all)
                let dates = CaptureDate.extract(
                    exif: whole.exif.flatMap(ExifReader.parse), xmp: whole.xmp.flatMap(XMPDates.parse), path: name, mtime: 0)
                #expect(dates?.source == .exifOriginal, "\(name)")
                for length in 0..<all.count {
                    let part = EmbeddedMetadata.locate(in: UnsafeRawBufferPointer(rebasing: all[0..<length]))
                    _ = part.exif.flatMap(ExifReader.parse)
                    _ = part.xmp.flatMap(XMPDates.parse)
                }
            }
        }
    }

    /// Rewrites the XMP `iTXt` chunk of the PNG at argv[1] compressed (flag 1, zlib), as some
    /// writers store it (exiftool reads it back; it writes XMP only uncompressed).
    static let compressPNGXMP = """
        import struct, sys, zlib
        data = open(sys.argv[1], "rb").read()
        out, p, key = data[:8], 8, b"XML:com.adobe.xmp\\0"
        while p < len(data):
            n, = struct.unpack(">I", data[p:p + 4])
            kind, body = data[p + 4:p + 8], data[p + 8:p + 8 + n]
            if kind == b"iTXt" and body.startswith(key) and body[len(key)] == 0:
                lang, _, rest = body[len(key) + 2:].partition(b"\\0")
                translated, _, text = rest.partition(b"\\0")
                body = key + b"\\x01\\x00" + lang + b"\\0" + translated + b"\\0" + zlib.compress(text, 9)
            out += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
            p += 12 + n
        open(sys.argv[1], "wb").write(out)
        """

    /// XMP inside a TIFF file (IFD0's `XMLPacket`, tag 700) and a PNG's XMP compressed by
    /// zlib (an `iTXt` chunk with its compression flag set) file them by date.
    @Test func datesInTIFFXMPAndCompressedPNGXMPFileThem() throws {
        let ws = try Workspace()
        try ws.write(try helpers.photo(33), to: "work/base.jpg")
        let base = ws.file("work/base.jpg")
        try FileManager.default.createDirectory(atPath: ws.file("src"), withIntermediateDirectories: true)
        let tiff = ws.file("src/scan.tif"), png = ws.file("src/export.png")
        try tool("vips", ["copy", base, tiff + "[strip]"])
        try tool("exiftool", ["-q", "-q", "-overwrite_original", "-XMP-exif:DateTimeOriginal=2017:02:03 23:30:00-05:00", tiff])
        try tool("vips", ["copy", base, png + "[strip]"])
        try tool("exiftool", ["-q", "-q", "-overwrite_original", "-XMP-exif:DateTimeOriginal=2016:08:09 00:15:00+09:00", png])
        try tool("python3", ["-c", Self.compressPNGXMP, png])
        for path in [tiff, png] { helpers.setMTime(path, 1_600_000_000) }

        // What the files hold: XMP in the TIFF's IFD0, and in the PNG only compressed.
        let tiffBytes = try #require(FileManager.default.contents(atPath: tiff).map { [UInt8]($0) })
        let pngBytes = try #require(FileManager.default.contents(atPath: png).map { [UInt8]($0) })
        tiffBytes.withUnsafeBytes { all in
            let found = EmbeddedMetadata.locate(in: all)
            #expect(found.xmp.flatMap(XMPDates.parse)?.original == "2017-02-03T23:30:00-05:00")
            #expect(found.exif.flatMap(ExifReader.parse)?.datetimeOriginal == nil, "only XMP states the date")
        }
        try pngBytes.withUnsafeBytes { all in
            let found = EmbeddedMetadata.locate(in: all)
            #expect(found.xmp == nil)
            let packet = try #require(found.compressedXMP.flatMap { Zlib.inflate($0, limit: 1 << 20) })
            #expect(packet.withUnsafeBytes(XMPDates.parse)?.original == "2016-08-09T00:15:00+09:00")
        }

        let dry = try Imgeda.run(["organize", ws.file("src"), "-o", ws.file("dest"), "--json"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let planned = try plan(dry.stdout)
        let found = Dictionary(uniqueKeysWithValues: planned.operations.map { (($0.source as NSString).lastPathComponent, $0) })
        #expect(found["scan.tif"]?.destination == "2017/2017-02-03/scan.tif")
        #expect(found["export.png"]?.destination == "2016/2016-08-09/export.png", "local time, not shifted to UTC")
        #expect(found.values.allSatisfy { $0.dateSource == .exifOriginal })

        // Every truncation is read without a crash (and a cut zlib stream inflates to nothing).
        for bytes in [tiffBytes, pngBytes] {
            bytes.withUnsafeBytes { all in
                for length in stride(from: 0, to: all.count, by: max(1, all.count / 4000)) {
                    let part = EmbeddedMetadata.locate(in: UnsafeRawBufferPointer(rebasing: all[0..<length]))
                    _ = part.exif.flatMap(ExifReader.parse)
                    _ = part.xmp.flatMap(XMPDates.parse)
                    _ = part.compressedXMP.flatMap { Zlib.inflate($0, limit: 1 << 20) }
                }
            }
        }
    }

    // MARK: RAW files alone

    /// RAW files with no JPEG beside them are photos too: their embedded previews are compared,
    /// so a RAW file and a smaller copy of the same picture are one near-duplicate set. A RAW
    /// file beside its JPEG is a companion and is not compared twice.
    @Test func nearDuplicatesOfRawOnlyPhotosAreFoundByTheirPreviews() throws {
        let ws = try Workspace()
        _ = Fixtures.libvipsStarted
        let thumbnail = try Fixtures.jpeg(Fixtures.scene(1, width: 64, height: 48))
        let picture = Fixtures.scene(21, width: 480, height: 360)
        try ws.write(RawFixture.camera(thumbnail: thumbnail, preview: try Fixtures.jpeg(picture)), to: "src/IMG_0001.CR2")
        try ws.write(
            RawFixture.camera(thumbnail: thumbnail, preview: try Fixtures.jpeg(picture.fitted(longSide: 320), quality: 60)),
            to: "src/DSC_0002.NEF")
        try ws.write(
            RawFixture.camera(thumbnail: thumbnail, preview: try Fixtures.jpeg(Fixtures.scene(22, width: 480, height: 360))),
            to: "src/DSC_0003.NEF")
        // A pair: its JPEG is compared, its RAW travels with it.
        let other = Fixtures.scene(23, width: 480, height: 360)
        try ws.write(RawFixture.camera(thumbnail: thumbnail, preview: try Fixtures.jpeg(other)), to: "src/IMG_0004.CR2")
        try ws.write(try Fixtures.jpeg(other), to: "src/IMG_0004.JPG")

        let dry = try Imgeda.run(["organize", ws.file("src"), "-o", ws.file("dest"), "--json"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let planned = try plan(dry.stdout)
        #expect(planned.nearDuplicates == [[ws.file("src/DSC_0002.NEF"), ws.file("src/IMG_0001.CR2")]], "\(planned.nearDuplicates)")
        #expect(planned.toPlace.count == 5, "near duplicates are all placed")
    }

    // MARK: Another file system

    /// The system's temporary folder and `/dev/shm` (a tmpfs) are on different devices here.
    static let shmIsAnotherDevice: Bool = {
        var shm = stat(), temporary = stat()
        guard stat("/dev/shm", &shm) == 0, stat(NSTemporaryDirectory(), &temporary) == 0 else { return false }
        return shm.st_dev != temporary.st_dev
    }()

    /// A tree in `/dev/shm`, removed with the value.
    final class ShmFolder {
        let path = "/dev/shm/imgeda-test-\(UUID().uuidString.prefix(8))"
        deinit { try? FileManager.default.removeItem(atPath: path) }

        func write(_ bytes: [UInt8], to relative: String, mode: mode_t = 0o644, mtime: Int = 1_650_000_000) throws {
            let full = path + "/" + relative
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: full))
            chmod(full, mode)
            var times = [timespec(tv_sec: mtime, tv_nsec: 0), timespec(tv_sec: mtime, tv_nsec: 0)]
            _ = utimensat(AT_FDCWD, full, &times, 0)
        }
    }

    func shmTree(_ shm: ShmFolder) throws -> [String: String] {
        try shm.write(try helpers.photo(41, date: "2023:07:14 23:30:00", offset: "-05:00"), to: "src/IMG_0001.JPG", mode: 0o640)
        try shm.write(Array("<x:xmpmeta>rating 4</x:xmpmeta>".utf8), to: "src/IMG_0001.xmp", mode: 0o600, mtime: 1_650_000_100)
        try shm.write(try helpers.photo(42, date: "2023:07:15 00:15:00", offset: "+09:00"), to: "src/DSC_0002.jpg")
        return [
            "IMG_0001.JPG": "2023/2023-07-14/IMG_0001.JPG", "IMG_0001.xmp": "2023/2023-07-14/IMG_0001.xmp",
            "DSC_0002.jpg": "2023/2023-07-15/DSC_0002.jpg",
        ]
    }

    @Test(.enabled(if: shmIsAnotherDevice, "needs /dev/shm on another device than the temporary folder (a tmpfs here)"))
    func aMoveToAnotherFileSystemCopiesVerifiesKeepsTimesAndModesAndUndoes() throws {
        let shm = ShmFolder()
        let ws = try Workspace()
        let expected = try shmTree(shm)
        let before = helpers.tree(shm.path + "/src")
        var modes: [String: (mode: mode_t, mtime: Int)] = [:]
        for name in expected.keys {
            var info = stat()
            stat(shm.path + "/src/" + name, &info)
            modes[name] = (info.st_mode, info.st_mtim.tv_sec)
        }
        let run = try Imgeda.run(["organize", shm.path + "/src", "-o", ws.file("dest"), "--apply", "--move", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        var wanted: [String: String] = [:]
        for (source, destination) in expected { wanted[destination] = before[source] }
        #expect(helpers.tree(ws.file("dest")) == wanted, "every file at its place with its source's SHA-256")
        #expect(helpers.tree(shm.path + "/src").isEmpty, "sources removed after their verified copies")
        for (source, destination) in expected {
            var info = stat()
            stat(ws.file("dest/" + destination), &info)
            #expect(info.st_mode == modes[source]?.mode && info.st_mtim.tv_sec == modes[source]?.mtime, "\(source): mode and mtime kept")
        }
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let journal = try #require(outcome["journal"] as? String)
        let lines = try #require(SyncedJournal<OrganizeJournalLine>(path: journal).read())
        let details = lines.filter { $0.kind == .done }.compactMap(\.detail)
        #expect(details.count == 3 && details.allSatisfy { $0 == "copied" }, "another device: copied, not linked: \(details)")

        let undo = try Imgeda.run(["organize", "--undo", journal])
        #expect(undo.status == 0, "\(undo.stderr)")
        #expect(helpers.tree(shm.path + "/src") == before, "every source back, byte for byte")
        for name in expected.keys {
            var info = stat()
            stat(shm.path + "/src/" + name, &info)
            #expect(info.st_mode == modes[name]?.mode && info.st_mtim.tv_sec == modes[name]?.mtime, "\(name): mode and mtime restored")
        }
        #expect(helpers.tree(ws.file("dest")).isEmpty)
    }

    @Test(
        .enabled(if: shmIsAnotherDevice, "needs /dev/shm on another device than the temporary folder (a tmpfs here)"),
        arguments: [2, 3, 4, 6, 8])
    func aMoveToAnotherFileSystemKilledAnywhereLosesNothing(steps: Int) throws {
        let shm = ShmFolder()
        let ws = try Workspace()
        _ = try shmTree(shm)
        let before = helpers.tree(shm.path + "/src")
        let arguments = ["organize", shm.path + "/src", "-o", ws.file("dest"), "--apply", "--move", "--quiet"]
        let killed = try Imgeda.run(arguments, environment: [Organizer.killSwitch: String(steps)])
        #expect(killed.status != 0, "the hook must kill the run at step \(steps)")
        // Until the copy is verified and in place, the source is still there.
        let present = Set(helpers.tree(shm.path + "/src").values).union(helpers.tree(ws.file("dest")).values)
        #expect(Set(before.values).isSubset(of: present), "after the kill every original's bytes exist somewhere")
        let rerun = try Imgeda.run(arguments)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(helpers.tree(shm.path + "/src").isEmpty)
        let placed = helpers.tree(ws.file("dest"))
        #expect(placed.values.sorted() == before.values.sorted(), "every file exactly once")
        #expect(placed.keys.allSatisfy { !$0.hasSuffix(".tmp") })
    }

    // MARK: A source library

    @Test func aLibraryEmptiedByAMoveNoLongerListsTheMovedFiles() throws {
        let ws = try Workspace()
        try ws.write(try helpers.photo(51), to: "lib/IMG_20230710_160211.jpg")
        try ws.write(try helpers.photo(52), to: "lib/IMG_20230711_160211.jpg")
        let made = try Imgeda.run(["library", "init", ws.file("lib"), "--quiet"])
        #expect(made.status == 0, "\(made.stderr)")
        let listed = try Imgeda.run(["search", ws.file("lib"), "", "--count"])
        #expect(listed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "2", "\(listed.stdout)")

        let run = try Imgeda.run(["organize", ws.file("lib"), "-o", ws.file("sorted"), "--apply", "--move"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("Warning"), "\(run.stderr)")
        #expect(helpers.tree(ws.file("sorted")).count == 2)
        let left = try Imgeda.run(["search", ws.file("lib"), "", "--count"])
        #expect(left.status == 0, "\(left.stderr)")
        #expect(left.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "the index lists no moved file: \(left.stdout)")
    }
}
