import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

private func folder() throws -> String {
    let path = NSTemporaryDirectory() + "imgeda-limits-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A 479-byte "billion laughs" document: nine levels of nine aliases each.
let yamlAliasBomb: String = {
    var text = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
    let letters = Array("abcdefghi")
    for i in 1..<letters.count {
        let previous = letters[i - 1], name = letters[i]
        text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]\n"
    }
    return text
}()

@Suite("input limits")
struct InputLimitsTests {
    @Test func depthCountsBracketsOutsideStringsOnly() {
        #expect(!InputLimits.jsonTooDeep(Array("{\"a\": [[1]], \"s\": \"[[[[[[[[\"}".utf8), limit: 3))
        #expect(InputLimits.jsonTooDeep(Array("[[[[1]]]]".utf8), limit: 3))
        #expect(!InputLimits.jsonTooDeep(Array("{\"s\": \"\\\"[[[[[\"}".utf8), limit: 2))
    }

    @Test func deeplyNestedManifestLineIsSkippedAsDamaged() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/m.jsonl"
        var r = ImageRecord(path: "a.jpg", filename: "a.jpg")
        r.analyzerVersion = "1"
        let good = ManifestEncoding.line(for: r)
        let deep =
            Array("{\"path\": \"b.jpg\", \"x\": ".utf8) + Array(repeating: UInt8(ascii: "["), count: 150_000)
            + Array(repeating: UInt8(ascii: "]"), count: 150_000) + Array("}\n".utf8)
        let deepHeader = Array("{\"__manifest_meta__\": true, \"x\": ".utf8) + Array(repeating: UInt8(ascii: "{"), count: 150_000) + [0x0A]
        try Data(deepHeader + good + deep + good + deep.dropLast()).write(to: URL(fileURLWithPath: path))
        let reader = try ManifestReader(path: path)
        #expect(try reader.header() == nil)
        var paths: [String] = []
        let report = try reader.forEachRecord { paths.append($0.path) }
        #expect(paths == ["a.jpg", "a.jpg"])
        #expect(report.malformedLines == 1 && report.nestedTooDeep == 1)
        #expect(report.truncatedTail)
        let raw = try reader.forEachRawRecord { _, _ in }
        #expect(raw.records == 2 && raw.malformedLines == 1)
    }

    @Test func policyWithAnAliasBombIsRefusedNamingTheFile() throws {
        #expect(yamlAliasBomb.utf8.count < 600)
        do {
            _ = try PolicyFile.parse(yamlAliasBomb, name: "policy.yml")
            Issue.record("an alias bomb was accepted")
        } catch {
            #expect(error.description.contains("policy.yml"))
            #expect(error.description.contains("alias"))
        }
        let deep = "max_corrupt_pct: " + String(repeating: "[", count: 100_000)
        #expect(throws: DatasetIOError.self) { try PolicyFile.parse(deep, name: "deep.yml") }
    }

    @Test func dataYAMLAliasBombIsAProblemNotAnExpansion() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data((yamlAliasBomb + "names: *i\n").utf8).write(to: URL(fileURLWithPath: dir + "/data.yaml"))
        let layout = DatasetDetector.detect(dir, relativePaths: [])
        #expect(layout.format == "yolo")
        #expect(layout.classNames.isEmpty)
        #expect(layout.problems.count == 1)
        #expect(layout.problems.first?.contains("data.yaml") == true)
        #expect(throws: DatasetIOError.self) { try AnnotationReader.read(dir, format: "yolo") }
    }

    @Test func dataYAMLClassNamesStillRead() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("names: [cat, dog]\n".utf8).write(to: URL(fileURLWithPath: dir + "/data.yaml"))
        #expect(DatasetDetector.detect(dir, relativePaths: []).classNames == ["cat", "dog"])
        try Data("names:\n  1: dog\n  0: cat\n".utf8).write(to: URL(fileURLWithPath: dir + "/data.yaml"))
        #expect(DatasetDetector.detect(dir, relativePaths: []).classNames == ["cat", "dog"])
        try Data("nc: 2\n".utf8).write(to: URL(fileURLWithPath: dir + "/data.yaml"))
        #expect(DatasetDetector.detect(dir, relativePaths: []).classNames == ["class0", "class1"])
    }

    @Test func deeplyNestedCOCOFileIsSkippedWithAProblem() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/annotations", withIntermediateDirectories: true)
        let deep =
            "{\"images\": [], \"annotations\": " + String(repeating: "[", count: 150_000) + String(repeating: "]", count: 150_000) + "}"
        try Data(deep.utf8).write(to: URL(fileURLWithPath: dir + "/annotations/instances_train.json"))
        let layout = DatasetDetector.detect(dir, relativePaths: [])
        #expect(layout.format != "coco")
        #expect(layout.problems.first?.contains("instances_train.json") == true)
    }
}
