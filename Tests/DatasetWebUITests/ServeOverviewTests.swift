import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The overview page's numbers, computed from the index, against a count of the manifest's
/// records made here, on both backends (PostgreSQL when `IMGEDA_TEST_POSTGRES_URL` names one).
@Suite(.serialized)
struct ServeOverviewTests {
    static var postgres: String? {
        ProcessInfo.processInfo.environment["IMGEDA_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var backends: [String] { ["sqlite"] + (postgres == nil ? [] : ["postgres"]) }

    @Test(arguments: backends)
    func theOverviewCountsWhatTheLibraryHolds(_ backend: String) throws {
        var database: String?
        if backend == "postgres", let base = Self.postgres {
            let schema = "imgeda_overview_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
            database = base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"
        }
        let serve = try ServeFixture(database: database) { ws in
            let whole = try Fixtures.jpeg(Fixtures.scene(81, width: 120, height: 90))
            try ws.write(Array(whole.prefix(whole.count / 2)), to: "photos/broken/truncated.jpg")
            try ws.write(Array("not a picture\n".utf8), to: "photos/broken/notes.png")
            try ws.write(try Fixtures.jpeg(Fixtures.scene(82, width: 200, height: 60)), to: "photos/wide.jpg")
        }
        let reply = try serve.request("GET", "/api/overview")
        #expect(reply.status == 200, "\(reply.body)")
        let overview = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
        let summary = try #require(overview["summary"] as? [String: Any])

        // By brute force: the newest record of each path in the manifest, counted here.
        let text = try String(contentsOfFile: serve.root + "/.imgeda/manifest.jsonl", encoding: .utf8)
        var newest: [String: [String: Any]] = [:]
        for line in text.split(separator: "\n") {
            guard let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                record["__manifest_meta__"] == nil, let path = record["path"] as? String
            else { continue }
            newest[path] = record
        }
        let records = Array(newest.values)
        func count(_ flag: String) -> Int { records.filter { ($0[flag] as? Bool) == true }.count }
        var formats: [String: Int] = [:]
        for record in records {
            if let format = record["format"] as? String, !format.isEmpty { formats[format, default: 0] += 1 }
        }
        #expect(records.count == 12)
        #expect(summary["images"] as? Int == records.count)
        #expect(summary["indexed"] as? Int == records.count)
        #expect(summary["total_bytes"] as? Int == records.reduce(0) { $0 + (($1["file_size_bytes"] as? Int) ?? 0) })
        #expect(summary["corrupt"] as? Int == count("is_corrupt"))
        #expect(count("is_corrupt") == 2)
        #expect(summary["dark"] as? Int == count("is_dark"))
        #expect(summary["overexposed"] as? Int == count("is_overexposed"))
        #expect(summary["bordered"] as? Int == count("has_border_artifact"))
        #expect(summary["blurry"] as? Int == count("is_blurry"))
        #expect(summary["with_gps"] as? Int == count("has_gps_data"))
        #expect(summary["formats"] as? [String: Int] == formats)
        let cameras = try #require(summary["cameras"] as? [String: Int])
        #expect(cameras.values.reduce(0, +) == records.filter { $0["camera_make"] is String || $0["camera_model"] is String }.count)
        #expect(overview["plots"] as? [String] == ["dimensions", "file-size", "aspect-ratio", "brightness", "blur", "exif-camera"])
        let plot = try serve.request("GET", "/api/overview/plots/file-size.svg")
        #expect(plot.status == 200 && plot.body.contains("<svg"))
    }
}
