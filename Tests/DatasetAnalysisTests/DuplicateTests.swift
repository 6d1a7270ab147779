import DatasetAnalysis
import Testing

/// Deterministic random hashes, and copies of them with exactly `bits` bits flipped.
struct HashMaker {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        var z = state
        z = (z ^ (z >> 33)) &* 0xff51_afd7_ed55_8ccd
        return z ^ (z >> 29)
    }
    mutating func hash() -> Hash256 { Hash256(next(), next(), next(), next()) }
    mutating func flip(_ h: Hash256, bits: Int) -> Hash256 {
        var words = [h.w0, h.w1, h.w2, h.w3]
        var chosen = Set<Int>()
        while chosen.count < bits { chosen.insert(Int(next() % 256)) }
        for b in chosen { words[b / 64] ^= 1 << UInt64(b % 64) }
        return Hash256(words[0], words[1], words[2], words[3])
    }
}

func bruteForce(_ hashes: [Hash256], within r: Int) -> Set<MultiIndexHash.Pair> {
    var out = Set<MultiIndexHash.Pair>()
    hashes.withUnsafeBufferPointer { h in
        for i in 0..<h.count {
            let a = h[i]
            for j in (i + 1)..<h.count {
                let d = a.distance(to: h[j])
                if d <= r { out.insert(MultiIndexHash.Pair(a: i, b: j, distance: d)) }
            }
        }
    }
    return out
}

@Suite("near-duplicate index")
struct MultiIndexHashTests {
    /// 20,000 hashes: random ones plus planted copies at every distance from 0 to 40 bits.
    @Test func indexFindsExactlyWhatBruteForceFinds() {
        var maker = HashMaker(state: 7)
        var hashes: [Hash256] = []
        for i in 0..<16_000 {
            let h = maker.hash()
            hashes.append(h)
            if i % 4 == 0 { hashes.append(maker.flip(h, bits: i / 4 % 41)) }
        }
        // A dense cluster, so that buckets are crowded and many pairs overlap.
        let centre = maker.hash()
        for _ in 0..<(20_000 - hashes.count) { hashes.append(maker.flip(centre, bits: Int(maker.next() % 20))) }
        #expect(hashes.count == 20_000)
        for radius in [7, 24, 36] {
            let found = Set(MultiIndexHash.pairs(hashes, within: radius, threads: 2))
            let expected = bruteForce(hashes, within: radius)
            #expect(found.count == expected.count, "radius \(radius)")
            #expect(found == expected, "radius \(radius)")
        }
    }

    @Test func joinOfTwoListsFindsExactlyWhatBruteForceFinds() {
        var maker = HashMaker(state: 11)
        let left = (0..<3000).map { _ in maker.hash() }
        var right = (0..<2000).map { _ in maker.hash() }
        for i in stride(from: 0, to: 3000, by: 3) { right.append(maker.flip(left[i], bits: i % 30)) }
        var expected = Set<MultiIndexHash.Pair>()
        for a in 0..<left.count {
            for b in 0..<right.count {
                let d = left[a].distance(to: right[b])
                if d <= 24 { expected.insert(MultiIndexHash.Pair(a: a, b: b, distance: d)) }
            }
        }
        let found = MultiIndexHash.pairs(left, right, within: 24, threads: 2)
        #expect(found.count == expected.count)
        #expect(Set(found) == expected)
    }

    /// 64-bit lists (the low-frequency search): random words, copies at 0–12 bits, and a
    /// dense cluster that crowds a few buckets.
    @Test func joinOf64BitListsFindsExactlyWhatBruteForceFinds() {
        var maker = HashMaker(state: 13)
        let left = (0..<2500).map { _ in maker.next() }
        var right = (0..<3000).map { _ in maker.next() }
        for i in stride(from: 0, to: 2500, by: 2) {
            var copy = left[i]
            var chosen = Set<UInt64>()
            while chosen.count < i % 13 { chosen.insert(maker.next() % 64) }
            for bit in chosen { copy ^= 1 << bit }
            right.append(copy)
        }
        let centre = maker.next()
        for _ in 0..<800 { right.append(centre ^ (1 << (maker.next() % 64)) ^ (1 << (maker.next() % 64))) }
        let lefts = left + (0..<100).map { _ in centre ^ (1 << (maker.next() % 64)) }
        for radius in [3, 7, 9] {
            var expected = Set<MultiIndexHash.Pair>()
            for a in lefts.indices {
                for b in right.indices {
                    let d = (lefts[a] ^ right[b]).nonzeroBitCount
                    if d <= radius { expected.insert(MultiIndexHash.Pair(a: a, b: b, distance: d)) }
                }
            }
            let found = MultiIndexHash.pairs(lefts, right, within: radius, threads: 2)
            #expect(found.count == expected.count, "radius \(radius)")
            #expect(Set(found) == expected, "radius \(radius)")
        }
    }

    /// The tables' sub-radii add up, over the 16 substrings, to one bit more than the
    /// radius (so a pair within it agrees closely enough on some substring), as evenly as
    /// possible; a radius of 15 or less searches `radius + 1` tables exactly.
    @Test func subRadiiCoverTheRadiusByThePigeonholePrinciple() {
        for radius in [0, 7, 15, 16, 24, 31, 36, 100, 255] {
            let radii = MultiIndexHash.subRadii(within: radius)
            #expect(radii.count == 16)
            #expect(radii.reduce(0) { $0 + $1 + 1 } == radius + 1, "radius \(radius)")
            #expect((radii.max() ?? 0) - (radii.min() ?? 0) <= 1, "radius \(radius)")
        }
        #expect(MultiIndexHash.subRadii(within: 24) == [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
        #expect(MultiIndexHash.subRadii(within: 7).filter { $0 >= 0 }.count == 8)
    }

    @Test func hexRoundTripsAndDistanceCountsBits() throws {
        let hex = "0123456789abcdeffedcba98765432100123456789abcdeffedcba9876543210"
        let h = try #require(Hash256(hex: hex))
        #expect(h.hex == hex)
        #expect(Hash256(hex: "xyz") == nil)
        var maker = HashMaker(state: 1)
        #expect(maker.flip(h, bits: 13).distance(to: h) == 13)
    }

    /// The search's stopping distance is exact up to its limit and above it beyond.
    @Test func stoppingDistanceIsExactUpToItsLimit() {
        var maker = HashMaker(state: 5)
        for bits in [0, 1, 15, 16, 24, 25, 40, 128, 256] {
            let h = maker.hash(), copy = maker.flip(h, bits: bits)
            for limit in [0, 15, 24, 64, 255] {
                let d = h.distance(to: copy, stoppingAbove: limit)
                if bits <= limit {
                    #expect(d == bits, "\(bits) bits, limit \(limit)")
                } else {
                    #expect(d > limit, "\(bits) bits, limit \(limit)")
                }
            }
        }
    }
}

@Suite("duplicate groups")
struct DuplicateFinderTests {
    func candidate(
        _ path: String, sha: String? = nil, hash: Hash256?, width: Int = 100, blur: Double = 500,
        size: Int = 1000, corrupt: Bool = false, blank: Bool = false
    ) -> DuplicateCandidate {
        var record = ImageRecord(path: path, filename: path)
        record.sha256 = sha
        record.phash = hash?.hex
        record.width = width
        record.height = width
        record.blurScore = blur
        record.fileSizeBytes = size
        record.isCorrupt = corrupt
        let spread = blank ? 1.0 : 40.0
        record.pixelStats = PixelStats(stdR: spread, stdG: spread, stdB: spread)
        return DuplicateCandidate(record: record)
    }

    @Test func exactGroupsAreByteIdenticalWithTheBestCopyKept() {
        var maker = HashMaker(state: 3)
        let h = maker.hash()
        let candidates = [
            candidate("b/copy-of-original.jpg", sha: "s1", hash: h),
            candidate("a/original.jpg", sha: "s1", hash: h),
            candidate("other.jpg", sha: "s2", hash: h),  // same picture, other bytes: near, not exact
        ]
        let report = DuplicateFinder.find(candidates)
        #expect(report.exactGroups.count == 1)
        // Same size, sharpness and bytes: the shorter path wins.
        #expect(report.exactGroups[0].members == [1, 0])
        #expect(report.nearGroups.count == 1)
        #expect(Set(report.nearGroups[0].members) == [1, 2])
    }

    @Test func keeperPrefersReadableLargerSharperBiggerFiles() {
        var maker = HashMaker(state: 4)
        let h = maker.hash()
        let candidates = [
            candidate("corrupt.jpg", sha: "1", hash: h, width: 4000, corrupt: true),
            candidate("small.jpg", sha: "2", hash: maker.flip(h, bits: 3), width: 100),
            candidate("large-soft.jpg", sha: "3", hash: h, width: 800, blur: 50),
            candidate("large-sharp.jpg", sha: "4", hash: h, width: 800, blur: 900),
        ]
        let report = DuplicateFinder.find(candidates)
        #expect(report.nearGroups.count == 1)
        // The corrupt file has no usable hash for near search; among the rest, the large sharp one keeps.
        #expect(report.nearGroups.first?.members == [3, 2, 1])
    }

    /// A chain a≈b≈c≈d≈e (each 20 bits from the next, the ends far apart) is not one group:
    /// single linkage would join all five; star groups keep every member within the
    /// threshold of the group's centre.
    @Test func groupsDoNotChainUnrelatedImages() {
        var maker = HashMaker(state: 5)
        var chain = [maker.hash()]
        while chain.count < 5 {
            let next = maker.flip(chain[chain.count - 1], bits: 20)
            if chain.dropLast().allSatisfy({ $0.distance(to: next) > 24 }) { chain.append(next) }
        }
        let candidates = chain.enumerated().map { candidate("\($0.offset).jpg", sha: "\($0.offset)", hash: $0.element) }
        let report = DuplicateFinder.find(candidates)
        #expect(!report.nearGroups.isEmpty)
        for group in report.nearGroups {
            #expect(group.members.count <= 3, "chained: \(group.members)")
            #expect(!(group.members.contains(0) && group.members.contains(4)))
            // Some member (the centre) is within the threshold of every other member.
            let centred = group.members.contains { c in group.members.allSatisfy { chain[c].distance(to: chain[$0]) <= 24 } }
            #expect(centred, "\(group.members)")
        }
    }

    @Test func nearBlankPicturesAreReportedNotGrouped() {
        var maker = HashMaker(state: 6)
        let flat = maker.hash()
        let candidates =
            (0..<50).map { candidate("blank\($0).png", sha: "\($0)", hash: maker.flip(flat, bits: 2), blank: true) }
            + [candidate("photo.jpg", sha: "p", hash: maker.hash())]
        let report = DuplicateFinder.find(candidates)
        #expect(report.nearGroups.isEmpty)
        #expect(report.nearBlank.count == 50)
    }

    /// The hash of a mirrored or rotated picture is close to the transform derived from the
    /// original's hash, so `--transforms` finds such copies.
    @Test func derivedTransformsMatchHashesOfTransformedPictures() throws {
        let picture = smoothScene(width: 240, height: 240, seed: 9)
        let original = try #require(Hash256(hex: PerceptualHash.phash(picture)))
        // EXIF orientation codes: 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 and 8 rotations, 7 transverse.
        for orientation in 2...8 {
            let actual = try #require(Hash256(hex: PerceptualHash.phash(picture.oriented(orientation))))
            let best = HashTransform.allCases.map { $0.apply(original).distance(to: actual) }.min() ?? 256
            #expect(best <= 16, "orientation \(orientation): best derived distance \(best)")
            #expect(original.distance(to: actual) > 40, "orientation \(orientation) should differ without the transform")
        }
        let mirrored = try #require(Hash256(hex: PerceptualHash.phash(picture.oriented(2))))
        #expect(HashTransform.flipHorizontal.apply(original).distance(to: mirrored) <= 16)
        let flipped = try #require(Hash256(hex: PerceptualHash.phash(picture.oriented(4))))
        #expect(HashTransform.flipVertical.apply(original).distance(to: flipped) <= 16)
    }

    @Test func croppedCopyIsFoundThroughTheCentreHash() throws {
        let picture = smoothScene(width: 400, height: 400, seed: 21)
        var cropped = [UInt8]()
        for y in 20..<380 { cropped += picture.pixels[(y * 400 + 20)..<(y * 400 + 380)] }
        let copy = GrayImage(width: 360, height: 360, pixels: cropped)
        let a = PerceptualHash.hashes(picture.fitted(longSide: 256)), b = PerceptualHash.hashes(copy.fitted(longSide: 256))
        func make(_ path: String, _ h: (phash: String, centre: String, dhash: String), centre: Bool) -> DuplicateCandidate {
            var c = candidate(path, sha: path, hash: Hash256(hex: h.phash))
            c.phashCenter = centre ? Hash256(hex: h.centre) : nil
            return c
        }
        let withCentre = DuplicateFinder.find([make("a.jpg", a, centre: true), make("crop.jpg", b, centre: true)])
        #expect(withCentre.nearGroups.count == 1)
        let full = try #require(Hash256(hex: a.phash)), centre = try #require(Hash256(hex: a.centre))
        let croppedFull = try #require(Hash256(hex: b.phash))
        #expect(centre.distance(to: croppedFull) < full.distance(to: croppedFull))
    }

    @Test func transformsOptionGroupsMirroredCopies() throws {
        let picture = smoothScene(width: 200, height: 200, seed: 12)
        let h = try #require(Hash256(hex: PerceptualHash.phash(picture)))
        let m = try #require(Hash256(hex: PerceptualHash.phash(picture.oriented(2))))
        let candidates = [candidate("a.jpg", sha: "a", hash: h), candidate("mirror.jpg", sha: "m", hash: m)]
        #expect(DuplicateFinder.find(candidates).nearGroups.isEmpty)
        #expect(DuplicateFinder.find(candidates, transforms: true).nearGroups.count == 1)
    }

    /// `--transforms` says how a copy was turned: a picture rotated 90° clockwise by hand is
    /// reported as such, and a mirrored one as mirrored.
    @Test func matchNamesTheTransformOfACopy() throws {
        let picture = smoothScene(width: 200, height: 200, seed: 14)
        let n = 200
        var rotated = [UInt8](repeating: 0, count: n * n), mirrored = rotated
        for r in 0..<n {
            for c in 0..<n {
                rotated[r * n + c] = picture.pixels[(n - 1 - c) * n + r]
                mirrored[r * n + c] = picture.pixels[r * n + (n - 1 - c)]
            }
        }
        let original = candidate("a.jpg", sha: "a", hash: Hash256(hex: PerceptualHash.phash(picture)))
        let turned = candidate("r.jpg", sha: "r", hash: Hash256(hex: PerceptualHash.phash(GrayImage(width: n, height: n, pixels: rotated))))
        let flipped = candidate(
            "m.jpg", sha: "m", hash: Hash256(hex: PerceptualHash.phash(GrayImage(width: n, height: n, pixels: mirrored))))
        let rotation = try #require(DuplicateFinder.match(original, turned, transforms: true))
        #expect(rotation.transform == .rotate90)
        #expect(rotation.transform.words == "rotated 90° clockwise")
        #expect(try #require(DuplicateFinder.match(original, flipped, transforms: true)).transform == .flipHorizontal)
        #expect(try #require(DuplicateFinder.match(original, original, transforms: true)).transform == .identity)
    }
}
