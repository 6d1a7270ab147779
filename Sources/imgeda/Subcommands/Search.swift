import ArgumentParser
import DatasetAnalysis
import DatasetCatalog
import DatasetCatalogSQLite
import DatasetReport
import Foundation

extension Imgeda {
    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "search",
            abstract: "Search a library: free text plus filters; prints paths (or --json).",
            discussion: """
                Words match tags, captions, paths, camera and lens ("quoted phrases" too). Filters: tag:beach \
                tag:place:Lisbon camera:"Canon EOS R6" lens:50mm path:2023/ (starts with; path:*beach contains) caption:sunset format:png \
                date:2023-07 (or 2023, 2023-07-14, 2023-06..2023-08; local capture time) status:rejected \
                is:blurry|dark|overexposed|corrupt|bordered|gps|duplicate|tagged|captioned|keeper \
                sha:ab12 split:train class:cat, and comparisons width>=1024 height<600 size>1000000 iso>=800 \
                rating>=4 quality>=70. A leading - negates a term: -tag:private. Every term must hold.
                """)

        @OptionGroup var library: LibraryOptions

        @Argument(help: "The query (quote it for the shell). Empty finds everything.")
        var query: String = ""

        @Option(help: "Order: path, newest (capture date), quality, size (largest file first) or pixels (most first).")
        var order: String = "path"

        @Option(help: "Print at most this many (all when 0).")
        var limit = 0

        @Flag(help: "Print only how many images match.")
        var count = false

        @Flag(help: "Print the hits as JSON (path, sha256, size, capture date and its source, quality, status, tags, caption).")
        var json = false

        func validate() throws {
            guard CatalogOrder(rawValue: order) != nil else {
                throw ValidationError(
                    "--order must be one of \(CatalogOrder.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(order)')")
            }
            if limit < 0 { throw ValidationError("--limit must be 0 (all) or more (got \(limit))") }
        }

        func run() throws {
            let parsed: CatalogQuery
            do { parsed = try CatalogQuery.parse(query) } catch { throw ValidationError(error.description) }
            let library = try library.library()
            let store = try LibraryContext.open(library, index: try self.library.index(), quiet: json, reading: true)
            let order = CatalogOrder(rawValue: order) ?? .path
            if count {
                let n = try runBlocking { try await store.count(parsed) }
                Console.out(json ? "{\"count\": \(n)}" : "\(n)")
                return
            }
            let limit = limit
            let hits = try runBlocking {
                limit > 0
                    ? try await store.search(parsed, order: order, after: nil, limit: limit).hits
                    : try await store.searchAll(parsed, order: order)
            }
            if json {
                Console.out(try JSONRenderer.text(hits))
                return
            }
            for hit in hits { Console.out(library.absolutePath(hit.path)) }
        }
    }
}
