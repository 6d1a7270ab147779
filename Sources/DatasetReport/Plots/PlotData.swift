public import DatasetAnalysis
import Foundation

/// Fixed-bin histogram on a linear or logarithmic axis, filled one value at a time.
public struct Histogram: Sendable {
    public let lower: Double, upper: Double
    public let logarithmic: Bool
    public private(set) var counts: [Double]
    public private(set) var total = 0

    public init(lower: Double, upper: Double, bins: Int, logarithmic: Bool = false) {
        self.lower = lower
        self.upper = upper
        self.logarithmic = logarithmic
        counts = [Double](repeating: 0, count: bins)
    }

    func position(_ v: Double) -> Double {
        logarithmic ? (log10(max(v, lower)) - log10(lower)) / (log10(upper) - log10(lower)) : (v - lower) / (upper - lower)
    }

    /// Adds a value; values outside the range go to the first or last bin.
    public mutating func add(_ v: Double) {
        guard v.isFinite else { return }
        let i = min(counts.count - 1, max(0, Int(position(v) * Double(counts.count))))
        counts[i] += 1
        total += 1
    }

    public func edge(_ i: Int) -> Double {
        let t = Double(i) / Double(counts.count)
        return logarithmic ? pow(10, log10(lower) + t * (log10(upper) - log10(lower))) : lower + t * (upper - lower)
    }

    public var bins: [Chart.Bin] { counts.indices.map { Chart.Bin(lower: edge($0), upper: edge($0 + 1), count: counts[$0]) } }

    /// The value below which a fraction `q` of the values fall (to within one bin).
    public func quantile(_ q: Double) -> Double {
        guard total > 0 else { return lower }
        let target = q * Double(total)
        var seen = 0.0
        for (i, c) in counts.enumerated() {
            if seen + c >= target {
                let within = c > 0 ? (target - seen) / c : 0
                return logarithmic
                    ? pow(10, log10(edge(i)) + within * (log10(edge(i + 1)) - log10(edge(i)))) : edge(i) + within * (edge(i + 1) - edge(i))
            }
            seen += c
        }
        return upper
    }

    /// The non-empty range of bins, for tight axes.
    public var occupied: (Double, Double)? {
        guard let first = counts.firstIndex(where: { $0 > 0 }), let last = counts.lastIndex(where: { $0 > 0 }) else { return nil }
        return (edge(first), edge(last + 1))
    }
}

/// Everything the plots and the report need, gathered in one pass over a manifest: fixed
/// bins, counts, a bounded random sample for scatter plots, and compact duplicate
/// candidates. Memory does not grow with the number of records except for the candidates,
/// and not at all without them (`duplicateCandidates: false`, for a summary without the
/// duplicate plot).
public struct PlotData: Sendable {
    public var total = 0
    public var readable = 0
    /// A uniform random sample of (width, height) of at most `sampleLimit` images.
    public private(set) var dimensionSample: [(Double, Double)] = []
    public let sampleLimit: Int
    /// Width × height counts on log-spaced cells from 16 to 16,384 pixels.
    public private(set) var dimensionGrid = [[Double]](repeating: [Double](repeating: 0, count: 40), count: 40)
    public static let dimensionEdges: [Double] = (0...40).map { pow(2, 4 + Double($0) / 4) }
    public var fileSize = Histogram(lower: 100, upper: 1e10, bins: 320, logarithmic: true)
    public var aspectRatio = Histogram(lower: 0, upper: 4, bins: 80)
    public var brightness = Histogram(lower: 0, upper: 256, bins: 64)
    public var red = Histogram(lower: 0, upper: 256, bins: 64)
    public var green = Histogram(lower: 0, upper: 256, bins: 64)
    public var blue = Histogram(lower: 0, upper: 256, bins: 64)
    public var cornerDelta = Histogram(lower: 0, upper: 256, bins: 64)
    public var blurScore = Histogram(lower: 0.1, upper: 1e5, bins: 90, logarithmic: true)
    /// 35 mm-equivalent focal lengths in 3 mm bins, so the distortion-risk edges (18 and
    /// 24 mm) are bin edges and a bin is never shaded for focal lengths outside the band.
    public var focal = Histogram(lower: 0, upper: 600, bins: 200)
    /// Images with a focal length but no 35 mm equivalent: not comparable across sensors,
    /// so not plotted (nor counted at risk).
    public var focalWithoutEquivalent = 0
    public var iso = Histogram(lower: 25, upper: 204_800, bins: 52, logarithmic: true)
    public var cameras: [String: Int] = [:]
    public var candidates: [DuplicateCandidate] = []
    public var summary = DatasetSummary()
    private var random = SplitMix(seed: 42)
    /// Whether ``candidates`` are gathered (the duplicate plot needs them).
    public let keepsDuplicateCandidates: Bool

    /// `thresholds` decide the summary's dark, overexposed, artifact and blurry counts.
    public init(sampleLimit: Int = 20_000, thresholds: QualityThresholds = QualityThresholds(), duplicateCandidates: Bool = true) {
        self.sampleLimit = sampleLimit
        keepsDuplicateCandidates = duplicateCandidates
        summary = DatasetSummary(thresholds: thresholds)
    }

    public mutating func add(_ r: ImageRecord) {
        total += 1
        summary.add(r)
        if r.fileSizeBytes > 0 { fileSize.add(Double(r.fileSizeBytes)) }
        if keepsDuplicateCandidates { candidates.append(DuplicateCandidate(record: r, split: r.split ?? "")) }
        if let camera = r.cameraName { cameras[camera, default: 0] += 1 }
        if let f = r.focalLength35mm { focal.add(Double(f)) } else if r.focalLengthMM != nil { focalWithoutEquivalent += 1 }
        if let i = r.isoSpeed { iso.add(Double(i)) }
        guard !r.isCorrupt, r.width > 0, r.height > 0 else { return }
        readable += 1
        let w = Double(r.width), h = Double(r.height)
        // Reservoir sampling keeps a uniform sample of any stream in bounded memory.
        if dimensionSample.count < sampleLimit {
            dimensionSample.append((w, h))
        } else {
            let j = Int(random.next() % UInt64(readable))
            if j < sampleLimit { dimensionSample[j] = (w, h) }
        }
        func cell(_ v: Double) -> Int { min(39, max(0, Int((log2(v) - 4) * 4))) }
        dimensionGrid[cell(h)][cell(w)] += 1
        aspectRatio.add(w / h)
        if let p = r.pixelStats {
            brightness.add(p.meanBrightness)
            red.add(p.meanR)
            green.add(p.meanG)
            blue.add(p.meanB)
        }
        if let c = r.cornerStats { cornerDelta.add(c.delta) }
        if let b = r.blurScore { blurScore.add(max(b, 0.1)) }
    }
}

struct SplitMix: Sendable {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
