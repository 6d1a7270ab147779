import DatasetAnalysis
import DatasetCatalog
import DatasetIO
import DatasetReport
import Foundation
import HTTPTypes

/// The overview page's content: the dataset summary and the project's SVG plots, computed from
/// the index in one paged pass (cached while the manifest is unchanged), and the index's
/// counts.
struct Overview: Encodable, Sendable {
    struct Summary: Codable, Sendable {
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

    /// What the overview computes from the images: everything but the index's decision counts.
    struct FromImages: Codable, Sendable {
        var summary: Summary
        var svgs: [String: String]
    }

    /// The images' part as saved in the library (``Library/overview``) for the next server,
    /// with what it was computed for: the manifest (a scan or an update rewrites it) and the
    /// program (another build may draw the plots differently). A server whose manifest and
    /// program are those shows it without a pass over the index.
    struct Saved: Codable {
        var key: String
        var part: FromImages
    }

    /// What a saved part must have been computed for: the manifest's and the program's sizes
    /// and modification times (exact: the times' bit patterns), nil when either is unknown.
    static func savedKey(manifest: ManifestStamp?) -> String? {
        guard let manifest, let executable = Bundle.main.executablePath, let program = ManifestStamp(executable) else { return nil }
        func key(_ s: ManifestStamp) -> String { "\(s.size) \(s.modified.timeIntervalSinceReferenceDate.bitPattern)" }
        return "overview 1; manifest \(key(manifest)); program \(key(program))"
    }

    /// The saved part, if it was computed for `key`.
    static func saved(_ library: Library, key: String) -> FromImages? {
        guard let data = FileManager.default.contents(atPath: library.overview),
            let saved = try? JSONDecoder().decode(Saved.self, from: data), saved.key == key
        else { return nil }
        return saved.part
    }

    /// Saves `part` for the next server (atomically; a library it cannot write to just
    /// computes the overview again next time).
    static func save(_ part: FromImages, _ library: Library, key: String) {
        guard let data = try? JSONEncoder().encode(Saved(key: key, part: part)) else { return }
        try? AtomicFile.write([UInt8](data), to: library.overview)
    }

    /// The images' part for the manifest stamped `stamp`: the saved one if it was computed for
    /// it and this program, otherwise one pass over the index (``fromIndex(_:)``), saved if the
    /// manifest did not change meanwhile.
    static func fromImages(_ library: Library, store: any CatalogStore, stamp: ManifestStamp?) async throws -> FromImages {
        let key = savedKey(manifest: stamp)
        if let key, let part = saved(library, key: key) { return part }
        let part = try await fromIndex(store)
        if let key, savedKey(manifest: ManifestStamp(library.manifest)) == key { save(part, library, key: key) }
        return part
    }

    /// The manifest's size and modification time: the images' part of the overview stays
    /// valid while they do (a scan or an update rewrites the manifest; edits and decisions go
    /// to sidecars, never to it). The program's too, for a saved part (``savedKey(manifest:)``).
    struct ManifestStamp: Sendable, Hashable {
        var size: Int
        var modified: Date

        init?(_ path: String) {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let size = (attributes[.size] as? NSNumber)?.intValue, let modified = attributes[.modificationDate] as? Date
            else { return nil }
            self.size = size
            self.modified = modified
        }
    }

    /// The number fields the summary and the plots read (``DatasetSummary/add(_:)``,
    /// ``PlotData/add(_:)`` and the thresholds' rules) from every image: no text field, so a
    /// row makes no string.
    static let fields: [RecordField] = [
        .fileSizeBytes, .width, .height, .hasGPSData, .meanR, .meanG, .meanB, .meanBrightness, .delta, .blurScore, .isBlurry,
        .isCorrupt, .isDark, .isOverexposed, .hasBorderArtifact,
    ]

    /// The text fields the overview shows, counted by the index per combination of values.
    static let groupedFields: [RecordField] = [.format, .cameraMake, .cameraModel]

    /// Images read from the index per query.
    static let pageSize = 5_000

    /// One pass over the index's images' number fields, page by page in the index's own
    /// order (counts, fixed bins and a bounded sample, so memory does not grow with the
    /// library; no duplicate candidates: that plot is not shown here), and the formats and
    /// cameras counted by the index (a `GROUP BY`), named by the same rules a record's are.
    /// The index holds the newest record of each path the library still has — what the
    /// gallery shows — and reads in a fraction of the manifest's time.
    /// - Complexity: O(n) rows, n / ``pageSize`` keyset queries on the row number, and one
    ///   grouped count.
    static func fromIndex(_ store: any CatalogStore) async throws -> FromImages {
        var data = PlotData(sampleLimit: 5_000, duplicateCandidates: false)
        var after: Int?
        while true {
            let page = try await store.images(fields, afterRow: after, limit: pageSize)
            for image in page.images { data.add(image.record) }
            guard page.images.count == pageSize, let last = page.lastRow else { break }
            after = last
        }
        var formats: [String: Int] = [:]
        var cameras: [String: Int] = [:]
        for (record, count) in try await store.imageCounts(by: groupedFields) {
            if !record.format.isEmpty { formats[record.format, default: 0] += count }
            if let camera = record.cameraName { cameras[camera, default: 0] += count }
        }
        data.cameras = cameras
        let s = data.summary
        let summary = Summary(
            images: s.totalImages, totalBytes: s.totalSizeBytes, corrupt: s.corruptCount, dark: s.darkCount,
            overexposed: s.overexposedCount, bordered: s.artifactCount, blurry: s.blurryCount, withGPS: s.gpsTaggedCount,
            formats: formats, cameras: cameras, indexed: 0, decided: 0)
        var svgs: [String: String] = [:]
        if s.totalImages > 0 {
            for kind in kinds { svgs[kind.rawValue] = Plots.chart(kind, data).svg() }
        }
        return FromImages(summary: summary, svgs: svgs)
    }

    /// The overview: the images' part (computed by the caller, cached) and the index's counts.
    static func make(_ part: FromImages, store: any CatalogStore) async throws -> Overview {
        var summary = part.summary
        let counts = try await store.counts()
        summary.indexed = counts.images
        summary.decided = counts.sidecars
        return Overview(summary: summary, plots: kinds.map(\.rawValue).filter { part.svgs[$0] != nil }, svgs: part.svgs)
    }
}
