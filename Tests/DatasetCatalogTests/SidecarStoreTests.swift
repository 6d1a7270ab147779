import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

@Suite("sidecars")
struct SidecarStoreTests {
    static let sha = String(repeating: "ab", count: 32)

    @Test func aSidecarRoundTripsAsReadableJSON() throws {
        let ws = try Workspace()
        let store = SidecarStore(folder: ws.file("sidecars"))
        var sidecar = Sidecar(sha256: Self.sha)
        sidecar.add(Tag(parsing: "place:Lisbon"))
        sidecar.add(Tag(category: "person", value: "Ana", position: .init(x: 0.1, y: 0.2, width: 0.3, height: 0.4)))
        sidecar.caption = "A tram at dusk"
        sidecar.status = .selected
        sidecar.rating = 4
        sidecar.notDuplicateOf = [String(repeating: "cd", count: 32)]
        sidecar.keeper = true
        sidecar.relations = [Relation(kind: "mask-of", sha256: String(repeating: "ef", count: 32))]
        sidecar.copies = ["2023/a.jpg": .keep, "backup/a.jpg": .trash]
        try store.write(sidecar)
        let file = store.path(for: Self.sha)
        #expect(file.hasSuffix("/ab/\(Self.sha).json"))
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains("\"caption\" : \"A tram at dusk\""))
        #expect(text.contains("\"not_duplicate_of\""))
        #expect(try store.read(sha256: Self.sha) == sidecar)
        #expect(store.readAll().sidecars == [sidecar])
    }

    @Test func updateWritesOnlyChangesAndAnEmptySidecarRemovesTheFile() throws {
        let ws = try Workspace()
        let store = SidecarStore(folder: ws.file("sidecars"))
        try store.update(sha256: Self.sha) { $0.add(Tag(parsing: "beach")) }
        #expect(try store.read(sha256: Self.sha)?.tags.map(\.text) == ["beach"])
        // Tags are unique case-insensitively.
        try store.update(sha256: Self.sha) { $0.add(Tag(parsing: "Beach")) }
        #expect(try store.read(sha256: Self.sha)?.tags.count == 1)
        try store.update(sha256: Self.sha) { $0.remove(Tag(parsing: "BEACH")) }
        #expect(!FileManager.default.fileExists(atPath: store.path(for: Self.sha)))
    }

    @Test func aHandWrittenSidecarMayLeaveOutEmptyKeys() throws {
        let ws = try Workspace()
        let store = SidecarStore(folder: ws.file("sidecars"))
        try ws.write(
            Array("{\"sha256\": \"\(Self.sha)\", \"tags\": [{\"category\": \"tag\", \"value\": \"x\"}]}".utf8),
            to: "sidecars/ab/\(Self.sha).json")
        let sidecar = try #require(try store.read(sha256: Self.sha))
        #expect(sidecar.status == .active)
        #expect(sidecar.tags.map(\.text) == ["x"])
    }

    @Test func invalidFilesAreListedNotFatal() throws {
        let ws = try Workspace()
        let store = SidecarStore(folder: ws.file("sidecars"))
        try store.update(sha256: Self.sha) { $0.caption = "ok" }
        let other = String(repeating: "cd", count: 32)
        try ws.write(Array("{\"sha256\": ".utf8), to: "sidecars/cd/\(other).json")
        let listing = store.readAll()
        #expect(listing.sidecars.map(\.sha256) == [Self.sha])
        #expect(listing.invalid.count == 1)
        #expect(throws: ImgedaError.self) { try store.read(sha256: other) }
        // Names that are not content keys are refused rather than written anywhere.
        #expect(throws: ImgedaError.self) { try store.write(Sidecar(sha256: "../../etc/x")) }
    }

    @Test func anEditInPlaceInheritsWhatDescribesThePicture() {
        var old = Sidecar(sha256: Self.sha)
        old.add(Tag(parsing: "beach"))
        old.caption = "c"
        old.rating = 3
        old.keeper = true
        old.notDuplicateOf = ["x"]
        let new = old.inherited(by: String(repeating: "cd", count: 32))
        #expect(new.tags == old.tags && new.caption == "c" && new.rating == 3)
        #expect(!new.keeper && new.notDuplicateOf.isEmpty)
    }
}
