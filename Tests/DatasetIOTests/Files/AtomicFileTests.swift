import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

private func folder() throws -> String {
    let path = NSTemporaryDirectory() + "imgeda-files-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

private func contents(_ path: String) -> String? {
    (try? Data(contentsOf: URL(fileURLWithPath: path))).map { String(decoding: $0, as: UTF8.self) }
}

@Suite("atomic file")
struct AtomicFileTests {
    @Test func abandonedWriteLeavesThePreviousFileAndNoTemporary() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.csv"
        try AtomicFile.write(Array("previous\n".utf8), to: path)
        do {
            let file = try AtomicFile(path: path)
            try file.write(Array("half of the new".utf8))
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).count == 2)
        }
        #expect(contents(path) == "previous\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.csv"])
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try AtomicFile.replace(path) { write in
                try write(Array("new".utf8))
                throw Stop()
            }
        }
        #expect(contents(path) == "previous\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.csv"])
    }

    @Test func temporaryFilesOfDeadProcessesAreRemovedByTheNextWrite() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A process that has exited: its pid names no process now.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        let dead = process.processIdentifier
        let stale = dir + "/.out.csv.\(dead).tmp"
        let alive = dir + "/.out.csv.1.tmp"  // pid 1 exists: another writer's file stays
        let unrelated = dir + "/.other.csv.\(dead).tmp"
        for path in [stale, alive, unrelated] { _ = FileManager.default.createFile(atPath: path, contents: Data(count: 1 << 20)) }
        try AtomicFile.write(Array("new\n".utf8), to: dir + "/out.csv")
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: alive))
        #expect(FileManager.default.fileExists(atPath: unrelated))
        #expect(contents(dir + "/out.csv") == "new\n")
    }

    @Test func writeIntoAMissingFolderIsOneClearError() throws {
        do {
            try AtomicFile.write([1], to: "/nonexistent-imgeda/out.json")
            Issue.record("wrote into a missing folder")
        } catch {
            #expect(error.description.contains("/nonexistent-imgeda"))
            #expect(error.description.contains("exists and is writable"))
        }
    }
}

@Suite("output path")
struct OutputPathTests {
    @Test func anOutputThatIsAnInputIsRefusedHoweverItIsSpelled() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/m.jsonl"
        _ = FileManager.default.createFile(atPath: input, contents: Data("{}\n".utf8))
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.jsonl", withDestinationPath: input)
        for output in [input, dir + "/sub/../m.jsonl", dir + "//m.jsonl", dir + "/link.jsonl"] {
            #expect(throws: DatasetIOError.self, "\(output)") { try OutputPath.refuseInput(output, inputs: [input]) }
        }
        try OutputPath.refuseInput(dir + "/m.csv", inputs: [input])
        #expect(throws: DatasetIOError.self) {
            try OutputPath.refuseRepeated([("--junit", dir + "/r.xml"), ("--markdown", dir + "/sub/../r.xml")])
        }
    }

    @Test func scanOutputMustBeAManifestOrNew() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try OutputPath.requireManifestOrAbsent(dir + "/new.jsonl")
        _ = FileManager.default.createFile(atPath: dir + "/empty.jsonl", contents: Data())
        try OutputPath.requireManifestOrAbsent(dir + "/empty.jsonl")
        _ = FileManager.default.createFile(atPath: dir + "/m.jsonl", contents: Data("{\"__manifest_meta__\": true}\n".utf8))
        try OutputPath.requireManifestOrAbsent(dir + "/m.jsonl")
        // The reference writes its marker last.
        _ = FileManager.default.createFile(
            atPath: dir + "/theirs.jsonl",
            contents: Data("{\"input_dir\": \"/x\", \"schema_version\": 1, \"__manifest_meta__\": true}\n".utf8))
        try OutputPath.requireManifestOrAbsent(dir + "/theirs.jsonl")
        _ = FileManager.default.createFile(atPath: dir + "/notes.txt", contents: Data("my notes\n".utf8))
        #expect(throws: DatasetIOError.self) { try OutputPath.requireManifestOrAbsent(dir + "/notes.txt") }
        #expect(throws: DatasetIOError.self) { try OutputPath.requireManifestOrAbsent(dir) }
    }
}

@Suite("manifest lock")
struct ManifestLockTests {
    @Test func aSecondLockIsRefusedWithTheHoldersPID() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try ManifestLock(manifest: dir + "/m.jsonl")
        do {
            _ = try ManifestLock(manifest: dir + "/m.jsonl")
            Issue.record("two locks on one manifest")
        } catch {
            #expect(error.description.contains("PID \(getpid())"))
        }
        first.release()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        let again = try ManifestLock(manifest: dir + "/m.jsonl")
        again.release()
    }
}
