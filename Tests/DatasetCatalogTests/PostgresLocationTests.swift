import DatasetAnalysis
import DatasetCatalog
import DatasetCatalogPostgres
import Testing

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
}
