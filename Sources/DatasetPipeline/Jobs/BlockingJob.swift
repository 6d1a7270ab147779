import Foundation

/// Runs blocking work (a `poll` loop supervising processes) from async code: on a thread of
/// its own, so it never occupies one of the few threads of Swift's cooperative pool, and
/// with Task cancellation tripping `stop` so the work winds down as on Ctrl-C.
enum BlockingJob {
    static func run<T: Sendable>(
        stop: StopToken, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let thread = Thread {
                    continuation.resume(with: Result { try body() })
                }
                thread.name = "imgeda supervisor"
                thread.start()
            }
        } onCancel: {
            stop.stop(.cancelled)
        }
    }
}
