import DatasetAnalysis
import Testing

@Suite struct ShardTests {
    let keys = (0..<20_000).map { "train/class_\($0 % 37)/img_\($0).jpg" }

    @Test func everyKeyHasExactlyOnePartAndPartsAreBalanced() throws {
        let shards = try (1...4).map { try Shard(index: $0, count: 4) }
        var sizes = [0, 0, 0, 0]
        for key in keys {
            let owners = shards.filter { $0.contains(key: key) }
            #expect(owners.count == 1)
            if let owner = owners.first { sizes[owner.index - 1] += 1 }
        }
        // 5,000 expected per part; a fair hash stays within a few standard deviations (≈ 61).
        #expect(sizes.allSatisfy { abs($0 - 5_000) < 400 }, "\(sizes)")
    }

    @Test func growingFromNToNPlusOnePartsMovesOnlyAFewKeysAllIntoTheNewPart() {
        var moved = 0
        for key in keys {
            let before = Shard.part(of: key.utf8, count: 8)
            let after = Shard.part(of: key.utf8, count: 9)
            if before != after {
                moved += 1
                #expect(after == 9)
            }
        }
        // Jump hashing moves 1/9 of the keys (≈ 2,222); `hash % n` would move about 8/9.
        #expect(moved > 1_800 && moved < 2_700, "\(moved)")
    }

    @Test func parsesIOverNAndRefusesWhatIsNotAShard() throws {
        #expect(try Shard(parsing: "2/4") == Shard(index: 2, count: 4))
        #expect(try Shard(parsing: "1/1").description == "1/1")
        for bad in ["0/4", "5/4", "x", "1/0", "-1/4", "1/", "/4", "1/4/2", "a/b", ""] {
            #expect(throws: ImgedaError.self, "\(bad)") { try Shard(parsing: bad) }
        }
    }
}
