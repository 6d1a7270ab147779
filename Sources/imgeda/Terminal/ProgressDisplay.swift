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
            let width = 30
            let filled = Int(Double(width) * Double(done) / Double(total))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let text = "\r\(label) \(bar) \(Console.grouped(done))/\(Console.grouped(total))"
                + "  \(String(format: "%.0f", rate)) img/s  ETA \(Console.duration(eta))  "
            Console.errRaw(text)
            drewBar = true
        } else {
            guard finished || now.timeIntervalSince(lastLine) >= 10 else { return }
            lastLine = now
            Console.err("\(label): \(Console.grouped(done))/\(Console.grouped(total)) (\(Console.percent(done, of: total))), "
                + "\(String(format: "%.0f", rate)) img/s, ETA \(Console.duration(eta))")
        }
    }

    /// Ends the bar's line so later output starts cleanly.
    func finish() {
        if drewBar {
            Console.errRaw("\n")
            drewBar = false
        }
    }
}
