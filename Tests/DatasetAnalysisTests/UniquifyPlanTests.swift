import DatasetAnalysis
import Testing

@Suite("uniquify plan and edits")
struct UniquifyPlanTests {
    func record(_ path: String, sha: String, phash: String?, corrupt: Bool = false) -> ImageRecord {
        var r = ImageRecord(path: path, filename: path)
        r.width = 100
        r.height = 100
        r.sha256 = sha
        r.phash = phash
        r.isCorrupt = corrupt
        r.pixelStats = PixelStats(
            meanR: 100, meanG: 90, meanB: 80, stdR: 40, stdG: 40, stdB: 40, meanBrightness: 90, minVal: 0, maxVal: 255)
        return r
    }

    static let hashA = String(repeating: "0f", count: 32)
    static let hashB = String(repeating: "f0", count: 32)
    /// hashA with four bits flipped: a near copy.
    static let hashANear = "ff" + String(repeating: "0f", count: 31)

    @Test func nearGroupsTakeTheByteIdenticalCopiesOfTheirMembers() {
        let records = [
            record("a.jpg", sha: "1", phash: Self.hashA),
            record("a_copy.jpg", sha: "1", phash: Self.hashA),
            record("a_edit.jpg", sha: "2", phash: Self.hashANear),
            record("a_edit_copy.jpg", sha: "2", phash: Self.hashANear),
            record("b.jpg", sha: "3", phash: Self.hashB),
            record("b_copy.jpg", sha: "3", phash: Self.hashB),
            record("broken.jpg", sha: "4", phash: nil, corrupt: true),
            record("broken_copy.jpg", sha: "4", phash: nil, corrupt: true),
        ]
        let plan = UniquifyPlan.make(records)
        #expect(plan.groups.count == 2)
        let a = plan.groups.first { $0.kind == "near" }
        #expect(a.map { Set([$0.keeper] + $0.alter) } == ["a.jpg", "a_copy.jpg", "a_edit.jpg", "a_edit_copy.jpg"])
        #expect(a?.alter.count == 3)
        let b = plan.groups.first { $0.kind == "exact" }
        #expect(b.map { Set([$0.keeper] + $0.alter) } == ["b.jpg", "b_copy.jpg"])
        #expect(plan.toAlter == 4)
        #expect(plan.images == 6)
    }

    @Test func noDuplicatesMakeAnEmptyPlan() {
        let plan = UniquifyPlan.make([record("a.jpg", sha: "1", phash: Self.hashA), record("b.jpg", sha: "2", phash: Self.hashB)])
        #expect(plan.groups.isEmpty)
        #expect(plan.toAlter == 0)
    }

    @Test func editsAreDeterministicAndCropFromTheChosenCorner() {
        var pixels: [UInt8] = []
        for y in 0..<10 { for x in 0..<20 { pixels += [UInt8(x), UInt8(y), 0] } }
        let image = RGBImage(width: 20, height: 10, pixels: pixels)
        // Keeping the bottom-right corner cuts the left and top edges.
        let cropped = ImageEdits.crop(image, 0.1, corner: 2)
        #expect(cropped.width == 18 && cropped.height == 9)
        #expect(Array(cropped.pixels.prefix(3)) == [2, 1, 0])
        let strength = ImageEdits.ladder(variant: 0)[0]
        #expect(ImageEdits.apply(image, strength, seed: 7) == ImageEdits.apply(image, strength, seed: 7))
        #expect(ImageEdits.apply(image, strength, seed: 7) != ImageEdits.apply(image, strength, seed: 8))
        // Each step of the ladder is stronger than the one before.
        let ladder = ImageEdits.ladder(variant: 1)
        for (weaker, stronger) in zip(ladder, ladder.dropFirst()) {
            #expect(stronger.crop > weaker.crop && stronger.noise > weaker.noise)
        }
    }
}
