import DatasetAnalysis
import ExampleData
import Foundation
import Testing

/// Every command example in the README runs, as written, against fixtures of the layouts it
/// names, without a usage error; the examples that promise a result get it.
@Suite("README")
struct ReadmeTests {
    /// The README beside the package (found from this file's path).
    static var readme: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
    }

    /// The contents of fenced blocks of `language`, in order.
    static func blocks(_ language: String, in text: String) -> [String] {
        var result: [String] = [], current: [String]?
        for line in text.components(separatedBy: "\n") {
            if current == nil, line == "```" + language {
                current = []
            } else if current != nil, line == "```" {
                result.append((current ?? []).joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return result
    }

    /// The `imgeda …` command lines of the shell examples, without their trailing comments.
    /// Lines that write outside the workspace (system completion folders) are left out.
    static var commands: [String] {
        blocks("sh", in: readme).flatMap { $0.components(separatedBy: "\n") }
            .filter { $0.hasPrefix("imgeda ") && !$0.contains("/etc/") }
            .map { line in
                guard let hash = line.range(of: "  #") else { return line }
                return String(line[..<hash.lowerBound]).trimmingCharacters(in: .whitespaces)
            }
    }

    /// Fixtures for every name the examples use: `~/datasets/cats`, `train val test` with
    /// copies across them, `photos`, the manifests `data`, `train`, `val`, `test`, `v1`, `v2`,
    /// the README's own `policy.yml`, a YOLO dataset and a Roboflow COCO export.
    static func prepare(_ ws: Workspace) throws {
        _ = Fixtures.libvipsStarted
        func jpeg(_ seed: UInt64, _ path: String) throws {
            try ws.write(try Fixtures.jpeg(Fixtures.scene(seed, width: 160, height: 120)), to: path)
        }
        for i in 0..<3 { try jpeg(UInt64(100 + i), "datasets/cats/cat\(i).jpg") }
        for i in 0..<4 { try jpeg(UInt64(1 + i), "train/t\(i).jpg") }
        try jpeg(1, "val/copy.jpg")
        try jpeg(20, "val/v0.jpg")
        try jpeg(2, "test/copy.jpg")
        try jpeg(21, "test/s0.jpg")
        for i in 0..<2 { try jpeg(UInt64(40 + i), "photos/p\(i).jpg") }
        // `uniquify downloads`: a picture, its copy, and another picture.
        try jpeg(50, "downloads/a.jpg")
        try jpeg(50, "downloads/a_copy.jpg")
        try jpeg(51, "downloads/b.jpg")
        for i in 0..<3 { try jpeg(UInt64(80 + i), "album/2023/IMG_2023071\(i)_160211.jpg") }
        // `organize card`: a photo dated by its name with its .xmp, and one with no date.
        try jpeg(90, "card/IMG_20230714_233000.jpg")
        try ws.write(Array("<x:xmpmeta/>".utf8), to: "card/IMG_20230714_233000.xmp")
        try jpeg(91, "card/DSC_0001.jpg")
        for i in 0..<4 { try jpeg(UInt64(60 + i), "v1/img\(i).jpg") }
        for i in 1..<5 { try jpeg(UInt64(60 + i), "v2/img\(i).jpg") }
        _ = try ExampleDataset.write(to: ws.file("dataset"))
        for (folder, manifest) in [("dataset", "data"), ("train", "train"), ("val", "val"), ("test", "test"), ("v1", "v1"), ("v2", "v2")] {
            let run = try Imgeda.run(["scan", folder, "-o", "\(manifest).jsonl", "--quiet"], cwd: ws.path)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let policy = try #require(blocks("yaml", in: readme).first { $0.hasPrefix("# policy.yml") }, "the README shows a policy.yml")
        try ws.write(Array(policy.utf8), to: "policy.yml")
        try jpeg(70, "yolo-dataset/images/train/a.jpg")
        try ws.write(Array("0 0.5 0.5 0.2 0.3\n1 0.3 0.3 0.1 0.1\n".utf8), to: "yolo-dataset/labels/train/a.txt")
        try ws.write(Array("names: [cat, dog]\ntrain: images/train\n".utf8), to: "yolo-dataset/data.yaml")
        try jpeg(71, "roboflow-export/train/b.jpg")
        let coco =
            #"{"images": [{"id": 1, "file_name": "b.jpg", "width": 160, "height": 120}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 50, 40]}], "categories": [{"id": 1, "name": "cat"}]}"#
        try ws.write(Array(coco.utf8), to: "roboflow-export/train/_annotations.coco.json")
    }

    /// The URL lists of the download examples, served by a local server on 127.0.0.1 (which
    /// the examples reach through `IMGEDA_DOWNLOAD_ALLOW_ADDRESS`, as a user's private
    /// mirror would).
    static func prepareDownloads(_ ws: Workspace) throws -> FaultServer {
        let server = try FaultServer.start()
        var urls: [String] = []
        for i in 0..<3 {
            server.route("/img\(i).jpg", .ok(try Fixtures.jpeg(Fixtures.scene(UInt64(80 + i), width: 160, height: 120))))
            urls.append(server.url("/img\(i).jpg"))
        }
        server.route("/gone.jpg", .status(404))
        urls.append(server.url("/gone.jpg"))
        try ws.write(Array(urls.joined(separator: "\n").utf8), to: "urls.txt")
        let csv = "url,caption\n" + urls.enumerated().map { "\($1),picture \($0)" }.joined(separator: "\n")
        try ws.write(Array(csv.utf8), to: "laion-sample.csv")
        return server
    }

    @Test func everyExampleRunsAndKeepsItsPromise() throws {
        let commands = Self.commands
        #expect(commands.count >= 20, "the README shows \(commands.count) command examples")
        let ws = try Workspace()
        try Self.prepare(ws)
        let server = try Self.prepareDownloads(ws)
        defer { server.stop() }
        let folder = (Imgeda.executable as NSString).deletingLastPathComponent
        var outputs: [String: String] = [:]
        for command in commands {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            var environment = ProcessInfo.processInfo.environment
            environment["PATH"] = folder + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
            environment["HOME"] = ws.path
            environment["IMGEDA_DOWNLOAD_ALLOW_ADDRESS"] = "127.0.0.1"
            process.environment = environment
            process.currentDirectoryURL = URL(fileURLWithPath: ws.path)
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let gateFailed = command.hasPrefix("imgeda gate") && process.terminationStatus == 2
            #expect(process.terminationStatus == 0 || gateFailed, "`\(command)` exited \(process.terminationStatus): \(stderr)")
            #expect(!stderr.contains("Error:"), "`\(command)`: \(stderr)")
            outputs[command] = stdout
        }
        // What the examples promise.
        let splits = Set(try records(ws.file("splits.jsonl")).compactMap(\.split))
        #expect(splits == ["train", "val", "test"], "scan train val test records the splits")
        #expect(outputs["imgeda check leakage -m splits.jsonl"]?.contains("have a copy in train") == true)
        #expect(outputs["imgeda check leakage -m train.jsonl -m val.jsonl -m test.jsonl"]?.contains("val ← train: 1 of 2 images") == true)
        #expect(outputs["imgeda check all -m train.jsonl -m val.jsonl"]?.contains("val ← train") == true)
        #expect(outputs["imgeda diff --old v1.jsonl --new v2.jsonl"]?.contains("added 1, removed 1") == true)
        #expect(try String(contentsOfFile: ws.file("splits.html"), encoding: .utf8).contains("id=\"leakage\""))
        #expect(FileManager.default.fileExists(atPath: ws.file("data.parquet")))
        #expect(FileManager.default.fileExists(atPath: ws.file("stats.json")))
        #expect(try records(ws.file("images/manifest.jsonl")).count == 3, "the download example saves and analyses the images")
        #expect(outputs["imgeda download urls.txt -o images"]?.contains("3 of 4 rows ok") == true)
        // The shards of a scan merge into the records of the whole scan; the download's shards
        // into its saved images.
        #expect(try records(ws.file("merged.jsonl")).map(\.path).sorted() == (try records(ws.file("data.jsonl")).map(\.path).sorted()))
        #expect(try records(ws.file("downloaded.jsonl")).count == 3)
        // The library's examples: a tag found, the JSON hit dated from its file name, the trash emptied.
        #expect(outputs["imgeda search album \"tag:beach\""]?.hasSuffix("album/2023/IMG_20230710_160211.jpg\n") == true)
        let hit = outputs["imgeda search album \"dusk date:2023-07 width>=100 -is:blurry status:selected\" --json"] ?? ""
        #expect(hit.contains("\"capture_date\" : \"2023-07-10T16:02:11\"") && hit.contains("\"rating\" : 4"), "\(hit)")
        #expect(outputs["imgeda tag album list"]?.contains("place:Lisbon") == true)
        #expect((try? String(contentsOfFile: ws.file("lora-set/2023/IMG_20230710_160211.txt"), encoding: .utf8)) == "Waves at dusk\n")
        #expect(!FileManager.default.fileExists(atPath: ws.file("album/2023/IMG_20230712_160211.jpg")))
        // organize: the plan carried out files the photo and its .xmp under its day; the move emptied the card.
        #expect(FileManager.default.fileExists(atPath: ws.file("sorted/2023/2023-07-14/IMG_20230714_233000.xmp")))
        #expect(FileManager.default.fileExists(atPath: ws.file("by-camera/unknown/2023/2023-07-14_233000_0001.xmp")))
        #expect(FileManager.default.fileExists(atPath: ws.file("by-camera/unsorted/DSC_0001.jpg")))
        #expect(outputs["imgeda organize card -o sorted"]?.contains("Dry run: nothing was changed") == true)
    }
}
