/// How far apart two words are, for "did you mean …?" answers to a mistyped subcommand, a
/// template field or a policy key.
package enum EditDistance {
    /// The closest of `candidates` to `word`, if it is close enough to be what was meant:
    /// at most a third of the word's letters differ (at least one), or one is a prefix of the other.
    package static func closest(to word: String, in candidates: [String]) -> String? {
        let lowered = word.lowercased()
        let scored = candidates.map { ($0, distance(lowered, $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        let allowed = max(1, lowered.count / 3)
        if best.1 <= allowed { return best.0 }
        if lowered.count >= 3, let prefixed = candidates.first(where: { $0.hasPrefix(lowered) || lowered.hasPrefix($0) }) {
            return prefixed
        }
        return nil
    }

    /// Damerau–Levenshtein distance (optimal string alignment): a swap of two neighbouring
    /// letters ("scna") counts as one edit.
    /// - Complexity: O(a × b) in the lengths of the words.
    package static func distance(_ a: String, _ b: String) -> Int {
        let s = Array(a), t = Array(b)
        if s.isEmpty { return t.count }
        if t.isEmpty { return s.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: t.count + 1), count: s.count + 1)
        for i in 0...s.count { d[i][0] = i }
        for j in 0...t.count { d[0][j] = j }
        for i in 1...s.count {
            for j in 1...t.count {
                let cost = s[i - 1] == t[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, s[i - 1] == t[j - 2], s[i - 2] == t[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[s.count][t.count]
    }
}
