import DatasetAnalysis
import DatasetIO
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where a downloaded image goes: named by its row index, never by anything in the URL.
///
/// Row 1234 of a list becomes `00000/000001234.jpg`: nine digits, so names sort in row
/// order up to a billion rows, in folders of 10,000 (a folder of millions of files is slow
/// to list for every tool, and img2dataset's users know shards of 10,000). The extension is
/// that of the bytes received (sniffed), not of the URL or the `Content-Type`.
public enum ImageFiles {
    public static let rowsPerFolder = 10_000

    /// The extensions a received image can get, by sniffed format.
    public static let extensions = ["jpg", "png", "gif", "webp", "tif", "bmp", "heic", "avif", "jxl"]

    /// The extension for a format sniffed by `ImageHeaderSniffer` (`JPEG` → `jpg`).
    public static func fileExtension(format: String) -> String? {
        switch format {
        case "JPEG", "MPO": return "jpg"
        case "PNG": return "png"
        case "GIF": return "gif"
        case "WEBP": return "webp"
        case "TIFF": return "tif"
        case "BMP": return "bmp"
        case "HEIF": return "heic"
        case "AVIF": return "avif"
        case "JXL": return "jxl"
        default: return nil
        }
    }

    /// The image's folder relative to the output folder (`00000`).
    public static func folder(index: Int) -> String {
        pad(index / rowsPerFolder, 5)
    }

    /// The image's path relative to the output folder (`00000/000001234.jpg`).
    public static func relativePath(index: Int, extension ext: String) -> String {
        "\(folder(index: index))/\(pad(index, 9)).\(ext)"
    }

    /// The row index of a file named by ``relativePath(index:extension:)``, or nil.
    public static func index(ofFile path: String) -> Int? {
        let name = path.split(separator: "/").last ?? Substring(path)
        guard let dot = name.firstIndex(of: "."), dot != name.startIndex else { return nil }
        let stem = name[..<dot]
        guard stem.count >= 9, stem.allSatisfy(\.isASCII), stem.allSatisfy(\.isNumber) else { return nil }
        return Int(stem)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Removes temporary files (`.NAME.PID.tmp`) that killed processes left in the image
    /// folders of `directory`: what `kill -9` in the middle of a write leaves. Files of a
    /// process still running are left alone.
    public static func removeAbandonedTemporaries(in directory: String) {
        guard let folders = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for folder in folders where folder.count == 5 && folder.allSatisfy(\.isNumber) {
            let path = "\(directory)/\(folder)"
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { continue }
            for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
                let parts = name.dropLast(4).split(separator: ".")
                guard let pid = parts.last.flatMap({ Int32($0) }), pid > 0, pid != getpid() else { continue }
                if kill(pid, 0) != 0 && errno == ESRCH { unlink("\(path)/\(name)") }
            }
        }
    }
}
