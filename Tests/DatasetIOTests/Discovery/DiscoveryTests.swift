import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

@Suite("discovery")
struct DiscoveryTests {
    @Test func findsImagesSortedCaseInsensitiveAndSurvivesLoops() throws {
        let workspace = try Workspace()
        let root = workspace.path
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/b/deeper", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/a", withIntermediateDirectories: true)
        for name in ["a/2.JPG", "a/1.png", "b/deeper/x.Jpeg", "b/notes.txt", "z.webp"] {
            _ = fm.createFile(atPath: root + "/" + name, contents: Data([1, 2, 3]))
        }
        try fm.createSymbolicLink(atPath: root + "/b/deeper/up", withDestinationPath: root)  // a cycle
        try fm.createSymbolicLink(atPath: root + "/self.jpg", withDestinationPath: root + "/self.jpg")
        try fm.createSymbolicLink(atPath: root + "/gone.png", withDestinationPath: root + "/missing.png")
        let result = try Discovery.discover(roots: [root], extensions: Discovery.defaultExtensions)
        #expect(
            result.files.map { String($0.path.display.dropFirst(root.count + 1)) } == ["a/1.png", "a/2.JPG", "b/deeper/x.Jpeg", "z.webp"])
        let reasons = Dictionary(result.skipped.map { ($0.path.lastComponent.display, $0.reason) }, uniquingKeysWith: { a, _ in a })
        #expect(reasons["self.jpg"] == "symlink loop")
        #expect(reasons["gone.png"]?.hasPrefix("broken symlink") == true)
        #expect(reasons["up"]?.contains("already scanned") == true)
        #expect(result.files.allSatisfy { $0.size == 3 })
    }

    @Test func extensionListIsParsedLeniently() {
        #expect(Discovery.parseExtensions(" .JPG, png,,.Tif ") == ["jpg", "png", "tif"])
    }

    /// One rule for folders and S3 keys: a name that is only an extension has one; a name
    /// ending in a dot, or without one, has none.
    @Test func aNameThatIsOnlyAnExtensionIsTakenEverywhere() throws {
        let wanted = Discovery.wantedExtensions(["jpg", "PNG"])
        #expect(Discovery.hasWantedExtension(Array(".jpg".utf8), wanted))
        #expect(Discovery.hasWantedExtension(Array("A.Png".utf8), wanted))
        #expect(!Discovery.hasWantedExtension(Array("photo.".utf8), wanted))
        #expect(!Discovery.hasWantedExtension(Array("jpg".utf8), wanted))
        #expect(!Discovery.hasWantedExtension(Array("x.jpeg".utf8), wanted))
        #expect(Discovery.fileExtension(ofName: Array("a.b.TIF".utf8)) == Array("tif".utf8))
        let workspace = try Workspace()
        _ = FileManager.default.createFile(atPath: workspace.path + "/.jpg", contents: Data([1]))
        _ = FileManager.default.createFile(atPath: workspace.path + "/photo.", contents: Data([1]))
        let found = try Discovery.discover(roots: [workspace.path], extensions: ["jpg"])
        #expect(found.files.map(\.path.lastComponent.display) == [".jpg"])
    }

    /// The unchanged update's walk finds what discovery finds (relative path, size, time,
    /// excluded folders left out, no sort), and gives up where discovery's own rules are needed.
    @Test func thePlainWalkAgreesWithDiscoveryAndGivesUpOnASymlink() throws {
        let workspace = try Workspace()
        let root = workspace.path
        let fm = FileManager.default
        for folder in ["a", "b/deeper", ".state/thumbs"] {
            try fm.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        let names = ["a/2.JPG", "a/1.png", "b/deeper/x.Jpeg", "b/notes.txt", "z.webp", ".hidden.jpg", ".state/thumbs/t.jpg", "é.png"]
        for (i, name) in names.enumerated() { _ = fm.createFile(atPath: root + "/" + name, contents: Data(repeating: 7, count: i + 1)) }
        let excluded = [root + "/.state"]
        let found = try Discovery.discover(roots: [root], extensions: Discovery.defaultExtensions, excluding: excluded)
        let expected = Dictionary(
            uniqueKeysWithValues: found.files.map {
                (String($0.path.display.dropFirst(root.count + 1)), FileVersion(size: $0.size, mtime: $0.mtime))
            })
        let walked = try #require(Discovery.plainWalk(root: root, extensions: Discovery.defaultExtensions, excluding: excluded))
        #expect(walked.dictionary == expected)
        #expect(Set(walked.dictionary.keys) == ["a/2.JPG", "a/1.png", "b/deeper/x.Jpeg", "z.webp", ".hidden.jpg", "é.png"])
        #expect(walked["z.webp"]?.size == 5)
        try fm.createSymbolicLink(atPath: root + "/b/link", withDestinationPath: root + "/a")
        #expect(Discovery.plainWalk(root: root, extensions: Discovery.defaultExtensions, excluding: excluded) == nil)
    }

    /// The walk's packed extension test is the array rule's twin, and says so when it cannot
    /// answer (an extension over 8 bytes).
    @Test func thePackedExtensionTestAgreesWithTheRule() {
        let wanted = Discovery.wantedExtensions(Discovery.defaultExtensions + ["verylongext"])
        let packed = Discovery.packedExtensions(wanted)
        let names = [
            "a.jpg", "A.JPG", "b.Jpeg", "c.png.txt", "noext", "trailing.", ".jpg", "..", "x.tif", "x.TIFF", "é.png", "x.jpé",
            "y.verylongext", "y.VERYLONGEXT", "z.verylongex", "w.heic", "v.jpgx", "u.jp",
        ]
        for name in names {
            let bytes = Array(name.utf8)
            let fast = bytes.withUnsafeBufferPointer { Discovery.hasWantedExtension($0, packed: packed) }
            let rule = Discovery.hasWantedExtension(bytes, wanted)
            if let fast { #expect(fast == rule, "\(name)") } else { #expect(name.hasPrefix("y.") || name.hasPrefix("z."), "\(name)") }
        }
        #expect(Array("A.JPG".utf8).withUnsafeBufferPointer { Discovery.hasWantedExtension($0, packed: packed) } == true)
        #expect(Array("y.verylongext".utf8).withUnsafeBufferPointer { Discovery.hasWantedExtension($0, packed: packed) } == nil)
    }

    @Test func missingRootIsAnError() {
        #expect(throws: DatasetIOError.self) {
            try Discovery.discover(roots: ["/nonexistent-imgeda-root"], extensions: ["jpg"])
        }
    }
}

/// What discovery follows and what it reports instead of dropping, seen through `imgeda scan`.
@Suite("discovery through the scan command")
struct DiscoveryScanCommandTests {
    /// Links that stay inside the scanned folder are followed; links that leave it (to a file
    /// or a folder) are skipped with a reason, unless --follow-symlinks-outside.
    @Test func symlinksLeavingTheRootAreSkippedUnlessAskedFor() throws {
        let ws = try Workspace()
        let jpeg = try Fixtures.jpeg(Fixtures.scene(1, width: 64, height: 48))
        try ws.write(jpeg, to: "data/inside.jpg")
        try ws.write(try Fixtures.jpeg(Fixtures.scene(2, width: 64, height: 48)), to: "data/sub/deep.jpg")
        try ws.write(try Fixtures.jpeg(Fixtures.scene(3, width: 64, height: 48)), to: "elsewhere/secret.jpg")
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: ws.file("data/link_inside.jpg"), withDestinationPath: "inside.jpg")
        try fm.createSymbolicLink(atPath: ws.file("data/link_sub"), withDestinationPath: ws.file("data/sub"))
        try fm.createSymbolicLink(atPath: ws.file("data/link_out.jpg"), withDestinationPath: ws.file("elsewhere/secret.jpg"))
        try fm.createSymbolicLink(atPath: ws.file("data/link_out_dir"), withDestinationPath: "../elsewhere")

        let manifest = ws.file("m.jsonl")
        let result = try Imgeda.run(["scan", ws.file("data"), "-o", manifest, "--workers", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        let names = Set(try records(manifest).map(\.filename))
        #expect(names == ["inside.jpg", "link_inside.jpg", "deep.jpg"])
        #expect(result.stdout.contains("link_out.jpg: symlink leads outside the scanned folder"), "\(result.stdout)")
        #expect(result.stdout.contains("link_out_dir: symlink leads outside the scanned folder"))
        #expect(result.stdout.contains("--follow-symlinks-outside"))

        let followed = try Imgeda.run([
            "scan", ws.file("data"), "-o", ws.file("f.jsonl"), "--workers", "1",
            "--follow-symlinks-outside", "--quiet",
        ])
        #expect(followed.status == 0, "\(followed.stderr)")
        let all = try records(ws.file("f.jsonl")).map(\.path)
        #expect(all.contains(ws.file("data/link_out.jpg")))
        #expect(all.contains(ws.file("data/link_out_dir/secret.jpg")))
    }

    /// A root given through a symlink is scanned; links inside it are judged against the
    /// folder it resolves to.
    @Test func rootReachedThroughASymlinkKeepsItsInsideLinks() throws {
        let ws = try Workspace()
        try ws.write(try Fixtures.jpeg(Fixtures.scene(4, width: 64, height: 48)), to: "real/a.jpg")
        try FileManager.default.createSymbolicLink(atPath: ws.file("real/b.jpg"), withDestinationPath: "a.jpg")
        try FileManager.default.createSymbolicLink(atPath: ws.file("alias"), withDestinationPath: ws.file("real"))
        let result = try Imgeda.run(["scan", ws.file("alias"), "-o", ws.file("m.jsonl"), "--workers", "1", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Set(try records(ws.file("m.jsonl")).map(\.filename)) == ["a.jpg", "b.jpg"])
    }

    /// A file whose path is longer than PATH_MAX is listed as skipped with the reason, not
    /// dropped silently.
    @Test func pathsLongerThanPathMaxAreReportedNotDropped() throws {
        let ws = try Workspace()
        defer { Self.removeDeepTree(ws.file("deep")) }
        let jpeg = try Fixtures.jpeg(Fixtures.scene(5, width: 32, height: 24))
        try ws.write(jpeg, to: "deep/short.jpg")
        // Folders of 100-byte names, then one that brings the folder's path to 3990 bytes,
        // then a file whose name takes the whole path past PATH_MAX (4096). Created relative
        // to open folders, as paths that long cannot be named from the root.
        var fd = open(ws.file("deep"), O_RDONLY | O_DIRECTORY)
        #expect(fd >= 0)
        var length = ws.file("deep").utf8.count
        var folders = [String](repeating: String(repeating: "d", count: 100), count: (3890 - length) / 101)
        folders.append(String(repeating: "e", count: 3990 - length - 101 * folders.count - 1))
        for folder in folders {
            #expect(mkdirat(fd, folder, 0o755) == 0)
            let next = openat(fd, folder, O_RDONLY | O_DIRECTORY)
            close(fd)
            fd = next
            length += 1 + folder.utf8.count
        }
        #expect(length == 3990)
        let name = String(repeating: "f", count: 150) + ".jpg"
        let file = openat(fd, name, O_WRONLY | O_CREAT, 0o644)
        #expect(file >= 0)
        _ = jpeg.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
        close(file)
        close(fd)

        let result = try Imgeda.run(["scan", ws.file("deep"), "-o", ws.file("m.jsonl"), "--workers", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try records(ws.file("m.jsonl")).map(\.filename) == ["short.jpg"])
        #expect(result.stdout.contains("path longer than the system limit of 4096 bytes"), "\(result.stdout)")
    }

    /// FileManager cannot remove paths longer than PATH_MAX; `rm -rf` walks them relatively.
    static func removeDeepTree(_ path: String) {
        let rm = Process()
        rm.executableURL = URL(fileURLWithPath: "/bin/rm")
        rm.arguments = ["-rf", path]
        try? rm.run()
        rm.waitUntilExit()
    }
}
