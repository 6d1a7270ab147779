import DatasetAnalysis
import Testing

@Suite("library query language")
struct CatalogQueryTests {
    @Test func theIssuesExampleParsesIntoItsTerms() throws {
        let query = try CatalogQuery.parse(
            #"sunset tag:beach camera:"Canon EOS R6" date:2023-07 format:png is:blurry is:duplicate status:rejected width>=1024"#)
        #expect(
            query.terms.map(\.filter) == [
                .text("sunset"), .tag(category: nil, value: "beach"), .camera("Canon EOS R6"), .date(from: "2023-07", through: "2023-07"),
                .format("PNG"), .flag(.blurry), .flag(.duplicate), .status(.rejected), .compare(.record(.width), .greaterOrEqual, 1024),
            ])
        #expect(query.terms.allSatisfy { !$0.negated })
        #expect(query.terms.map(\.position) == [1, 8, 18, 40, 53, 64, 74, 87, 103])
    }

    @Test func negationPhrasesCategoriesAndRanges() throws {
        let query = try CatalogQuery.parse(#"-tag:private "golden hour" tag:place:Lisbon date:2023-06..2023-08 rating<3 -is:dark"#)
        #expect(
            query.terms.map(\.filter) == [
                .tag(category: nil, value: "private"), .text("golden hour"), .tag(category: "place", value: "Lisbon"),
                .date(from: "2023-06", through: "2023-08"), .compare(.rating, .less, 3), .flag(.dark),
            ])
        #expect(query.terms.map(\.negated) == [true, false, false, false, false, true])
    }

    @Test func escapedQuotesAndAnEmptyQuery() throws {
        #expect(try CatalogQuery.parse(#"caption:"say \"hi\"""#).terms.map(\.filter) == [.caption(#"say "hi""#)])
        #expect(try CatalogQuery.parse("   ").terms.isEmpty)
        // A lone dash is a word, not a negation of nothing.
        #expect(try CatalogQuery.parse("a - b").terms.map(\.filter) == [.text("a"), .text("-"), .text("b")])
    }

    @Test(arguments: [
        ("colour:red", "unknown filter 'colour:' at position 1"),
        ("sunset tag:", "'tag:' has no value at position 8"),
        (#"camera:"Canon"#, "the quote at position 8 is never closed"),
        ("width>=big", "'big' is not a number at position 1"),
        ("beach camera>=3", "'camera' cannot be compared at position 7"),
        ("status:deleted", "unknown status 'deleted' at position 1"),
        ("is:pretty", "unknown is:pretty at position 1"),
        ("date:July", "'July' is not a date at position 1"),
        ("date:2023-7", "'2023-7' is not a date at position 1"),
        (#"ab"cd"#, "a quote inside a word at position 3"),
        ("width>=", "'width>=' has no value at position 1"),
    ])
    func badQueriesNameTheProblemAndItsPosition(text: String, message: String) {
        #expect {
            try CatalogQuery.parse(text)
        } throws: { error in
            guard let error = error as? ImgedaError else { return false }
            return error.code == .queryInvalid && error.message == "query: \(message)" && !error.description.contains("\n")
        }
    }
}
