import ArgumentParser
import DatasetAnalysis
import DatasetIO
import DatasetReport
import Foundation

extension Imgeda {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a manifest for problems: corrupt, exposure, artifacts, blur, duplicates, leakage, labels, extensions.",
            discussion: "Nothing is ever deleted: duplicate checks name a copy to keep and the others as candidates to remove.",
            subcommands: [
                Corrupt.self, Exposure.self, Artifacts.self, Blur.self, Duplicates.self, Leakage.self, Labels.self,
                Extensions.self, All.self,
            ]
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

/// `-m` for a command that reads one manifest: a repeated `-m` is refused with one line
/// rather than silently reading only the last one.
struct ManifestOption: ParsableArguments {
    @Option(
        name: [.short, .customLong("manifest")], help: ArgumentHelp("Manifest to read.", valueName: "manifest"),
        completion: .file(extensions: ["jsonl"]))
    var manifests: [String] = []

    var manifest: String { manifests.first ?? "" }

    func validate() throws {
        guard !manifests.isEmpty else {
            throw ValidationError("missing the manifest: -m manifest.jsonl (make one with `imgeda scan DIR -o manifest.jsonl`)")
        }
        guard manifests.count == 1 else {
            throw ValidationError(
                "-m was given \(manifests.count) times (\(manifests.joined(separator: ", "))) but this command reads one manifest: run it once per manifest, or scan the folders into one (`imgeda scan DIR1 DIR2 -o all.jsonl`)"
            )
        }
    }
}

/// `-m` for the checks: one manifest, or one per split (train first), read together so that
/// duplicates and leakage are found across them.
struct CheckManifestsOption: ParsableArguments {
    @Option(
        name: [.short, .customLong("manifest")],
        help: ArgumentHelp(
            "Manifest to read; repeat it to check several together, one per split (the file name is the split's name, earliest first).",
            valueName: "manifest"),
        completion: .file(extensions: ["jsonl"]))
    var manifests: [String] = []

    func validate() throws {
        guard !manifests.isEmpty else {
            throw ValidationError("missing the manifest: -m manifest.jsonl, or one per split: -m train.jsonl -m val.jsonl")
        }
    }

    /// Each manifest with its split name: none for a single manifest (its records' own
    /// splits count), else the file name without extension (the path when two names clash).
    var labelled: [(path: String, split: String)] {
        guard manifests.count > 1 else { return [(manifests[0], "")] }
        var names: [String] = []
        for path in manifests {
            var name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            if names.contains(name) { name = path }
            names.append(name)
        }
        return Array(zip(manifests, names))
    }

    /// How the summary names what was read.
    var described: String { manifests.joined(separator: ", ") }
}

struct DuplicateOptions: ParsableArguments {
    @Option(help: "Near-duplicate threshold: differing bits of the 256-bit pHash.")
    var threshold = DuplicateFinder.defaultThreshold

    @Option(
        help:
            "Window threshold: differing bits of a window's pHash (crops, corners, small rotations, captions), 0–31; -1 turns window matching off."
    )
    var windowThreshold = DuplicateFinder.defaultWindowThreshold

    @Flag(help: "Also find mirrored and rotated copies (flips, 90°/180°/270° rotations).")
    var transforms = false

    func validate() throws {
        if !(0...128).contains(threshold) {
            throw ValidationError(
                "--threshold must be between 0 and 128 bits (got \(threshold); the default is \(DuplicateFinder.defaultThreshold))")
        }
        if !(-1...31).contains(windowThreshold) {
            throw ValidationError(
                "--window-threshold must be between 0 and 31 bits, or -1 for no window matching (got \(windowThreshold); the default is \(DuplicateFinder.defaultWindowThreshold))"
            )
        }
    }

    /// The matching rules these options give.
    var rules: MatchRules { MatchRules(threshold: threshold, windowThreshold: windowThreshold, transforms: transforms) }
}

/// The shared machinery: read manifests in one pass, run checks, print or write results.
enum CheckRunner {
    static func collect(_ manifests: [(path: String, split: String)], thresholds: QualityThresholds, candidates: Bool) throws
        -> CheckCollector
    {
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

    /// The splits to compare for leakage, earliest first: the manifests in the order given,
    /// or the splits of a single manifest's records (train, val, test, then others).
    static func splitNames(_ source: CheckManifestsOption, _ c: CheckCollector) -> [String] {
        if source.manifests.count > 1 { return source.labelled.map(\.split) }
        return DatasetLayout.ordered(splits: c.splitOrder)
    }

    static func emit(_ result: some Encodable, options: CheckOutputOptions, inputs: [String], summary: () -> Void) throws {
        let data = try JSONRenderer.data(result)
        if let path = options.output {
            try OutputPath.refuseInput(path, inputs: inputs)
            try AtomicFile.write(Array(data), to: path)
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
        _ source: CheckManifestsOption, thresholds: ResolvedThresholds?, list: KeyPath<CheckCollector, [CheckCollector.Flagged]>,
        valueKey: String, threshold: Double?, title: String, unit: String?, file: String, options: CheckOutputOptions
    ) throws {
        let c = try collect(source.labelled, thresholds: thresholds?.thresholds ?? QualityThresholds(), candidates: false)
        let items = c[keyPath: list]
        let section = FlaggedSection(items, total: c.total, valueKey: valueKey, threshold: threshold, thresholds: thresholds?.thresholds)
        try emit(section, options: options, inputs: source.manifests) {
            if let thresholds { Console.out(thresholds.line) }
            printFlagged(title, items, total: c.total, unit: unit, examples: options.examples, seeAll: "use -o \(file).json or --json")
        }
    }

    static func printFlagged(_ title: String, _ items: [CheckCollector.Flagged], total: Int, unit: String?, examples: Int, seeAll: String) {
        for line in CheckRenderer.flagged(title, items, total: total, unit: unit, examples: examples, seeAll: seeAll) { Console.out(line) }
    }

    static func printDuplicates(_ listing: DuplicateListing, total: Int, examples: Int, seeAll: String) {
        for line in CheckRenderer.duplicates(listing, total: total, examples: examples, seeAll: seeAll) { Console.out(line) }
    }

    static func printLabelConflicts(_ listing: LabelConflictListing, examples: Int) {
        for line in CheckRenderer.labelConflicts(listing, examples: examples) { Console.out(line) }
    }

    static func printLeakage(_ listing: LeakageListing, examples: Int) {
        for line in CheckRenderer.leakage(listing, examples: examples) { Console.out(line) }
    }
}

extension Imgeda.Check {
    struct Corrupt: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List corrupt images with the reason.")
        @OptionGroup var source: CheckManifestsOption
        @OptionGroup var out: CheckOutputOptions

        func run() throws {
            try CheckRunner.runList(
                source, thresholds: nil, list: \.corrupt, valueKey: "reason", threshold: nil,
                title: "Corrupt images", unit: nil, file: "corrupt", options: out)
        }
    }

    struct Exposure: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dark and overexposed images.")
        @OptionGroup var source: CheckManifestsOption
        @OptionGroup var out: CheckOutputOptions
        @OptionGroup var thresholds: ThresholdOptions

        func run() throws {
            let resolved = try thresholds.resolve(manifests: source.manifests)
            let t = resolved.thresholds
            let c = try CheckRunner.collect(source.labelled, thresholds: t, candidates: false)
            let result = ExposureResult(
                dark: FlaggedSection(c.dark, total: c.total, valueKey: "mean_brightness", threshold: t.dark),
                overexposed: FlaggedSection(c.overexposed, total: c.total, valueKey: "mean_brightness", threshold: t.overexposed),
                thresholds: t)
            try CheckRunner.emit(result, options: out, inputs: source.manifests) {
                Console.out(resolved.line)
                CheckRunner.printFlagged(
                    "Dark (brightness < \(QualityThresholds.number(t.dark)))", c.dark, total: c.total, unit: "brightness",
                    examples: out.examples, seeAll: "use -o exposure.json or --json")
                CheckRunner.printFlagged(
                    "Overexposed (brightness > \(QualityThresholds.number(t.overexposed)))", c.overexposed, total: c.total,
                    unit: "brightness", examples: out.examples, seeAll: "use -o exposure.json or --json")
            }
        }
    }

    struct Artifacts: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List images with border artifacts (letterboxing, padding, vignettes).")
        @OptionGroup var source: CheckManifestsOption
        @OptionGroup var out: CheckOutputOptions
        @Option(help: "The same as --artifact-threshold.") var threshold: Double?
        @OptionGroup var thresholds: ThresholdOptions

        func run() throws {
            let resolved = try thresholds.resolve(manifests: source.manifests, alias: threshold, of: \.artifactThreshold, for: \.artifact)
            let t = resolved.thresholds.artifact
            try CheckRunner.runList(
                source, thresholds: resolved, list: \.artifacts, valueKey: "delta", threshold: t,
                title: "Border artifacts (corner–centre delta > \(QualityThresholds.number(t)))", unit: "delta", file: "artifacts",
                options: out)
        }
    }

    struct Blur: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List blurry images.")
        @OptionGroup var source: CheckManifestsOption
        @OptionGroup var out: CheckOutputOptions
        @Option(help: "The same as --blur-threshold.") var threshold: Double?
        @OptionGroup var thresholds: ThresholdOptions

        func run() throws {
            let resolved = try thresholds.resolve(manifests: source.manifests, alias: threshold, of: \.blurThreshold, for: \.blur)
            let t = resolved.thresholds.blur
            try CheckRunner.runList(
                source, thresholds: resolved, list: \.blurry, valueKey: "blur_score", threshold: t,
                title: "Blurry (score < \(QualityThresholds.number(t)))", unit: "score", file: "blur", options: out)
        }
    }

    struct Labels: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find the same picture labelled with different classes (byte-identical or near copies).",
            discussion: "Classes are the records' `class_name`s, from the class folders of a classification dataset."
        )
        @OptionGroup var source: CheckManifestsOption
        @OptionGroup var out: CheckOutputOptions
        @OptionGroup var duplicates: DuplicateOptions

        func run() throws {
            let c = try CheckRunner.collect(source.labelled, thresholds: QualityThresholds(), candidates: true)
            let report = DuplicateFinder.find(
                c.candidates, rules: duplicates.rules, threads: ProcessInfo.processInfo.activeProcessorCount)
            let conflicts = LabelConflictFinder.find(c.candidates, duplicates: report)
            let listing = LabelConflictListing(conflicts, duplicates: report)
            try CheckRunner.emit(listing, options: out, inputs: source.manifests) {
                CheckRunner.printLabelConflicts(listing, examples: out.examples)
                if !c.candidates.contains(where: { $0.className != nil }) {
                    Console.out(
                        "Note: no record has a class (scan a classification dataset, with one folder per class, to check its labels).")
                }
            }
        }
    }

    struct Extensions: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List files whose extension names another format than their bytes hold (a .jpg that is a PNG).")
        @OptionGroup var source: CheckManifestsOption
        @OptionGroup var out: CheckOutputOptions

        func run() throws {
            let c = try CheckRunner.collect(source.labelled, thresholds: QualityThresholds(), candidates: false)
            try CheckRunner.emit(ExtensionListing(c), options: out, inputs: source.manifests) {
                CheckRunner.printFlagged(
                    "Extension does not match the format", c.extensionMismatch.map(\.flagged), total: c.total, unit: nil,
                    examples: out.examples, seeAll: "use -o extensions.json or --json")
            }
        }
    }

    struct Duplicates: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find exact (same bytes) and near (same picture) duplicates, with a copy to keep in each group.")
        @OptionGroup var source: CheckManifestsOption
        @OptionGroup var out: CheckOutputOptions
        @OptionGroup var duplicates: DuplicateOptions

        func run() throws {
            let c = try CheckRunner.collect(source.labelled, thresholds: QualityThresholds(), candidates: true)
            let report = DuplicateFinder.find(
                c.candidates, rules: duplicates.rules, threads: ProcessInfo.processInfo.activeProcessorCount)
            let listing = DuplicateListing(report, c.candidates)
            try CheckRunner.emit(listing, options: out, inputs: source.manifests) {
                CheckRunner.printDuplicates(listing, total: c.total, examples: out.examples, seeAll: "use -o duplicates.json or --json")
            }
        }
    }

    struct Leakage: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find copies of the same picture across splits.",
            discussion:
                "Give one manifest per split, earliest (training) first: `imgeda check leakage -m train.jsonl -m val.jsonl -m test.jsonl`."
        )
        @OptionGroup var source: CheckManifestsOption
        @OptionGroup var out: CheckOutputOptions
        @OptionGroup var duplicates: DuplicateOptions

        func run() throws {
            let c = try CheckRunner.collect(source.labelled, thresholds: QualityThresholds(), candidates: true)
            let names = CheckRunner.splitNames(source, c)
            guard names.count >= 2 else {
                throw ValidationError(
                    "\(source.manifests[0]) has no splits (scan a dataset folder with train/val/test, or give one manifest per split: -m train.jsonl -m val.jsonl)"
                )
            }
            let report = LeakageFinder.find(
                c.candidates, order: names, threshold: duplicates.threshold, transforms: duplicates.transforms,
                threads: ProcessInfo.processInfo.activeProcessorCount)
            let listing = LeakageListing(report, c.candidates)
            try CheckRunner.emit(listing, options: out, inputs: source.manifests) {
                CheckRunner.printLeakage(listing, examples: out.examples)
            }
        }
    }

    struct All: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run every check in one pass over the manifest.")
        @OptionGroup var source: CheckManifestsOption
        @OptionGroup var out: CheckOutputOptions
        @OptionGroup var duplicates: DuplicateOptions
        @OptionGroup var thresholds: ThresholdOptions

        func run() throws {
            let resolved = try thresholds.resolve(manifests: source.manifests)
            let t = resolved.thresholds
            let c = try CheckRunner.collect(source.labelled, thresholds: t, candidates: true)
            let threads = ProcessInfo.processInfo.activeProcessorCount
            let report = DuplicateFinder.find(
                c.candidates, threshold: duplicates.threshold, transforms: duplicates.transforms,
                threads: threads)
            let conflicts = LabelConflictFinder.find(c.candidates, duplicates: report)
            // Leakage whenever there are splits to compare: one manifest per split, or a
            // dataset manifest whose records carry two or more splits.
            let splits = CheckRunner.splitNames(source, c)
            let leakage =
                splits.count >= 2
                ? LeakageFinder.find(
                    c.candidates, order: splits, threshold: duplicates.threshold, transforms: duplicates.transforms, threads: threads)
                : nil
            let result = CheckResult(c, duplicates: report, labelConflicts: conflicts, leakage: leakage)
            try CheckRunner.emit(result, options: out, inputs: source.manifests) {
                let examples = min(out.examples, 5)
                let seeAll = "use -o report.json, --json or the single check"
                Console.out("Checked \(Plural.count(c.total, "image")) in \(source.described)")
                Console.out(resolved.line)
                CheckRunner.printFlagged("Corrupt", c.corrupt, total: c.total, unit: nil, examples: examples, seeAll: seeAll)
                CheckRunner.printFlagged("Dark", c.dark, total: c.total, unit: "brightness", examples: examples, seeAll: seeAll)
                CheckRunner.printFlagged(
                    "Overexposed", c.overexposed, total: c.total, unit: "brightness", examples: examples, seeAll: seeAll)
                CheckRunner.printFlagged("Border artifacts", c.artifacts, total: c.total, unit: "delta", examples: examples, seeAll: seeAll)
                CheckRunner.printFlagged("Blurry", c.blurry, total: c.total, unit: "score", examples: examples, seeAll: seeAll)
                CheckRunner.printFlagged(
                    "Extension does not match the format", c.extensionMismatch.map(\.flagged),
                    total: c.total, unit: nil, examples: examples, seeAll: "use -o report.json or --json")
                CheckRunner.printDuplicates(result.duplicates, total: c.total, examples: examples, seeAll: seeAll)
                CheckRunner.printLabelConflicts(result.labelConflicts, examples: examples)
                if let leakage = result.leakage {
                    Console.out("Leakage across splits (pHash within \(leakage.threshold) bits):")
                    CheckRunner.printLeakage(leakage, examples: examples)
                }
            }
        }
    }
}
