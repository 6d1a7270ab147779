import DatasetAnalysis
import DatasetIO
import DatasetReport
import ExampleData
import Foundation
import ImageDecoding
import Testing

@Suite("plots")
struct PlotTests {
    /// Every plot kind renders to a PNG of the expected size that is not blank.
    @Test func everyPlotRendersToANonBlankPNG() throws {
        let ws = try Workspace()
        let manifest = try ws.exampleManifest()
        let run = try Imgeda.run(["plot", "all", "-m", manifest, "-o", ws.file("plots"), "--dpi", "150"])
        #expect(run.status == 0, "\(run.stderr)")
        for kind in PlotKind.allCases {
            let path = ws.file("plots/\(kind.rawValue).png")
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(bytes.count > 5_000, "\(kind.rawValue): \(bytes.count) bytes")
            _ = Fixtures.libvipsStarted  // a PNG the fast path leaves to libvips needs it started
            let decoded = try bytes.withUnsafeBytes { try ImageDecoder().decode($0, options: DecodeOptions(previewSide: 2000)) }
            // 720 × 440 CSS pixels at 150 dpi.
            #expect(decoded.width == 1125 && decoded.height == 688, "\(kind.rawValue): \(decoded.width)×\(decoded.height)")
            let stats = PixelStatistics.compute(decoded.preview)
            #expect(stats.stdR > 10 && stats.minVal < 80, "\(kind.rawValue) looks blank: \(stats)")
        }
        let svg = try Imgeda.run(["plot", "brightness", "-m", manifest, "-o", ws.file("svg"), "--format", "svg"])
        #expect(svg.status == 0)
        let text = try String(contentsOfFile: ws.file("svg/brightness.svg"), encoding: .utf8)
        #expect(text.hasPrefix("<svg") && text.contains("Brightness") && text.contains("overexposed"))
    }

    @Test func largeSetsBecomeDensityPlots() throws {
        var data = PlotData(sampleLimit: 10)
        for i in 0..<500 {
            var r = ImageRecord(path: "\(i).jpg", filename: "\(i).jpg")
            r.width = 100 + i
            r.height = 80 + i / 2
            data.add(r)
        }
        #expect(data.dimensionSample.count == 10)
        let svg = Plots.chart(.dimensions, data).svg()
        #expect(!svg.contains("<circle"))
        #expect(svg.contains("density"))
        var small = PlotData(sampleLimit: 1000)
        for i in 0..<50 {
            var r = ImageRecord(path: "\(i).jpg", filename: "\(i).jpg")
            r.width = 100 + i
            r.height = 100
            small.add(r)
        }
        #expect(Plots.chart(.dimensions, small).svg().components(separatedBy: "<circle").count - 1 == 50)
    }

    @Test func histogramQuantilesAndNiceTicks() {
        var h = Histogram(lower: 0, upper: 100, bins: 100)
        for v in 0..<100 { h.add(Double(v) + 0.5) }
        #expect(abs(h.quantile(0.5) - 50) <= 1)
        #expect(abs(h.quantile(0.95) - 95) <= 1)
        #expect(Scale(domain: (0, 255), range: (0, 1)).ticks(5) == [0, 50, 100, 150, 200, 250])
        #expect(Scale(kind: .log, domain: (1e3, 1e7), range: (0, 1)).ticks() == [1e3, 1e4, 1e5, 1e6, 1e7])
        #expect(NumberFormat.grouped(1_234_567) == "1,234,567")
        #expect(NumberFormat.bytes(1_500_000) == "1.5 MB")
    }
}
