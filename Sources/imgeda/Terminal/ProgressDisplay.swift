import Foundation

/// Shows progress of a long job on stderr: a redrawn bar with done/total, rate and ETA on a
/// terminal; plain lines every ten seconds otherwise (logs, CI); nothing when quiet.
final class ProgressDisplay {
    private let label: String
    private let quiet: Bool
    private let terminal: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastLine = Date()
    private var drewBar = false

    init(label: String, quiet: Bool) {
        self.label = label
        self.quiet = quiet
        self.terminal = Console.stderrIsTerminal
    }

    func update(done: Int, total: Int) {
        guard !quiet, total > 0 else { return }
        let now = Date()
        let finished = done >= total
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : .infinity
        if terminal {
            guard finished || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
            Console.errRaw("\r" + Self.barLine(label: label, done: done, total: total, rate: rate, eta: eta,
                                                columns: Console.terminalColumns) + "\u{1B}[K")
            drewBar = true
        } else {
            guard finished || now.timeIntervalSince(lastLine) >= 10 else { return }
            lastLine = now
            Console.err("\(label): \(Console.grouped(done))/\(Console.grouped(total)) (\(Console.percent(done, of: total))), "
                + "\(String(format: "%.0f", rate)) img/s, ETA \(Console.duration(eta))")
        }
    }

    /// One redraw of the bar, never wider than `columns - 1` characters (a line that fills
    /// the terminal wraps, and every redraw then leaves a line behind): the bar narrows
    /// first, then rate and ETA are dropped, then the label.
    static func barLine(label: String, done: Int, total: Int, rate: Double, eta: Double, columns: Int) -> String {
        let count = "\(Console.grouped(done))/\(Console.grouped(total))"
        let speed = "  \(String(format: "%.0f", rate)) img/s  ETA \(Console.duration(eta))"
        let room = max(columns - 1, 1)
        func bar(_ width: Int) -> String {
            let filled = min(width, Int(Double(width) * Double(done) / Double(max(total, 1))))
            return String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        }
        for (prefix, suffix) in [("\(label) ", speed), ("", speed), ("\(label) ", ""), ("", "")] {
            let fixed = prefix.count + 1 + count.count + suffix.count
            let width = min(30, room - fixed)
            if width >= 10 { return "\(prefix)\(bar(width)) \(count)\(suffix)" }
        }
        return String(count.prefix(room))
    }

    /// Ends the bar's line so later output starts cleanly.
    func finish() {
        if drewBar {
            Console.errRaw("\n")
            drewBar = false
        }
    }
}
