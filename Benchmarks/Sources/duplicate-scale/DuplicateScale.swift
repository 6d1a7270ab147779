// Near-duplicate grouping at scale: N random pictures, each with a 256-bit pHash, a centre
// hash and the twelve window hashes (with their dHashes) a scan stores, and planted copies —
// whole copies at known distances (0 … threshold), and crops whose whole hash is one of the
// original's crop windows at 0 … window threshold bits — through the same
// `DuplicateFinder.find` the `check` command uses. Prints one JSON line: seconds, peak
// memory, and whether every planted pair ended up in one group.
//
//   duplicate-scale [N] [threshold] [--no-windows]   (defaults: 1,000,000, the default threshold)
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
    let withWindows = !arguments.contains("--no-windows")
    let windowThreshold = DuplicateFinder.defaultWindowThreshold
    func randomWindows() -> WindowHashes {
        WindowHashes(
            phash: HashWindow.allCases.map { _ in Hash256(random.next(), random.next(), random.next(), random.next()) },
            dhash: HashWindow.allCases.map { _ in random.next() })
    }

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
        var original = DuplicateCandidate(record: record)
        if withWindows {
            var w = randomWindows()
            w.phash[HashWindow.whole.rawValue] = h
            original.windows = w
        }
        candidates.append(original)
        if candidates.count % 10 == 1 && candidates.count < count {
            let crop = withWindows && planted.count % 2 == 1
            let distance = crop ? planted.count % (windowThreshold + 1) : planted.count % (threshold + 1)
            record.path = "images/\(candidates.count).jpg"
            record.sha256 = String(candidates.count)
            record.phashCenter = Hash256(random.next(), random.next(), random.next(), random.next()).hex
            record.width = 320  // a smaller copy: the original is the keeper
            if crop, let source = original.windows {
                // A crop: its whole is one of the original's crop windows, and so is its dHash.
                let window = HashWindow.cropWindows[planted.count / 2 % HashWindow.cropWindows.count]
                let whole = flip(source.phash[window.rawValue] ?? h, bits: distance, &random)
                record.phash = whole.hex
                var copy = DuplicateCandidate(record: record)
                var w = randomWindows()
                w.phash[HashWindow.whole.rawValue] = whole
                w.dhash[HashWindow.whole.rawValue] = source.dhash[window.rawValue] ^ 0b1011
                copy.windows = w
                candidates.append(copy)
            } else {
                let whole = flip(h, bits: distance, &random)
                record.phash = whole.hex
                var copy = DuplicateCandidate(record: record)
                if withWindows {
                    var w = randomWindows()
                    w.phash[HashWindow.whole.rawValue] = whole
                    copy.windows = w
                }
                candidates.append(copy)
            }
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
    print("{\"hashes\": \(count), \"windows\": \(withWindows ? HashWindow.allCases.count : 0), \"threshold\": \(threshold), \"window_threshold\": \(windowThreshold), \"planted_pairs\": \(planted.count), \"planted_found\": \(found), "
        + "\"groups\": \(report.nearGroups.count), \"seconds\": \(String(format: "%.2f", seconds)), \"peak_rss_mb\": \(String(format: "%.0f", peakMB))}")
    exit(found == planted.count ? 0 : 1)

  }
}
