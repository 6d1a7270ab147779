import ArgumentParser
import DatasetAnalysis
import DatasetIO
import Foundation

extension Imgeda {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a manifest for problems: corrupt, exposure, artifacts, blur, duplicates, leakage.",
            discussion: "Nothing is ever deleted: duplicate checks name a copy to keep and the others as candidates to remove.",
            subcommands: [Corrupt.self, Exposure.self, Artifacts.self, Blur.self, Duplicates.self, Leakage.self, All.self]
        )
    }
}

/// Options every check shares.
struct CheckOutputOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "Write the full result as JSON to this file.", completion: .file(extensions: ["json"]))
    var output: String?

    @Flag(help: "Print the full result as JSON instead of the summary.")
    var json = false

    @Option(help: "How many examples the summary shows per finding.")
    var examples = 10
}

struct ManifestOption: ParsableArguments {
    @Option(name: [.short, .long], help: "Manifest to read.", completion: .file(extensions: ["jsonl"]))
    var manifest: String
}

struct DuplicateOptions: ParsableArguments {
    @Option(help: "Near-duplicate threshold: differing bits of the 256-bit pHash (default \(DuplicateFinder.defaultThreshold)).")
    var threshold = DuplicateFinder.defaultThreshold

    @Flag(help: "Also find mirrored and rotated copies (flips, 90°/180°/270° rotations).")
    var transforms = false

    func validate() throws {
        if !(0...128).contains(threshold) {
            throw ValidationError("--threshold must be between 0 and 128 bits (got \(threshold); the default is \(DuplicateFinder.defaultThreshold))")
        }
    }
}

/// The shared machinery: read manifests in one pass, run checks, print or write results.
enum CheckRunner {
    static func collect(_ manifests: [(path: String, split: String)], thresholds: CheckThresholds, candidates: Bool) throws -> CheckCollector {
        var collector = CheckCollector(thresholds: thresholds, collectCandidates: candidates)
        var records = 0
        for (path, split) in manifests {
            let reader = try ManifestReader(path: path)
            // With one manifest, a dataset scan's own splits (the records' `split`) are the splits.
            let report = try reader.forEachRecord { collector.add($0, split: split.isEmpty ? ($0.split ?? "") : split) }
            records += report.records
            if report.records == 0 {
                throw ValidationError("\(path) holds no image records (make one with `imgeda scan DIR -o \(path)`)")
            }
        }
        return collector
    }

    static func flaggedJSON(_ items: [CheckCollector.Flagged], valueKey: String) -> [[String: Any]] {
        items.map { item in
            var o: [String: Any] = ["path": item.path]
            if let v = item.value { o[valueKey] = (v * 1000).rounded() / 1000 }
            if valueKey == "reason" { o["reason"] = item.detail }
            return o
        }
    }

    static func section(_ name: String, _ items: [CheckCollector.Flagged], valueKey: String, total: Int, extra: [String: Any] = [:]) -> [String: Any] {
        var o: [String: Any] = ["count": items.count, "percent": percent(items.count, total), "items": flaggedJSON(items, valueKey: valueKey)]
        for (k, v) in extra { o[k] = v }
        return o
    }

    static func percent(_ part: Int, _ whole: Int) -> Double {
        whole > 0 ? (Double(part) * 10000 / Double(whole)).rounded() / 100 : 0
    }

    static func duplicatesJSON(_ report: DuplicateReport, _ c: [DuplicateCandidate]) -> [String: Any] {
        func group(_ g: DuplicateGroup, exact: Bool) -> [String: Any] {
            var o: [String: Any] = ["keeper": c[g.keeper].path, "remove_candidates": g.removable.map { c[$0].path }, "size": g.members.count]
            if !exact {
                o["members"] = g.members.map { m -> [String: Any] in
                    var d: [String: Any] = ["path": c[m].path, "width": c[m].width, "height": c[m].height]
                    if let distance = DuplicateFinder.distance(c[g.keeper], c[m], transforms: report.transforms) {
                        d["distance"] = distance
                    }
                    return d
                }
                o["max_distance"] = g.maxDistance
            }
            return o
        }
        let removable = report.exactGroups.reduce(0) { $0 + $1.members.count - 1 } + report.nearGroups.reduce(0) { $0 + $1.members.count - 1 }
        return [
            "threshold": report.threshold,
            "transforms": report.transforms,
            "exact_groups": report.exactGroups.map { group($0, exact: true) },
            "exact_group_count": report.exactGroups.count,
            "exact_duplicate_files": report.exactGroups.reduce(0) { $0 + $1.members.count },
            "near_groups": report.nearGroups.map { group($0, exact: false) },
            "near_group_count": report.nearGroups.count,
            "near_blank": report.nearBlank.map { c[$0].path },
            "remove_candidate_count": removable,
            "records_without_hash": report.withoutHash,
            "records_without_checksum": report.withoutChecksum,
        ]
    }

    static func leakageJSON(_ report: LeakageReport, _ c: [DuplicateCandidate]) -> [String: Any] {
        [
            "threshold": report.threshold,
            "transforms": report.transforms,
            "splits": report.splits.map { ["name": $0.name, "images": $0.size] },
            "split_pairs": report.pairs.map { p -> [String: Any] in
                [
                    "earlier": p.earlier, "later": p.later,
                    "exact_pairs": p.exactPairs, "near_pairs": p.nearPairs,
                    "leaked_images": p.leakedImages, "later_images": p.laterSize,
                    "leaked_percent": (p.leakedFraction * 10000).rounded() / 100,
                    "examples": p.examples.map { ["earlier": c[$0.earlier].path, "later": c[$0.later].path, "distance": $0.distance] },
                ]
            },
        ]
    }

    static func emit(_ object: [String: Any], options: CheckOutputOptions, summary: () -> Void) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        if let path = options.output {
            try AtomicFileWriter.write([UInt8](data), to: path)
        }
        if options.json {
            Console.out(String(decoding: data, as: UTF8.self))
        } else {
            summary()
            if let path = options.output { Console.out("Full result written to \(path).") }
        }
    }

    /// A check that lists one kind of flagged image: collect, then print or write.
    static func runList(
        _ manifest: String, thresholds: CheckThresholds, list: KeyPath<CheckCollector, [CheckCollector.Flagged]>,
        valueKey: String, extra: [String: Any], title: String, unit: String?, file: String, options: CheckOutputOptions
    ) throws {
        let c = try collect([(manifest, "")], thresholds: thresholds, candidates: false)
        let items = c[keyPath: list]
        try emit(section(file, items, valueKey: valueKey, total: c.total, extra: extra), options: options) {
            printFlagged(title, items, total: c.total, unit: unit, examples: options.examples, seeAll: "use -o \(file).json or --json")
        }
    }

    static func printFlagged(_ title: String, _ items: [CheckCollector.Flagged], total: Int, unit: String?, examples: Int, seeAll: String) {
        Console.out("\(title): \(Console.grouped(items.count)) of \(Console.grouped(total)) (\(Console.percent(items.count, of: total)))")
        for item in items.prefix(examples) {
            var line = "  \(item.path)"
            if let v = item.value, let unit { line += "  (\(unit) \(String(format: "%.1f", v)))" }
            if unit == nil { line += "  — \(item.detail)" }
            Console.out(line)
        }
        if items.count > examples { Console.out("  … and \(Console.grouped(items.count - examples)) more: \(seeAll)") }
    }

    static func printDuplicates(_ report: DuplicateReport, _ c: [DuplicateCandidate], total: Int, examples: Int, seeAll: String) {
        let exactFiles = report.exactGroups.reduce(0) { $0 + $1.members.count }
        Console.out("Exact duplicates (same bytes): \(Console.grouped(report.exactGroups.count)) groups, \(Console.grouped(exactFiles)) files")
        for g in report.exactGroups.prefix(examples) {
            Console.out("  keep \(c[g.keeper].path)")
            for m in g.removable.prefix(5) { Console.out("    copy \(c[m].path)") }
            if g.members.count > 6 { Console.out("    … \(g.members.count - 6) more copies") }
        }
        if report.exactGroups.count > examples { Console.out("  … and \(report.exactGroups.count - examples) more groups: \(seeAll)") }
        let nearFiles = report.nearGroups.reduce(0) { $0 + $1.members.count }
        Console.out("Near duplicates (pHash within \(report.threshold) bits\(report.transforms ? ", any orientation" : "")): \(Console.grouped(report.nearGroups.count)) groups, \(Console.grouped(nearFiles)) files")
        for g in report.nearGroups.prefix(examples) {
            Console.out("  keep \(c[g.keeper].path)  (\(c[g.keeper].width)×\(c[g.keeper].height))")
            for m in g.removable.prefix(5) {
                let d = DuplicateFinder.distance(c[g.keeper], c[m], transforms: report.transforms)
                Console.out("    near \(c[m].path)  (\(c[m].width)×\(c[m].height), \(d.map { "\($0) bits" } ?? "?"))")
            }
            if g.members.count > 6 { Console.out("    … \(g.members.count - 6) more") }
        }
        if report.nearGroups.count > examples { Console.out("  … and \(report.nearGroups.count - examples) more groups: \(seeAll)") }
        if !report.nearBlank.isEmpty {
            Console.out("Near-blank pictures (flat, not compared): \(Console.grouped(report.nearBlank.count))")
            for i in report.nearBlank.prefix(examples) { Console.out("  \(c[i].path)") }
        }
        let removable = report.exactGroups.reduce(0) { $0 + $1.members.count - 1 } + report.nearGroups.reduce(0) { $0 + $1.members.count - 1 }
        Console.out("Candidates to remove: \(Console.grouped(removable)) of \(Console.grouped(total)) (\(Console.percent(removable, of: total))); nothing was deleted.")
        if report.withoutChecksum > 0 {
            Console.out("Note: \(Console.grouped(report.withoutChecksum)) records have no SHA-256 (written by another tool); re-scan to include them in exact detection.")
        }
    }

    static func printLeakage(_ report: LeakageReport, _ c: [DuplicateCandidate], examples: Int) {
        Console.out("Splits: " + report.splits.map { "\($0.name) (\(Console.grouped($0.size)))" }.joined(separator: ", "))
        for p in report.pairs {
            let status = p.leakedImages == 0 ? "no leakage" : "\(Console.grouped(p.leakedImages)) of \(Console.grouped(p.laterSize)) images (\(Console.percent(p.leakedImages, of: p.laterSize))) have a copy in \(p.earlier)"
            Console.out("\(p.later) ← \(p.earlier): \(status)  [exact pairs \(p.exactPairs), near pairs \(p.nearPairs)]")
            for e in p.examples.prefix(min(examples, 5)) {
                Console.out("    \(c[e.later].path)  ≈  \(c[e.earlier].path)  (\(e.distance == 0 ? "same bytes or identical hash" : "\(e.distance) bits"))")
            }
        }
    }
}

/// Train before val before test, then other split names.
enum DatasetLayoutOrder {
    static func rank(_ name: String) -> Int {
        switch name {
        case "train": return 0
        case "val": return 1
        case "test": return 2
        default: return 3
        }
    }
}

extension Imgeda.Check {
    struct Corrupt: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List corrupt images with the reason.")
        @OptionGroup var source: ManifestOption
        @OptionGroup var out: CheckOutputOptions

        func run() throws {
            try CheckRunner.runList(source.manifest, thresholds: CheckThresholds(), list: \.corrupt, valueKey: "reason", extra: [:],
                                    title: "Corrupt images", unit: nil, file: "corrupt", options: out)
        }
    }

    struct Exposure: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dark and overexposed images.")
        @OptionGroup var source: ManifestOption
        @OptionGroup var out: CheckOutputOptions
        @Option(help: "Mean brightness below which an image is dark.") var darkThreshold = 40.0
        @Option(help: "Mean brightness above which an image is overexposed.") var overexposedThreshold = 220.0

        func run() throws {
            var t = CheckThresholds()
            t.dark = darkThreshold
            t.overexposed = overexposedThreshold
            let c = try CheckRunner.collect([(source.manifest, "")], thresholds: t, candidates: false)
            let object: [String: Any] = [
                "dark": CheckRunner.section("dark", c.dark, valueKey: "mean_brightness", total: c.total, extra: ["threshold": darkThreshold]),
                "overexposed": CheckRunner.section("overexposed", c.overexposed, valueKey: "mean_brightness", total: c.total, extra: ["threshold": overexposedThreshold]),
            ]
            try CheckRunner.emit(object, options: out) {
                CheckRunner.printFlagged("Dark (brightness < \(darkThreshold))", c.dark, total: c.total, unit: "brightness", examples: out.examples, seeAll: "use -o exposure.json or --json")
                CheckRunner.printFlagged("Overexposed (brightness > \(overexposedThreshold))", c.overexposed, total: c.total, unit: "brightness", examples: out.examples, seeAll: "use -o exposure.json or --json")
            }
        }
    }

    struct Artifacts: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List images with border artifacts (letterboxing, padding, vignettes).")
        @OptionGroup var source: ManifestOption
        @OptionGroup var out: CheckOutputOptions
        @Option(help: "Corner–centre brightness difference above which an image is flagged.") var threshold = 50.0

        func run() throws {
            var t = CheckThresholds()
            t.artifact = threshold
            try CheckRunner.runList(source.manifest, thresholds: t, list: \.artifacts, valueKey: "delta", extra: ["threshold": threshold],
                                    title: "Border artifacts (corner–centre delta > \(threshold))", unit: "delta", file: "artifacts", options: out)
        }
    }

    struct Blur: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List blurry images.")
        @OptionGroup var source: ManifestOption
        @OptionGroup var out: CheckOutputOptions
        @Option(help: "Blur score below which an image is blurry.") var threshold = BlurMeasure.defaultThreshold

        func run() throws {
            var t = CheckThresholds()
            t.blur = threshold
            try CheckRunner.runList(source.manifest, thresholds: t, list: \.blurry, valueKey: "blur_score", extra: ["threshold": threshold],
                                    title: "Blurry (score < \(threshold))", unit: "score", file: "blur", options: out)
        }
    }

    struct Duplicates: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Find exact (same bytes) and near (same picture) duplicates, with a copy to keep in each group.")
        @OptionGroup var source: ManifestOption
        @OptionGroup var out: CheckOutputOptions
        @OptionGroup var duplicates: DuplicateOptions

        func run() throws {
            let c = try CheckRunner.collect([(source.manifest, "")], thresholds: CheckThresholds(), candidates: true)
            let report = DuplicateFinder.find(c.candidates, threshold: duplicates.threshold, transforms: duplicates.transforms,
                                              threads: ProcessInfo.processInfo.activeProcessorCount)
            try CheckRunner.emit(CheckRunner.duplicatesJSON(report, c.candidates), options: out) {
                CheckRunner.printDuplicates(report, c.candidates, total: c.total, examples: out.examples, seeAll: "use -o duplicates.json or --json")
            }
        }
    }

    struct Leakage: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find copies of the same picture across splits.",
            discussion: "Give one manifest per split, earliest (training) first: `imgeda check leakage -m train.jsonl -m val.jsonl -m test.jsonl`."
        )
        @Option(name: [.short, .long], help: "A split's manifest (repeat for each split; the file name is the split's name).", completion: .file(extensions: ["jsonl"]))
        var manifest: [String] = []
        @OptionGroup var out: CheckOutputOptions
        @OptionGroup var duplicates: DuplicateOptions

        func validate() throws {
            if manifest.isEmpty {
                throw ValidationError("check leakage needs a manifest per split (-m train.jsonl -m val.jsonl) or one manifest of a dataset with splits")
            }
        }

        func run() throws {
            var names: [String] = []
            for path in manifest where manifest.count > 1 {
                var name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                if names.contains(name) { name = path }
                names.append(name)
            }
            let labelled = manifest.count > 1 ? Array(zip(manifest, names)) : [(manifest[0], "")]
            let c = try CheckRunner.collect(labelled, thresholds: CheckThresholds(), candidates: true)
            if manifest.count == 1 {
                names = c.splitOrder.filter { !$0.isEmpty }.sorted { (DatasetLayoutOrder.rank($0), $0) < (DatasetLayoutOrder.rank($1), $1) }
                guard names.count >= 2 else {
                    throw ValidationError("\(manifest[0]) has no splits (scan a dataset folder with train/val/test, or give one manifest per split: -m train.jsonl -m val.jsonl)")
                }
            }
            let report = LeakageFinder.find(c.candidates, order: names, threshold: duplicates.threshold, transforms: duplicates.transforms,
                                            threads: ProcessInfo.processInfo.activeProcessorCount)
            try CheckRunner.emit(CheckRunner.leakageJSON(report, c.candidates), options: out) {
                CheckRunner.printLeakage(report, c.candidates, examples: out.examples)
            }
        }
    }

    struct All: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run every check in one pass over the manifest.")
        @OptionGroup var source: ManifestOption
        @OptionGroup var out: CheckOutputOptions
        @OptionGroup var duplicates: DuplicateOptions

        func run() throws {
            let t = CheckThresholds()
            let c = try CheckRunner.collect([(source.manifest, "")], thresholds: t, candidates: true)
            let report = DuplicateFinder.find(c.candidates, threshold: duplicates.threshold, transforms: duplicates.transforms,
                                              threads: ProcessInfo.processInfo.activeProcessorCount)
            let object: [String: Any] = [
                "total_images": c.total,
                "corrupt": CheckRunner.section("corrupt", c.corrupt, valueKey: "reason", total: c.total),
                "dark": CheckRunner.section("dark", c.dark, valueKey: "mean_brightness", total: c.total, extra: ["threshold": t.dark]),
                "overexposed": CheckRunner.section("overexposed", c.overexposed, valueKey: "mean_brightness", total: c.total, extra: ["threshold": t.overexposed]),
                "artifacts": CheckRunner.section("artifacts", c.artifacts, valueKey: "delta", total: c.total, extra: ["threshold": t.artifact]),
                "blur": CheckRunner.section("blur", c.blurry, valueKey: "blur_score", total: c.total, extra: ["threshold": t.blur]),
                "duplicates": CheckRunner.duplicatesJSON(report, c.candidates),
            ]
            try CheckRunner.emit(object, options: out) {
                let examples = min(out.examples, 5)
                let seeAll = "use -o report.json, --json or the single check"
                Console.out("Checked \(Console.grouped(c.total)) images in \(source.manifest)")
                CheckRunner.printFlagged("Corrupt", c.corrupt, total: c.total, unit: nil, examples: examples, seeAll: seeAll)
                CheckRunner.printFlagged("Dark", c.dark, total: c.total, unit: "brightness", examples: examples, seeAll: seeAll)
                CheckRunner.printFlagged("Overexposed", c.overexposed, total: c.total, unit: "brightness", examples: examples, seeAll: seeAll)
                CheckRunner.printFlagged("Border artifacts", c.artifacts, total: c.total, unit: "delta", examples: examples, seeAll: seeAll)
                CheckRunner.printFlagged("Blurry", c.blurry, total: c.total, unit: "score", examples: examples, seeAll: seeAll)
                CheckRunner.printDuplicates(report, c.candidates, total: c.total, examples: examples, seeAll: seeAll)
            }
        }
    }
}
