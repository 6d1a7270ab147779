import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

/// Every command reads the thresholds from the manifest header, so they count alike and say
/// which thresholds they used.
@Suite("thresholds across commands")
struct ThresholdAgreementTests {
    /// Scenes darkened or brightened so that their mean brightness spreads over 0–255: with
    /// `--dark-threshold 100` some count as dark that the default (40) would not.
    static func writeImages(_ ws: Workspace) throws {
        for (i, factor) in [0.08, 0.25, 0.45, 0.6, 1.0, 1.4, 2.4, 3.0].enumerated() {
            var image = Fixtures.scene(UInt64(i + 11), width: 160, height: 120)
            image.pixels = image.pixels.map { UInt8(min(255, (Double($0) * factor).rounded())) }
            try ws.write(try Fixtures.jpeg(image), to: "images/img_\(i).jpg")
        }
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func count(_ object: [String: Any], _ key: String) -> Int? {
        (object[key] as? [String: Any])?["count"] as? Int
    }

    static func pct(_ n: Int, _ total: Int) -> Double { (Double(n) * 10_000 / Double(total)).rounded() / 100 }

    @Test func infoCheckGatePlotAndReportAgreeWithTheScansThresholds() throws {
        let ws = try Workspace()
        try Self.writeImages(ws)
        let manifest = ws.file("m.jsonl")
        let scan = try Imgeda.run([
            "scan", ws.file("images"), "-o", manifest, "--quiet", "--dark-threshold", "100",
            "--blur-threshold", "50",
        ])
        try #require(scan.status == 0, "\(scan.stderr)")
        let all = try records(manifest)
        let total = all.count
        let brightness = all.compactMap { $0.pixelStats?.meanBrightness }
        try #require(brightness.count == total)
        let dark = brightness.filter { $0 < 100 }.count
        // The fixture must tell the two thresholds apart, or this test proves nothing.
        try #require(dark != brightness.filter { $0 < 40 }.count && dark > 0)
        let over = brightness.filter { $0 > 220 }.count
        let blurry = all.filter { ($0.blurScore ?? 0) < 50 }.count
        let artifacts = all.filter { ($0.cornerStats?.delta ?? 0) > 50 }.count
        #expect(all.filter(\.isDark).count == dark)

        // info
        let info = try Imgeda.run(["info", "-m", manifest, "--json"])
        try #require(info.status == 0, "\(info.stderr)")
        let summary = try Self.json(info.stdout)
        #expect(summary["dark_count"] as? Int == dark)
        #expect(summary["overexposed_count"] as? Int == over)
        #expect(summary["blurry_count"] as? Int == blurry)
        #expect(summary["artifact_count"] as? Int == artifacts)
        let infoThresholds = try #require(summary["thresholds"] as? [String: Any])
        #expect(infoThresholds["dark_threshold"] as? Double == 100)
        #expect(infoThresholds["blur_threshold"] as? Double == 50)
        let infoText = try Imgeda.run(["info", "-m", manifest])
        #expect(infoText.stdout.contains("Thresholds: dark < 100, overexposed > 220, border artifact > 50, blurry < 50"))

        // check all and check exposure
        let check = try Imgeda.run(["check", "all", "-m", manifest, "--json"])
        try #require(check.status == 0, "\(check.stderr)")
        let checked = try Self.json(check.stdout)
        #expect(Self.count(checked, "dark") == dark)
        #expect(Self.count(checked, "overexposed") == over)
        #expect(Self.count(checked, "blur") == blurry)
        #expect(Self.count(checked, "artifacts") == artifacts)
        #expect((checked["dark"] as? [String: Any])?["threshold"] as? Double == 100)
        #expect((checked["thresholds"] as? [String: Any])?["dark_threshold"] as? Double == 100)
        let checkText = try Imgeda.run(["check", "all", "-m", manifest])
        #expect(checkText.stdout.contains("Dark: \(dark) of \(total)"))
        #expect(checkText.stdout.contains("Thresholds: dark < 100"))
        let exposure = try Imgeda.run(["check", "exposure", "-m", manifest, "--json"])
        #expect(Self.count(try Self.json(exposure.stdout), "dark") == dark)

        // gate
        try "min_images_total: 1\nmax_underexposed_pct: 100\nmax_overexposed_pct: 100\nmax_blurry_pct: 99\nmax_artifact_pct: 99\n"
            .write(toFile: ws.file("policy.yml"), atomically: true, encoding: .utf8)
        let gate = try Imgeda.run(["gate", "-m", manifest, "-p", ws.file("policy.yml"), "--json"])
        try #require(gate.status == 0, "\(gate.stdout)\(gate.stderr)")
        let gated = try Self.json(gate.stdout)
        let checks = try #require(gated["checks"] as? [[String: Any]])
        func observed(_ name: String) -> Double? { checks.first { $0["name"] as? String == name }?["observed"] as? Double }
        #expect(observed("max_underexposed_pct") == Self.pct(dark, total))
        #expect(observed("max_overexposed_pct") == Self.pct(over, total))
        #expect(observed("max_blurry_pct") == Self.pct(blurry, total))
        #expect(observed("max_artifact_pct") == Self.pct(artifacts, total))
        #expect((gated["thresholds"] as? [String: Any])?["dark_threshold"] as? Double == 100)
        let gateText = try Imgeda.run(["gate", "-m", manifest, "-p", ws.file("policy.yml")])
        #expect(gateText.stdout.contains("Thresholds: dark < 100"))
        #expect(gateText.stdout.contains("dark (mean brightness < 100)"))

        // plot
        let plot = try Imgeda.run(["plot", "brightness", "-m", manifest, "--format", "svg", "-o", ws.file("plots")])
        try #require(plot.status == 0, "\(plot.stderr)")
        #expect(plot.stdout.contains("Thresholds: dark < 100"))
        let svg = try String(contentsOfFile: ws.file("plots/brightness.svg"), encoding: .utf8)
        #expect(svg.contains("dark (&lt; 100)"))
        #expect(svg.contains("dark &lt; 100"))
        let blurPlot = try Imgeda.run(["plot", "blur", "-m", manifest, "--format", "svg", "-o", ws.file("plots")])
        try #require(blurPlot.status == 0, "\(blurPlot.stderr)")
        #expect(try String(contentsOfFile: ws.file("plots/blur.svg"), encoding: .utf8).contains("threshold 50"))

        // report
        let report = try Imgeda.run(["report", "-m", manifest, "-o", ws.file("r.html"), "--no-thumbnails"])
        try #require(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: ws.file("r.html"), encoding: .utf8)
        #expect(html.contains("<tr><td>Dark</td><td class=\"num\">\(dark)</td>"))
        #expect(html.contains("<tr><td>Overexposed</td><td class=\"num\">\(over)</td>"))
        #expect(html.contains("<tr><td>Blurry</td><td class=\"num\">\(blurry)</td>"))
        #expect(html.contains("<tr><td>Border artifacts</td><td class=\"num\">\(artifacts)</td>"))
        #expect(html.contains("<b>\(dark)</b><span>dark</span>"))
        #expect(html.contains("mean brightness &lt; 100"))
        #expect(html.contains("Thresholds used: dark &lt; 100"))
    }

    @Test func anOptionOverridesTheManifestsThresholdForThatRunOnly() throws {
        let ws = try Workspace()
        try Self.writeImages(ws)
        let manifest = ws.file("m.jsonl")
        let scan = try Imgeda.run(["scan", ws.file("images"), "-o", manifest, "--quiet", "--dark-threshold", "100"])
        try #require(scan.status == 0, "\(scan.stderr)")
        let brightness = try records(manifest).compactMap { $0.pixelStats?.meanBrightness }
        let darkAt40 = brightness.filter { $0 < 40 }.count

        let info = try Self.json(try Imgeda.run(["info", "-m", manifest, "--json", "--dark-threshold", "40"]).stdout)
        #expect(info["dark_count"] as? Int == darkAt40)
        #expect((info["thresholds"] as? [String: Any])?["dark_threshold"] as? Double == 40)
        let check = try Imgeda.run(["check", "all", "-m", manifest, "--dark-threshold", "40"])
        #expect(check.stdout.contains("Dark: \(darkAt40) of"))
        #expect(check.stdout.contains("--dark-threshold for this run"))
        // The manifest is unchanged: the next run reads 100 again.
        let again = try Self.json(try Imgeda.run(["info", "-m", manifest, "--json"]).stdout)
        #expect(again["dark_count"] as? Int == brightness.filter { $0 < 100 }.count)
    }

    @Test func aThresholdOutOfRangeIsOneLineNamingTheOption() throws {
        let ws = try Workspace()
        let manifest = try ws.exampleManifest()
        let result = try Imgeda.run(["info", "-m", manifest, "--dark-threshold", "300"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--dark-threshold must be a brightness between 0 and 255 (got 300)"))
    }
}

@Suite("quality thresholds")
struct QualityThresholdsTests {
    @Test func recordsWithoutMeasurementsKeepTheirStoredFlags() {
        var r = ImageRecord(path: "a.jpg", filename: "a.jpg")
        r.isDark = true
        r.isBlurry = true
        var t = QualityThresholds()
        t.dark = 0
        t.blur = 0
        #expect(t.isDark(r))
        #expect(t.isBlurry(r))
        r.pixelStats = PixelStats(meanR: 30, meanG: 30, meanB: 30, meanBrightness: 30)
        #expect(!t.isDark(r))
        t.dark = 31
        #expect(t.isDark(r))
    }

    @Test func theHeaderKeysAreTheReferencesAndScanSettingsShareThem() throws {
        var settings = ScanSettings()
        settings.darkThreshold = 100
        #expect(settings.quality.dark == 100)
        let data = try JSONEncoder().encode(settings)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["dark_threshold"] as? Double == 100)
        let decoded = try JSONDecoder().decode(QualityThresholds.self, from: data)
        #expect(decoded.dark == 100)
        #expect(decoded.overexposed == 220)
        #expect(QualityThresholds.number(100) == "100")
        #expect(QualityThresholds.number(12.5) == "12.5")
    }
}
