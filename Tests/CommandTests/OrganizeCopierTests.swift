import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

@testable import DatasetPipeline

#if canImport(Glibc)
    import Glibc
#endif

/// `organize`'s verified copy: the kernel copies, the copy is read back beside its source
/// after the flush (byte for byte; hashed only where a digest is recorded or checked), and
/// batches overlap.
@Suite("organize copier")
struct OrganizeCopierTests {
    let helpers = OrganizeCommandTests()

    /// Bytes of `count` length that differ from those of another `seed`.
    func content(_ seed: UInt8, count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &* 7) }
    }

    func sha256(_ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { FileAnalyzer.sha256Hex($0) } }

    /// Several chunks and a partial one, so the side-by-side read crosses chunk edges.
    var size: Int { 2 * Copier.bufferSize + 12_345 }

    @Test func aCopyReadsBackWithItsSourcesBytesAndDigestAndKeepsModeAndTimes() throws {
        let ws = try Workspace()
        let bytes = content(1, count: size)
        try ws.write(bytes, to: "src/a.bin")
        chmod(ws.file("src/a.bin"), 0o640)
        helpers.setMTime(ws.file("src/a.bin"), 1_500_000_000)
        try FileManager.default.createDirectory(atPath: ws.file("dest"), withIntermediateDirectories: true)
        let buffers = Copier.Buffers()
        for expected in ["", sha256(bytes)] {
            let destination = ws.file("dest/a-\(expected.isEmpty ? "unplanned" : "planned").bin")
            let copy = try Copier.copyToTemporary(
                from: ws.file("src/a.bin"), to: destination, expected: expected, buffers: buffers, steps: nil)
            #expect(FileManager.default.contents(atPath: copy.temporary).map { [UInt8]($0) } == bytes)
            #expect(!FileManager.default.fileExists(atPath: destination), "in place only after the check")
            // A digest is taken only where one is recorded or checked: the plan's, or asked for (a move).
            #expect(
                try Copier.verify(copy, source: ws.file("src/a.bin"), destination: destination, digest: false, buffers: buffers)
                    == (expected.isEmpty ? nil : sha256(bytes)))
            #expect(
                try Copier.verify(copy, source: ws.file("src/a.bin"), destination: destination, digest: true, buffers: buffers)
                    == sha256(bytes))
            var info = stat()
            #expect(stat(copy.temporary, &info) == 0)
            #expect(info.st_mode & 0o7777 == 0o640)
            #expect(info.st_mtim.tv_sec == 1_500_000_000)
            try Copier.linkIntoPlace(copy.temporary, destination)
            #expect(FileManager.default.contents(atPath: destination).map { [UInt8]($0) } == bytes)
            #expect(!FileManager.default.fileExists(atPath: copy.temporary))
        }
    }

    /// A source rewritten between the copy and the read-back (same size, other bytes in its
    /// last chunk) makes the copy fail its check: the copy no longer equals its source.
    @Test func aSourceChangedAfterItWasCopiedFailsTheReadBack() throws {
        let ws = try Workspace()
        var bytes = content(2, count: size)
        try ws.write(bytes, to: "src/b.bin")
        try FileManager.default.createDirectory(atPath: ws.file("dest"), withIntermediateDirectories: true)
        let buffers = Copier.Buffers()
        let copy = try Copier.copyToTemporary(
            from: ws.file("src/b.bin"), to: ws.file("dest/b.bin"), expected: "", buffers: buffers, steps: nil)
        bytes[bytes.count - 1] ^= 0xFF
        try ws.write(bytes, to: "src/b.bin")
        #expect {
            try Copier.verify(copy, source: ws.file("src/b.bin"), destination: ws.file("dest/b.bin"), digest: false, buffers: buffers)
        } throws: { error in
            (error as? OrganizeFailure)?.reason.contains("does not read back with its source's bytes") == true
        }
        // A source that grew meanwhile is caught too.
        try ws.write(content(2, count: size) + [7], to: "src/b.bin")
        #expect(throws: OrganizeFailure.self) {
            try Copier.verify(copy, source: ws.file("src/b.bin"), destination: ws.file("dest/b.bin"), digest: false, buffers: buffers)
        }
    }

    /// The read-back ends where a chunk comes back short (the end of a regular file) or
    /// empty: a copy of whole chunks, or of none, whose source grew by a byte since is caught.
    @Test(arguments: [0, Copier.bufferSize, 2 * Copier.bufferSize])
    func aSourceThatGrewPastTheCopysLastChunkFailsTheReadBack(size: Int) throws {
        let ws = try Workspace()
        try ws.write(content(5, count: size), to: "src/d.bin")
        try FileManager.default.createDirectory(atPath: ws.file("dest"), withIntermediateDirectories: true)
        let buffers = Copier.Buffers()
        let copy = try Copier.copyToTemporary(
            from: ws.file("src/d.bin"), to: ws.file("dest/d.bin"), expected: "", buffers: buffers, steps: nil)
        #expect(FileManager.default.contents(atPath: copy.temporary).map { [UInt8]($0) } == content(5, count: size))
        #expect(
            try Copier.verify(copy, source: ws.file("src/d.bin"), destination: ws.file("dest/d.bin"), digest: true, buffers: buffers)
                == sha256(content(5, count: size)))
        try ws.write(content(5, count: size) + [9], to: "src/d.bin")
        #expect(throws: OrganizeFailure.self) {
            try Copier.verify(copy, source: ws.file("src/d.bin"), destination: ws.file("dest/d.bin"), digest: false, buffers: buffers)
        }
    }

    /// A source whose bytes are not those the plan hashed is refused, though the copy equals it.
    @Test func aSourceChangedSinceThePlanIsCaughtByThePlansDigest() throws {
        let ws = try Workspace()
        try ws.write(content(3, count: size), to: "src/c.bin")
        try FileManager.default.createDirectory(atPath: ws.file("dest"), withIntermediateDirectories: true)
        let buffers = Copier.Buffers()
        let planned = sha256(content(4, count: size))
        let copy = try Copier.copyToTemporary(
            from: ws.file("src/c.bin"), to: ws.file("dest/c.bin"), expected: planned, buffers: buffers, steps: nil)
        #expect {
            try Copier.verify(copy, source: ws.file("src/c.bin"), destination: ws.file("dest/c.bin"), digest: false, buffers: buffers)
        } throws: { error in
            (error as? OrganizeFailure)?.reason.contains("changed since the plan") == true
        }
    }

    /// Three batches and a half of copies, so one batch is flushed and checked while the next
    /// is copied; killed at points inside the second and third batches, the next run finishes
    /// the plan with every file placed exactly once and no temporary left behind.
    @Test(arguments: [300, 700, 1_000])
    func aCopyKilledWhileBatchesOverlapFinishesWithEveryFileOnce(steps: Int) throws {
        let ws = try Workspace()
        let count = Organizer.batchSize * 3 + Organizer.batchSize / 2
        var before: [String: [UInt8]] = [:]
        for i in 0..<count {
            let name = String(format: "src/IMG_20230714_%06d.jpg", i)
            let bytes = Array("photo \(i) ".utf8) + content(UInt8(i % 251), count: i % 97)
            try ws.write(bytes, to: name)
            before[String(format: "IMG_20230714_%06d.jpg", i)] = bytes
        }
        let arguments = ["organize", ws.file("src"), "-o", ws.file("dest"), "--apply", "--quiet", "--template", "{year}/{name}"]
        let killed = try Imgeda.run(arguments, environment: [Organizer.killSwitch: String(steps)])
        #expect(killed.status != 0, "the hook must kill the run at step \(steps)")
        let rerun = try Imgeda.run(arguments)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let placed = helpers.tree(ws.file("dest"))
        #expect(placed.count == count, "every file once, none twice")
        #expect(placed.keys.allSatisfy { !$0.hasSuffix(".tmp") }, "no temporary file is left")
        for (name, bytes) in before {
            #expect(FileManager.default.contents(atPath: ws.file("dest/2023/" + name)).map { [UInt8]($0) } == bytes, "\(name)")
        }
        #expect(helpers.tree(ws.file("src")).count == count, "a copy leaves its sources")
    }
}

extension OrganizeCopierTests {
    /// `begin` lines name each operation by its number in the plan kept beside the journal
    /// instead of repeating it; undo reads the operations from there, and says so in one line
    /// when that plan is gone.
    @Test func theJournalNamesOperationsByTheirNumberInTheKeptPlan() throws {
        let ws = try Workspace()
        for i in 0..<5 { try ws.write(Array("photo \(i)".utf8), to: "src/IMG_2023071\(i)_120000.jpg") }
        let applied = try Imgeda.run(["organize", ws.file("src"), "-o", ws.file("dest"), "--apply", "--quiet", "--json"])
        #expect(applied.status == 0, "\(applied.stderr)")
        let folder = Organizer.journalFolder(destination: ws.file("dest"))
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasSuffix(".jsonl") })
        let journal = folder + "/" + name
        let lines = try #require(SyncedJournal<OrganizeJournalLine>(path: journal).read())
        let begun = lines.filter { $0.kind == .begin }
        #expect(begun.count == 5)
        #expect(begun.allSatisfy { $0.operation == nil && $0.index != nil && $0.path != nil })

        let plan = Organizer.planPath(journal: journal)
        try FileManager.default.moveItem(atPath: plan, toPath: plan + ".away")
        let refused = try Imgeda.run(["organize", "--undo", journal])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("the plan kept beside it is missing"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "one line: \(refused.stderr)")
        #expect(helpers.tree(ws.file("dest")).count == 5, "nothing undone without the plan")

        try FileManager.default.moveItem(atPath: plan + ".away", toPath: plan)
        let undone = try Imgeda.run(["organize", "--undo", journal])
        #expect(undone.status == 0, "\(undone.stderr)")
        #expect(helpers.tree(ws.file("dest")).isEmpty)
        #expect(helpers.tree(ws.file("src")).count == 5)
    }
}

extension OrganizeCopierTests {
    /// A temporary name already taken (a killed process of the same number, since reused) is
    /// replaced, not copied into.
    @Test func aStaleTemporaryOfTheSameNameIsReplaced() throws {
        let ws = try Workspace()
        let bytes = content(5, count: 1000)
        try ws.write(bytes, to: "src/d.bin")
        try ws.write(content(6, count: 5000), to: "dest/" + (AtomicFile.temporaryName(for: "dest/d.bin") as NSString).lastPathComponent)
        let buffers = Copier.Buffers()
        let copy = try Copier.copyToTemporary(
            from: ws.file("src/d.bin"), to: ws.file("dest/d.bin"), expected: "", buffers: buffers, steps: nil)
        #expect(copy.temporary == AtomicFile.temporaryName(for: ws.file("dest/d.bin")))
        #expect(FileManager.default.contents(atPath: copy.temporary).map { [UInt8]($0) } == bytes)
        #expect(
            try Copier.verify(copy, source: ws.file("src/d.bin"), destination: ws.file("dest/d.bin"), digest: true, buffers: buffers)
                == sha256(bytes))
    }
}

extension OrganizeCopierTests {
    /// A plain copy is proved by its bytes and journals no SHA-256 (its source is the
    /// record), yet undo removes exactly the copies that still equal their sources and keeps
    /// one changed since (as it did when copies journaled a digest); a move journals the
    /// digest of what it moved.
    @Test func aPlainCopyJournalsNoDigestAndUndoStillKeepsAChangedCopy() throws {
        let ws = try Workspace()
        for i in 0..<4 { try ws.write(Array("photo \(i) ".utf8) + content(UInt8(i), count: 3000), to: "src/IMG_2023071\(i)_120000.jpg") }
        let applied = try Imgeda.run(["organize", ws.file("src"), "-o", ws.file("dest"), "--apply", "--quiet", "--template", "{name}"])
        #expect(applied.status == 0, "\(applied.stderr)")
        let folder = Organizer.journalFolder(destination: ws.file("dest"))
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasSuffix(".jsonl") })
        let lines = try #require(SyncedJournal<OrganizeJournalLine>(path: folder + "/" + name).read())
        let done = lines.filter { $0.kind == .done }
        #expect(done.count == 4)
        #expect(done.allSatisfy { $0.status == "ok" && $0.detail == "copied" && $0.sha256 == nil })

        try ws.write(Array("edited".utf8), to: "dest/IMG_20230712_120000.jpg")
        let undone = try Imgeda.run(["organize", "--undo", folder + "/" + name])
        #expect(undone.status == 0, "\(undone.stderr)")
        #expect(helpers.tree(ws.file("dest")).keys.sorted() == ["IMG_20230712_120000.jpg"], "only the changed copy stays")
        #expect(helpers.tree(ws.file("src")).count == 4, "every source is untouched")

        let moved = try Imgeda.run([
            "organize", ws.file("src"), "-o", ws.file("moved"), "--apply", "--move", "--quiet", "--template", "{name}",
        ])
        #expect(moved.status == 0, "\(moved.stderr)")
        let movedFolder = Organizer.journalFolder(destination: ws.file("moved"))
        let movedName = try #require(try FileManager.default.contentsOfDirectory(atPath: movedFolder).first { $0.hasSuffix(".jsonl") })
        let movedDone = try #require(SyncedJournal<OrganizeJournalLine>(path: movedFolder + "/" + movedName).read()).filter {
            $0.kind == .done
        }
        #expect(movedDone.count == 4)
        let placed = Set(helpers.tree(ws.file("moved")).values)
        #expect(placed.count == 4)
        #expect(Set(movedDone.compactMap(\.sha256)) == placed, "each move journals the digest of what it moved")
    }

    /// The journal's own writer puts down what its `Codable` conformance reads back, for
    /// paths and reasons holding quotes, backslashes, line breaks and control characters.
    @Test func journalLinesWrittenByHandReadBackAsTheyWere() throws {
        let ws = try Workspace()
        let odd = "a \"quoted\" \\ name\nwith\tcontrols\u{1}\u{7F} café ☕/x.jpg"
        let written: [OrganizeJournalLine] = [
            OrganizeJournalLine(kind: .start, path: "/dest/" + odd, mode: .move),
            OrganizeJournalLine(kind: .mkdir, path: "/dest/2023"),
            OrganizeJournalLine(kind: .begin, index: 7, path: "/dest/2023/" + odd),
            OrganizeJournalLine(kind: .done, index: 7, status: "failed", detail: "cannot read \"\(odd)\"", sha256: nil),
            OrganizeJournalLine(kind: .done, index: 8, status: "ok", detail: "moved", sha256: String(repeating: "ab", count: 32)),
            OrganizeJournalLine(kind: .finish),
        ]
        let journal = SyncedJournal<OrganizeJournalLine>(path: ws.file("journal.jsonl"))
        try journal.append(written)
        #expect(journal.read() == written)
        let text = try String(contentsOfFile: ws.file("journal.jsonl"), encoding: .utf8)
        #expect(text.split(separator: "\n").count == written.count, "one line each: \(text)")
    }
}

extension OrganizeCopierTests {
    /// The kept plan, its operations written without `JSONEncoder`, reads back as the plan it
    /// was — odd names, every optional field set and unset, and a template that spells the
    /// very key the operations are put under — and an operation written so has exactly the
    /// keys `JSONEncoder` gives it (a field added to operations and not to the writer fails).
    @Test func theKeptPlanReadsBackAsThePlanWithEveryFieldOfItsOperations() throws {
        var plan = OrganizePlan(
            destination: "/dest \"q\"", template: #"{year}/"operations":[]/{name}"#, lowConfidenceTemplate: "unsorted/{name}", mode: .move,
            keepDuplicates: true, sources: ["/a\\b", "/c\nd"])
        plan.operations = [
            OrganizePlan.Operation(
                source: "/src/IMG \"1\"\t\u{1}é☕.jpg", destination: "2023/07/IMG_1.jpg", sha256: String(repeating: "0f", count: 32),
                size: 123_456_789_012, mtime: 1_689_345_678.123_456, action: .place, companionOf: "/src/x\\y.jpg",
                date: "2023-07-14T23:30:00", dateSource: .exifOriginal, renamed: true),
            OrganizePlan.Operation(source: "/src/b.xmp", destination: "b.xmp", sha256: "", size: 0, mtime: 0, action: .alreadyThere),
            OrganizePlan.Operation(source: "/src/c.jpg", destination: "c.jpg", sha256: "", size: 1, mtime: 1e-7, action: .inPlace),
        ]
        plan.duplicates = [OrganizePlan.Duplicate(path: "/src/d.jpg", copyOf: "/src/IMG.jpg")]
        plan.nearDuplicates = [["/src/e.jpg", "/src/f.jpg"]]
        plan.skipped = [OrganizePlan.Skipped(path: "/src/g.txt", reason: "not a photo")]
        let bytes = try Organizer.planJSON(plan)
        #expect(try JSONDecoder().decode(OrganizePlan.self, from: Data(bytes)) == plan)

        let full = plan.operations[0]
        var own: [UInt8] = []
        #expect(full.appendJSON(to: &own))
        let ours = try #require(try JSONSerialization.jsonObject(with: Data(own)) as? [String: Any])
        let theirs = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(full)) as? [String: Any])
        #expect(Set(ours.keys) == Set(theirs.keys))
        #expect(try JSONDecoder().decode(OrganizePlan.Operation.self, from: Data(own)) == full)
    }
}
