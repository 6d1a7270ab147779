import DatasetPipeline
import Foundation

extension ScanRunner {
    /// Runs the scan for a command: Ctrl-C stops it (``StopSignals``), a ``ProgressDisplay``
    /// draws its progress values.
    func runInTerminal(quiet: Bool, planned: (ScanPlan) -> Void = { _ in }) throws -> ScanSummary {
        let (updates, sink) = JobProgress.stream()
        let display = ProgressDisplay(label: "Scanning", quiet: quiet)
        let drawn = display.follow(updates)
        // The run finishes the stream however it ends; the bar's line is ended after its last draw.
        defer {
            drawn.wait()
            display.finish()
        }
        // A failure is an ``ImgedaError``; the command prints it with its remedy in flags.
        return try run(stop: StopSignals.token, progress: sink, planned: planned)
    }
}
