import DatasetAnalysis
import DatasetIO
import ExampleData
import Foundation
import ImageDecoding
import Testing

/// The `scan` command end to end, run as a user runs it, on fixtures made here.
@Suite("scan command")
struct ScanCommandTests {
    /// The hostile-input set of the issue: every regular file gets one record, broken ones
    /// carry a reason, non-regular entries are skipped and counted, and the scan finishes.
    @Test func badInputSetGetsOneRecordPerRegularFileAndNoCrash() throws {
        let ws = try Workspace()
        let scene = Fixtures.scene(7)
        let jpeg = try Fixtures.jpeg(scene)
        let png = try Fixtures.encode(scene, suffix: ".png")
        try ws.write([], to: "data/zero.jpg")
        try ws.write(Array(jpeg.prefix(jpeg.count / 2)), to: "data/truncated.jpg")
        try ws.write(Array(png.prefix(png.count / 2)), to: "data/truncated.png")
        var rng = SyntheticImages.Random(seed: 42)
        try ws.write((0..<5000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, to: "data/random.jpg")
        try ws.write(png, to: "data/png_named.jpg")
        try ws.write(Array("just some text\n".utf8), to: "data/text.png")
        try ws.write(Self.pngClaiming(width: 100_000, height: 100_000, from: png), to: "data/bomb.png")
        try FileManager.default.createDirectory(atPath: ws.file("data/x.jpg"), withIntermediateDirectories: true)
        #expect(mkfifo(ws.file("data/y.jpg"), 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: ws.file("data/loop.jpg"), withDestinationPath: ws.file("data/loop.jpg"))
        // A name that is not UTF-8: "bad\xff.jpg".
        let badName = Array(ws.file("data/bad").utf8) + [0xFF] + Array(".jpg".utf8)
        let fd = (badName + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT, 0o644) }
        }
        #expect(fd >= 0)
        _ = jpeg.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let wide = scene.pixels.map { UInt16($0) * 257 }
        try ws.write(
            try ImageEncoder.encode16(pixels: wide, width: scene.width, height: scene.height, bands: 3, suffix: ".png"),
            to: "data/sixteen.png")
        var cmyk = [UInt8](repeating: 0, count: scene.width * scene.height * 4)
        for i in 0..<(scene.width * scene.height) { cmyk[4 * i] = scene.pixels[3 * i]; cmyk[4 * i + 3] = 40 }
        try ws.write(
            try ImageEncoder.encode(
                pixels: cmyk, width: scene.width, height: scene.height, bands: 4,
                suffix: ".jpg[Q=90]", cmyk: true), to: "data/cmyk.jpg")
        try ws.write(try Fixtures.encode(scene, suffix: ".png[palette]"), to: "data/palette.png")
        let frames = (0..<3).map { Fixtures.scene(UInt64(20 + $0), width: 64, height: 48).pixels }
        try ws.write(
            try ImageEncoder.encodeAnimation(frames: frames, width: 64, height: 48, bands: 3, suffix: ".gif"),
            to: "data/animated.gif")
        try ws.write(jpeg, to: "data/good.jpg")

        let manifest = ws.file("m.jsonl")
        let result = try Imgeda.run(["scan", ws.file("data"), "-o", manifest, "--workers", "2", "--timeout", "20"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let all = try records(manifest)
        // Hostile files fail fast: none of them needed the per-file timeout.
        #expect(!all.contains { $0.corruptReason?.contains("timed out") == true })
        let byName = Dictionary(all.map { ($0.filename, $0) }, uniquingKeysWith: { a, _ in a })
        // 13 regular files; the directory, the FIFO and the loop are not records.
        #expect(all.count == 13)
        #expect(Set(all.map(\.path)).count == all.count)
        for name in ["zero.jpg", "truncated.jpg", "truncated.png", "random.jpg", "text.png", "bomb.png"] {
            let record = try #require(byName[name], "no record for \(name)")
            #expect(record.isCorrupt, "\(name) should be flagged")
            #expect(!(record.corruptReason ?? "").isEmpty, "\(name) needs a reason")
        }
        #expect(byName["zero.jpg"]?.corruptReason?.contains("empty") == true)
        #expect(byName["truncated.jpg"]?.corruptReason?.contains("truncated") == true)
        #expect(byName["bomb.png"]?.corruptReason?.contains("too large") == true)
        #expect(byName["bomb.png"]?.width == 100_000)
        for name in ["png_named.jpg", "sixteen.png", "cmyk.jpg", "palette.png", "animated.gif", "good.jpg"] {
            let record = try #require(byName[name], "no record for \(name)")
            #expect(!record.isCorrupt, "\(name): \(record.corruptReason ?? "")")
            #expect(record.pixelStats != nil && record.phash?.count == 64)
        }
        #expect(byName["png_named.jpg"]?.format == "PNG")
        #expect(byName["cmyk.jpg"]?.colorMode == "CMYK")
        #expect(byName["palette.png"]?.colorMode == "P")
        #expect(byName["animated.gif"]?.frameCount == 3)
        let odd = try #require(all.first { $0.pathRaw != nil })
        #expect(!odd.isCorrupt)
        #expect(FilePathBytes(path: odd.path, pathRaw: odd.pathRaw).bytes == badName)
        // Non-regular entries are counted in the summary with their reasons.
        #expect(result.stdout.contains("Skipped (not image files): 3"), "stdout: \(result.stdout)")
        #expect(result.stdout.contains("is a directory"))
        #expect(result.stdout.contains("FIFO"))
        #expect(result.stdout.contains("symlink loop"))
    }

    /// One file crashes its decoder and another hangs: both get records with the reason,
    /// every other file is analysed, and no other file is charged with the crash or the hang.
    @Test func crashAndHangCostOnlyTheirOwnFiles() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "data", count: 40)
        let jpeg = try Fixtures.jpeg(Fixtures.scene(99))
        try ws.write(jpeg, to: "data/crash_me.jpg")
        try ws.write(jpeg, to: "data/hang_me.jpg")
        let timeout = 3.0
        let result = try Imgeda.run(
            ["scan", ws.file("data"), "-o", ws.file("m.jsonl"), "--workers", "2", "--timeout", "\(timeout)"],
            environment: ["IMGEDA_TEST_CRASH_ON": "crash_me", "IMGEDA_TEST_HANG_ON": "hang_me"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let all = try records(ws.file("m.jsonl"))
        #expect(all.count == 42)
        let crash = try #require(all.first { $0.filename == "crash_me.jpg" })
        let hang = try #require(all.first { $0.filename == "hang_me.jpg" })
        #expect(crash.isCorrupt && crash.corruptReason?.contains("decoder crashed") == true, "\(crash.corruptReason ?? "")")
        #expect(hang.isCorrupt && hang.corruptReason?.contains("timed out after 3 s") == true, "\(hang.corruptReason ?? "")")
        let others = all.filter { $0.filename.hasPrefix("img_") }
        #expect(others.count == 40 && others.allSatisfy { !$0.isCorrupt && $0.pixelStats != nil })
        // Only the hanging file waited for the timeout, and only the crashing one lost a worker.
        #expect(all.filter { $0.corruptReason?.contains("timed out") == true }.map(\.filename) == ["hang_me.jpg"])
        #expect(all.filter { $0.corruptReason?.contains("crashed") == true }.map(\.filename) == ["crash_me.jpg"])
    }

    /// A scan killed with SIGKILL part-way and re-run ends with exactly one record per image.
    @Test func sigkillThenResumeLeavesExactlyOneRecordPerImage() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "data", count: 120, size: 64)
        let manifest = ws.file("m.jsonl")
        let running = try Imgeda.start(
            ["scan", ws.file("data"), "-o", manifest, "--workers", "2", "--checkpoint-every", "5"],
            environment: ["IMGEDA_TEST_DELAY_MS": "50"])
        // Kill as soon as the first checkpoint is on disk, however loaded the machine is
        // (waiting a fixed time kills too early under load, with nothing written yet).
        for _ in 0..<600 {
            let text = (try? String(contentsOfFile: manifest, encoding: .utf8)) ?? ""
            if text.split(separator: "\n").count >= 2 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        running.signal(SIGKILL)
        let killed = running.wait()
        #expect(killed.status != 0)
        let partial = try records(manifest)
        #expect(partial.count > 0 && partial.count < 120, "records after kill: \(partial.count)")

        let again = try Imgeda.run(["scan", ws.file("data"), "-o", manifest, "--workers", "2"])
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(again.stderr.contains("unchanged since the last scan"))
        let all = try records(manifest)
        #expect(all.count == 120)
        #expect(Set(all.map(\.path)).count == 120)
        #expect(all.allSatisfy { !$0.isCorrupt })
    }

    /// SIGINT stops the scan, keeps what was done and prints how to resume.
    @Test func sigintFlushesRecordsAndPrintsResumeHint() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "data", count: 100, size: 64)
        let manifest = ws.file("m.jsonl")
        let running = try Imgeda.start(
            ["scan", ws.file("data"), "-o", manifest, "--workers", "2"],
            environment: ["IMGEDA_TEST_DELAY_MS": "30"])
        Thread.sleep(forTimeInterval: 0.8)
        running.signal(SIGINT)
        let result = running.wait()
        #expect(result.status == 130, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("Resume with: imgeda scan"))
        let saved = try records(manifest)
        #expect(saved.count > 0 && saved.count < 100)
        let reported = result.stderr.components(separatedBy: "Stopped: ").last?.split(separator: " ").first
            .flatMap { Int($0.replacingOccurrences(of: ",", with: "")) }
        #expect(reported == saved.count, "reported \(String(describing: reported)), saved \(saved.count)")
    }

    /// A re-run analyses only new and changed files; the manifest keeps one current record per image.
    @Test func resumeAnalysesOnlyNewAndChangedFiles() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "data", count: 10, size: 64)
        let manifest = ws.file("m.jsonl")
        #expect(try Imgeda.run(["scan", ws.file("data"), "-o", manifest, "--quiet"]).status == 0)
        let before = try records(manifest)
        // Change one file, add one, delete one.
        let changed = try Fixtures.jpeg(Fixtures.scene(500, width: 64, height: 48))
        try ws.write(changed, to: "data/img_0003.jpg")
        var later = timespec(tv_sec: Int(Date().timeIntervalSince1970) + 5, tv_nsec: 0)
        var times = [later, later]
        _ = utimensat(AT_FDCWD, ws.file("data/img_0003.jpg"), &times, 0)
        later.tv_sec += 0
        try ws.write(changed, to: "data/new.jpg")
        try FileManager.default.removeItem(atPath: ws.file("data/img_0007.jpg"))
        let again = try Imgeda.run(["scan", ws.file("data"), "-o", manifest])
        #expect(again.status == 0)
        #expect(again.stderr.contains("analysing 2"), "stderr: \(again.stderr)")
        let after = try records(manifest)
        #expect(after.count == 10)
        #expect(Set(after.map(\.filename)) == Set(before.map(\.filename)).subtracting(["img_0007.jpg"]).union(["new.jpg"]))
        let old = try #require(before.first { $0.filename == "img_0003.jpg" })
        let new = try #require(after.first { $0.filename == "img_0003.jpg" })
        #expect(old.sha256 != new.sha256)
        #expect(try ManifestReader(path: manifest).header()?.totalFiles == 10)
    }

    @Test func badArgumentsGetOneLineAndExitCodeOne() throws {
        let ws = try Workspace()
        let missing = try Imgeda.run(["scan", ws.file("nope"), "-o", ws.file("m.jsonl")])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot scan"))
        #expect(!missing.stderr.contains("Fatal error"))
        let workers = try Imgeda.run(["scan", ws.path, "--workers", "0"])
        #expect(workers.status != 0)
        #expect(workers.stderr.contains("--workers must be at least 1"))
        let info = try Imgeda.run(["info", "-m", ws.file("none.jsonl")])
        #expect(info.status == 1)
        #expect(info.stderr.contains("manifest not found"))
    }

    /// Makes a PNG whose header claims the given size (with a valid IHDR checksum) and whose
    /// data is that of a small image: a decompression bomb's header without its payload.
    static func pngClaiming(width: Int, height: Int, from png: [UInt8]) -> [UInt8] {
        var bytes = png
        func put(_ value: Int, at offset: Int) {
            for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * i)) }
        }
        put(width, at: 16)
        put(height, at: 20)
        put(Int(crc32(Array(bytes[12..<29]))), at: 29)
        return bytes
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
