import DatasetAnalysis
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a file (or standard input) in 64 KiB blocks, a byte or a line at a time, so a URL
/// list of any length is read with constant memory.
final class BufferedByteReader {
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var start = 0
    private var end = 0
    private var atEOF = false
    let name: String

    /// Opens `path`; `-` is standard input.
    init(path: String) throws(ImgedaError) {
        name = path == "-" ? "standard input" : path
        if path == "-" {
            fd = 0
            ownsDescriptor = false
        } else {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            ownsDescriptor = true
            guard fd >= 0 else {
                throw ImgedaError(
                    .notFound, "cannot read the URL list \(path): \(String(cString: strerror(errno)))",
                    remedy: "check the path; `-` reads the list from standard input")
            }
        }
    }

    deinit {
        if ownsDescriptor && fd >= 0 { close(fd) }
    }

    private func fill() throws(ImgedaError) -> Bool {
        guard !atEOF else { return false }
        start = 0
        end = 0
        while true {
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            if got < 0 {
                throw ImgedaError(.ioFailed, "cannot read the URL list \(name): \(String(cString: strerror(errno)))")
            }
            if got == 0 {
                atEOF = true
                return false
            }
            end = got
            return true
        }
    }

    /// The next byte, or nil at the end.
    func nextByte() throws(ImgedaError) -> UInt8? {
        if start >= end {
            guard try fill() else { return nil }
        }
        defer { start += 1 }
        return buffer[start]
    }

    /// The next line without its `\n` (and a `\r` before it), or nil at the end.
    func nextLine() throws(ImgedaError) -> [UInt8]? {
        var line: [UInt8] = []
        var sawAny = false
        while true {
            if start >= end {
                guard try fill() else { break }
            }
            sawAny = true
            if let newline = buffer[start..<end].firstIndex(of: 0x0A) {
                line.append(contentsOf: buffer[start..<newline])
                start = newline + 1
                if line.last == 0x0D { line.removeLast() }
                return line
            }
            line.append(contentsOf: buffer[start..<end])
            start = end
        }
        guard sawAny, !line.isEmpty else { return nil }
        if line.last == 0x0D { line.removeLast() }
        return line
    }
}
