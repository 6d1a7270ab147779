import CImgedaSupport
import DatasetPipeline
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Ctrl-C and SIGTERM for a long command. The first signal trips ``token``: the job starts
/// no new work, finishes or drops what is in flight, and keeps what is done. The second
/// exits at once with status 130 (the C handler does that itself, so it works however busy
/// the process is). Signal handling belongs to the command; the pipeline sees only the token.
enum StopSignals {
    /// The token the handlers trip; installing them on first use.
    static let token: StopToken = install()

    private static func install() -> StopToken {
        let token = StopToken()
        // The C handler only sets a flag and writes to a self-pipe (all a signal handler may
        // do); this thread turns that into a stop request.
        let wake = cimgeda_install_stop_handlers()
        guard wake >= 0 else { return token }
        let watcher = Thread {
            var ready = pollfd(fd: wake, events: Int16(POLLIN), revents: 0)
            while cimgeda_stop_signal() == 0 {
                _ = poll(&ready, 1, -1)
            }
            token.stop(.signal(cimgeda_stop_signal()))
        }
        watcher.name = "imgeda signals"
        watcher.start()
        return token
    }
}
