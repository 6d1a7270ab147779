import DatasetAnalysis
import Foundation
import Testing

/// Duplicates that survive the edits people make when they re-post a picture, each edit made
/// by libvips itself (its `vips` command, from libvips-tools) on a textured picture, then
/// scanned with window hashes and grouped by `check duplicates`.
@Suite("robust duplicates on libvips edits")
struct RobustDuplicateTests {
    /// Runs `vips ARGS…` in `folder`; throws with its error output if it fails.
    func vips(_ arguments: [String], in folder: String, tool: String = "vips") throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(
                .fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "\(tool) \(arguments): \(String(decoding: errors, as: UTF8.self))"]
            )
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A 640 × 480 colour picture with detail at two scales everywhere (Perlin noise), so
    /// every window has content of its own, as `name`.
    func texturedPicture(_ name: String, seed: Int, in folder: String) throws {
        _ = try vips(["perlin", "coarse.v", "640", "480", "--cell-size", "96", "--seed", "\(seed)"], in: folder)
        _ = try vips(["perlin", "fine.v", "640", "480", "--cell-size", "24", "--seed", "\(seed + 1)"], in: folder)
        _ = try vips(["linear", "coarse.v", "a.v", "110", "128", "--uchar"], in: folder)
        _ = try vips(["linear", "fine.v", "b.v", "50", "0"], in: folder)
        _ = try vips(["add", "a.v", "b.v", "sum.v"], in: folder)
        _ = try vips(["cast", "sum.v", "g.v", "uchar"], in: folder)
        _ = try vips(["linear", "g.v", "green.v", "0.8", "30", "--uchar"], in: folder)
        _ = try vips(["linear", "g.v", "blue.v", "0.6", "70", "--uchar"], in: folder)
        _ = try vips(["bandjoin", "g.v green.v blue.v", name], in: folder)
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Each near group's members (keeper included) by file name, with the member's match.
    func groups(_ result: [String: Any]) -> [[String: [String: Any]]] {
        (result["near_groups"] as? [[String: Any]] ?? []).map { group in
            var members: [String: [String: Any]] = [:]
            if let keeper = group["keeper"] as? String { members[(keeper as NSString).lastPathComponent] = [:] }
            for m in group["members"] as? [[String: Any]] ?? [] {
                if let path = m["path"] as? String {
                    members[(path as NSString).lastPathComponent] = m["match"] as? [String: Any] ?? [:]
                }
            }
            return members
        }
    }

    @Test func croppedRotatedCaptionedLogoAndMirroredCopiesAreFoundAndExplained() throws {
        let ws = try Workspace()
        let dir = ws.file("pictures")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let scratch = ws.file("scratch")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        try texturedPicture("\(dir)/original.jpg", seed: 3, in: scratch)
        let original = "\(dir)/original.jpg"
        // 10% cut from every side.
        _ = try vips(["crop", original, "\(dir)/crop10.jpg", "64", "48", "512", "384"], in: scratch)
        // A logo: an opaque red box over a fifth of the area, in the top-left corner.
        _ = try vips(["black", "logo.v", "286", "215", "--bands", "3"], in: scratch)
        _ = try vips(["linear", "logo.v", "red.v", "1 1 1", "200 40 50", "--uchar"], in: scratch)
        _ = try vips(["insert", original, "red.v", "\(dir)/logo.jpg", "0", "0"], in: scratch)
        // A dark caption band over the bottom fifth.
        _ = try vips(["black", "band.v", "640", "96", "--bands", "3"], in: scratch)
        _ = try vips(["linear", "band.v", "dark.v", "1 1 1", "30 30 30", "--uchar"], in: scratch)
        _ = try vips(["insert", original, "dark.v", "\(dir)/caption.jpg", "0", "384"], in: scratch)
        // Rotated by 3° and by 5° and cropped to the largest centred rectangle of the same
        // shape (a straightened photo): a degree off the ±4° windows.
        for degrees in [3, 5] {
            _ = try vips(["rotate", original, "rotated.v", "\(degrees)"], in: scratch)
            let rw = try #require(Int(try vips(["-f", "width", "rotated.v"], in: scratch, tool: "vipsheader")))
            let rh = try #require(Int(try vips(["-f", "height", "rotated.v"], in: scratch, tool: "vipsheader")))
            let a = Double(degrees) * Double.pi / 180
            let s = min(640 / (640 * cos(a) + 480 * sin(a)), 480 / (640 * sin(a) + 480 * cos(a)))
            let cw = Int(640 * s), ch = Int(480 * s)
            _ = try vips(
                ["crop", "rotated.v", "\(dir)/rotated\(degrees).jpg", "\((rw - cw) / 2)", "\((rh - ch) / 2)", "\(cw)", "\(ch)"],
                in: scratch)
        }
        // Mirrored left–right and 10% cut from every side.
        _ = try vips(["flip", original, "mirrored.v", "horizontal"], in: scratch)
        _ = try vips(["crop", "mirrored.v", "\(dir)/flipcrop.jpg", "64", "48", "512", "384"], in: scratch)
        // Burst-like frames of another picture: its first and last two thirds (overlapping by half).
        try texturedPicture("\(scratch)/scene.jpg", seed: 11, in: scratch)
        _ = try vips(["crop", "scene.jpg", "\(dir)/burst_a.jpg", "0", "0", "427", "480"], in: scratch)
        _ = try vips(["crop", "scene.jpg", "\(dir)/burst_b.jpg", "213", "0", "427", "480"], in: scratch)

        let manifest = ws.file("m.jsonl")
        let scan = try Imgeda.run(["scan", dir, "-o", manifest, "--window-hashes", "--quiet"])
        #expect(scan.status == 0, "\(scan.stderr)")

        let plain = try Imgeda.run(["check", "duplicates", "-m", manifest, "--json"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let found = groups(try json(plain.stdout))
        #expect(found.count == 1, "\(found)")
        let group = try #require(found.first)
        #expect(
            Set(group.keys) == ["original.jpg", "crop10.jpg", "logo.jpg", "caption.jpg", "rotated3.jpg", "rotated5.jpg"],
            "\(group.keys)")
        let crop = try #require(group["crop10.jpg"])
        #expect(crop["kind"] as? String == "crop" && crop["window"] as? String == "centre_80", "\(crop)")
        // The logo leaves three quarters of the picture as they were.
        let logo = try #require(group["logo.jpg"])
        #expect(logo["kind"] as? String == "same_windows" && logo["agreeing_windows"] as? Int == 3, "\(logo)")
        let caption = try #require(group["caption.jpg"])
        #expect(caption["kind"] as? String == "same_windows", "\(caption)")
        // A degree off the rotated window, the full pHashes are beyond the window threshold:
        // these are linked through the 64 low-frequency bits (verified by the dHash).
        for name in ["rotated3.jpg", "rotated5.jpg"] {
            let rotated = try #require(group[name])
            #expect(rotated["kind"] as? String == "rotated", "\(name): \(rotated)")
            #expect((rotated["distance"] as? Int ?? 0) > DuplicateFinder.defaultWindowThreshold, "\(name): \(rotated)")
        }

        // With --transforms the mirrored crop joins, as a mirrored crop of the centre 80%.
        let turning = try Imgeda.run(["check", "duplicates", "-m", manifest, "--json", "--transforms"])
        #expect(turning.status == 0, "\(turning.stderr)")
        let all = groups(try json(turning.stdout))
        #expect(all.count == 1, "\(all)")
        let mirrored = try #require(all.first?["flipcrop.jpg"])
        #expect(mirrored["kind"] as? String == "crop" && mirrored["transform"] as? String == "flip_horizontal", "\(mirrored)")
        #expect(all.first?["burst_a.jpg"] == nil && all.first?["burst_b.jpg"] == nil)
    }
}
