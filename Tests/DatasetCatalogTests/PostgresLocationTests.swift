import DatasetAnalysis
import NIOSSL
import PostgresNIO
import Testing

@testable import DatasetCatalog
@testable import DatasetCatalogPostgres

@Suite("PostgreSQL location and full-text words")
struct PostgresLocationTests {
    @Test func aFullURLGivesEveryPart() throws {
        let location = try PostgresLocation(url: "postgresql://ana:s%40cret@db.example:6543/photos?schema=family&sslmode=require")
        #expect(location.host == "db.example")
        #expect(location.port == 6543)
        #expect(location.user == "ana")
        #expect(location.password == "s@cret")
        #expect(location.database == "photos")
        #expect(location.schema == "family")
        #expect(location.tls == .require)
        // Shown without the password.
        #expect(location.description == "postgresql://ana@db.example:6543/photos?schema=family&sslmode=require")
    }

    @Test func defaultsAreLibpqs() throws {
        let location = try PostgresLocation(url: "postgres://ana@127.0.0.1")
        #expect(location.port == 5432)
        #expect(location.database == "ana")
        #expect(location.schema == "public")
        #expect(location.tls == .prefer)
        #expect(location.password == nil)
    }

    /// `prefer` as libpq means it: TLS when offered, no certificate checked (so no root bundle
    /// is read per connection); `require` checks the server; `disable` has no TLS.
    @Test func preferChecksNoCertificateAndRequireChecksTheServer() {
        #expect(PostgresCatalogStore.tlsConfiguration(.disable) == nil)
        #expect(PostgresCatalogStore.tlsConfiguration(.prefer)?.certificateVerification == CertificateVerification.none)
        #expect(PostgresCatalogStore.tlsConfiguration(.require)?.certificateVerification == .fullVerification)
    }

    /// `require` never falls back to plain text: a TLS context that cannot be made fails the
    /// connection; `prefer` goes on without TLS.
    @Test func requireFailsWithoutATLSContextAndPreferGoesOn() throws {
        struct NoContext: Error {}
        let failing: (TLSConfiguration) throws -> NIOSSLContext = { _ in throw NoContext() }
        #expect(throws: NoContext.self) { try PostgresCatalogStore.connectionTLS(.require, makeContext: failing) }
        #expect(try PostgresCatalogStore.connectionTLS(.prefer, makeContext: failing).sslContext == nil)
        #expect(try PostgresCatalogStore.connectionTLS(.require).sslContext != nil)
        #expect(try PostgresCatalogStore.connectionTLS(.prefer).sslContext != nil)
        #expect(try PostgresCatalogStore.connectionTLS(.disable).sslContext == nil)
    }

    @Test(arguments: [
        "http://ana@127.0.0.1/photos", "postgresql://127.0.0.1/photos", "postgresql://ana@/photos",
        "postgresql://ana@127.0.0.1/a/b", "postgresql://ana@127.0.0.1/photos?schema=", "postgresql://ana@127.0.0.1/photos?schema=1a",
        "postgresql://ana@127.0.0.1/photos?schema=a;drop", "postgresql://ana@127.0.0.1/photos?sslmode=verify",
        "postgresql://ana@127.0.0.1/photos?user=bob",
    ])
    func aBadURLIsRefusedWithTheFix(url: String) {
        #expect {
            try PostgresLocation(url: url)
        } throws: { error in
            guard let error = error as? ImgedaError else { return false }
            return error.code == .invalidDatabaseURL && error.remedy?.description.contains("postgresql://USER@HOST") == true
        }
    }

    @Test func wordsAreFTS5Unicode61s() {
        #expect(CatalogWords.words("2023/Café_2023.jpg") == ["2023", "cafe", "2023", "jpg"])
        #expect(CatalogWords.words("  Canon EOS-R6 ") == ["canon", "eos", "r6"])
        #expect(CatalogWords.words("Straße") == ["straße"])
        #expect(CatalogWords.words("%_ -").isEmpty)
    }

    @Test func asciiTextHasTheWordsOfTheFoldingPath() {
        let every = String(decoding: (0..<128).map { UInt8($0) }, as: UTF8.self)
        var texts = (0..<128).map { String(decoding: [UInt8($0), UInt8(ascii: "a"), UInt8($0)], as: UTF8.self) }
        texts += [every, "", "IMG_20230714_160211.JPG", "Canon EOS R6 Mark II", "RF24-105mm F4 L IS USM", "a\tb\nc\\d'e\"f"]
        for text in texts {
            #expect(CatalogWords.asciiWords(text) == CatalogWords.foldedWords(text), "\(text.debugDescription)")
        }
        #expect(CatalogWords.asciiWords("Café") == nil)
        #expect(CatalogWords.words("Café") == ["cafe"])
    }

    @Test func aTSVectorLiteralHasEachWordOnceWithItsPositionsPerText() {
        // Each text starts 100 positions after the previous one ended.
        #expect(PostgresCatalogStore.tsvector(["a/b a", "", "it's"]) == "'a':1,3 'b':2 'it':204 's':205")
        #expect(PostgresCatalogStore.tsvector([]).isEmpty)
        // Past 32 distinct words the words are numbered by a table: the same literal.
        let many = (1...40).map { "w\($0)" }
        let expected = many.enumerated().map { "'\($1)':\($0 + 1),\($0 + 41)" }.joined(separator: " ")
        #expect(PostgresCatalogStore.tsvector([(many + many).joined(separator: " ")]) == expected)
        #expect(PostgresCatalogStore.lexeme("o'k\\") == "'o''k\\\\'")
    }

    /// The literal of ASCII texts, made on their bytes, is the one made word by word.
    @Test func aTSVectorOfASCIITextsIsTheOneMadeWordByWord() {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["IMG", "img", "2023", "07", "Canon", "EOS", "R6", "a", "A", "beach", "Beach", "x1", "", "0"]
        let gaps = [" ", "/", "_", "-", ".", "'", "\\", "\t", "\n", ", ", "  "]
        var cases: [[String]] = [[], [""], ["", ""], ["a"], ["-"], ["a a a"], [String(repeating: "w ", count: 17_000)]]
        cases.append([(1...100).map { "w\($0)" }.joined(separator: " ")])
        for _ in 0..<500 {
            cases.append(
                (0..<Int.random(in: 1...5, using: &generator)).map { _ in
                    (0..<Int.random(in: 0...12, using: &generator)).map { _ in
                        (pieces.randomElement(using: &generator) ?? "") + (gaps.randomElement(using: &generator) ?? "")
                    }.joined()
                })
        }
        for texts in cases {
            var folded: [UInt8] = []
            PostgresCatalogStore.appendFoldedTSVector(texts, into: &folded)
            var out: [UInt8] = []
            let ascii = PostgresCatalogStore.appendASCIITSVector(texts, into: &out)
            #expect(ascii == (Set(texts.flatMap(CatalogWords.words)).count <= PostgresCatalogStore.asciiDistinctWords))
            if ascii { #expect(out == folded, "\(texts)") } else { #expect(out.isEmpty) }
        }
        var out: [UInt8] = []
        #expect(!PostgresCatalogStore.appendASCIITSVector(["ok", "Café"], into: &out) && out.isEmpty)
    }

    @Test func integersAreWrittenInDecimal() {
        for value in [0, 7, -1, 10, 99, 100, 1_234_567, -9_876_543_210, Int.max, Int.min] {
            var out: [UInt8] = [UInt8(ascii: "x")]
            PostgresCatalogStore.appendDecimal(value, into: &out)
            #expect(String(decoding: out, as: UTF8.self) == "x\(value)")
        }
    }
}
