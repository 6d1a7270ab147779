/// Disjoint sets over `0..<count` (union–find with path halving): which items are joined,
/// directly or through others. The duplicate search and the library's duplicate groups
/// use it to turn pairs into components.
public struct UnionFind: Sendable {
    private var parent: [Int]

    public init(count: Int) { parent = Array(0..<count) }

    /// The representative of `x`'s set: the smallest item joined to it.
    public mutating func root(_ x: Int) -> Int {
        var x = x
        while parent[x] != x {
            parent[x] = parent[parent[x]]
            x = parent[x]
        }
        return x
    }

    /// Joins the sets of `a` and `b`.
    public mutating func union(_ a: Int, _ b: Int) {
        let ra = root(a), rb = root(b)
        if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
    }
}
