import DatasetAnalysis
import DatasetCatalog
import DatasetIO
import DatasetReport
import Foundation
import HTTPTypes

/// The overview page's content: the dataset summary and the project's SVG plots, computed from
/// the manifest in one streaming pass.
struct Overview: Encodable, Sendable {
    struct Summary: Encodable, Sendable {
        var images: Int
        var totalBytes: Int
        var corrupt: Int
        var dark: Int
        var overexposed: Int
        var bordered: Int
        var blurry: Int
        var withGPS: Int
        var formats: [String: Int]
        var cameras: [String: Int]
        var indexed: Int
        var decided: Int

        enum CodingKeys: String, CodingKey {
            case images
            case totalBytes = "total_bytes"
            case corrupt, dark, overexposed, bordered, blurry
            case withGPS = "with_gps"
            case formats, cameras, indexed, decided
        }
    }

    var summary: Summary
    /// Plot names, each served as SVG at `/api/overview/plots/NAME.svg`.
    var plots: [String]
    var svgs: [String: String]

    enum CodingKeys: String, CodingKey { case summary, plots }

    /// The plots the overview shows (the duplicate plot is the duplicates page's job).
    static let kinds: [PlotKind] = [.dimensions, .fileSize, .aspectRatio, .brightness, .blur, .exifCamera]

    static func make(_ library: Library, store: any CatalogStore) async throws -> Overview {
        var data = PlotData(sampleLimit: 5_000)
        if FileManager.default.fileExists(atPath: library.manifest) {
            _ = try ManifestReader(path: library.manifest).forEachRecord { data.add($0) }
        }
        let s = data.summary
        let counts = try await store.counts()
        let summary = Summary(
            images: s.totalImages, totalBytes: s.totalSizeBytes, corrupt: s.corruptCount, dark: s.darkCount,
            overexposed: s.overexposedCount, bordered: s.artifactCount, blurry: s.blurryCount, withGPS: s.gpsTaggedCount,
            formats: s.formatCounts, cameras: s.cameraCounts, indexed: counts.images, decided: counts.sidecars)
        var svgs: [String: String] = [:]
        if s.totalImages > 0 {
            for kind in kinds { svgs[kind.rawValue] = Plots.chart(kind, data).svg() }
        }
        return Overview(summary: summary, plots: kinds.map(\.rawValue).filter { svgs[$0] != nil }, svgs: svgs)
    }
}
