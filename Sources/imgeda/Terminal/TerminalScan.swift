import ArgumentParser
import DatasetPipeline
import Foundation

extension ScanRunner {
    /// Runs the scan for a command: Ctrl-C stops it (``StopSignals``), a ``ProgressDisplay``
    /// draws its progress values, and a ``PipelineError`` comes back in command-line words.
    func runInTerminal(quiet: Bool, planned: (ScanPlan) -> Void = { _ in }) throws -> ScanSummary {
        let (updates, sink) = JobProgress.stream()
        let display = ProgressDisplay(label: "Scanning", quiet: quiet)
        let drawn = display.follow(updates)
        // The run finishes the stream however it ends; the bar's line is ended after its last draw.
        defer {
            drawn.wait()
            display.finish()
        }
        do {
            return try run(stop: StopSignals.token, progress: sink, planned: planned)
        } catch let error as PipelineError {
            throw ValidationError(error.commandLine)
        }
    }
}
