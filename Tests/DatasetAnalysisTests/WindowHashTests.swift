import Dispatch
import Foundation
import Testing

@testable import DatasetAnalysis

/// A picture with detail everywhere (two dozen soft blobs of both signs over a gradient), so
/// that every window of it has content of its own.
func busyScene(width: Int, height: Int, seed: Int) -> GrayImage {
    var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1
    func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53)
    }
    let blobs = (0..<24).map { _ in
        (next() * Double(width), next() * Double(height), 8 + next() * Double(min(width, height)) / 5, next() < 0.5 ? -1.0 : 1.0)
    }
    var pixels = [UInt8](repeating: 0, count: width * height)
    for y in 0..<height {
        for x in 0..<width {
            var v = 70 + 110 * Double(x + y) / Double(width + height)
            for (cx, cy, r, sign) in blobs {
                let d = ((Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)) / (r * r)
                v += sign * 60 / (1 + d * d)
            }
            pixels[y * width + x] = UInt8(max(0, min(255, v)))
        }
    }
    return GrayImage(width: width, height: height, pixels: pixels)
}

extension GrayImage {
    /// The picture inside bars of `level`: `vertical` pixels above and below, `horizontal`
    /// left and right.
    func framed(vertical: Int, horizontal: Int, level: UInt8) -> GrayImage {
        let w = width + 2 * horizontal, h = height + 2 * vertical
        var out = [UInt8](repeating: level, count: w * h)
        for y in 0..<height {
            for x in 0..<width { out[(y + vertical) * w + x + horizontal] = pixels[y * width + x] }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// The rectangle given as fractions of the picture.
    func part(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> GrayImage {
        let x = Int((x0 * Double(width)).rounded()), y = Int((y0 * Double(height)).rounded())
        return cropped(
            x: x, y: y, width: Int((x1 * Double(width)).rounded()) - x, height: Int((y1 * Double(height)).rounded()) - y)
    }

    /// A band of `level` over the rows from `y0` to `y1` (fractions).
    func banded(_ y0: Double, _ y1: Double, level: UInt8) -> GrayImage {
        var out = self
        for y in Int(y0 * Double(height))..<Int(y1 * Double(height)) {
            for x in 0..<width { out.pixels[y * width + x] = level }
        }
        return out
    }

    var mirrored: GrayImage {
        var out = self
        for y in 0..<height {
            for x in 0..<width { out.pixels[y * width + x] = pixels[y * width + width - 1 - x] }
        }
        return out
    }

    /// Rotated clockwise by `degrees` about the centre and cropped to the largest centred
    /// rectangle of the same shape (a straightened photo), nearest-neighbour.
    func straightened(degrees: Double) -> GrayImage {
        let a = abs(degrees) * Double.pi / 180
        let w = Double(width), h = Double(height)
        let s = min(w / (w * cos(a) + h * sin(a)), h / (w * sin(a) + h * cos(a)))
        let ow = Int(w * s), oh = Int(h * s)
        let t = degrees * Double.pi / 180
        var out = [UInt8](repeating: 0, count: ow * oh)
        for y in 0..<oh {
            for x in 0..<ow {
                let px = Double(x) + 0.5 - Double(ow) / 2, py = Double(y) + 0.5 - Double(oh) / 2
                let sx = px * cos(t) - py * sin(t) + w / 2, sy = px * sin(t) + py * cos(t) + h / 2
                let ix = max(0, min(width - 1, Int(sx))), iy = max(0, min(height - 1, Int(sy)))
                out[y * ow + x] = pixels[iy * width + ix]
            }
        }
        return GrayImage(width: ow, height: oh, pixels: out)
    }
}

/// A candidate as a scan would make it of `gray` (hashed on its 256-pixel preview).
func scanned(_ path: String, _ gray: GrayImage) -> DuplicateCandidate {
    let preview = gray.fitted(longSide: 256)
    let h = PerceptualHash.hashes(preview)
    var record = ImageRecord(path: path, filename: path)
    record.sha256 = path
    record.phash = h.phash
    record.phashCenter = h.centre
    record.dhash = h.dhash
    record.windowHashes = WindowHashes.compute(preview).encoded
    record.width = gray.width
    record.height = gray.height
    record.fileSizeBytes = gray.width * gray.height
    record.pixelStats = PixelStats(stdR: 40, stdG: 40, stdB: 40)
    return DuplicateCandidate(record: record)
}

@Suite("content box")
struct ContentBoxTests {
    @Test func letterboxBarsAreTrimmed() {
        let picture = busyScene(width: 240, height: 140, seed: 1)
        let box = ContentBox.find(picture.framed(vertical: 30, horizontal: 0, level: 0))
        #expect(box.top == 30 && box.bottom == 30, "\(box)")
        #expect(box.left == 0 && box.right == 0, "\(box)")
        #expect(box.contentHeight == 140)
    }

    @Test func pillarboxAndFrameOnAllSidesAreTrimmed() {
        let picture = busyScene(width: 160, height: 160, seed: 2)
        let pillar = ContentBox.find(picture.framed(vertical: 0, horizontal: 24, level: 255))
        #expect(pillar.left == 24 && pillar.right == 24 && pillar.top == 0 && pillar.bottom == 0, "\(pillar)")
        let frame = ContentBox.find(picture.framed(vertical: 12, horizontal: 20, level: 40))
        #expect(frame == ContentBox(left: 20, top: 12, right: 20, bottom: 12, width: 200, height: 184), "\(frame)")
    }

    @Test func pictureWithoutBarsKeepsEverything() {
        let box = ContentBox.find(busyScene(width: 200, height: 150, seed: 3))
        #expect(!box.isTrimmed, "\(box)")
    }

    /// A flat picture is not "all border": it stays whole (near-blank pictures are handled
    /// on their own), and a one-pixel dark edge is not a bar.
    @Test func flatPicturesAndThinEdgesAreNotBars() {
        let flat = GrayImage(width: 100, height: 80, pixels: [UInt8](repeating: 90, count: 8000))
        #expect(!ContentBox.find(flat).isTrimmed)
        let edged = busyScene(width: 200, height: 150, seed: 4).framed(vertical: 1, horizontal: 1, level: 0)
        #expect(!ContentBox.find(edged).isTrimmed)
    }
}

@Suite("window hashes")
struct WindowHashTests {
    static let scene = busyScene(width: 400, height: 300, seed: 7)
    let picture = Self.scene
    let rules = MatchRules()

    @Test func encodingRoundTripsInADocumentedSize() throws {
        let w = WindowHashes.compute(picture.fitted(longSide: 256))
        let text = w.encoded
        #expect(text.utf8.count == 648)
        let back = try #require(WindowHashes(encoded: text))
        #expect(back.phash == w.phash && back.dhash == w.dhash)
        #expect(WindowHashes(encoded: "AAAA") == nil)
        #expect(w.phash.allSatisfy { $0 != nil })
    }

    /// The encoding is the documented format 2, byte for byte, written here from the
    /// layout (format byte, four trimmed bytes, per window the pHash's words and the dHash,
    /// most significant byte first), whatever the in-memory layout.
    @Test func encodingIsTheDocumentedLayoutByteForByte() throws {
        var state: UInt64 = 99
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state ^ (state >> 29)
        }
        let phash: [Hash256?] = HashWindow.allCases.map { $0 == .topRight50 ? nil : Hash256(next(), next(), next(), next()) }
        let dhash = HashWindow.allCases.map { _ in next() }
        let trimmed = [0.0, 12.0 / 255, 64.0 / 255, 1.0]
        let w = WindowHashes(phash: phash, dhash: dhash, trimmed: trimmed)
        var expected: [UInt8] = [2] + trimmed.map { UInt8(($0 * 255).rounded()) }
        func put(_ word: UInt64) { expected += (0..<8).map { UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * $0)) } }
        for (h, d) in zip(phash, dhash) {
            let h = h ?? Hash256(0, 0, 0, 0)
            for word in [h.w0, h.w1, h.w2, h.w3] { put(word) }
            put(d)
        }
        #expect(Data(base64Encoded: w.encoded).map { [UInt8]($0) } == expected)
        let back = try #require(WindowHashes(encoded: w.encoded))
        #expect(back == w)
        #expect(Array(back.phash) == phash && Array(back.dhash) == dhash && back.trimmed == trimmed)
    }

    /// The pHash and dHash views write through to their own window only.
    @Test func settingOneWindowChangesThatWindowOnly() {
        let a = Hash256(1, 2, 3, 4), b = Hash256(5, 6, 7, 8)
        var w = WindowHashes(phash: Array(repeating: a, count: 12), dhash: Array(repeating: 9, count: 12))
        w.phash[HashWindow.centre80.rawValue] = b
        w.dhash[HashWindow.whole.rawValue] = 10
        w.phash[HashWindow.rotatedLeft.rawValue] = nil
        #expect(w[.centre80] == b && w[.whole] == a && w[.topLeft80] == a && w[.rotatedLeft] == nil)
        #expect(w.dhash[0] == 10 && w.dhash(of: .whole) == 10 && w.dhash[1] == 9 && w.dhash.count == 12)
        let phash = w.phash
        w.dhash[2] = 11
        w.phash = phash  // the dHashes stay as they are
        #expect(w.dhash[2] == 11 && w.phash == phash && !w.borderRemoved)
        w.trimmed = [0, 0.1, 0, 0]
        #expect(w.borderRemoved && w.trimmed(side: 1) == 0.1 && w[.centre80] == b)
    }

    @Test func addedBarsChangeNothing() throws {
        let a = WindowHashes.compute(picture.fitted(longSide: 256))
        let boxed = WindowHashes.compute(picture.framed(vertical: 60, horizontal: 0, level: 0).fitted(longSide: 256))
        let pillared = WindowHashes.compute(picture.framed(vertical: 0, horizontal: 70, level: 255).fitted(longSide: 256))
        let whole = try #require(a[.whole])
        #expect(try #require(boxed[.whole]).distance(to: whole) <= 12)
        #expect(try #require(pillared[.whole]).distance(to: whole) <= 12)
        #expect(boxed.borderRemoved && pillared.borderRemoved && !a.borderRemoved)
        let match = try #require(
            DuplicateFinder.explain(
                scanned("a.jpg", picture), scanned("b.jpg", picture.framed(vertical: 60, horizontal: 0, level: 0)), rules: rules))
        #expect(match.kind == .whole && match.borderRemoved)
    }

    @Test func cropsOfTenPercentAndOfACornerMatchTheirWindow() throws {
        let original = scanned("a.jpg", picture)
        let crop = try #require(DuplicateFinder.explain(original, scanned("c.jpg", picture.part(0.1, 0.1, 0.9, 0.9)), rules: rules))
        #expect(crop.kind == .crop && crop.windowA == .centre80, "\(crop)")
        let corners: [(HashWindow, (Double, Double, Double, Double))] = [
            (.topLeft80, (0, 0, 0.8, 0.8)), (.topRight80, (0.2, 0, 1, 0.8)),
            (.bottomLeft80, (0, 0.2, 0.8, 1)), (.bottomRight80, (0.2, 0.2, 1, 1)),
        ]
        for (window, r) in corners {
            let m = try #require(DuplicateFinder.explain(original, scanned("k.jpg", picture.part(r.0, r.1, r.2, r.3)), rules: rules))
            #expect(m.kind == .crop && m.windowA == window, "\(window): \(m)")
            // The other way round: the keeper is the crop, the member the whole picture.
            let back = try #require(DuplicateFinder.explain(scanned("k.jpg", picture.part(r.0, r.1, r.2, r.3)), original, rules: rules))
            #expect(back.windowB == window, "\(window): \(back)")
        }
        // Without the window hashes (an older manifest), the whole pHashes are too far apart.
        var old = original
        old.windows = nil
        var oldCrop = scanned("k.jpg", picture.part(0, 0, 0.8, 0.8))
        oldCrop.windows = nil
        #expect(DuplicateFinder.explain(old, oldCrop, rules: rules) == nil)
    }

    @Test func captionBandLeavesTheTopCornersAgreeing() throws {
        let captioned = picture.banded(0.8, 1, level: 25)
        let m = try #require(DuplicateFinder.explain(scanned("a.jpg", picture), scanned("cap.jpg", captioned), rules: rules))
        #expect(m.kind == .sameWindows && (m.agreeingWindows ?? 0) >= 2, "\(m)")
    }

    @Test func smallRotationsMatchARotatedWindow() throws {
        for degrees in [-4.0, 3.5, 4.5] {
            let m = try #require(
                DuplicateFinder.explain(scanned("a.jpg", picture), scanned("r.jpg", picture.straightened(degrees: degrees)), rules: rules),
                "\(degrees)°")
            #expect(m.kind == .rotated || m.kind == .whole, "\(degrees)°: \(m)")
        }
    }

    @Test func mirroredCropIsFoundWithTransformsOnly() throws {
        let copy = scanned("m.jpg", picture.part(0.1, 0.1, 0.9, 0.9).mirrored)
        let original = scanned("a.jpg", picture)
        #expect(DuplicateFinder.explain(original, copy, rules: rules) == nil)
        var turning = rules
        turning.transforms = true
        let m = try #require(DuplicateFinder.explain(original, copy, rules: turning))
        #expect(m.kind == .crop && m.transform == .flipHorizontal && m.windowA == .centre80, "\(m)")
        #expect(DuplicateFinder.find([original, copy], rules: turning).nearGroups.count == 1)
    }

    /// A 90° rotation (or a diagonal mirror) turns a picture's rows into columns, so no dHash
    /// can verify a window match in those orientations: the low-frequency rule does not link
    /// them, and a match within the window threshold must also agree on the 64 lowest
    /// frequencies. A mirror keeps rows rows: its low-frequency match stands, verified by
    /// the dHash.
    @Test func turnedWindowMatchesNeedASecondCheck() throws {
        var maker = HashMaker(state: 15)
        let windows = HashWindow.allCases.count
        let phash = (0..<windows).map { _ in Optional(maker.hash()) }
        let dhash = (0..<windows).map { _ in maker.next() }
        let crop = try #require(phash[HashWindow.centre80.rawValue])
        func candidate(_ name: String, whole: Hash256, dhash wholeDHash: UInt64) -> DuplicateCandidate {
            var record = ImageRecord(path: name, filename: name)
            record.pixelStats = PixelStats(stdR: 40, stdG: 40, stdB: 40)
            var c = DuplicateCandidate(record: record)
            var hashes = (0..<windows).map { _ in Optional(maker.hash()) }
            var dhashes = (0..<windows).map { _ in maker.next() }
            hashes[0] = whole
            dhashes[0] = wholeDHash
            c.windows = WindowHashes(phash: hashes, dhash: dhashes)
            return c
        }
        var original = candidate("a.jpg", whole: maker.hash(), dhash: maker.next())
        original.windows = WindowHashes(phash: phash, dhash: dhash)
        // Rows 8–15 of the bit grid (words 2 and 3) hold no low frequency; the top byte of
        // word 0 is the first row's eight lowest.
        func changed(_ h: Hash256, high: Int, low: Int = 0) -> Hash256 {
            Hash256(h.w0 ^ ((1 << UInt64(low)) - 1) << 56, h.w1, h.w2 ^ ((1 << UInt64(high)) - 1), h.w3)
        }
        var turning = rules
        turning.transforms = true
        let centreDHash = dhash[HashWindow.centre80.rawValue]
        // Close on the low frequencies only (30 bits of the 256 apart): turned by 90°, nothing
        // verifies it; mirrored, the dHash does.
        let rotated = candidate("r.jpg", whole: changed(HashTransform.rotate90.apply(crop), high: 30), dhash: maker.next())
        #expect(DuplicateFinder.explain(original, rotated, rules: turning) == nil)
        // The dHash of the mirror image: each row's steps reversed in order and direction.
        var mirroredDHash: UInt64 = 0
        for r in 0..<8 {
            let row = UInt8(truncatingIfNeeded: centreDHash >> UInt64(8 * r))
            var reversed: UInt8 = 0
            for b in 0..<8 where row & (1 << b) != 0 { reversed |= 1 << (7 - b) }
            mirroredDHash |= UInt64(~reversed) << UInt64(8 * r)
        }
        let mirrored = candidate("m.jpg", whole: changed(HashTransform.flipHorizontal.apply(crop), high: 30), dhash: mirroredDHash)
        let m = try #require(DuplicateFinder.explain(original, mirrored, rules: turning))
        #expect(m.kind == .crop && m.transform == .flipHorizontal && m.windowA == .centre80 && m.distance == 30, "\(m)")
        // Within the window threshold, turned by 90°: linked when the low frequencies agree
        // too, not when 9 of them differ.
        let near = candidate("n.jpg", whole: changed(HashTransform.rotate90.apply(crop), high: 10), dhash: maker.next())
        let r = try #require(DuplicateFinder.explain(original, near, rules: turning))
        #expect(r.kind == .crop && r.transform == .rotate90 && r.distance == 10, "\(r)")
        let lowApart = candidate("l.jpg", whole: changed(HashTransform.rotate90.apply(crop), high: 0, low: 8), dhash: maker.next())
        #expect(DuplicateFinder.explain(original, lowApart, rules: turning) == nil)
        // The index proposes the rejected ones (their hashes are within its radii) and the
        // check turns them down.
        #expect(DuplicateFinder.find([original, rotated, lowApart], rules: turning).nearGroups.isEmpty)
        #expect(DuplicateFinder.find([original, near], rules: turning).nearGroups.count == 1)
    }

    /// Two frames of one scene overlapping by half (a burst) are different pictures.
    @Test func burstLikeFramesAreNotGrouped() {
        let scene = busyScene(width: 600, height: 300, seed: 9)
        var candidates: [DuplicateCandidate] = []
        for (i, frames) in [(0.0, 1.0 / 3), (1.0 / 3, 2.0 / 3)].enumerated() {
            candidates.append(scanned("burst\(i).jpg", scene.part(frames.0, 0, frames.0 + 2.0 / 3, 1)))
        }
        let vertical = busyScene(width: 300, height: 600, seed: 10)
        candidates.append(scanned("v0.jpg", vertical.part(0, 0, 1, 2.0 / 3)))
        candidates.append(scanned("v1.jpg", vertical.part(0, 1.0 / 3, 1, 1)))
        var turning = rules
        turning.transforms = true
        #expect(DuplicateFinder.find(candidates, rules: rules).nearGroups.isEmpty)
        #expect(DuplicateFinder.find(candidates, rules: turning).nearGroups.isEmpty)
        // …while a copy of one frame with a caption is grouped with it.
        candidates.append(scanned("caption.jpg", scene.part(0, 0, 2.0 / 3, 1).banded(0.8, 1, level: 20)))
        let report = DuplicateFinder.find(candidates, rules: rules)
        #expect(report.nearGroups.map { Set($0.members) } == [[0, 4]])
    }

    @Test func jsonNamesHowEachMemberMatched() throws {
        let candidates = [
            scanned("original.jpg", picture), scanned("crop.jpg", picture.part(0, 0.2, 0.8, 1)),
            scanned("boxed.jpg", picture.framed(vertical: 50, horizontal: 0, level: 0)),
        ]
        let report = DuplicateFinder.find(candidates, rules: rules)
        let listing = DuplicateListing(report, candidates)
        let data = try JSONEncoder().encode(listing)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["window_threshold"] as? Int == DuplicateFinder.defaultWindowThreshold)
        let groups = try #require(object["near_groups"] as? [[String: Any]])
        #expect(groups.count == 1)
        let members = try #require(groups.first?["members"] as? [[String: Any]])
        var kinds: [String: [String: Any]] = [:]
        for m in members {
            if let path = m["path"] as? String, let match = m["match"] as? [String: Any] { kinds[path] = match }
        }
        let keeper = try #require(groups.first?["keeper"] as? String)
        #expect(kinds[keeper] == nil)
        let crop = try #require(kinds["crop.jpg"])
        #expect(crop["kind"] as? String == "crop")
        #expect(crop["window"] as? String == "bottom_left_80")
        #expect(crop["window_of"] as? String == "keeper")
        #expect((crop["distance"] as? Int ?? 99) <= DuplicateFinder.defaultWindowThreshold)
        let boxed = try #require(kinds["boxed.jpg"])
        #expect(boxed["border_removed"] as? Bool == true)
        #expect((boxed["words"] as? String)?.contains("border removed") == true)
    }
}

@Suite("window index")
struct WindowIndexTests {
    /// 5,000 pictures' window hashes (twelve windows and their dHashes each): random
    /// pictures, and copies planted for every rule near its thresholds — whole matches at
    /// distances around the threshold (and on the low frequencies beyond it), crops of every window (on the full pHash, and on the
    /// low frequencies with the full distance around its bound), corner agreements of one to
    /// four corners, with the dHash both within and beyond its verification threshold. The
    /// index must link exactly the pairs that trying every pair of pictures links. (Random
    /// pictures are far apart, so more of them only adds pairs that no rule could link: the
    /// planted pairs near each threshold are what proves exactness.)
    @Test func windowIndexFindsExactlyWhatBruteForceFinds() {
        var maker = HashMaker(state: 42)
        let n = 5_000
        let windows = HashWindow.allCases.count
        var phash = [[Hash256?]]()
        var dhash = [[UInt64]]()
        func randomPicture() -> ([Hash256?], [UInt64]) {
            ((0..<windows).map { _ in maker.hash() }, (0..<windows).map { _ in maker.next() })
        }
        func flip64(_ v: UInt64, _ bits: Int) -> UInt64 {
            var v = v
            var chosen = Set<Int>()
            while chosen.count < bits { chosen.insert(Int(maker.next() % 64)) }
            for b in chosen { v ^= 1 << UInt64(b) }
            return v
        }
        /// `h` with `low` of its 64 low-frequency bits and `high` of the others flipped.
        func flip(_ h: Hash256, low: Int, high: Int) -> Hash256 {
            var words = [h.w0, h.w1, h.w2, h.w3]
            var chosen = Set<Int>()
            var lows = 0, highs = 0
            while lows < low || highs < high {
                let b = Int(maker.next() % 256)
                let isLow = b / 16 < 8 && b % 16 < 8
                guard !chosen.contains(b), isLow ? lows < low : highs < high else { continue }
                chosen.insert(b)
                if isLow { lows += 1 } else { highs += 1 }
                words[b / 64] ^= 1 << UInt64(63 - b % 64)
            }
            return Hash256(words[0], words[1], words[2], words[3])
        }
        while phash.count < n {
            let (p, d) = randomPicture()
            let source = phash.count
            phash.append(p)
            dhash.append(d)
            guard phash.count < n, source % 3 == 0 else { continue }
            var (q, e) = randomPicture()
            let kind = Int(maker.next() % 6)
            let bits = Int(maker.next() % 22)
            let dbits = Int(maker.next() % 24)
            switch kind {
            case 0:  // a whole copy, 0–21 bits away (some beyond the whole threshold)
                q[0] = maker.flip(p[0] ?? maker.hash(), bits: bits + 10)
            case 1:  // the copy is a crop: its whole is one of the source's crop windows
                let w = HashWindow.cropWindows[Int(maker.next() % 7)]
                q[0] = maker.flip(p[w.rawValue] ?? maker.hash(), bits: bits)
                e[0] = flip64(d[w.rawValue], dbits)
            case 2:  // the source is a crop of the copy
                let w = HashWindow.cropWindows[Int(maker.next() % 7)]
                q[w.rawValue] = maker.flip(p[0] ?? maker.hash(), bits: bits)
                e[w.rawValue] = flip64(d[0], dbits)
            case 3:  // a crop or rotation close on the low frequencies only: 4–12 of the low 64
                // bits and 24–47 bits in all (around the low and the full bounds of that rule)
                let w = HashWindow.cropWindows[Int(maker.next() % 7)]
                let source = p[w.rawValue] ?? maker.hash()
                q[0] = flip(source, low: 4 + Int(maker.next() % 9), high: 20 + Int(maker.next() % 24))
                e[0] = flip64(d[w.rawValue], dbits)
            case 4:  // a smooth picture's edit: the wholes close on the low frequencies only
                q[0] = flip(p[0] ?? maker.hash(), low: 4 + Int(maker.next() % 9), high: 20 + Int(maker.next() % 32))
                e[0] = flip64(d[0], dbits)
            default:  // some of the 50% corners agree
                let agreeing = 1 + Int(maker.next() % 4)
                for w in HashWindow.sameWindows.prefix(agreeing) {
                    q[w.rawValue] = maker.flip(p[w.rawValue] ?? maker.hash(), bits: Int(maker.next() % 20))
                }
            }
            if maker.next() % 10 == 0 { q[1 + Int(maker.next() % UInt64(windows - 1))] = nil }  // a flat window
            phash.append(q)
            dhash.append(e)
        }
        let rules = MatchRules()
        let candidates = (0..<n).map { i -> DuplicateCandidate in
            var record = ImageRecord(path: "\(i).jpg", filename: "\(i).jpg")
            record.phash = phash[i][0]?.hex
            record.pixelStats = PixelStats(stdR: 40, stdG: 40, stdB: 40)
            var c = DuplicateCandidate(record: record)
            c.windows = WindowHashes(phash: phash[i], dhash: dhash[i])
            return c
        }
        let found = DuplicateFinder.linkedPairs(candidates, rules: rules, threads: 2)

        // Brute force: every pair of pictures, every rule's hash comparison, on plain words.
        let zero = Hash256(0, 0, 0, 0)
        var words = [UInt64](repeating: 0, count: n * windows * 4)
        for i in 0..<n {
            for w in 0..<windows {
                let h = phash[i][w] ?? zero
                let at = (i * windows + w) * 4
                (words[at], words[at + 1], words[at + 2], words[at + 3]) = (h.w0, h.w1, h.w2, h.w3)
            }
        }
        // The low-frequency bits, read off the bit grid one bit at a time (not with the
        // library's ``Hash256/lowFrequencies``).
        var lows = [UInt64](repeating: 0, count: n * windows)
        for i in 0..<n {
            for w in 0..<windows {
                let h = phash[i][w] ?? zero
                var v: UInt64 = 0
                for row in 0..<8 {
                    for column in 0..<8 { v = v << 1 | (h.bit(row: row, column: column) ? 1 : 0) }
                }
                lows[i * windows + w] = v
            }
        }
        let crop = HashWindow.cropWindows.map(\.rawValue), same = HashWindow.sameWindows.map(\.rawValue)
        let slots = BruteForceSlots(count: 2)
        let frozen = words, frozenLows = lows
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            let hits = frozen.withUnsafeBufferPointer { buffer in
                frozenLows.withUnsafeBufferPointer { lowBuffer in
                    bruteForceHits(
                        buffer, lowBuffer, count: n, windows: windows, crop: crop, same: same, rules: rules, worker: worker,
                        workers: 2)
                }
            }
            slots.store(hits, at: worker)
        }
        // A rule's hash comparison is necessary; the dHash verification then decides.
        let expected = slots.all().compactMap { pair -> DuplicateFinder.LinkedPair? in
            guard let m = DuplicateFinder.explain(candidates[pair.0], candidates[pair.1], rules: rules) else { return nil }
            return DuplicateFinder.LinkedPair(a: pair.0, b: pair.1, match: m)
        }.sorted { ($0.a, $0.b) < ($1.a, $1.b) }
        #expect(found.count == expected.count)
        #expect(found == expected)
        // The planted rules all occur among the links.
        let kinds = Set(found.map(\.match.kind))
        #expect(kinds == [.whole, .crop, .rotated, .sameWindows], "\(kinds)")
        #expect(found.count > 500)
        // Some crops are linked on the low frequencies only (full distance beyond the window
        // threshold), and some planted ones are not (beyond the low or the full bound).
        #expect(found.contains { $0.match.kind == .crop && $0.match.distance > rules.windowThreshold })
        // And some wholes (smooth pictures) beyond the whole threshold.
        #expect(found.contains { $0.match.kind == .whole && $0.match.distance > rules.threshold })
    }
}

/// The brute force: every pair of pictures (`i ≡ worker` modulo `workers` on the left), every
/// rule's hash comparison on plain words (a zero hash is a flat window and matches nothing).
/// Optimised even in debug builds: it makes 1.25 · 10⁷ pairs × 19 comparisons.
@_optimize(speed)
func bruteForceHits(
    _ buffer: UnsafeBufferPointer<UInt64>, _ lowBuffer: UnsafeBufferPointer<UInt64>, count n: Int, windows: Int, crop: [Int],
    same: [Int], rules: MatchRules, worker: Int, workers: Int
) -> [(Int, Int)] {
    guard let p = buffer.baseAddress, buffer.count >= n * windows * 4, let low = lowBuffer.baseAddress,
        lowBuffer.count >= n * windows
    else { return [] }
    let threshold = rules.threshold, windowThreshold = rules.windowThreshold
    let lowThreshold = rules.lowThreshold, lowFull = rules.lowFullThreshold
    var hits: [(Int, Int)] = []
    @inline(__always) func distance(_ x: Int, _ y: Int) -> Int {
        let a = p + x &* 4, b = p + y &* 4
        if a[0] | a[1] | a[2] | a[3] == 0 || b[0] | b[1] | b[2] | b[3] == 0 { return 999 }
        return (a[0] ^ b[0]).nonzeroBitCount &+ (a[1] ^ b[1]).nonzeroBitCount &+ (a[2] ^ b[2]).nonzeroBitCount
            &+ (a[3] ^ b[3]).nonzeroBitCount
    }
    let c0 = crop[0], c1 = crop[1], c2 = crop[2], c3 = crop[3], c4 = crop[4], c5 = crop[5], c6 = crop[6]
    let s0 = same[0], s1 = same[1], s2 = same[2], s3 = same[3]
    var i = worker
    while i < n {
        let wi = i &* windows
        var j = i &+ 1
        while j < n {
            let wj = j &* windows
            // The low-frequency rule's condition: within the low-frequency threshold and
            // the full bound of that rule.
            @inline(__always) func lowClose(_ x: Int, _ y: Int, _ d: Int) -> Bool {
                d <= lowFull && (low[x] ^ low[y]).nonzeroBitCount <= lowThreshold
            }
            let whole = distance(wi, wj)
            var hit = whole <= threshold || lowClose(wi, wj, whole)
            // A crop rule's necessary condition: within the window threshold, or the
            // low-frequency rule's.
            @inline(__always) func close(_ x: Int, _ y: Int) -> Bool {
                let d = distance(x, y)
                return d <= windowThreshold || lowClose(x, y, d)
            }
            @inline(__always) func cropped(_ w: Int) -> Bool { close(wi &+ w, wj) || close(wi, wj &+ w) }
            if !hit {
                hit = cropped(c0) || cropped(c1) || cropped(c2) || cropped(c3) || cropped(c4) || cropped(c5) || cropped(c6)
            }
            if !hit {
                var agreeing = 0
                if distance(wi &+ s0, wj &+ s0) <= windowThreshold { agreeing &+= 1 }
                if distance(wi &+ s1, wj &+ s1) <= windowThreshold { agreeing &+= 1 }
                if distance(wi &+ s2, wj &+ s2) <= windowThreshold { agreeing &+= 1 }
                if distance(wi &+ s3, wj &+ s3) <= windowThreshold { agreeing &+= 1 }
                hit = agreeing >= 2
            }
            if hit { hits.append((i, j)) }
            j &+= 1
        }
        i &+= workers
    }
    return hits
}

/// One result array per worker. `@unchecked Sendable` is sound: each worker writes only its
/// own slot, through its own index, and the slots are read after `concurrentPerform` returns.
final class BruteForceSlots: @unchecked Sendable {
    private var slots: [[(Int, Int)]]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: [], count: count) }

    func store(_ values: [(Int, Int)], at index: Int) {
        lock.lock()
        slots[index] = values
        lock.unlock()
    }

    func all() -> [(Int, Int)] { slots.flatMap { $0 } }
}

@Suite("window pHash in single precision")
struct WindowDCTTests {
    /// The windows' pHashes are computed in single precision with SIMD (``WindowHashes``);
    /// the manifest's `phash` in double precision. On the same 64 × 64 pixels they must
    /// agree to within a bit or two (a coefficient next to the median), and mostly exactly.
    @Test func windowHashesAgreeWithTheDoublePrecisionPHash() throws {
        var exact = 0, compared = 0
        for seed in 0..<24 {
            let scene = busyScene(width: 300, height: 200, seed: seed)
            let windows = WindowHashes.compute(scene)
            // No uniform border: the content box is the picture, reduced once to 128 × 128
            // in single precision, as the window hashes take it.
            let sums = AreaMeans(scene, x: 0, y: 0, width: scene.width, height: scene.height)
            let base = GrayImage(
                width: 128, height: 128,
                pixels: sums.bytes(x0: 0, y0: 0, x1: Double(scene.width), y1: Double(scene.height), columns: 128, rows: 128))
            let pairs: [(HashWindow, GrayImage)] = [
                (.whole, base), (.topLeft50, base.cropped(x: 0, y: 0, width: 64, height: 64)),
                (.bottomRight50, base.cropped(x: 64, y: 64, width: 64, height: 64)),
            ]
            for (window, pixels) in pairs {
                let reference = try #require(Hash256(hex: PerceptualHash.phash(pixels)))
                let fast = try #require(windows[window])
                let d = fast.distance(to: reference)
                #expect(d <= 2, "seed \(seed), \(window.name): \(d) bits")
                compared += 1
                if d == 0 { exact += 1 }
            }
        }
        #expect(exact * 10 >= compared * 8, "\(exact) of \(compared) exactly equal")
    }
}
