import DatasetAnalysis
import Downloader
import Foundation
import Testing

@Suite("URL sources")
struct URLSourceTests {
    func rows(_ text: String, name: String, urlColumn: String? = nil) throws -> [URLRow] {
        let ws = try Workspace()
        try ws.write(Array(text.utf8), to: name)
        let source = try URLSource(path: ws.file(name), urlColumn: urlColumn)
        var all: [URLRow] = []
        while let row = try source.next() { all.append(row) }
        #expect(try URLSource.countRows(path: ws.file(name), urlColumn: urlColumn) == all.count)
        return all
    }

    @Test func textSkipsCommentsAndBlankLines() throws {
        let all = try rows("# a list\nhttp://a/1.jpg\n\n  http://a/2.jpg  \r\n# done\nhttp://a/3.jpg", name: "urls.txt")
        #expect(all.map(\.url) == ["http://a/1.jpg", "http://a/2.jpg", "http://a/3.jpg"])
        #expect(all.map(\.index) == [0, 1, 2])
    }

    @Test func csvFindsTheURLColumnByNameAndKeepsTheOthers() throws {
        let text = "caption,URL,label\n\"a cat, sitting\",http://a/1.jpg,cat\n\"say \"\"hi\"\"\nsecond line\",http://a/2.jpg,\n"
        let all = try rows(text, name: "urls.csv")
        #expect(all.map(\.url) == ["http://a/1.jpg", "http://a/2.jpg"])
        #expect(all[0].extra == [ExtraField("caption", "a cat, sitting"), ExtraField("label", "cat")])
        #expect(all[1].extra[0].value == "say \"hi\"\nsecond line")
        #expect(all[1].extra[1].value == "")
    }

    @Test func tsvAndAnExplicitColumn() throws {
        let all = try rows("id\tsrc_link\n7\thttp://a/7.png\n", name: "urls.tsv", urlColumn: "src_link")
        #expect(all.map(\.url) == ["http://a/7.png"])
        #expect(all[0].extra == [ExtraField("id", "7")])
    }

    @Test func aListWithoutAURLColumnIsRefusedNamingItsColumns() throws {
        let ws = try Workspace()
        try ws.write(Array("caption,label\nx,y\n".utf8), to: "bad.csv")
        #expect {
            _ = try URLSource(path: ws.file("bad.csv"))
        } throws: { error in
            "\(error)".contains("no URL column") && "\(error)".contains("caption, label")
                && (error as? ImgedaError)?.remedy == .nameURLColumn
        }
    }

    @Test func jsonLinesRowsAndBrokenLines() throws {
        let all = try rows(
            "{\"url\": \"http://a/1.jpg\", \"caption\": \"c\", \"w\": 3}\nnot json\n{\"image_url\": \"http://a/2.jpg\"}\n", name: "u.jsonl")
        #expect(all.count == 3)
        #expect(all[0].url == "http://a/1.jpg")
        #expect(all[0].extra == [ExtraField("caption", "c"), ExtraField("w", "3")])
        #expect(all[1].problem?.contains("line 2") == true)
        #expect(all[2].url == "http://a/2.jpg")
    }

    /// A list as LAION ships it: pyarrow, Snappy, dictionary-encoded strings, an upper-case
    /// `URL` column, nulls and numbers among the other columns, several row groups.
    @Test(.enabled(if: pyarrowPython != nil, "set PYTHON or IMGEDA_REFERENCE_BIN (make test does)"))
    func parquetListsAsPublicDatasetsShipThem() throws {
        let ws = try Workspace()
        for codec in ["snappy", "zstd"] {
            let path = ws.file("urls-\(codec).parquet")
            _ = try runPython(
                """
                import sys, pyarrow as pa, pyarrow.parquet as pq
                n = 1200
                t = pa.table({
                    "SAMPLE_ID": pa.array(range(n), pa.int64()),
                    "URL": [f"http://img.example/{i % 40}.jpg" for i in range(n)],
                    "TEXT": [None if i % 7 == 0 else f"caption {i % 3}" for i in range(n)],
                    "WIDTH": pa.array([float(i) for i in range(n)], pa.float64()),
                })
                pq.write_table(t, sys.argv[1], compression=sys.argv[2], use_dictionary=True, row_group_size=500)
                """, [path, codec])
            let source = try URLSource(path: path)
            var all: [URLRow] = []
            while let row = try source.next() { all.append(row) }
            #expect(all.count == 1200)
            #expect(all.map(\.index) == Array(0..<1200))
            #expect(all[41].url == "http://img.example/1.jpg")
            #expect(all[41].extra == [ExtraField("SAMPLE_ID", "41"), ExtraField("TEXT", "caption 2"), ExtraField("WIDTH", "41.0")])
            #expect(all[7].extra[1] == ExtraField("TEXT", nil))
        }
        #expect(throws: ImgedaError.self) { _ = try URLSource(path: "-", format: .parquet) }
    }

    @Test func formatsAreGuessedFromTheName() {
        #expect(URLListFormat.guess(path: "a.CSV") == .csv)
        #expect(URLListFormat.guess(path: "a.tsv") == .tsv)
        #expect(URLListFormat.guess(path: "a.jsonl") == .jsonl)
        #expect(URLListFormat.guess(path: "a.parquet") == .parquet)
        #expect(URLListFormat.guess(path: "list") == .text)
    }
}
