import DatasetAnalysis
import DatasetPipeline
import ExampleData
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("organize command")
struct OrganizeCommandTests {
    /// Every regular file under `folder` (skipping `.imgeda/`), relative path → SHA-256.
    func tree(_ folder: String) -> [String: String] {
        var out: [String: String] = [:]
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return out }
        while let relative = walker.nextObject() as? String {
            if relative == ".imgeda" {
                walker.skipDescendants()
                continue
            }
            var info = stat()
            guard stat(folder + "/" + relative, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            out[relative] = OrganizeSurvey.sha256(of: folder + "/" + relative) ?? "unreadable"
        }
        return out
    }

    /// Every folder under `folder` (skipping `.imgeda/`).
    func folders(_ folder: String) -> Set<String> {
        var out = Set<String>()
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return out }
        while let relative = walker.nextObject() as? String {
            if relative == ".imgeda" {
                walker.skipDescendants()
                continue
            }
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder + "/" + relative, isDirectory: &isFolder), isFolder.boolValue {
                out.insert(relative)
            }
        }
        return out
    }

    func photo(_ seed: UInt64, date: String? = nil, offset: String? = nil, make: String = "Canon", model: String = "Canon EOS R5")
        throws -> [UInt8]
    {
        let jpeg = try Fixtures.jpeg(Fixtures.scene(seed, width: 64, height: 48))
        guard let date else { return jpeg }
        var camera = ExifWriter.Camera(
            make: make, model: model, lens: "RF 24-105mm", focalLength: 50, focalLength35mm: 50, iso: 100, exposureDenominator: 125,
            fNumberTenths: 40, date: date)
        camera.offset = offset
        return ExifWriter.insert(camera, into: jpeg)
    }

    func setMTime(_ path: String, _ seconds: Int) {
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, path, &times, 0)
    }

    /// A camera card and a phone export: EXIF dates with offsets (23:30 at UTC−5, 00:15 at
    /// UTC+9, each on its local day), a date in a file name, a file with no date but its
    /// time, a RAW + JPEG pair with an `.xmp`, a Takeout `.json`, an exact copy under
    /// another name and two different photos that want the same name.
    /// Returns where each source file must end up (relative to the destination); a nil
    /// destination means "not placed" (the duplicate).
    func cameraTree(_ ws: Workspace, duplicates: Bool = true) throws -> [String: String?] {
        let evening = try photo(1, date: "2023:07:14 23:30:00", offset: "-05:00")
        try ws.write(evening, to: "src/card/IMG_0001.JPG")
        try ws.write(Array("raw sensor data of IMG_0001".utf8), to: "src/card/IMG_0001.CR2")
        try ws.write(Array("<x:xmpmeta>rating 5</x:xmpmeta>".utf8), to: "src/card/IMG_0001.xmp")
        try ws.write(
            try photo(2, date: "2023:07:15 00:15:00", offset: "+09:00", make: "SONY", model: "ILCE-7M3"), to: "src/card/DSC_0002.jpg")
        // Another photo that wants the same name and day, a different file.
        try ws.write(try photo(3, date: "2023:07:15 09:00:00", offset: "+09:00"), to: "src/other/DSC_0002.jpg")
        try ws.write(try photo(4), to: "src/phone/IMG_20210302_101112.jpg")
        try ws.write(Array("{\"title\": \"IMG_20210302_101112.jpg\"}".utf8), to: "src/phone/IMG_20210302_101112.jpg.json")
        try ws.write(try photo(5), to: "src/phone/no date.jpg")
        setMTime(ws.file("src/phone/no date.jpg"), 1_600_000_000)
        var expected: [String: String?] = [
            "card/IMG_0001.JPG": "2023/2023-07-14/IMG_0001.JPG",
            "card/IMG_0001.CR2": "2023/2023-07-14/IMG_0001.CR2",
            "card/IMG_0001.xmp": "2023/2023-07-14/IMG_0001.xmp",
            "card/DSC_0002.jpg": "2023/2023-07-15/DSC_0002.jpg",
            "other/DSC_0002.jpg": "2023/2023-07-15/DSC_0002_1.jpg",
            "phone/IMG_20210302_101112.jpg": "2021/2021-03-02/IMG_20210302_101112.jpg",
            "phone/IMG_20210302_101112.jpg.json": "2021/2021-03-02/IMG_20210302_101112.jpg.json",
            "phone/no date.jpg": "unsorted/no date.jpg",
        ]
        if duplicates {
            try ws.write(evening, to: "src/phone/copy of evening.jpg")
            expected["phone/copy of evening.jpg"] = .some(nil)
        }
        return expected
    }

    static let lowConfidence = ["--low-confidence", "unsorted/{name}"]

    @Test func dryRunChangesNothingAndShowsThePlan() throws {
        let ws = try Workspace()
        _ = try cameraTree(ws)
        let before = tree(ws.path)
        let foldersBefore = folders(ws.path)
        let dry = try Imgeda.run(["organize", ws.file("src"), "-o", ws.file("dest")] + Self.lowConfidence)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(tree(ws.path) == before)
        #expect(folders(ws.path) == foldersBefore)
        #expect(!FileManager.default.fileExists(atPath: ws.file("dest")))
        #expect(dry.stdout.contains("Plan: copy 8 files"), "\(dry.stdout)")
        #expect(dry.stdout.contains("other/DSC_0002.jpg → 2023/2023-07-15/DSC_0002_1.jpg"), "every conflict is listed: \(dry.stdout)")
        #expect(dry.stdout.contains("no date.jpg"), "the uncertain date is listed: \(dry.stdout)")
        #expect(dry.stdout.contains("copy of evening.jpg = "), "the duplicate is listed: \(dry.stdout)")
        #expect(dry.stdout.contains("Dry run: nothing was changed"))
    }

    @Test func applyFilesEveryPhotoByItsLocalDayWithItsCompanionsAndUndoRemovesTheCopies() throws {
        let ws = try Workspace()
        let expected = try cameraTree(ws)
        let sources = tree(ws.file("src"))
        let run = try Imgeda.run(["organize", ws.file("src"), "-o", ws.file("dest"), "--apply", "--json"] + Self.lowConfidence)
        #expect(run.status == 0, "\(run.stderr)")
        var wanted: [String: String] = [:]
        for (source, destination) in expected {
            if let destination { wanted[destination] = sources[source] }
        }
        #expect(tree(ws.file("dest")) == wanted, "every file where the template says, with its source's bytes")
        #expect(tree(ws.file("src")) == sources, "a copy leaves the sources as they were")
        var original = stat(), copy = stat()
        stat(ws.file("src/phone/no date.jpg"), &original)
        stat(ws.file("dest/unsorted/no date.jpg"), &copy)
        #expect(copy.st_mtim.tv_sec == original.st_mtim.tv_sec && copy.st_mode == original.st_mode, "mtime and permissions kept")

        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(outcome["placed"] as? Int == 8)
        let journal = try #require(outcome["journal"] as? String)

        let again = try Imgeda.run(["organize", ws.file("src"), "-o", ws.file("dest"), "--apply", "--json"] + Self.lowConfidence)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(tree(ws.file("dest")) == wanted, "a second run places nothing twice")

        let undo = try Imgeda.run(["organize", "--undo", journal])
        #expect(undo.status == 0, "\(undo.stderr)")
        #expect(tree(ws.file("dest")).isEmpty)
        #expect(folders(ws.file("dest")).isEmpty, "the folders the run made are gone")
        #expect(tree(ws.file("src")) == sources)
    }

    @Test func moveThenUndoRestoresTheOriginalTreeExactly() throws {
        let ws = try Workspace()
        let expected = try cameraTree(ws)
        let before = tree(ws.file("src"))
        let foldersBefore = folders(ws.file("src"))
        let run = try Imgeda.run(["organize", ws.file("src"), "-o", ws.file("dest"), "--apply", "--move", "--json"] + Self.lowConfidence)
        #expect(run.status == 0, "\(run.stderr)")
        let left = tree(ws.file("src"))
        #expect(Set(left.keys) == ["phone/copy of evening.jpg"], "only the duplicate stays behind: \(left.keys.sorted())")
        var wanted: [String: String] = [:]
        for (source, destination) in expected {
            if let destination { wanted[destination] = before[source] }
        }
        #expect(tree(ws.file("dest")) == wanted)
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let journal = try #require(outcome["journal"] as? String)

        let undo = try Imgeda.run(["organize", "--undo", journal])
        #expect(undo.status == 0, "\(undo.stderr)")
        #expect(tree(ws.file("src")) == before, "every source back, byte for byte")
        #expect(folders(ws.file("src")) == foldersBefore)
        #expect(tree(ws.file("dest")).isEmpty)
        #expect(folders(ws.file("dest")).isEmpty)
        let twice = try Imgeda.run(["organize", "--undo", journal])
        #expect(twice.status == 1 && twice.stderr.contains("undone already"), "\(twice.stderr)")
    }

    @Test(arguments: [
        ("move", 1), ("move", 2), ("move", 3), ("move", 5), ("move", 9), ("move", 14), ("move", 17), ("copy", 2), ("copy", 4),
        ("copy", 11),
    ])
    func killedAtAnyPointTheNextRunFinishesWithEveryFileExactlyOnce(mode: String, steps: Int) throws {
        let ws = try Workspace()
        _ = try cameraTree(ws, duplicates: false)
        let before = tree(ws.file("src"))
        let arguments = ["organize", ws.file("src"), "-o", ws.file("dest"), "--apply", "--\(mode)", "--quiet"] + Self.lowConfidence
        let killed = try Imgeda.run(arguments, environment: [Organizer.killSwitch: String(steps)])
        #expect(killed.status != 0, "the hook must kill the run at step \(steps)")
        let rerun = try Imgeda.run(arguments)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let source = tree(ws.file("src")), destination = tree(ws.file("dest"))
        if mode == "move" {
            // The union holds every original file's bytes exactly once.
            #expect(source.isEmpty, "left in the source: \(source.keys.sorted())")
            #expect(destination.values.sorted() == before.values.sorted())
        } else {
            #expect(source == before)
            #expect(destination.values.sorted() == before.values.sorted())
        }
        #expect(destination.keys.allSatisfy { !$0.hasSuffix(".tmp") }, "no temporary file is left")
    }

    @Test func fromPlanCarriesOutThePlanAndRefusesWhenASourceChanged() throws {
        let ws = try Workspace()
        _ = try cameraTree(ws)
        let planned = try Imgeda.run(["organize", ws.file("src"), "-o", ws.file("dest"), "--plan", ws.file("plan.json")])
        #expect(planned.status == 0, "\(planned.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws.file("dest")))
        let plan = try JSONDecoder().decode(OrganizePlan.self, from: Data(contentsOf: URL(fileURLWithPath: ws.file("plan.json"))))
        #expect(plan.operations.allSatisfy { $0.sha256.count == 64 }, "a written plan records every checksum")

        // Same size, same mtime, other bytes: only the SHA-256 tells.
        let changed = ws.file("src/card/IMG_0001.xmp")
        var info = stat()
        stat(changed, &info)
        try ws.write(Array("<x:xmpmeta>rating 1</x:xmpmeta>".utf8), to: "src/card/IMG_0001.xmp")
        _ = changed.withCString { path in
            var times = [info.st_atim, info.st_mtim]
            return utimensat(AT_FDCWD, path, &times, 0)
        }
        let refused = try Imgeda.run(["organize", "--from-plan", ws.file("plan.json"), "--apply"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("IMG_0001.xmp changed since the plan"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "one line: \(refused.stderr)")
        #expect(tree(ws.file("dest")).isEmpty)

        let fresh = try Imgeda.run(["organize", ws.file("src"), "-o", ws.file("dest"), "--plan", ws.file("plan.json")])
        #expect(fresh.status == 0)
        let applied = try Imgeda.run(["organize", "--from-plan", ws.file("plan.json"), "--apply"])
        #expect(applied.status == 0, "\(applied.stderr)")
        let again = try JSONDecoder().decode(OrganizePlan.self, from: Data(contentsOf: URL(fileURLWithPath: ws.file("plan.json"))))
        #expect(Set(tree(ws.file("dest")).keys) == Set(again.toPlace.map(\.destination)), "exactly the plan's destinations")
    }

    @Test func badTemplatesAreOneLineNamingTheField() throws {
        let ws = try Workspace()
        _ = try cameraTree(ws)
        let typo = try Imgeda.run(["organize", ws.file("src"), "-o", ws.file("dest"), "--template", "{yaer}/{name}"])
        #expect(typo.status == 1)
        #expect(typo.stderr.contains("unknown field {yaer}") && typo.stderr.contains("did you mean {year}?"), "\(typo.stderr)")
        #expect(typo.stderr.split(separator: "\n").count == 1)
        let escape = try Imgeda.run(["organize", ws.file("src"), "-o", ws.file("dest"), "--template", "../{name}"])
        #expect(escape.status == 1 && escape.stderr.contains("\"..\""), "\(escape.stderr)")
    }
    @Test func tagsFollowTheirPhotosIntoADestinationLibraryAndBothIndexesAreUpdated() throws {
        let ws = try Workspace()
        try ws.write(try photo(7), to: "lib/IMG_20230710_160211.jpg")
        try ws.write(try photo(8), to: "lib/IMG_20230711_160211.jpg")
        // An exact copy: a move places its content once and leaves the copy in the library.
        try ws.write(try photo(8), to: "lib/copy.jpg")
        try ws.write(try photo(9), to: "sorted/kept.jpg")
        for library in ["lib", "sorted"] {
            let made = try Imgeda.run(["library", "init", ws.file(library), "--quiet"])
            #expect(made.status == 0, "\(made.stderr)")
        }
        let tag = try Imgeda.run(["tag", ws.file("lib"), "add", "beach", "--path", ws.file("lib/IMG_20230710_160211.jpg")])
        #expect(tag.status == 0, "\(tag.stderr)")
        let run = try Imgeda.run(["organize", ws.file("lib"), "-o", ws.file("sorted"), "--apply", "--move", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let found = try Imgeda.run(["search", ws.file("sorted"), "tag:beach"])
        #expect(found.status == 0, "\(found.stderr)")
        #expect(found.stdout.contains("2023/2023-07-10/IMG_20230710_160211.jpg"), "the tag followed the photo: \(found.stdout)")
        let left = try Imgeda.run(["search", ws.file("lib"), ""])
        #expect(left.status == 0 && !left.stdout.contains("IMG_"), "the source library's index lists no moved file: \(left.stdout)")
        #expect(left.stdout.contains("copy.jpg"))
    }
}
