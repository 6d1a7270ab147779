import ArgumentParser
import ExampleData
import Foundation
import ImageDecoding

extension Imgeda {
    struct Example: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a small example dataset with one of each problem, to try imgeda on."
        )

        @Argument(help: "Folder to create.", completion: .directory)
        var directory = "imgeda-example"

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
