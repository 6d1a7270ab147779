#if canImport(Glibc)
    import Glibc
#endif

/// Seconds on the monotonic clock: for deadlines and rates, never for dates.
public enum Monotonic {
    public static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
