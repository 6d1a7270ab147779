import DatasetAnalysis
import Foundation
import Testing

@Suite("escaping")
struct EscapingTests {
    @Test func xmlEscapesMarkupAndReplacesCharactersXMLForbids() {
        #expect(Escape.xml("a<b>&\"c\"") == "a&lt;b&gt;&amp;&quot;c&quot;")
        #expect(Escape.xml("Canon\u{1B}[31m\u{07}\u{0}x") == "Canon\u{FFFD}[31m\u{FFFD}\u{FFFD}x")
        #expect(Escape.xml("tab\tline\nok") == "tab\tline\nok")
        #expect(Escape.xml("\u{FFFE}") == "\u{FFFD}")
        #expect(Escape.xml("plain café ☕") == "plain café ☕")
    }

    /// A path component is a name as it is when it can be one (printable ASCII or not), else
    /// with slashes, backslashes and control characters replaced, cut at a character
    /// boundary to ``Escape/pathComponentLimit`` bytes, and never empty, "." or "..".
    @Test func pathComponentsStayOneNameInTheirFolder() {
        #expect(Escape.pathComponent("IMG_0001.JPG") == "IMG_0001.JPG")
        #expect(Escape.pathComponent("Été à Çà.jpg") == "Été à Çà.jpg")
        #expect(Escape.pathComponent("a/b\\c") == "a_b_c")
        #expect(Escape.pathComponent("tab\there\u{7F}\u{85}") == "tab_here__")
        #expect(Escape.pathComponent("") == "_")
        #expect(Escape.pathComponent(".") == "_")
        #expect(Escape.pathComponent("..") == "_")
        #expect(Escape.pathComponent("...") == "...")
        let long = String(repeating: "a", count: Escape.pathComponentLimit + 9)
        #expect(Escape.pathComponent(long) == String(repeating: "a", count: Escape.pathComponentLimit))
        #expect(Escape.pathComponent(String(repeating: "a", count: Escape.pathComponentLimit)).utf8.count == Escape.pathComponentLimit)
        let wide = String(repeating: "é", count: Escape.pathComponentLimit)
        #expect(Escape.pathComponent(wide) == String(repeating: "é", count: Escape.pathComponentLimit / 2))
    }

    @Test func markdownLeavesNoLiveHTMLOrCodeSpans() {
        let name = "x`<img src=x onerror=alert(1)>`|*y*.jpg"
        let escaped = Escape.markdown(name)
        #expect(!escaped.contains("<"))
        #expect(!escaped.contains(">"))
        #expect(escaped.contains("\\`"))
        #expect(escaped.contains("\\|"))
        #expect(escaped.contains("\\*y\\*"))
        #expect(Escape.markdown("a\nb") == "a b")
    }

    @Test func terminalShowsControlCharactersAsVisibleEscapes() {
        let shown = Escape.terminal("a\u{1B}]0;title\u{07}b\u{7F}c\u{9B}d\re")
        #expect(shown == "a\\x1B]0;title\\x07b\\x7Fc\\x9Bd\\x0De")
        #expect(!shown.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        #expect(Escape.terminal("one\ntwo", keepingNewlines: true) == "one\ntwo")
        #expect(Escape.terminal("one\ntwo") == "one\\x0Atwo")
    }

    @Test func csvCellsQuoteAndNeutraliseFormulas() {
        #expect(Escape.csvCell("=HYPERLINK(\"http://x\",\"y\")") == "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"")
        for start in ["=", "+", "-", "@", "\t", "\r"] {
            #expect(Escape.csvCell(start + "1").hasPrefix("'") || Escape.csvCell(start + "1").hasPrefix("\"'"), "\(start)")
        }
        #expect(Escape.csvCell("a,b") == "\"a,b\"")
        #expect(Escape.csvCell("plain.jpg") == "plain.jpg")
    }

    /// Every string, however odd, comes back from a JSON parser as it went in, and the
    /// escaped text holds no raw control character.
    @Test func jsonStringsParseBackExactly() throws {
        let texts = [
            "plain/path.jpg", "quote\" and \\ backslash", "line\nfeed\rreturn\ttab", "\u{0}\u{1}\u{1F}\u{7F}", "café ☕ 🇯🇵",
            "", "\u{2028}\u{2029}",
        ]
        for text in texts {
            var out: [UInt8] = []
            Escape.jsonString(text, into: &out)
            #expect(!out.contains { $0 < 0x20 || $0 == 0x7F }, "\(text.debugDescription)")
            let parsed = try JSONSerialization.jsonObject(with: Data(out), options: [.fragmentsAllowed]) as? String
            #expect(parsed == text, "\(text.debugDescription)")
        }
        var out: [UInt8] = []
        Escape.jsonString("a\u{1}\"", into: &out)
        #expect(String(decoding: out, as: UTF8.self) == #""a\u0001\"""#)
    }
}
