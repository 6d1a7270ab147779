import ArgumentParser
import DatasetAnalysis
import DatasetIO
import DatasetPipeline
import Foundation

/// `imgeda` with no arguments on a terminal: asks where the images are, shows what it found
/// (format, splits, classes, image count), lets the user choose splits, analyses, workers and
/// the manifest, then scans and summarises. Every question has a default (Enter accepts it);
/// end of input (Ctrl-D) leaves without doing anything.
enum Wizard {
    struct Ended: Error {}

    static func ask(_ question: String, default value: String) throws -> String {
        Console.errRaw("\(question) [\(value)]: ")
        guard let line = readLine() else {
            Console.err("")
            throw Ended()
        }
        let answer = line.trimmingCharacters(in: .whitespaces)
        return answer.isEmpty ? value : answer
    }

    /// A path as a shell would read it: `~` and `~/…` are the home folder.
    static func expandingTilde(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return home + path.dropFirst()
    }

    /// A file to write: an existing one is replaced only when the user says so; otherwise
    /// another name is asked for, with the first free one as its default.
    static func confirmOutput(_ path: String) throws -> String {
        var path = path
        while FileManager.default.fileExists(atPath: path) {
            if try ask("  \(path) exists. Replace it? (y/n)", default: "n").lowercased().hasPrefix("y") { return path }
            path = expandingTilde(try ask("  Another file name", default: nextFreeName(path)))
        }
        return path
    }

    /// `report.html` → `report-2.html` (or -3, …): the first name not taken.
    static func nextFreeName(_ path: String) -> String {
        let ext = (path as NSString).pathExtension
        let stem = ext.isEmpty ? path : String(path.dropLast(ext.count + 1))
        var n = 2
        while true {
            let candidate = ext.isEmpty ? "\(stem)-\(n)" : "\(stem)-\(n).\(ext)"
            if !FileManager.default.fileExists(atPath: candidate) { return candidate }
            n += 1
        }
    }

    static func run() -> Int32 {
        do {
            return try conversation()
        } catch is Ended {
            Console.err("Nothing done.")
            return 0
        } catch let error as ImgedaError {
            Console.err("Error: \(error.commandLine)")
            return 1
        } catch {
            Console.err("Error: \(error)")
            return 1
        }
    }

    private static func conversation() throws -> Int32 {
        Console.err("imgeda \(Imgeda.version) — let's look at an image collection. Press Enter to accept a default, Ctrl-D to leave.")
        var root = ""
        var layout: DatasetLayout?
        while layout == nil {
            root = expandingTilde(try ask("Where are the images?", default: "."))
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
                Console.err("  \(root) is not a folder; try again.")
                continue
            }
            do {
                let found = try DatasetDetector.detect(root)
                guard found.imageCount > 0 else {
                    Console.err(
                        "  No images in \(root) (looked for \(Discovery.defaultExtensions.joined(separator: ", "))); try another folder.")
                    continue
                }
                layout = found
            } catch {
                Console.err("  \(error.commandLine)")
            }
        }
        guard let layout else { return 1 }
        var found =
            "Found \(Plural.count(layout.imageCount, "image")): \(layout.format == "flat" ? "a plain folder" : "a \(layout.format.uppercased()) dataset")"
        if !layout.splitCounts.isEmpty {
            found += ", splits " + layout.splitList
        }
        if !layout.classNames.isEmpty {
            let shown = layout.classNames.prefix(8).joined(separator: ", ")
            found += ", \(layout.classNames.count) classes (\(shown)\(layout.classNames.count > 8 ? ", …" : ""))"
        }
        Console.err(found + ".")

        var splits: Set<String>?
        if layout.splitCounts.count > 1 {
            let names = layout.splits.map(\.name)
            while true {
                let answer = try ask("Which splits? (comma-separated: \(names.joined(separator: ",")))", default: "all")
                if answer == "all" { break }
                let chosen = Set(answer.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                let unknown = chosen.subtracting(names)
                if unknown.isEmpty && !chosen.isEmpty {
                    splits = chosen
                    break
                }
                Console.err("  Unknown split \(unknown.sorted().joined(separator: ", ")); choose from \(names.joined(separator: ", ")).")
            }
        }

        var settings = ScanSettings()
        while true {
            let answer = try ask("Analyses: 1 = everything (statistics, blur, hashes, EXIF), 2 = metadata only (fastest)", default: "1")
            if answer == "1" { break }
            if answer == "2" {
                settings.skipPixelStats = true
                settings.includeHashes = false
                break
            }
            Console.err("  Answer 1 or 2.")
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var workers = cores
        while true {
            let answer = try ask("Worker processes", default: String(cores))
            if let n = Int(answer), n >= 1 {
                workers = n
                break
            }
            Console.err("  A whole number of 1 or more, please.")
        }
        let output = expandingTilde(try ask("Manifest to write", default: "./imgeda_manifest.jsonl"))
        let summarise = try ask("Show the problem summary (check all) when done? (y/n)", default: "y").lowercased().hasPrefix("y")
        let reportAnswer = try ask("Write an HTML report? (a file name, or n)", default: "imgeda_report.html")
        var reportPath: String?
        if !["n", "no"].contains(reportAnswer.lowercased()) {
            reportPath = try confirmOutput(expandingTilde(reportAnswer))
        }

        var configuration = ScanConfiguration(
            roots: [root], output: output, settings: settings, workers: workers,
            workerExecutable: Imgeda.Scan.executablePath(), toolVersion: Imgeda.version)
        configuration.splits = splits
        let summary = try ScanRunner(configuration: configuration).runInTerminal(quiet: false)
        if summary.stopped != nil {
            Console.err(
                "Stopped: \(Plural.count(summary.analysed, "image")) saved to \(output). Resume with: imgeda scan \(root) -o \(output)")
            return 130
        }
        Console.out(
            "Scanned \(Plural.count(summary.totalRecords, "image")) into \(output) in \(String(format: "%.1f", summary.seconds)) s.")
        if summarise {
            let all = try Imgeda.Check.All.parse(["-m", output, "--examples", "5"])
            try all.run()
        }
        if let reportPath {
            let report = try Imgeda.Report.parse(["-m", output, "-o", reportPath])
            try report.run()
        }
        Console.out(
            "Next time, the same without questions: imgeda scan \(Imgeda.Scan.shellQuoted(root)) -o \(Imgeda.Scan.shellQuoted(output))"
                + (reportPath.map { " && imgeda report -m \(Imgeda.Scan.shellQuoted(output)) -o \(Imgeda.Scan.shellQuoted($0))" } ?? ""))
        return 0
    }
}
