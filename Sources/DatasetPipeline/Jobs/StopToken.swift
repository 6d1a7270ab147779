import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why a job stopped before its work was done.
public enum StopReason: Sendable, Hashable {
    /// A signal (SIGINT, SIGTERM) that the command turned into a stop request.
    case signal(Int32)
    /// The task running the job was cancelled.
    case cancelled
    /// Someone asked (a web request, a test).
    case requested
}

/// A request to stop a job, shared by whoever asks (a command's signal handling, Task
/// cancellation, a web request) and the job that honours it: no new work starts, work in
/// flight finishes within a grace period, and everything done is kept.
///
/// The first ``stop(_:)`` wins; later calls change nothing. A job that waits in `poll` also
/// waits on ``wakeDescriptor``, which becomes readable when the token trips, so a stop
/// interrupts the wait at once.
///
/// ```swift
/// let stop = StopToken()
/// let summary = try await ScanRunner(configuration: configuration).run(stop: stop)
/// // elsewhere: stop.stop(.requested)
/// ```
public final class StopToken: @unchecked Sendable {
    // @unchecked Sendable: `reason` is read and written only while holding `lock`; the
    // pipe's descriptors are set in `init` and closed in `deinit` only.
    private let lock = NSLock()
    private var stoppedBy: StopReason?
    private let wakePipe: (read: Int32, write: Int32)

    public init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 { fds = [-1, -1] }
        // Worker processes must not inherit it. (Only one byte is ever written, so the
        // write end never blocks.)
        for fd in fds where fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        wakePipe = (fds[0], fds[1])
    }

    deinit {
        if wakePipe.read >= 0 { close(wakePipe.read) }
        if wakePipe.write >= 0 { close(wakePipe.write) }
    }

    /// Asks the job to stop. Thread-safe; only the first reason is kept.
    public func stop(_ reason: StopReason = .requested) {
        let first: Bool = lock.withLock {
            guard stoppedBy == nil else { return false }
            stoppedBy = reason
            return true
        }
        guard first, wakePipe.write >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(wakePipe.write, &byte, 1)
    }

    /// Whether a stop was asked for.
    public var isStopped: Bool { reason != nil }

    /// Why the job was asked to stop, or nil while it runs on.
    public var reason: StopReason? { lock.withLock { stoppedBy } }

    /// A descriptor that becomes readable (and stays so) once the token trips, for `poll`
    /// loops; -1 if no pipe could be made (then loops fall back to their polling interval).
    var wakeDescriptor: Int32 { wakePipe.read }
}
