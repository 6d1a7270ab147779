// Near-duplicate grouping at scale: N random 256-bit hashes, with planted near copies at
// known distances (0 … threshold), through the same `DuplicateFinder.find` the `check`
// command uses. Prints one JSON line: seconds, peak memory, and whether every planted pair
// ended up in one group.
//
//   duplicate-scale [N] [threshold]        (defaults: 1,000,000 and the default threshold)
import DatasetAnalysis
import Foundation

struct Random {
    var state: UInt64 = 0x1234_5678
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        var z = state
        z = (z ^ (z >> 33)) &* 0xff51afd7ed558ccd
        return z ^ (z >> 29)
    }
}
func flip(_ h: Hash256, bits: Int, _ random: inout Random) -> Hash256 {
    var words = [h.w0, h.w1, h.w2, h.w3]
    var chosen = Set<Int>()
    while chosen.count < bits { chosen.insert(Int(random.next() % 256)) }
    for b in chosen { words[b / 64] ^= 1 << UInt64(b % 64) }
    return Hash256(words[0], words[1], words[2], words[3])
}


@main
enum DuplicateScale {
  static func main() {
    var random = Random()
    let arguments = CommandLine.arguments
    let count = arguments.count > 1 ? Int(arguments[1]) ?? 1_000_000 : 1_000_000
    let threshold = arguments.count > 2 ? Int(arguments[2]) ?? DuplicateFinder.defaultThreshold : DuplicateFinder.defaultThreshold

    // One in ten hashes gets a planted copy, at distances cycling through 0 … threshold.
    var candidates: [DuplicateCandidate] = []
    var planted: [(Int, Int, Int)] = []
    candidates.reserveCapacity(count)
    var record = ImageRecord(path: "", filename: "")
    record.width = 640
    record.height = 480
    record.pixelStats = PixelStats(stdR: 40, stdG: 40, stdB: 40)
    while candidates.count < count {
        let h = Hash256(random.next(), random.next(), random.next(), random.next())
        record.path = "images/\(candidates.count).jpg"
        record.sha256 = String(candidates.count)
        record.phash = h.hex
        // Every scanned picture also has a centre hash, searched against all full hashes.
        record.phashCenter = Hash256(random.next(), random.next(), random.next(), random.next()).hex
        candidates.append(DuplicateCandidate(record: record))
        if candidates.count % 10 == 1 && candidates.count < count {
            let distance = planted.count % (threshold + 1)
            record.path = "images/\(candidates.count).jpg"
            record.sha256 = String(candidates.count)
            record.phash = flip(h, bits: distance, &random).hex
            record.phashCenter = Hash256(random.next(), random.next(), random.next(), random.next()).hex
            record.width = 320  // a smaller copy: the original is the keeper
            candidates.append(DuplicateCandidate(record: record))
            record.width = 640
            planted.append((candidates.count - 2, candidates.count - 1, distance))
        }
    }

    let start = Date()
    let report = DuplicateFinder.find(candidates, threshold: threshold, threads: ProcessInfo.processInfo.activeProcessorCount)
    let seconds = Date().timeIntervalSince(start)

    var groupOf = [Int: Int]()
    for (g, group) in report.nearGroups.enumerated() { for m in group.members { groupOf[m] = g } }
    let found = planted.filter { a, b, _ in groupOf[a] != nil && groupOf[a] == groupOf[b] }.count
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let peakMB = Double(usage.ru_maxrss) / 1024
    print("{\"hashes\": \(count), \"threshold\": \(threshold), \"planted_pairs\": \(planted.count), \"planted_found\": \(found), "
        + "\"groups\": \(report.nearGroups.count), \"seconds\": \(String(format: "%.2f", seconds)), \"peak_rss_mb\": \(String(format: "%.0f", peakMB))}")
    exit(found == planted.count ? 0 : 1)

  }
}
