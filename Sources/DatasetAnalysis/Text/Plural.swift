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

    /// Bytes in decimal units with two decimals, as the reference prints them: "3.02 MB".
    public static func bytes(_ value: Int) -> String {
        let v = Double(value)
        if v > 1e9 { return String(format: "%.2f GB", v / 1e9) }
        if v > 1e6 { return String(format: "%.2f MB", v / 1e6) }
        return String(format: "%.2f KB", v / 1e3)
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

extension String {
    /// The text right-aligned in `width` columns: numbers in tables.
    package func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
