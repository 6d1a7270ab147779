import DatasetAnalysis
import Testing

/// Leakage, compared with its definition applied to every pair of images.
@Suite("leakage across splits")
struct LeakageTests {
    struct Example: Equatable, CustomStringConvertible {
        var earlier: Int
        var later: Int
        var distance: Int
        var description: String { "(\(earlier), \(later), \(distance))" }
    }

    /// One pair of splits, as a comparable value.
    struct Tally: Equatable {
        var earlier: String
        var later: String
        var exactPairs = 0
        var nearPairs = 0
        var leakedImages = 0
        var laterSize = 0
        var examples: [Example] = []
    }

    static func tallies(_ report: LeakageReport) -> [Tally] {
        report.pairs.map { p in
            Tally(
                earlier: p.earlier, later: p.later, exactPairs: p.exactPairs, nearPairs: p.nearPairs, leakedImages: p.leakedImages,
                laterSize: p.laterSize, examples: p.examples.map { Example(earlier: $0.earlier, later: $0.later, distance: $0.distance) })
        }
    }

    /// The definition: every two images of different splits (of the order) are a pair when
    /// they have the same SHA-256 (exact), or else both have a usable pHash within the
    /// threshold by the duplicate search's distance (near). Examples: the first 20 pairs by
    /// index, exact ones first.
    static func bruteForce(_ c: [DuplicateCandidate], order: [String], threshold: Int, transforms: Bool) -> [Tally] {
        var rank: [String: Int] = [:]
        for (i, name) in order.enumerated() where rank[name] == nil { rank[name] = i }
        func searched(_ x: DuplicateCandidate) -> Bool { !x.isCorrupt && !x.isNearBlank && x.phash != nil }
        var result: [Int: Tally] = [:]
        var exactExamples: [Int: [Example]] = [:]
        var nearExamples: [Int: [Example]] = [:]
        var leaked: [Int: Set<Int>] = [:]
        for x in order.indices {
            for y in (x + 1)..<order.count { result[x * order.count + y] = Tally(earlier: order[x], later: order[y]) }
        }
        for i in c.indices {
            guard let ri = rank[c[i].split] else { continue }
            for j in (i + 1)..<c.count {
                guard let rj = rank[c[j].split], ri != rj else { continue }
                let key = min(ri, rj) * order.count + max(ri, rj)
                let (e, l) = ri < rj ? (i, j) : (j, i)
                if let s = c[i].sha256, s == c[j].sha256 {
                    result[key]?.exactPairs += 1
                    exactExamples[key, default: []].append(Example(earlier: e, later: l, distance: 0))
                } else if searched(c[i]), searched(c[j]), let d = DuplicateFinder.distance(c[i], c[j], transforms: transforms),
                    d <= threshold
                {
                    result[key]?.nearPairs += 1
                    nearExamples[key, default: []].append(Example(earlier: e, later: l, distance: d))
                } else {
                    continue
                }
                leaked[key, default: []].insert(l)
            }
        }
        var sizes = [Int](repeating: 0, count: order.count)
        for x in c { if let r = rank[x.split] { sizes[r] += 1 } }
        var out: [Tally] = []
        for x in order.indices {
            for y in (x + 1)..<order.count {
                let key = x * order.count + y
                guard var t = result[key] else { continue }
                t.leakedImages = leaked[key]?.count ?? 0
                t.laterSize = sizes[y]
                t.examples = Array(((exactExamples[key] ?? []) + (nearExamples[key] ?? [])).prefix(20))
                out.append(t)
            }
        }
        return out
    }

    /// A seeded set of pictures, each as several distinct files (near variants at distances
    /// around the threshold, some matching through their centre hash), each file copied
    /// into random splits — a few hundred times for some — plus corrupt, near-blank,
    /// unhashed and unchecksummed files, in a shuffled order.
    static func candidates(pictures: Int, seed: UInt64, threshold: Int, mixedHashes: Bool = false) -> [DuplicateCandidate] {
        var maker = HashMaker(state: seed)
        let splits = ["train", "val", "test"]
        var out: [DuplicateCandidate] = []
        var record = ImageRecord(path: "", filename: "")
        record.width = 64
        record.height = 64
        var fileNumber = 0
        for picture in 0..<pictures {
            let base = maker.hash()
            let files = 1 + Int(maker.next() % 4)
            var previous = base
            for file in 0..<files {
                fileNumber += 1
                let kind = maker.next() % 20
                record.path = "p\(picture)/f\(file).jpg"
                record.sha256 = kind == 0 ? nil : "sha\(fileNumber)"
                let hash = file == 0 ? base : maker.flip(base, bits: Int(maker.next() % UInt64(threshold + 8)))
                record.phash = kind == 1 ? nil : hash.hex
                // Some files are crops of the previous one: their centre is near its full hash.
                record.phashCenter =
                    kind == 2 || kind == 3
                    ? maker.flip(previous, bits: Int(maker.next() % UInt64(threshold))).hex
                    : (kind == 4 ? nil : maker.hash().hex)
                record.isCorrupt = kind == 5
                let spread = kind == 6 ? 1.0 : 40.0
                record.pixelStats = PixelStats(stdR: spread, stdG: spread, stdB: spread)
                previous = hash
                let copies = record.sha256 == nil ? 1 : (maker.next() % 30 == 0 ? 60 + Int(maker.next() % 90) : 1 + Int(maker.next() % 3))
                for copy in 0..<copies {
                    record.path = "p\(picture)/f\(file)-\(copy).jpg"
                    // Mostly train/val/test; a few in a rare split (few exact pairs, so near
                    // pairs reach its examples) or in a split the order does not list.
                    let roll = Int(maker.next() % 100)
                    let split = roll < 5 ? "unlisted" : (roll < 8 && copies < 10 ? "holdout" : splits[roll % 3])
                    var c = DuplicateCandidate(record: record, split: split)
                    if mixedHashes && copy > 0 && maker.next() % 15 == 0 {
                        // A copy read by another scanner: no centre hash, another pHash, or none.
                        switch maker.next() % 3 {
                        case 0: c.phashCenter = nil
                        case 1: c.phash = maker.flip(hash, bits: 3)
                        default: c.phash = nil
                        }
                    }
                    out.append(c)
                }
            }
        }
        // A seeded shuffle, so the copies of one file are spread over the indices.
        for i in stride(from: out.count - 1, to: 0, by: -1) { out.swapAt(i, Int(maker.next() % UInt64(i + 1))) }
        return out
    }

    @Test func countsAndExamplesEqualEveryPairCompared() {
        let threshold = 24
        let candidates = Self.candidates(pictures: 200, seed: 11, threshold: threshold)
        #expect(candidates.count > 2_000)
        let order = ["train", "val", "test", "holdout", "empty"]
        let duplicates = DuplicateFinder.find(candidates, threshold: threshold)
        let found = Self.tallies(LeakageFinder.find(candidates, order: order, duplicates: duplicates))
        let expected = Self.bruteForce(candidates, order: order, threshold: threshold, transforms: false)
        #expect(found == expected)
        // The set exercises what it claims to: big groups, exact and near pairs, full example lists.
        #expect(expected.contains { $0.exactPairs > 1_000 } && expected.contains { $0.nearPairs > 100 })
        #expect(
            expected.contains { t in
                t.examples.count == 20 && t.examples.contains { $0.distance == 0 } && t.examples.contains { $0.distance > 0 }
            })
    }

    @Test func withTransformsToo() {
        let threshold = 20
        let candidates = Self.candidates(pictures: 80, seed: 5, threshold: threshold)
        let order = ["val", "train", "holdout", "test"]
        let duplicates = DuplicateFinder.find(candidates, threshold: threshold, transforms: true)
        let found = Self.tallies(LeakageFinder.find(candidates, order: order, duplicates: duplicates))
        #expect(found == Self.bruteForce(candidates, order: order, threshold: threshold, transforms: true))
    }

    /// Copies of one file whose hashes differ (manifests from different scanners) are
    /// searched again rather than assumed alike.
    @Test func copiesWithDifferentHashesAreCountedByTheirOwnHashes() {
        let threshold = 24
        let candidates = Self.candidates(pictures: 150, seed: 3, threshold: threshold, mixedHashes: true)
        let order = ["train", "val", "test", "holdout"]
        let found = Self.tallies(LeakageFinder.find(candidates, order: order, threshold: threshold))
        #expect(found == Self.bruteForce(candidates, order: order, threshold: threshold, transforms: false))
    }

    @Test func splitsWithoutImagesOrCopiesReportZero() {
        let report = LeakageFinder.find([], order: ["train", "val"])
        #expect(Self.tallies(report) == [Tally(earlier: "train", later: "val")])
    }
}
