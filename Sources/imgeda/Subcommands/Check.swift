import ArgumentParser
import DatasetAnalysis
import DatasetIO
import DatasetReport
import Foundation

extension Imgeda {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
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
    /// One pass over the manifests (their records' splits named as ``ManifestSplits`` names them).
    static func collect(_ source: CheckManifestsOption, thresholds: QualityThresholds, candidates: Bool) throws -> CheckCollector {
        var collector = CheckCollector(thresholds: thresholds, collectCandidates: candidates)
        try ManifestSplits.forEachRecord(in: source.manifests) { collector.add($0, split: $1) }
        return collector
    }

    /// The splits to compare for leakage, earliest first: the manifests in the order given,
    /// or the splits of a single manifest's records (train, val, test, then others).
    static func splitNames(_ source: CheckManifestsOption, _ c: CheckCollector) -> [String] {
        if source.manifests.count > 1 { return ManifestSplits.labelled(source.manifests).map(\.split) }
        return DatasetLayout.ordered(splits: c.splitOrder)
    }

    /// Writes the result as JSON to `-o`, then prints it as JSON or as the `summary` lines.
    static func emit(_ result: some Encodable, options: CheckOutputOptions, inputs: [String], summary: () -> [String]) throws {
        let data = try JSONRenderer.data(result)
        if let path = options.output {
            try OutputPath.refuseInput(path, inputs: inputs)
            try AtomicFile.write(Array(data), to: path)
        }
        if options.json {
            Console.out(String(decoding: data, as: UTF8.self))
        } else {
            for line in summary() { Console.out(line) }
            if let path = options.output { Console.out("Full result written to \(path).") }
        }
    }

    /// A check that lists one kind of flagged image: collect, then print or write.
    static func runList(
        _ kind: FlaggedSection.Kind, _ source: CheckManifestsOption, thresholds: ResolvedThresholds?, title: String, file: String,
        options: CheckOutputOptions
    ) throws {
        let c = try collect(source, thresholds: thresholds?.thresholds ?? QualityThresholds(), candidates: false)
        let section = FlaggedSection(kind, of: c, thresholds: thresholds?.thresholds)
        try emit(section, options: options, inputs: source.manifests) {
            (thresholds.map { [$0.line] } ?? [])
                + CheckRenderer.flagged(
                    title, section.items, total: c.total, unit: kind.unit, examples: options.examples,
                    seeAll: "use -o \(file).json or --json")
        }
    }
}

extension Imgeda.Check {
    struct Corrupt: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "corrupt", abstract: "List corrupt images with the reason.")
        @OptionGroup var source: CheckManifestsOption
        @OptionGroup var out: CheckOutputOptions

        func run() throws {
            try CheckRunner.runList(.corrupt, source, thresholds: nil, title: "Corrupt images", file: "corrupt", options: out)
        }
    }

    struct Exposure: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "exposure", abstract: "List dark and overexposed images.")
        @OptionGroup var source: CheckManifestsOption
        @OptionGroup var out: CheckOutputOptions
        @OptionGroup var thresholds: ThresholdOptions

        func run() throws {
            let resolved = try thresholds.resolve(manifests: source.manifests)
            let t = resolved.thresholds
            let c = try CheckRunner.collect(source, thresholds: t, candidates: false)
            let result = ExposureResult(dark: FlaggedSection(.dark, of: c), overexposed: FlaggedSection(.overexposed, of: c), thresholds: t)
            try CheckRunner.emit(result, options: out, inputs: source.manifests) {
                CheckRenderer.exposure(
                    result, thresholdsSource: resolved.source, examples: out.examples, seeAll: "use -o exposure.json or --json")
            }
        }
    }

    struct Artifacts: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "artifacts", abstract: "List images with border artifacts (letterboxing, padding, vignettes).")
        @OptionGroup var source: CheckManifestsOption
        @OptionGroup var out: CheckOutputOptions
        @Option(help: "The same as --artifact-threshold.") var threshold: Double?
        @OptionGroup var thresholds: ThresholdOptions

        func run() throws {
            let resolved = try thresholds.resolve(manifests: source.manifests, alias: threshold, of: \.artifactThreshold, for: \.artifact)
            let t = resolved.thresholds.artifact
            try CheckRunner.runList(
                .artifacts, source, thresholds: resolved, title: "Border artifacts (corner–centre delta > \(QualityThresholds.number(t)))",
                file: "artifacts", options: out)
        }
    }

    struct Blur: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "blur", abstract: "List blurry images.")
        @OptionGroup var source: CheckManifestsOption
        @OptionGroup var out: CheckOutputOptions
        @Option(help: "The same as --blur-threshold.") var threshold: Double?
        @OptionGroup var thresholds: ThresholdOptions

        func run() throws {
            let resolved = try thresholds.resolve(manifests: source.manifests, alias: threshold, of: \.blurThreshold, for: \.blur)
            let t = resolved.thresholds.blur
            try CheckRunner.runList(
                .blur, source, thresholds: resolved, title: "Blurry (score < \(QualityThresholds.number(t)))", file: "blur", options: out)
        }
    }

    struct Labels: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "labels",
            abstract: "Find the same picture labelled with different classes (byte-identical or near copies).",
            discussion: "Classes are the records' `class_name`s, from the class folders of a classification dataset."
        )
        @OptionGroup var source: CheckManifestsOption
        @OptionGroup var out: CheckOutputOptions
        @OptionGroup var duplicates: DuplicateOptions

        func run() throws {
            let c = try CheckRunner.collect(source, thresholds: QualityThresholds(), candidates: true)
            let report = DuplicateFinder.find(
                c.candidates, rules: duplicates.rules, threads: ProcessInfo.processInfo.activeProcessorCount)
            let conflicts = LabelConflictFinder.find(c.candidates, duplicates: report)
            let listing = LabelConflictListing(conflicts, duplicates: report)
            try CheckRunner.emit(listing, options: out, inputs: source.manifests) {
                CheckRenderer.labelConflicts(listing, examples: out.examples, seeAll: "use -o report.json or --json")
                    + (c.candidates.contains { $0.className != nil }
                        ? []
                        : ["Note: no record has a class (scan a classification dataset, with one folder per class, to check its labels)."])
            }
        }
    }

    struct Extensions: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "extensions",
            abstract: "List files whose extension names another format than their bytes hold (a .jpg that is a PNG).")
        @OptionGroup var source: CheckManifestsOption
        @OptionGroup var out: CheckOutputOptions

        func run() throws {
            let c = try CheckRunner.collect(source, thresholds: QualityThresholds(), candidates: false)
            try CheckRunner.emit(ExtensionListing(c), options: out, inputs: source.manifests) {
                CheckRenderer.flagged(
                    "Extension does not match the format", c.extensionMismatch.map(\.flagged), total: c.total, unit: nil,
                    examples: out.examples, seeAll: "use -o extensions.json or --json")
            }
        }
    }

    struct Duplicates: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "duplicates",
            abstract: "Find exact (same bytes) and near (same picture) duplicates, with a copy to keep in each group.")
        @OptionGroup var source: CheckManifestsOption
        @OptionGroup var out: CheckOutputOptions
        @OptionGroup var duplicates: DuplicateOptions

        func run() throws {
            let c = try CheckRunner.collect(source, thresholds: QualityThresholds(), candidates: true)
            let report = DuplicateFinder.find(
                c.candidates, rules: duplicates.rules, threads: ProcessInfo.processInfo.activeProcessorCount)
            let listing = DuplicateListing(report, c.candidates)
            try CheckRunner.emit(listing, options: out, inputs: source.manifests) {
                CheckRenderer.duplicates(listing, total: c.total, examples: out.examples, seeAll: "use -o duplicates.json or --json")
            }
        }
    }

    struct Leakage: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "leakage",
            abstract: "Find copies of the same picture across splits.",
            discussion:
                "Give one manifest per split, earliest (training) first: `imgeda check leakage -m train.jsonl -m val.jsonl -m test.jsonl`."
        )
        @OptionGroup var source: CheckManifestsOption
        @OptionGroup var out: CheckOutputOptions
        @OptionGroup var duplicates: DuplicateOptions

        func run() throws {
            let c = try CheckRunner.collect(source, thresholds: QualityThresholds(), candidates: true)
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
                CheckRenderer.leakage(listing, examples: out.examples, seeAll: "use -o leakage.json or --json")
            }
        }
    }

    struct All: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "all", abstract: "Run every check in one pass over the manifest.")
        @OptionGroup var source: CheckManifestsOption
        @OptionGroup var out: CheckOutputOptions
        @OptionGroup var duplicates: DuplicateOptions
        @OptionGroup var thresholds: ThresholdOptions

        func run() throws {
            let resolved = try thresholds.resolve(manifests: source.manifests)
            let t = resolved.thresholds
            let c = try CheckRunner.collect(source, thresholds: t, candidates: true)
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
                ? LeakageFinder.find(c.candidates, order: splits, duplicates: report, threads: threads)
                : nil
            let result = CheckResult(c, duplicates: report, labelConflicts: conflicts, leakage: leakage)
            try CheckRunner.emit(result, options: out, inputs: source.manifests) {
                CheckRenderer.all(
                    result, read: source.described, thresholdsSource: resolved.source, examples: min(out.examples, 5),
                    seeAll: "use -o report.json, --json or the single check", seeAllResult: "use -o report.json or --json")
            }
        }
    }
}
