import ArgumentParser
import DatasetAnalysis
import DatasetIO

/// The quality thresholds of a run: the ones the manifest's scan recorded in its header,
/// unless an option overrides one for this run only. Every command that counts dark,
/// overexposed, bordered or blurry images takes this group, so they all count alike.
struct ThresholdOptions: ParsableArguments {
    @Option(help: "Mean brightness (0–255) below which an image is dark (default: the manifest's scan setting).")
    var darkThreshold: Double?

    @Option(help: "Mean brightness (0–255) above which an image is overexposed (default: the manifest's scan setting).")
    var overexposedThreshold: Double?

    @Option(help: "Corner–centre brightness difference above which an image has a border artifact (default: the manifest's scan setting).")
    var artifactThreshold: Double?

    @Option(help: "Blur score below which an image is blurry (default: the manifest's scan setting).")
    var blurThreshold: Double?

    func validate() throws {
        try Self.validate(dark: darkThreshold, overexposed: overexposedThreshold, artifact: artifactThreshold, blur: blurThreshold)
    }

    /// The one range check of threshold options, for this group and for `scan`'s own.
    static func validate(dark: Double?, overexposed: Double?, artifact: Double?, blur: Double?) throws {
        for (name, value) in [("--dark-threshold", dark), ("--overexposed-threshold", overexposed)] {
            if let value, !(0...255).contains(value) {
                throw ValidationError("\(name) must be a brightness between 0 and 255 (got \(QualityThresholds.number(value)))")
            }
        }
        for (name, value) in [("--artifact-threshold", artifact), ("--blur-threshold", blur)] {
            if let value, !(value >= 0) || !value.isFinite {
                throw ValidationError("\(name) must be a number of 0 or more (got \(QualityThresholds.number(value)))")
            }
        }
    }

    /// The options given on the command line, by flag name.
    private var given: [String] {
        [
            ("--dark-threshold", darkThreshold), ("--overexposed-threshold", overexposedThreshold),
            ("--artifact-threshold", artifactThreshold), ("--blur-threshold", blurThreshold),
        ]
        .compactMap { $0.1 == nil ? nil : $0.0 }
    }

    /// ``resolve(manifests:)`` with a check's own `--threshold`, an alias of the group's
    /// option for `threshold` (which wins when both are given).
    func resolve(
        manifests: [String], alias: Double?, of option: KeyPath<ThresholdOptions, Double?>,
        for threshold: WritableKeyPath<QualityThresholds, Double>
    ) throws -> ResolvedThresholds {
        var resolved = try resolve(manifests: manifests)
        if let alias, self[keyPath: option] == nil {
            resolved.thresholds[keyPath: threshold] = alias
            resolved.source += "; --threshold for this run"
        }
        return resolved
    }

    /// The thresholds for a run over `manifests`: the first header that records settings,
    /// with this run's options on top.
    func resolve(manifests: [String]) throws -> ResolvedThresholds {
        var (thresholds, source) = try QualityThresholds.recorded(in: manifests)
        if let darkThreshold { thresholds.dark = darkThreshold }
        if let overexposedThreshold { thresholds.overexposed = overexposedThreshold }
        if let artifactThreshold { thresholds.artifact = artifactThreshold }
        if let blurThreshold { thresholds.blur = blurThreshold }
        if !given.isEmpty { source += "; \(given.joined(separator: ", ")) for this run" }
        return ResolvedThresholds(thresholds: thresholds, source: source)
    }
}

/// Thresholds with where they came from, for the line every output prints.
struct ResolvedThresholds {
    var thresholds: QualityThresholds
    var source: String

    /// "Thresholds: dark < 100, … (from the scan settings of m.jsonl)".
    var line: String { thresholds.line(source: source) }
}
