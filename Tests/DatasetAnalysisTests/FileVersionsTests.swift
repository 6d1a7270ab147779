import DatasetAnalysis
import Testing

@Suite struct FileVersionsTests {
    /// Every path is found by its bytes with its version, whatever the table's growth, and
    /// nothing else is: a path one byte shorter or longer, another normalisation of a name.
    @Test func pathsAreFoundByTheirBytesAndOnlyThem() {
        var expected: [String: FileVersion] = [:]
        for i in 0..<5_000 { expected["folder \(i % 37)/image-\(i).jpg"] = FileVersion(size: i, mtime: Double(i) + 0.25) }
        expected["é/café.png"] = FileVersion(size: 1, mtime: 2)  // é as one code point (NFC)
        var table = FileVersions()
        for (path, version) in expected {
            let bytes = Array(path.utf8)
            bytes.withUnsafeBytes { table.set(FileVersion(size: -1, mtime: 0), forPath: $0) }
            bytes.withUnsafeBytes { table.set(version, forPath: $0) }  // replaces
        }
        #expect(table.count == expected.count)
        #expect(table.dictionary == expected)
        for (path, version) in expected {
            let bytes = Array(path.utf8)
            #expect(bytes.withUnsafeBytes { table.version(ofPath: $0) } == version)
            #expect(Array(bytes.dropLast()).withUnsafeBytes { table.version(ofPath: $0) } == nil)
            #expect((bytes + [0x20]).withUnsafeBytes { table.version(ofPath: $0) } == nil)
        }
        #expect(table["e\u{301}/cafe\u{301}.png"] == nil, "another normalisation is another path here")
        #expect(table[""] == nil)
        table["folder 3/image-3.jpg"] = nil
        #expect(table.count == expected.count - 1 && table["folder 3/image-3.jpg"] == nil)
        #expect(table["folder 4/image-4.jpg"] == FileVersion(size: 4, mtime: 4.25))
        #expect(FileVersions(expected).dictionary == expected)
    }
}
