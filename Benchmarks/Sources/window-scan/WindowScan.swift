// The hashing half of a scan, for the duplicate ground truth when a full release build of
// `imgeda` is out of reach: decodes each file with the scan's decoder (same preview, same
// orientation), and prints one JSON line per file with the fields duplicate search reads
// (phash, phash_center, dhash, window_hashes, width, height, pixel_stats' standard
// deviations). `dupbench.sh` uses `imgeda scan`; this tool only measures the hashes.
//
//   window-scan FILE… > records.jsonl
import DatasetAnalysis
import Foundation
import ImageDecoding

@main
enum WindowScan {
    static func main() {
        let decoder = ImageDecoder()
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let decoded: DecodedImage
            do {
                decoded = try data.withUnsafeBytes { bytes throws(DecodeError) in
                    try decoder.decode(bytes, options: DecodeOptions(previewSide: 256, readExif: false))
                }
            } catch {
                continue
            }
            let stats = PixelStatistics.compute(decoded.preview)
            let gray = GrayImage(luma: decoded.preview).fitted(longSide: BlurMeasure.previewSide).oriented(decoded.orientation)
            let h = PerceptualHash.hashes(gray)
            let w = WindowHashes.compute(gray).encoded
            print(
                "{\"path\": \"\(path)\", \"width\": \(decoded.width), \"height\": \(decoded.height), \"phash\": \"\(h.phash)\", \"phash_center\": \"\(h.centre)\", \"dhash\": \"\(h.dhash)\", \"window_hashes\": \"\(w)\", \"std\": \(max(stats.stdR, stats.stdG, stats.stdB))}"
            )
        }
    }
}
