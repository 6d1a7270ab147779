import ArgumentParser
import DatasetAnalysis
import ExampleData
import Foundation
import ImageDecoding

extension Imgeda {
    struct Example: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "example",
            abstract: "Write a small example dataset with one of each problem, to try imgeda on."
        )

        @Argument(help: "Folder to create.", completion: .directory)
        var directory = "imgeda-example"

        @Flag(help: "Write into the folder even if it already holds files (ours replace theirs of the same name).")
        var force = false

        func validate() throws {
            let existing = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            if !force && !existing.isEmpty {
                throw ValidationError(
                    "\(directory) already holds \(Plural.count(existing.count, "entry", plural: "entries")); the example writes broken files on purpose, so name a new folder (or add --force)"
                )
            }
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), !isFolder.boolValue {
                throw ValidationError("\(directory) is a file, not a folder; name a new folder for the example")
            }
        }

        func run() throws {
            if let message = ImageDecoder.startLibvips() {
                throw ValidationError("libvips failed to start: \(message) (is libvips installed? `apt-get install libvips-dev`)")
            }
            let entries = try ExampleDataset.write(to: directory)
            Console.out("Wrote \(entries.count) files to \(directory):")
            for entry in entries {
                Console.out("  \(entry.relativePath.padding(toLength: 36, withPad: " ", startingAt: 0)) \(entry.shows)")
            }
            Console.out("Next: imgeda scan \(directory) -o \(directory).jsonl")
        }
    }
}
