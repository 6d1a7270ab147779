public import Foundation

/// When to try a URL again: only after a transient failure (see
/// `DownloadReason.isTransient(httpStatus:)`), at most ``attempts`` times in all, waiting
/// with exponential backoff and full jitter (a random wait between 0 and
/// `baseDelay × 2^(attempt−1)`, capped at ``maxDelay``, so many clients retrying at once
/// spread out instead of returning together), or as long as the server's `Retry-After`
/// says when it says so.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included.
    public var attempts = 3
    /// Seconds of the first backoff's upper bound.
    public var baseDelay = 1.0
    /// Largest backoff, in seconds.
    public var maxDelay = 30.0
    /// Longest `Retry-After` honoured, in seconds; a server asking for more is recorded as a
    /// failure (a later run retries it) rather than holding a slot for that long.
    public var maxRetryAfter = 120.0

    public init(attempts: Int = 3, baseDelay: Double = 1, maxDelay: Double = 30, maxRetryAfter: Double = 120) {
        self.attempts = max(1, attempts)
        self.baseDelay = max(0, baseDelay)
        self.maxDelay = max(0, maxDelay)
        self.maxRetryAfter = max(0, maxRetryAfter)
    }

    /// Seconds to wait before attempt `attempt + 1` after attempt `attempt` (from 1) failed,
    /// or nil when no retry may follow. `random` gives a number in [0, 1).
    public func delay(after attempt: Int, retryAfter: Double?, random: () -> Double = { Double.random(in: 0..<1) }) -> Double? {
        guard attempt < attempts else { return nil }
        if let retryAfter {
            return retryAfter <= maxRetryAfter ? max(0, retryAfter) : nil
        }
        let exponent = min(30, max(0, attempt - 1))
        let ceiling = min(maxDelay, baseDelay * Double(1 << exponent))
        return ceiling * random()
    }

    /// `Retry-After` as seconds from `now`: a number of seconds, or an HTTP date (RFC 9110:
    /// IMF-fixdate, and the obsolete RFC 850 and asctime forms). Nil when unreadable.
    public static func parseRetryAfter(_ value: String, now: Date) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text) { return seconds >= 0 ? Double(seconds) : nil }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return max(0, date.timeIntervalSince(now)) }
        }
        return nil
    }
}
