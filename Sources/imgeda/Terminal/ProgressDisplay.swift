import DatasetAnalysis
import DatasetPipeline
import Foundation

/// Shows progress of a long job on stderr: a redrawn bar with done/total, rate and ETA on a
/// terminal; plain lines every ten seconds otherwise (logs, CI); nothing when quiet. It
/// draws ``JobProgress`` values, the same ones a web page would receive.
final class ProgressDisplay: @unchecked Sendable {
    // @unchecked Sendable: one drawer at a time. `follow` hands the display to its task, and
    // the caller touches it again (`finish`) only after waiting for that task to end.
    private let label: String
    /// What the rate counts ("img/s").
    private let unit: String
    /// Whether to show the progress value's `current` text (a download's ok count and MB/s).
    private let showsDetail: Bool
    private let quiet: Bool
    private let terminal: Bool
    private var lastDraw = Date.distantPast
    private var lastLine = Date()
    private var drewBar = false

    init(label: String, quiet: Bool, unit: String = "img/s", showsDetail: Bool = false) {
        self.label = label
        self.unit = unit
        self.showsDetail = showsDetail
        self.quiet = quiet
        self.terminal = Console.stderrIsTerminal
    }

    /// Draws every value of `updates` on a task of its own; the returned semaphore is
    /// signalled once the stream has ended and its last value is drawn.
    func follow(_ updates: AsyncStream<JobProgress>) -> DispatchSemaphore {
        let ended = DispatchSemaphore(value: 0)
        Task {
            for await progress in updates { self.draw(progress) }
            ended.signal()
        }
        return ended
    }

    func draw(_ progress: JobProgress) {
        guard !quiet, progress.total > 0 else { return }
        let now = Date()
        let finished = progress.isFinished
        let eta = progress.eta ?? .infinity
        if terminal {
            guard finished || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
            Console.errRaw(
                "\r"
                    + Self.barLine(
                        label: label, done: progress.done, total: progress.total, rate: progress.rate,
                        eta: eta, columns: Console.terminalColumns, unit: unit, elapsed: progress.elapsed,
                        detail: showsDetail ? progress.current.map { Escape.terminal($0) } : nil) + "\u{1B}[K")
            drewBar = true
        } else {
            guard finished || now.timeIntervalSince(lastLine) >= 10 else { return }
            lastLine = now
            Console.err(
                "\(label): \(Console.grouped(progress.done))/\(Console.grouped(progress.total)) (\(Console.percent(progress.done, of: progress.total))), "
                    + Self.speed(
                        rate: progress.rate, eta: eta, elapsed: progress.elapsed, finished: finished, unit: unit, separator: ", ")
                    + (showsDetail ? progress.current.map { ", " + $0 } ?? "" : ""))
        }
    }

    /// One redraw of the bar, never wider than `columns - 1` characters (a line that fills
    /// the terminal wraps, and every redraw then leaves a line behind): the bar narrows
    /// first, then rate and ETA are dropped, then the label.
    static func barLine(
        label: String, done: Int, total: Int, rate: Double, eta: Double, columns: Int, unit: String = "img/s",
        elapsed: Double = 0, detail: String? = nil
    ) -> String {
        let count = "\(Console.grouped(done))/\(Console.grouped(total))"
        let speed =
            "  " + Self.speed(rate: rate, eta: eta, elapsed: elapsed, finished: done >= total, unit: unit, separator: "  ")
            + (detail.map { "  \($0)" } ?? "")
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

    /// The rate and what is left: "120 img/s  ETA 0:42" while running, "120 img/s in 1:05"
    /// once finished. A job too short for a rate shows no "0 img/s": only its ETA while
    /// running, and its duration once done ("in 0.3 s").
    static func speed(rate: Double, eta: Double, elapsed: Double, finished: Bool, unit: String, separator: String) -> String {
        let perSecond = rate > 0 ? "\(String(format: "%.0f", rate)) \(unit)" : nil
        if finished {
            let took = elapsed < 60 ? String(format: "%.1f s", elapsed) : Console.duration(elapsed)
            return (perSecond.map { $0 + " " } ?? "") + "in \(took)"
        }
        return (perSecond.map { $0 + separator } ?? "") + "ETA \(Console.duration(eta))"
    }

    /// Ends the bar's line so later output starts cleanly.
    func finish() {
        if drewBar {
            Console.errRaw("\n")
            drewBar = false
        }
    }
}
