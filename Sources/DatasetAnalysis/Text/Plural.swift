import Foundation

/// Counted nouns for messages: "1 image", "2 images", "12,345 images".
public enum Plural {
    /// `n` with thousands separators and `noun` in the singular or plural (`noun + "s"` unless
    /// `plural` is given).
    public static func count(_ n: Int, _ noun: String, plural: String? = nil) -> String {
        "\(grouped(n)) \(n == 1 ? noun : plural ?? noun + "s")"
    }

    /// 1 of 8 → "12.5%": a share as messages print it.
    public static func percent(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return "0.0%" }
        return String(format: "%.1f%%", Double(part) * 100 / Double(whole))
    }

    /// 12345 → "12,345".
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return value < 0 ? "-" + out : out
    }
}
