import ArgumentParser
import DatasetAnalysis
import DatasetCatalog
import DatasetCatalogSQLite
import DatasetReport
import Foundation

extension Imgeda {
    struct TagCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tag",
            abstract: "Tag, caption, rate and review images of a library, by path or by search.",
            usage: """
                imgeda tag DIR add TAG... (--path FILE... | --search QUERY)
                imgeda tag DIR remove TAG... (--path FILE... | --search QUERY)
                imgeda tag DIR list [--path FILE... | --search QUERY]
                imgeda tag DIR caption TEXT (--path FILE... | --search QUERY)
                imgeda tag DIR status active|flagged|rejected|selected|archived (--path FILE... | --search QUERY)
                imgeda tag DIR rate 0-5 (--path FILE... | --search QUERY)
                """,
            discussion: """
                Each change is written to the picture's sidecar (DIR/.imgeda/sidecars/…) first, then to the index. \
                Tags are `value` or `category:value` (place:Lisbon). Byte-identical copies share their tags.
                """
        )

        enum Action: String, ExpressibleByArgument, CaseIterable {
            case add, remove, list, caption, status, rate
        }

        @OptionGroup var library: LibraryOptions

        @Argument(help: "add, remove, list, caption, status or rate.")
        var action: Action

        @Argument(help: "Tags (`beach`, `place:Lisbon`), the caption, the status or the stars.")
        var values: [String] = []

        @OptionGroup var target: LibraryTargetOptions

        @Flag(help: "Print the result as JSON.")
        var json = false

        func validate() throws {
            switch action {
            case .add, .remove:
                guard !values.isEmpty else { throw ValidationError("name at least one tag, e.g. `beach` or `place:Lisbon`") }
                for tag in values where tag.trimmingCharacters(in: .whitespaces).isEmpty || tag.contains("\n") {
                    throw ValidationError("'\(tag)' is not a tag: write a word or category:value, without line breaks")
                }
            case .list:
                guard values.isEmpty else { throw ValidationError("list takes no tags: imgeda tag DIR list [--search QUERY]") }
            case .caption:
                guard values.count == 1 else {
                    throw ValidationError("caption takes one text (quote it): imgeda tag DIR caption \"A sunset\" --path FILE")
                }
            case .status:
                guard values.count == 1, ImageStatus(rawValue: values[0].lowercased()) != nil else {
                    throw ValidationError("status takes one of \(ImageStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            case .rate:
                guard values.count == 1, let stars = Int(values[0]), (0...5).contains(stars) else {
                    throw ValidationError("rate takes 0–5 stars (0 clears the rating)")
                }
            }
        }

        func run() throws {
            let values = values
            switch action {
            case .list: try list()
            case .add:
                let tags = values.map(Tag.init(parsing:))
                try apply("Tagged") { sidecar, _ in for tag in tags { sidecar.add(tag) } }
            case .remove:
                let tags = values.map(Tag.init(parsing:))
                try apply("Untagged") { sidecar, _ in for tag in tags { sidecar.remove(tag) } }
            case .caption:
                try apply("Captioned") { sidecar, _ in sidecar.caption = values[0].isEmpty ? nil : values[0] }
            case .status:
                let status = ImageStatus(rawValue: values[0].lowercased()) ?? .active
                try apply("Marked \(status.rawValue)") { sidecar, _ in sidecar.status = status }
            case .rate:
                let stars = Int(values[0]) ?? 0
                try apply("Rated \(stars)") { sidecar, _ in sidecar.rating = stars == 0 ? nil : stars }
            }
        }

        private func apply(_ describe: String, _ change: @escaping @Sendable (inout Sidecar, String) -> Void) throws {
            let library = try library.library()
            guard let target = try target.target() else { return }
            let store = try LibraryContext.open(library, index: try self.library.index(), quiet: json)
            let editor = LibraryEditor(library: library, store: store)
            let edit = try runBlocking { try await editor.edit(target, change) }
            if json {
                Console.out(try JSONRenderer.text(edit))
            } else {
                Console.out("\(describe): \(Plural.count(edit.images.count, "image")) (\(Plural.count(edit.changed, "sidecar")) changed).")
            }
        }

        private func list() throws {
            let library = try library.library()
            let target = try target.target(required: false)
            let store = try LibraryContext.open(library, index: try self.library.index(), quiet: json)
            let editor = LibraryEditor(library: library, store: store)
            let counts = try runBlocking { try await editor.tagCounts(target).map { TagCount(tag: $0.tag, images: $0.images) } }
            if json {
                Console.out(try JSONRenderer.text(counts))
                return
            }
            for count in counts { Console.out("\(String(count.images).leftPadded(7))  \(count.tag)") }
        }

        struct TagCount: Encodable, Sendable {
            var tag: String
            var images: Int
        }
    }
}

/// Which images: paths, or `--search`.
struct LibraryTargetOptions: ParsableArguments {
    @Option(name: [.short, .long], parsing: .singleValue, help: "An image to change (repeat it for several).")
    var path: [String] = []

    @Option(name: [.short, .long], help: "Change every image this search finds (see `imgeda search --help`).")
    var search: String?

    func target(required: Bool = true) throws -> LibraryTarget? {
        if let search {
            guard path.isEmpty else { throw ValidationError("give images by --path or by --search, not both") }
            do { return .search(try CatalogQuery.parse(search)) } catch { throw ValidationError(error.description) }
        }
        if path.isEmpty {
            if required { throw ValidationError("name the images: --path FILE (repeatable) or --search \"QUERY\"") }
            return nil
        }
        return .paths(path)
    }
}
