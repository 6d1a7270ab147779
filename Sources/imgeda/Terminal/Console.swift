import DatasetAnalysis
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where commands print: results to stdout, progress and diagnostics to stderr.
enum Console {
    /// Prints a line of results. Control characters (ESC, BEL…) from file names or EXIF
    /// become visible escapes: printed text can never drive the terminal.
    static func out(_ text: String) {
        write(1, Escape.terminal(text, keepingNewlines: true) + "\n")
    }

    static func err(_ text: String) {
        write(2, Escape.terminal(text, keepingNewlines: true) + "\n")
    }

    static func errRaw(_ text: String) {
        write(2, text)
    }

    /// Writes with `write(2)`, ignoring failures: a closed pipe (`imgeda scan … | head`) or
    /// a full disk must not take a scan down — Foundation's `FileHandle.write` traps on them.
    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }
    static var stdoutIsTerminal: Bool { isatty(1) == 1 }

    /// Width of the terminal on stderr (`COLUMNS` when it cannot be asked), 80 when unknown.
    static var terminalColumns: Int {
        var size = winsize()
        if ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        return 80
    }

    /// 12345 → "12,345".
    static func grouped(_ value: Int) -> String { Plural.grouped(value) }

    /// Bytes in decimal units with two decimals, as the reference prints them.
    static func bytes(_ value: Int) -> String { Plural.bytes(value) }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let total = Int(seconds.rounded())
        let h = total / 3600, m = (total % 3600) / 60, s = total % 60
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }

    static func percent(_ part: Int, of whole: Int) -> String { Plural.percent(part, of: whole) }
}
