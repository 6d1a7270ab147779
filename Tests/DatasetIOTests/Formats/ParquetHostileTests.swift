import DatasetAnalysis
import Foundation
import Testing

@testable import DatasetIO

/// A one-column Parquet file made by hand — column `url`, BYTE_ARRAY, REQUIRED, one row group
/// — so each test can make exactly one part of it hostile.
private struct HandMade {
    var rows: Int64 = 2
    var codec = ParquetFormat.Codec.uncompressed
    var pages: [[UInt8]] = []
    var dictionaryPages = 0  // how many of `pages` come first as dictionary pages

    static func plainStrings(_ values: [String]) -> [UInt8] {
        var out: [UInt8] = []
        for v in values {
            let bytes = Array(v.utf8)
            out += (0..<4).map { UInt8(truncatingIfNeeded: bytes.count >> ($0 * 8)) } + bytes
        }
        return out
    }

    static func page(
        _ type: ParquetFormat.PageType, body: [UInt8], uncompressed: Int? = nil, values: Int,
        encoding: ParquetFormat.Encoding = .plain
    ) -> [UInt8] {
        var h = ThriftCompact()
        h.structBegin()
        h.field(1, .i32); h.int(Int64(type.rawValue))
        h.field(2, .i32); h.int(Int64(uncompressed ?? body.count))
        h.field(3, .i32); h.int(Int64(body.count))
        h.field(type == .dictionaryPage ? 7 : 5, .structure)
        h.structBegin()
        h.field(1, .i32); h.int(Int64(values))
        h.field(2, .i32); h.int(Int64(encoding.rawValue))
        h.structEnd()
        h.structEnd()
        return h.bytes + body
    }

    var bytes: [UInt8] {
        var out = ParquetFormat.magic
        let dictionaryBytes = pages.prefix(dictionaryPages).reduce(0) { $0 + $1.count }
        let chunkBytes = pages.reduce(0) { $0 + $1.count }
        for page in pages { out += page }
        var f = ThriftCompact()
        f.structBegin()
        f.field(1, .i32); f.int(1)
        f.field(2, .list); f.listHeader(count: 2, type: .structure)
        f.structBegin(); f.field(4, .binary); f.string("schema"); f.field(5, .i32); f.int(1); f.structEnd()
        f.structBegin(); f.field(1, .i32); f.int(6); f.field(3, .i32); f.int(0); f.field(4, .binary); f.string("url"); f.structEnd()
        f.field(3, .i64); f.int(rows)
        f.field(4, .list); f.listHeader(count: 1, type: .structure)
        f.structBegin()
        f.field(1, .list); f.listHeader(count: 1, type: .structure)
        f.structBegin()
        f.field(2, .i64); f.int(4)
        f.field(3, .structure)
        f.structBegin()
        f.field(1, .i32); f.int(6)
        f.field(2, .list); f.listHeader(count: 1, type: .i32); f.int(0)
        f.field(3, .list); f.listHeader(count: 1, type: .binary); f.string("url")
        f.field(4, .i32); f.int(Int64(codec.rawValue))
        f.field(5, .i64); f.int(rows)
        f.field(6, .i64); f.int(Int64(chunkBytes))
        f.field(7, .i64); f.int(Int64(chunkBytes))
        f.field(9, .i64); f.int(Int64(4 + dictionaryBytes))
        if dictionaryPages > 0 { f.field(11, .i64); f.int(4) }
        f.structEnd()
        f.structEnd()
        f.field(2, .i64); f.int(Int64(chunkBytes))
        f.field(3, .i64); f.int(rows)
        f.structEnd()
        f.structEnd()
        out += f.bytes + (0..<4).map { UInt8(truncatingIfNeeded: f.bytes.count >> ($0 * 8)) } + ParquetFormat.magic
        return out
    }
}

/// Reads every row of the file at `bytes`; returns the rows, or the error's text.
private func readAll(_ bytes: [UInt8], in ws: Workspace) -> Result<[[String?]], ImgedaError> {
    let path = ws.file("f-\(UUID().uuidString.prefix(6)).parquet")
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    defer { try? FileManager.default.removeItem(atPath: path) }
    do {
        let reader = try ParquetReader(path: path)
        var rows = try reader.rows()
        var all: [[String?]] = []
        while let row = try rows.next() { all.append(row) }
        return .success(all)
    } catch {
        return .failure(error)
    }
}

private func failure(_ result: Result<[[String?]], ImgedaError>) -> String {
    if case .failure(let error) = result { return error.description }
    return "no error"
}

@Suite("Parquet reader: our writer and hostile files")
struct ParquetHostileTests {
    @Test func theHandMadeFileIsValid() throws {
        let ws = try Workspace()
        var file = HandMade()
        file.pages = [HandMade.page(.dataPage, body: HandMade.plainStrings(["a", "bc"]), values: 2)]
        #expect(try readAll(file.bytes, in: ws).get() == [["a"], ["bc"]])
        // With a dictionary: two entries, indexes 1, 0, 1 as one bit-packed group of width 1.
        file.rows = 3
        file.dictionaryPages = 1
        file.pages = [
            HandMade.page(.dictionaryPage, body: HandMade.plainStrings(["x", "y"]), values: 2),
            HandMade.page(.dataPage, body: [1, 0b11, 0b101], values: 3, encoding: .rleDictionary),
        ]
        #expect(try readAll(file.bytes, in: ws).get() == [["y"], ["x"], ["y"]])
    }

    @Test func ourWriterRoundTripsThroughOurReader() throws {
        let ws = try Workspace()
        var records: [ImageRecord] = []
        for i in 0..<250 {
            var r = ImageRecord(path: "data/ïmg \(i).jpg", filename: "ïmg \(i).jpg")
            r.width = i * 3
            r.height = i % 7 == 0 ? 0 : 480
            r.aspectRatio = Double(i) / 7
            r.isCorrupt = i % 5 == 0
            r.corruptReason = r.isCorrupt ? "truncated \"quoted\"\nline \(i)" : nil
            r.cameraMake = i % 3 == 0 ? nil : "Café ☕"
            r.phash = i % 2 == 0 ? String(repeating: "ab", count: 32) : nil
            records.append(r)
        }
        var bytes: [UInt8] = []
        var writer = try ParquetWriter { bytes += $0 }
        for r in records { try writer.append(r) }
        try writer.finish()
        let path = ws.file("m.parquet")
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))

        let reader = try ParquetReader(path: path)
        let columns = ExportColumns.parquet
        #expect(reader.columns == columns.map(\.name))
        #expect(reader.flatColumns == reader.columns)
        var n = 0
        try reader.forEachRow { row in
            let want: [String?] = columns.map { column in
                switch column.value(records[n]) {
                case .null: return nil
                case .int(let v): return String(v)
                case .double(let v): return v.description
                case .bool(let v): return v ? "true" : "false"
                case .string(let v): return v
                }
            }
            #expect(row == want, "row \(n)")
            n += 1
        }
        #expect(n == records.count)
    }

    @Test func notParquetTruncatedOrEmptyIsOneClearError() throws {
        let ws = try Workspace()
        var file = HandMade()
        file.pages = [HandMade.page(.dataPage, body: HandMade.plainStrings(["a", "bc"]), values: 2)]
        let valid = file.bytes
        #expect(failure(readAll([], in: ws)).contains("too short to be a Parquet file"))
        #expect(failure(readAll(Array("<html>not parquet</html>".utf8), in: ws)).contains("does not start with PAR1"))
        #expect(failure(readAll(Array(valid.prefix(valid.count / 2)), in: ws)).contains("does not end with PAR1"))
        var absurd = valid
        for i in 0..<4 { absurd[valid.count - 8 + i] = i == 3 ? 0x7F : 0xFF }
        #expect(failure(readAll(absurd, in: ws)).contains("declares a footer of"))
        let missing = try? ParquetReader(path: ws.file("nothing.parquet"))
        #expect(missing == nil)
    }

    @Test func decompressionBombsAreRefusedBeforeAllocating() throws {
        let ws = try Workspace()
        var file = HandMade()
        file.codec = .zstd
        // 100 MiB from 64 bytes, and 300 MiB (past the page limit) from 64 bytes.
        for size in [100 << 20, 300 << 20] {
            file.pages = [HandMade.page(.dataPage, body: [UInt8](repeating: 7, count: 64), uncompressed: size, values: 2)]
            #expect(failure(readAll(file.bytes, in: ws)).contains("decompression bomb"))
        }
        // A Snappy page whose own preamble says 900,000 bytes where the header says 10.
        file.codec = .snappy
        file.pages = [HandMade.page(.dataPage, body: [0xA0, 0xF7, 0x36, 0x00, 0x61], uncompressed: 10, values: 2)]
        #expect(failure(readAll(file.bytes, in: ws)).contains("does not decompress to its declared 10 bytes"))
        // Garbage that is not ZSTD at all.
        file.codec = .zstd
        file.pages = [HandMade.page(.dataPage, body: [1, 2, 3, 4, 5, 6, 7, 8], uncompressed: 10, values: 2)]
        #expect(failure(readAll(file.bytes, in: ws)).contains("ZSTD page is corrupt"))
    }

    @Test func absurdCountsAndIndexesAreRefused() throws {
        let ws = try Workspace()
        var file = HandMade()
        file.rows = 1 << 40
        file.pages = [HandMade.page(.dataPage, body: HandMade.plainStrings(["a", "bc"]), values: 2)]
        #expect(failure(readAll(file.bytes, in: ws)).contains("implausible"))
        // A page that claims more values than the row group has rows.
        file.rows = 2
        file.pages = [HandMade.page(.dataPage, body: HandMade.plainStrings(["a", "bc"]), values: 2_000_000)]
        #expect(failure(readAll(file.bytes, in: ws)).contains("where 2 remain"))
        // A string longer than its page.
        file.pages = [HandMade.page(.dataPage, body: [0xFF, 0xFF, 0xFF, 0x7F, 0x61], values: 2)]
        #expect(failure(readAll(file.bytes, in: ws)).contains("bytes where"))
        // A dictionary index past the dictionary (an RLE run of the value 3, width 2).
        file.dictionaryPages = 1
        file.pages = [
            HandMade.page(.dictionaryPage, body: HandMade.plainStrings(["x", "y"]), values: 2),
            HandMade.page(.dataPage, body: [2, 4, 3], values: 2, encoding: .rleDictionary),
        ]
        #expect(failure(readAll(file.bytes, in: ws)).contains("refers to entry 3 of a dictionary of 2"))
        // DELTA lengths whose block of 100 values is not a multiple of 128.
        file.dictionaryPages = 0
        file.pages = [HandMade.page(.dataPage, body: [100, 4, 2, 0, 0, 0, 0, 0], values: 2, encoding: .deltaLengthByteArray)]
        #expect(failure(readAll(file.bytes, in: ws)).contains("DELTA_BINARY_PACKED header of 100 values"))
        // A run-length run that claims two billion values yields only the two rows asked for.
        file.dictionaryPages = 1
        file.pages = [
            HandMade.page(.dictionaryPage, body: HandMade.plainStrings(["x", "y"]), values: 2),
            HandMade.page(.dataPage, body: [1, 0xFE, 0xFF, 0xFF, 0xFF, 0x0F, 1], values: 2, encoding: .rleDictionary),
        ]
        #expect(try readAll(file.bytes, in: ws).get() == [["y"], ["y"]])
    }

    @Test func aFooterNestedWithoutEndIsRefused() throws {
        let ws = try Workspace()
        // Field 1 of type struct, again and again: 100,000 levels deep.
        let footer = [UInt8](repeating: 0x1C, count: 100_000)
        let bytes = ParquetFormat.magic + footer + (0..<4).map { UInt8(truncatingIfNeeded: footer.count >> ($0 * 8)) } + ParquetFormat.magic
        #expect(failure(readAll(bytes, in: ws)).contains("nests deeper than"))
    }

    /// Every truncation and thousands of random byte changes of valid files end in rows or
    /// in an ImgedaError — never a crash or a hang.
    @Test func damagedFilesNeverCrash() throws {
        let ws = try Workspace()
        var records: [ImageRecord] = []
        for i in 0..<40 {
            var r = ImageRecord(path: "p\(i).jpg", filename: "p\(i).jpg")
            r.cameraMake = i % 2 == 0 ? "Nikon" : nil
            records.append(r)
        }
        var written: [UInt8] = []
        var writer = try ParquetWriter { written += $0 }
        for r in records { try writer.append(r) }
        try writer.finish()
        var dictionary = HandMade()
        dictionary.rows = 3
        dictionary.dictionaryPages = 1
        dictionary.pages = [
            HandMade.page(.dictionaryPage, body: HandMade.plainStrings(["x", "y"]), values: 2),
            HandMade.page(.dataPage, body: [1, 0b11, 0b101], values: 3, encoding: .rleDictionary),
        ]
        var generator = SystemRandomNumberGenerator()
        var outcomes = (rows: 0, errors: 0)
        for original in [written, dictionary.bytes] {
            for length in stride(from: 0, to: original.count, by: max(1, original.count / 100)) {
                if case .success = readAll(Array(original.prefix(length)), in: ws) { outcomes.rows += 1 } else { outcomes.errors += 1 }
            }
            for _ in 0..<300 {
                var damaged = original
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    damaged[Int.random(in: 0..<damaged.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                if case .success = readAll(damaged, in: ws) { outcomes.rows += 1 } else { outcomes.errors += 1 }
            }
        }
        #expect(outcomes.errors > 0)
    }
}
