import ArgumentParser
import DatasetAnalysis
import DatasetIO
import DatasetReport
import Foundation
import ObjectStorage

#if canImport(Glibc)
    import Glibc
#endif

extension Imgeda {
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Join partial manifests (the shards of a scan or download) into one.",
            discussion: """
                The result holds the records a single scan of all the files writes: one per file \
                (the newest, when parts overlap), ordered by path. Parts made with other settings \
                or another imgeda version are refused, naming the part and the setting; when the \
                parts are shards (`scan --shard I/N`), a missing shard is named. Memory stays \
                flat however many records there are.
                """
        )

        @Argument(help: "Partial manifests: files, or quoted globs such as 'parts/*.jsonl'.", completion: .file(extensions: ["jsonl"]))
        var parts: [String]

        @Option(name: [.short, .long], help: "The merged manifest to write.", completion: .file(extensions: ["jsonl"]))
        var output: String

        @Flag(help: "Print the summary as JSON.")
        var json = false

        @Flag(name: [.short, .long], help: "Print nothing but errors.")
        var quiet = false

        func run() throws {
            let files = try Self.expand(parts)
            let summary = try ManifestMerge(parts: files, output: output, toolVersion: Imgeda.version).run()
            for part in summary.parts where part.incomplete && !quiet {
                let name = part.shard.map { "shard \($0) (\(part.path))" } ?? part.path
                Console.err(
                    "Warning: \(name) holds records of \(Console.grouped(part.records)) of the \(Console.grouped(part.expectedFiles)) files its run found; if it was stopped, run it again (it resumes) and merge again."
                )
            }
            if json {
                Console.out(try JSONRenderer.text(summary))
                return
            }
            guard !quiet else { return }
            let what =
                summary.shardCount.map { "\($0) \($0 == 1 ? "shard" : "shards")" }
                ?? Plural.count(summary.parts.count, "manifest")
            var line = "Merged \(what) into \(output): \(Plural.count(summary.records, "record"))"
            if summary.supersededRecords > 0 {
                line += "; \(Console.grouped(summary.supersededRecords)) older records of the same files dropped"
            }
            if summary.damagedLines > 0 { line += "; \(Plural.count(summary.damagedLines, "damaged line")) skipped" }
            Console.out(line + ".")
        }

        /// The part files: each argument as a path, or, when it holds `*`, `?` or `[`, the
        /// files its glob matches (in sorted order). A glob that matches nothing is an error.
        /// An `s3://` part: the object itself when it names a `.jsonl` file, else every
        /// `.jsonl` object under the prefix (read through the manifest reader's S3 staging).
        static func s3Parts(_ argument: String) throws -> [String] {
            let location = try S3Location(url: argument)
            if location.key.hasSuffix(".jsonl") { return [location.description] }
            let root = S3Location(bucket: location.bucket, key: location.prefix)
            let parts = try S3Terminal.withClient { client in
                var found: [String] = []
                for try await object in client.listObjects(root) where object.key.hasSuffix(".jsonl") {
                    found.append(S3Location(bucket: root.bucket, key: object.key).description)
                }
                return found
            }
            guard !parts.isEmpty else {
                throw ImgedaError(.notFound, "no .jsonl part under \(root)", remedy: "check the bucket and prefix")
            }
            return parts.sorted()
        }

        static func expand(_ arguments: [String]) throws -> [String] {
            var files: [String] = []
            for argument in arguments {
                if S3Location.isS3(argument) {
                    files += try Self.s3Parts(argument)
                    continue
                }
                guard argument.contains(where: { "*?[".contains($0) }) else {
                    files.append(argument)
                    continue
                }
                var matches = glob_t()
                defer { globfree(&matches) }
                guard glob(argument, 0, nil, &matches) == 0, matches.gl_pathc > 0 else {
                    throw ImgedaError(.notFound, "no file matches \(argument)", remedy: "check the pattern and the folder")
                }
                for i in 0..<Int(matches.gl_pathc) {
                    if let path = matches.gl_pathv[i] { files.append(String(cString: path)) }
                }
            }
            return files
        }
    }
}
