import Foundation

/// Maps data values to pixels, linearly or logarithmically, with "nice" ticks (1, 2, 5 × 10ⁿ).
public struct Scale: Sendable {
    public enum Kind: Sendable { case linear, log }
    public var kind: Kind
    public var domain: (Double, Double)
    public var range: (Double, Double)

    public init(kind: Kind = .linear, domain: (Double, Double), range: (Double, Double)) {
        self.kind = kind
        var (lo, hi) = domain
        if kind == .log {
            lo = max(lo, 1e-12)
            hi = max(hi, lo * 10)
        }
        if !(hi > lo) { hi = lo + 1 }
        self.domain = (lo, hi)
        self.range = range
    }

    func t(_ v: Double) -> Double { kind == .log ? log10(max(v, 1e-12)) : v }

    public func callAsFunction(_ v: Double) -> Double {
        let (a, b) = (t(domain.0), t(domain.1))
        return range.0 + (t(v) - a) / (b - a) * (range.1 - range.0)
    }

    /// Nice tick values inside the domain: about `count` of them on a linear scale; powers of
    /// ten (with 2 and 5 when few decades) on a log scale.
    public func ticks(_ count: Int = 6) -> [Double] {
        if kind == .log {
            let lo = Int(floor(log10(domain.0))), hi = Int(ceil(log10(domain.1)))
            var out: [Double] = []
            for e in lo...max(lo, hi) {
                for m in (hi - lo <= 3 ? [1.0, 2, 5] : [1.0]) {
                    let v = m * pow(10, Double(e))
                    if v >= domain.0 * 0.999 && v <= domain.1 * 1.001 { out.append(v) }
                }
            }
            return out
        }
        let span = domain.1 - domain.0
        let raw = span / Double(max(1, count))
        let magnitude = pow(10, floor(log10(raw)))
        // The round step whose number of intervals is closest to the wish.
        let step =
            [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }
            .min { abs(span / $0 - Double(count)) < abs(span / $1 - Double(count)) } ?? raw
        var v = ceil(domain.0 / step) * step
        var out: [Double] = []
        while v <= domain.1 + step * 1e-9 {
            out.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return out
    }

    /// A domain padded outward to nice round numbers.
    public static func niceDomain(_ lo: Double, _ hi: Double) -> (Double, Double) {
        guard hi > lo else { return (lo - 1, hi + 1) }
        let s = Scale(domain: (lo, hi), range: (0, 1))
        let ticks = s.ticks(5)
        guard ticks.count >= 2 else { return (lo, hi) }
        let step = ticks[1] - ticks[0]
        return (floor(lo / step) * step, ceil(hi / step) * step)
    }
}

/// Numbers for axes and labels: thousands separators, units, no needless decimals.
public enum NumberFormat {
    public static func grouped(_ v: Double, decimals: Int = 0) -> String {
        let text = String(format: "%.\(decimals)f", abs(v))
        let parts = text.split(separator: ".", maxSplits: 1)
        var integer = ""
        for (i, c) in parts[0].reversed().enumerated() {
            if i > 0 && i % 3 == 0 { integer.append(",") }
            integer.append(c)
        }
        var out = String(integer.reversed())
        if parts.count > 1 { out += "." + parts[1] }
        return (v < 0 ? "−" : "") + out
    }

    /// A tick label: integers grouped, small numbers with the decimals they need.
    public static func tick(_ v: Double) -> String {
        if v == v.rounded() { return grouped(v) }
        let magnitude = abs(v)
        let decimals = magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3
        var s = grouped(v, decimals: decimals)
        while s.contains(".") && (s.hasSuffix("0") || s.hasSuffix(".")) { s.removeLast() }
        return s
    }

    /// Bytes in decimal units: 1.5 MB.
    public static func bytes(_ v: Double) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = v, unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return (value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)) + " " + units[unit]
    }
}
