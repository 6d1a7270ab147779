import CImgedaSupport

/// The C kernels that count differing bits of hashes (`hamming.c` in CImgedaSupport): with
/// the CPU's `popcnt` instruction where it has one — swiftc targets generic x86-64, where
/// `nonzeroBitCount` is a bit-twiddling sequence —, chosen once at run time, without build
/// flags. ``MultiIndexHash`` calls them a whole bucket at a time; these wrappers are for
/// tests, which check both the fast and the plain path against `nonzeroBitCount`.
package enum HammingKernel {
    /// Whether the kernels take the fast path on this CPU.
    package static var usesPopcnt: Bool { cimgeda_hamming_fast() != 0 }

    /// The Hamming distance of two 256-bit hashes; `portable` forces the plain C path.
    package static func distance(_ a: Hash256, _ b: Hash256, portable: Bool = false) -> Int {
        let x = [a.w0, a.w1, a.w2, a.w3], y = [b.w0, b.w1, b.w2, b.w3]
        return x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                guard let xBase = xp.baseAddress, let yBase = yp.baseAddress else { return 0 }
                return Int(cimgeda_hamming256(xBase, yBase, portable ? 1 : 0))
            }
        }
    }

    /// Every (query, item) index pair within `radius` bits, row by row, by the block kernel
    /// with room for `capacity` pairs a call (it resumes where a full buffer stopped it);
    /// `triangle` compares query i with items after i only (a block against itself).
    package static func pairs<H: SubstringHash>(
        _ queries: [H], _ items: [H], radius: Int, triangle: Bool = false, capacity: Int, portable: Bool = false
    ) -> [[Int]] {
        let width = H.wordCount
        let q = words(queries), words = words(items)
        var out: [[Int]] = []
        var hits = [UInt32](repeating: 0, count: 2 * max(1, capacity))
        var next = 0
        while next < queries.count {
            let before = next
            let count = hits.withUnsafeMutableBufferPointer { hp in
                q.withUnsafeBufferPointer { qp in
                    words.withUnsafeBufferPointer { ip in
                        guard let hit = hp.baseAddress, let qBase = qp.baseAddress, let base = ip.baseAddress ?? qp.baseAddress
                        else { return 0 }
                        return cimgeda_hamming_block(
                            qBase, queries.count, base, items.count, Int32(width), triangle ? 1 : 0, Int32(clamping: radius), hit,
                            capacity, &next, portable ? 1 : 0)
                    }
                }
            }
            for h in 0..<count { out.append([Int(hits[2 * h]), Int(hits[2 * h + 1])]) }
            if next == before { break }  // no room for a row: the caller's capacity is too small
        }
        return out
    }

    /// The hashes' words, one after another (the layout the kernels read).
    private static func words<H: SubstringHash>(_ hashes: [H]) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: H.wordCount * hashes.count)
        out.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for (i, h) in hashes.enumerated() { h.store(base + H.wordCount * i) }
        }
        return out
    }
}
