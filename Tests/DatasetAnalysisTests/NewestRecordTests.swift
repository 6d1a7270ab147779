import DatasetAnalysis
import Testing

/// "The newest record for a path wins", the rule every reader keyed by path follows.
@Suite struct NewestRecordTests {
    @Test func theLaterRecordOfAPathWins() {
        var first = ImageRecord(path: "a.jpg", filename: "a.jpg")
        first.width = 1
        var second = first
        second.width = 2
        let other = ImageRecord(path: "b.jpg", filename: "b.jpg")
        let newest = ImageRecord.newestPerPath([first, other, second], key: \.pathBytes)
        #expect(newest.count == 2)
        #expect(newest[FilePathBytes("a.jpg")]?.width == 2)
    }

    @Test func pathsThatAreNotUTF8StayApart() {
        // Two names that both display as "x\u{FFFD}.jpg" are different files.
        var one = ImageRecord(path: "x\u{FFFD}.jpg", filename: "x\u{FFFD}.jpg")
        one.pathRaw = FilePathBytes([0x78, 0xFF, 0x2E, 0x6A, 0x70, 0x67]).base64
        var two = one
        two.pathRaw = FilePathBytes([0x78, 0xFE, 0x2E, 0x6A, 0x70, 0x67]).base64
        #expect(ImageRecord.newestPerPath([one, two], key: \.pathBytes).count == 2)
    }

    @Test func anAccumulatorKeepsTheNewestValue() {
        var newest = NewestPerPath<FilePathBytes, Int>()
        newest.add(1, for: FilePathBytes("a"))
        newest.add(2, for: FilePathBytes("b"))
        newest.add(3, for: FilePathBytes("a"))
        #expect(newest.byPath == [FilePathBytes("a"): 3, FilePathBytes("b"): 2])
    }
}
