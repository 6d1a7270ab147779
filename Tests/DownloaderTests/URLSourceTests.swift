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
            "\(error)".contains("no URL column") && "\(error)".contains("caption, label") && "\(error)".contains("--url-column")
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

    @Test func formatsAreGuessedFromTheName() {
        #expect(URLListFormat.guess(path: "a.CSV") == .csv)
        #expect(URLListFormat.guess(path: "a.tsv") == .tsv)
        #expect(URLListFormat.guess(path: "a.jsonl") == .jsonl)
        #expect(URLListFormat.guess(path: "a.parquet") == .parquet)
        #expect(URLListFormat.guess(path: "list") == .text)
    }
}
