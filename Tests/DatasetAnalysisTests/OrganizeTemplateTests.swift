import DatasetAnalysis
import Testing

@Suite("organize templates and plans")
struct OrganizeTemplateTests {
    let evening = CaptureDate(local: "2023-07-14T23:30:00", offset: "-05:00", source: .exifOriginal)

    @Test func localCaptureTimeDecidesTheDay() throws {
        let template = try OrganizeTemplate(OrganizeTemplate.defaultText)
        #expect(template.render(.init(date: evening, name: "IMG_1.jpg")) == "2023/2023-07-14/IMG_1.jpg")
        let morning = CaptureDate(local: "2023-07-15T00:15:00", offset: "+09:00", source: .exifOriginal)
        #expect(template.render(.init(date: morning, name: "IMG_2.jpg")) == "2023/2023-07-15/IMG_2.jpg")
        let timed = try OrganizeTemplate("{date}_{hour}{minute}{second}_{confidence}_{source}.{ext}")
        #expect(timed.render(.init(date: evening, name: "a.JPG")) == "2023-07-14_233000_high_exif_original.JPG")
    }

    @Test func valuesNeverLeaveTheDestination() throws {
        let template = try OrganizeTemplate("{make}/{model}/{stem}.{ext}")
        let path = template.render(.init(date: evening, make: "..", model: "../../etc/x\u{0}y", name: "../passwd.jpg"))
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        #expect(parts.count == 3, "\(path)")
        #expect(!parts.contains { $0 == ".." || $0 == "." || $0.isEmpty || $0.contains("\u{0}") }, "\(path)")
        #expect(
            try OrganizeTemplate("{camera}").render(.init(date: nil, make: "Canon", model: "Canon EOS R5", name: "x")) == "Canon EOS R5")
        #expect(try OrganizeTemplate("{year}/{name}").render(.init(date: nil, name: "x.jpg")) == "unknown/x.jpg")
    }

    @Test func badTemplatesNameTheProblem() {
        #expect(throws: ImgedaError.self) { try OrganizeTemplate("/abs/{name}") }
        #expect(throws: ImgedaError.self) { try OrganizeTemplate("a/../{name}") }
        #expect(throws: ImgedaError.self) { try OrganizeTemplate("{year/{name}") }
        do {
            _ = try OrganizeTemplate("{yaer}/{name}")
            Issue.record("an unknown field must be refused")
        } catch {
            let text = "\(error)"
            #expect(text.contains("{yaer}") && text.contains("did you mean {year}?"), "\(text)")
        }
    }

    func source(_ relative: String, sha: String, date: CaptureDate? = nil) -> OrganizeSource {
        OrganizeSource(path: "/src/" + relative, root: "/src", size: 10, mtime: 1, sha256: sha, date: date)
    }

    @Test func companionsTravelAndClashesGetOneSuffixPerGroup() throws {
        let files = [
            source("a/IMG_1.JPG", sha: "1", date: evening), source("a/IMG_1.CR2", sha: "2"), source("a/IMG_1.xmp", sha: "3"),
            source("a/IMG_1.JPG.json", sha: "4"), source("a/IMG_1.MOV", sha: "5"),
            source("b/IMG_1.jpg", sha: "6", date: evening), source("b/IMG_1.xmp", sha: "7"),
            source("c/copy.jpg", sha: "1", date: evening), source("c/notes.txt", sha: "9"), source("c/lonely.xmp", sha: "10"),
        ]
        let settings = OrganizePlanner.Settings(destination: "/dest", template: try OrganizeTemplate(OrganizeTemplate.defaultText))
        let plan = OrganizePlanner.make(files, sources: ["/src"], settings: settings) {
            $0 == "/dest/2023/2023-07-14/IMG_1.xmp" ? "other" : nil
        }
        var placed: [String: String] = [:]
        for op in plan.operations { placed[op.source] = op.destination }
        // The first group finds IMG_1.xmp taken by a different file, so the whole group moves to _1.
        #expect(placed["/src/a/IMG_1.JPG"] == "2023/2023-07-14/IMG_1_1.JPG")
        #expect(placed["/src/a/IMG_1.CR2"] == "2023/2023-07-14/IMG_1_1.CR2")
        #expect(placed["/src/a/IMG_1.xmp"] == "2023/2023-07-14/IMG_1_1.xmp")
        #expect(placed["/src/a/IMG_1.JPG.json"] == "2023/2023-07-14/IMG_1_1.JPG.json")
        #expect(placed["/src/a/IMG_1.MOV"] == "2023/2023-07-14/IMG_1_1.MOV")
        #expect(placed["/src/b/IMG_1.jpg"] == "2023/2023-07-14/IMG_1_2.jpg")
        #expect(placed["/src/b/IMG_1.xmp"] == "2023/2023-07-14/IMG_1_2.xmp")
        #expect(plan.duplicates == [OrganizePlan.Duplicate(path: "/src/c/copy.jpg", copyOf: "/src/a/IMG_1.JPG")])
        #expect(Set(plan.skipped.map(\.path)) == ["/src/c/notes.txt", "/src/c/lonely.xmp"])
        #expect(plan.conflicts.count == 7)

        let again = OrganizePlanner.make(files, sources: ["/src"], settings: settings) { _ in nil }
        #expect(again.operations.first { $0.source == "/src/a/IMG_1.JPG" }?.destination == "2023/2023-07-14/IMG_1.JPG")
        var keep = settings
        keep.keepDuplicates = true
        #expect(OrganizePlanner.make(files, sources: ["/src"], settings: keep) { _ in nil }.duplicates.isEmpty)
    }

    @Test func sequenceNumbersFollowCaptureOrderWithinEachFolder() throws {
        let dates = ["2023-07-14T10:00:00", "2023-07-14T09:00:00", "2023-07-15T08:00:00"]
        let files = dates.enumerated().map { i, d in source("p\(i).jpg", sha: "\(i)", date: CaptureDate(local: d, source: .exifOriginal)) }
        let settings = OrganizePlanner.Settings(destination: "/dest", template: try OrganizeTemplate("{date}/{seq}.{ext}"))
        let plan = OrganizePlanner.make(files, sources: ["/src"], settings: settings) { _ in nil }
        let placed = Dictionary(uniqueKeysWithValues: plan.operations.map { ($0.source, $0.destination) })
        #expect(placed["/src/p1.jpg"] == "2023-07-14/0001.jpg")
        #expect(placed["/src/p0.jpg"] == "2023-07-14/0002.jpg")
        #expect(placed["/src/p2.jpg"] == "2023-07-15/0001.jpg")
    }

    /// The names the planner splits by their bytes: the last dot (never a leading one), kinds
    /// by extension in any case, companions' stems, paths relative to their root.
    @Test func namesSplitAtTheirLastDotAndGroupByTheirStem() {
        let cases: [(name: String, stem: String, ext: String, kind: OrganizeNames.Kind, group: String)] = [
            ("IMG_1.JPG", "IMG_1", "JPG", .image, "IMG_1"),
            ("IMG_1.jpg.json", "IMG_1.jpg", "json", .sidecar, "IMG_1"),
            ("IMG_1.CR2", "IMG_1", "CR2", .raw, "IMG_1"),
            ("Été à Çà.HEIC", "Été à Çà", "HEIC", .image, "Été à Çà"),
            ("a.b.c.xmp", "a.b.c", "xmp", .sidecar, "a.b.c"),
            (".hidden", ".hidden", "", .other, ".hidden"),
            ("noext", "noext", "", .other, "noext"),
            ("clip.MOV", "clip", "MOV", .video, "clip"),
            ("photo.jpeg.bak", "photo.jpeg", "bak", .other, "photo.jpeg.bak"),
            ("x.verylongextension", "x", "verylongextension", .other, "x.verylongextension"),
            ("trailing.", "trailing", "", .other, "trailing."),
            ("\u{212A}DC.\u{212A}DC", "\u{212A}DC", "\u{212A}DC", .raw, "\u{212A}DC"),
        ]
        for c in cases {
            #expect(OrganizeNames.stem(of: c.name) == c.stem, "\(c.name)")
            #expect(OrganizeNames.extension(of: c.name) == c.ext, "\(c.name)")
            #expect(OrganizeNames.kind(of: c.name) == c.kind, "\(c.name)")
            #expect(OrganizeNames.groupStem(of: c.name) == c.group, "\(c.name)")
        }
        let file = OrganizeSource(path: "/photos/été/IMG_1.jpg", root: "/photos", size: 0, mtime: 0, sha256: "", date: nil)
        #expect(file.relative == "été/IMG_1.jpg")
        #expect(
            OrganizeSource(path: "/other/IMG_1.jpg", root: "/photos", size: 0, mtime: 0, sha256: "", date: nil).relative
                == "/other/IMG_1.jpg")
    }

    /// Companions of a photo whose name is not ASCII keep what follows the shared stem, and a
    /// clash suffix goes between the two, for the whole group.
    @Test func companionsOfANonASCIINameKeepTheirSuffixes() throws {
        let files = [
            source("été/Çà_1.JPG", sha: "1", date: evening), source("été/çà_1.xmp", sha: "2"), source("été/Çà_1.JPG.json", sha: "3"),
        ]
        let settings = OrganizePlanner.Settings(destination: "/dest", template: try OrganizeTemplate("{date}/{name}"))
        let plan = OrganizePlanner.make(files, sources: ["/src"], settings: settings) { $0 == "/dest/2023-07-14/Çà_1.JPG" ? "other" : nil }
        let placed = Dictionary(uniqueKeysWithValues: plan.operations.map { ($0.source, $0.destination) })
        #expect(placed["/src/été/Çà_1.JPG"] == "2023-07-14/Çà_1_1.JPG")
        #expect(placed["/src/été/çà_1.xmp"] == "2023-07-14/Çà_1_1.xmp")
        #expect(placed["/src/été/Çà_1.JPG.json"] == "2023-07-14/Çà_1_1.JPG.json")
        #expect(plan.operations.count == 3)
    }

    @Test func aSourcesNameIsItsLastPathComponent() {
        func name(_ path: String) -> String { OrganizeSource(path: path, root: "/", size: 0, mtime: 0, sha256: "", date: nil).name }
        #expect(name("/photos/2023/IMG_1.jpg") == "IMG_1.jpg")
        #expect(name("/photos/été/Ça va.jpg") == "Ça va.jpg")
        #expect(name("/photos/card/") == "card")
        #expect(name("IMG_1.jpg") == "IMG_1.jpg")
        #expect(name("/") == "/")
        #expect(name("") == "")
    }
}
