import Foundation
import Testing

@testable import DatasetAnalysis

@Suite("popcount kernel")
struct HammingKernelTests {
    /// All-zero, all-one, single bits, random words, and words that differ in one bit.
    func inputs() -> [Hash256] {
        var maker = HashMaker(state: 99)
        var out = [Hash256(0, 0, 0, 0), Hash256(~0, ~0, ~0, ~0), Hash256(0, ~0, 0, ~0)]
        for bit in 0..<256 {
            var words: [UInt64] = [0, 0, 0, 0]
            words[bit / 64] = 1 << UInt64(bit % 64)
            out.append(Hash256(words[0], words[1], words[2], words[3]))
        }
        for _ in 0..<200 { out.append(maker.hash()) }
        for _ in 0..<50 { out.append(maker.flip(out[out.count - 1], bits: Int(maker.next() % 40))) }
        return out
    }

    func bits(_ a: Hash256, _ b: Hash256) -> Int {
        (a.w0 ^ b.w0).nonzeroBitCount + (a.w1 ^ b.w1).nonzeroBitCount + (a.w2 ^ b.w2).nonzeroBitCount
            + (a.w3 ^ b.w3).nonzeroBitCount
    }

    @Test(arguments: [false, true])
    func distanceIsTheBitCountOfTheXor(portable: Bool) {
        let hashes = inputs()
        var wrong = 0
        for a in hashes {
            for b in hashes.prefix(120) where HammingKernel.distance(a, b, portable: portable) != bits(a, b) {
                wrong += 1
            }
        }
        #expect(wrong == 0)
        #expect(HammingKernel.distance(Hash256(0, 0, 0, 0), Hash256(~0, ~0, ~0, ~0), portable: portable) == 256)
    }

    /// The block kernels against brute force at radii from 0 to 256, with a buffer of room
    /// for one row only (so every call stops and resumes) and with room for all.
    @Test(arguments: [false, true])
    func blockKernelsFindExactlyThePairsWithinTheRadius(portable: Bool) {
        let hashes = inputs()
        let queries = Array(hashes.prefix(30) + hashes.suffix(30))
        for radius in [0, 1, 7, 15, 24, 64, 255, 256] {
            var expected: [[Int]] = []
            for (i, q) in queries.enumerated() {
                for (j, h) in hashes.enumerated() where bits(q, h) <= radius { expected.append([i, j]) }
            }
            var triangle: [[Int]] = []
            for i in hashes.indices {
                for j in (i + 1)..<hashes.count where bits(hashes[i], hashes[j]) <= radius { triangle.append([i, j]) }
            }
            let words = hashes.map(\.w2), queryWords = queries.map(\.w2)
            var expected64: [[Int]] = []
            for (i, q) in queryWords.enumerated() {
                for (j, h) in words.enumerated() where (q ^ h).nonzeroBitCount <= radius { expected64.append([i, j]) }
            }
            var triangle64: [[Int]] = []
            for i in words.indices {
                for j in (i + 1)..<words.count where (words[i] ^ words[j]).nonzeroBitCount <= radius { triangle64.append([i, j]) }
            }
            for capacity in [hashes.count, 100_000] {
                let found = HammingKernel.pairs(queries, hashes, radius: radius, capacity: capacity, portable: portable)
                #expect(found == expected, "radius \(radius), capacity \(capacity)")
                let half = HammingKernel.pairs(
                    hashes, hashes, radius: radius, triangle: true, capacity: capacity, portable: portable)
                #expect(half == triangle, "radius \(radius), capacity \(capacity)")
                let found64 = HammingKernel.pairs(queryWords, words, radius: radius, capacity: capacity, portable: portable)
                #expect(found64 == expected64, "radius \(radius), capacity \(capacity)")
                let half64 = HammingKernel.pairs(words, words, radius: radius, triangle: true, capacity: capacity, portable: portable)
                #expect(half64 == triangle64, "radius \(radius), capacity \(capacity)")
            }
        }
        #expect(HammingKernel.pairs([Hash256(0, 0, 0, 0)], [], radius: 256, capacity: 1, portable: portable).isEmpty)
    }

    /// Where the CPU lists `popcnt` (Linux), the kernels take the fast path.
    @Test func theFastPathIsTakenWhereTheCPUHasPopcnt() throws {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return }
        if flags.split(separator: " ").contains("popcnt") { #expect(HammingKernel.usesPopcnt) }
    }
}
