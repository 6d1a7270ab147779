/// Counted nouns for messages: "1 image", "2 images", "12,345 images".
public enum Plural {
    /// `n` with thousands separators and `noun` in the singular or plural (`noun + "s"` unless
    /// `plural` is given).
    public static func count(_ n: Int, _ noun: String, plural: String? = nil) -> String {
        "\(grouped(n)) \(n == 1 ? noun : plural ?? noun + "s")"
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
