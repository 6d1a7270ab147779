public import DatasetAnalysis
import DatasetIO
import Foundation

/// One setting of `imgeda download`: its key in the config file's `download:` section, its
/// flag, its environment variable, its type, default and help. The table
/// (``DownloadSettings/table``) drives the config file's parsing, the environment, the
/// layering, `imgeda config show download` and the README's table.
public struct DownloadSetting: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case int(min: Int, max: Int)
        case number(min: Double)
        case bool
        case text
        case choice([String])
        /// Comma-separated in flags and the environment, a YAML list or a comma-separated
        /// string in the file.
        case list
    }

    public var key: String
    public var kind: Kind
    public var defaultValue: String
    public var help: String

    /// `--per-host` for `per_host`.
    public var flag: String { "--" + key.replacingOccurrences(of: "_", with: "-") }
    /// `IMGEDA_DOWNLOAD_PER_HOST` for `per_host`.
    public var environmentName: String { "IMGEDA_DOWNLOAD_" + key.uppercased() }

    /// Checks `value` against the kind; returns it normalised, or a sentence saying what is wrong.
    public func validate(_ value: String) -> Result<String, Problem> {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        switch kind {
        case .int(let low, let high):
            guard let number = Int(trimmed) else { return .failure(Problem("must be a whole number, got '\(value)'")) }
            guard (low...high).contains(number) else { return .failure(Problem("must be between \(low) and \(high), got \(number)")) }
            return .success(String(number))
        case .number(let low):
            guard let number = Double(trimmed), number.isFinite else { return .failure(Problem("must be a number, got '\(value)'")) }
            guard number >= low else { return .failure(Problem("must be at least \(Self.show(low)), got \(trimmed)")) }
            return .success(Self.show(number))
        case .bool:
            switch trimmed.lowercased() {
            case "true", "yes", "on", "1": return .success("true")
            case "false", "no", "off", "0": return .success("false")
            default: return .failure(Problem("must be true or false, got '\(value)'"))
            }
        case .text:
            return .success(value)
        case .choice(let choices):
            guard choices.contains(trimmed.lowercased()) else {
                return .failure(Problem("must be one of \(choices.joined(separator: ", ")), got '\(value)'"))
            }
            return .success(trimmed.lowercased())
        case .list:
            let items = trimmed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return .success(items.joined(separator: ","))
        }
    }

    public struct Problem: Error, Sendable, Hashable {
        public var message: String
        public init(_ message: String) { self.message = message }
    }

    static func show(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}

/// Where a setting's effective value came from, lowest first.
public enum SettingSource: String, Sendable, Hashable, Codable, CaseIterable {
    case `default`, profile, config, environment, flag
}

/// The settings of `imgeda download` and their layering: defaults < a built-in profile
/// (`--profile polite|fast|archive`) < the config file's `download:` section < environment
/// variables (`IMGEDA_DOWNLOAD_…`) < command-line flags.
public enum DownloadSettings {
    public static let table: [DownloadSetting] = [
        .init(key: "concurrency", kind: .int(min: 1, max: 4096), defaultValue: "32", help: "requests in flight at once"),
        .init(key: "per_host", kind: .int(min: 1, max: 1024), defaultValue: "16", help: "connections at once to one host"),
        .init(
            key: "timeout", kind: .number(min: 0.1), defaultValue: "30", help: "seconds one attempt may take, redirects and body included"),
        .init(
            key: "stall_timeout", kind: .number(min: 0.1), defaultValue: "10", help: "seconds without a byte before an attempt is given up"),
        .init(key: "connect_timeout", kind: .number(min: 0.1), defaultValue: "10", help: "seconds to establish a connection"),
        .init(key: "retries", kind: .int(min: 0, max: 100), defaultValue: "2", help: "further attempts after a transient failure"),
        .init(
            key: "backoff", kind: .number(min: 0), defaultValue: "1",
            help: "seconds of the first retry's backoff (doubling, with full jitter)"),
        .init(key: "max_backoff", kind: .number(min: 0), defaultValue: "30", help: "longest backoff, in seconds"),
        .init(key: "max_retry_after", kind: .number(min: 0), defaultValue: "120", help: "longest Retry-After honoured, in seconds"),
        .init(key: "max_size", kind: .number(min: 0.001), defaultValue: "32", help: "largest image accepted, in MiB"),
        .init(key: "min_size", kind: .int(min: 0, max: 1 << 30), defaultValue: "1", help: "smallest image accepted, in bytes"),
        .init(key: "max_redirects", kind: .int(min: 0, max: 50), defaultValue: "5", help: "redirects followed"),
        .init(key: "ignore_robots_tag", kind: .bool, defaultValue: "false", help: "download even when X-Robots-Tag says noai or noimageai"),
        .init(key: "allow_private_network", kind: .bool, defaultValue: "false", help: "allow loopback, private and link-local addresses"),
        .init(key: "allow_address", kind: .list, defaultValue: "", help: "addresses or CIDR ranges allowed even if private"),
        .init(key: "skip_duplicates", kind: .bool, defaultValue: "false", help: "record content already received as a duplicate"),
        .init(key: "analyse", kind: .bool, defaultValue: "true", help: "analyse each image into manifest.jsonl as it lands"),
        .init(key: "workers", kind: .int(min: 0, max: 1024), defaultValue: "0", help: "analysis worker processes (0: one per core)"),
        .init(key: "user_agent", kind: .text, defaultValue: "imgeda/0.1 (image dataset downloader)", help: "the User-Agent header"),
        .init(
            key: "resize", kind: .int(min: 0, max: 100_000), defaultValue: "0", help: "re-encode to this longest side in pixels (0: keep)"),
        .init(
            key: "format", kind: .choice(["original", "jpeg", "png", "webp"]), defaultValue: "original", help: "re-encode to this format"),
        .init(key: "quality", kind: .int(min: 1, max: 100), defaultValue: "90", help: "JPEG and WebP quality when re-encoding"),
    ]

    /// The built-in profiles: what each changes from the defaults.
    public static let profiles: [(name: String, about: String, values: [String: String])] = [
        (
            "polite", "few connections per host, patient timeouts, more retries",
            ["concurrency": "16", "per_host": "2", "timeout": "60", "stall_timeout": "20", "retries": "4", "backoff": "2"]
        ),
        (
            "fast", "many connections, short timeouts, one retry",
            [
                "concurrency": "128", "per_host": "32", "timeout": "15", "stall_timeout": "5", "connect_timeout": "5", "retries": "1",
                "backoff": "0.5",
            ]
        ),
        (
            "archive", "large images, long waits, many retries",
            [
                "concurrency": "16", "per_host": "4", "timeout": "180", "stall_timeout": "60", "retries": "6", "max_size": "512",
                "max_retry_after": "900",
            ]
        ),
    ]

    public static func setting(_ key: String) -> DownloadSetting? { table.first { $0.key == key } }

    /// Every setting's effective value and where it came from.
    ///
    /// `flags` holds the keys given on the command line (already typed by the parser, so
    /// only validated for range); `environment` is the process environment.
    public static func resolve(
        profile: String?, configFile: String?, environment: [String: String], flags: [String: String]
    ) throws(ImgedaError) -> ResolvedDownloadSettings {
        var values: [String: ResolvedDownloadSettings.Value] = [:]
        for setting in table { values[setting.key] = .init(value: setting.defaultValue, source: .default, origin: "default") }
        if let profile {
            guard let chosen = profiles.first(where: { $0.name == profile }) else {
                throw ImgedaError(
                    .invalidFormat, "unknown profile '\(profile)'",
                    remedy: "choose one of \(profiles.map(\.name).joined(separator: ", "))")
            }
            for (key, value) in chosen.values { values[key] = .init(value: value, source: .profile, origin: "profile \(profile)") }
        }
        if let configFile {
            for entry in try ConfigFile.section("download", of: configFile, keys: table.map(\.key)) {
                guard let setting = setting(entry.key) else { continue }
                switch setting.validate(entry.value) {
                case .success(let value): values[entry.key] = .init(value: value, source: .config, origin: "\(configFile):\(entry.line)")
                case .failure(let problem):
                    throw ImgedaError(.policyInvalid, "\(configFile):\(entry.line): '\(entry.key)' \(problem.message)")
                }
            }
        }
        for setting in table {
            guard let raw = environment[setting.environmentName] else { continue }
            switch setting.validate(raw) {
            case .success(let value): values[setting.key] = .init(value: value, source: .environment, origin: setting.environmentName)
            case .failure(let problem):
                throw ImgedaError(.invalidFormat, "environment variable \(setting.environmentName) \(problem.message)")
            }
        }
        // A variable that is nearly one of ours is a typo that would be silently ignored.
        for name in environment.keys where name.hasPrefix("IMGEDA_DOWNLOAD_") && !table.contains(where: { $0.environmentName == name }) {
            let nearest = table.map(\.environmentName).min { Policy.editDistance($0, name) < Policy.editDistance($1, name) } ?? ""
            throw ImgedaError(.invalidFormat, "unknown environment variable \(name)", remedy: "did you mean \(nearest)?")
        }
        for (key, raw) in flags {
            guard let setting = setting(key) else { continue }
            switch setting.validate(raw) {
            case .success(let value): values[key] = .init(value: value, source: .flag, origin: setting.flag)
            case .failure(let problem): throw ImgedaError(.invalidFormat, "\(setting.flag) \(problem.message)")
            }
        }
        return ResolvedDownloadSettings(values: values)
    }
}

/// The settings after layering.
public struct ResolvedDownloadSettings: Sendable {
    public struct Value: Sendable, Hashable {
        public var value: String
        public var source: SettingSource
        /// The profile, `file:line`, variable or flag that set it.
        public var origin: String
    }

    public var values: [String: Value]

    public func string(_ key: String) -> String { values[key]?.value ?? DownloadSettings.setting(key)?.defaultValue ?? "" }
    public func int(_ key: String) -> Int { Int(string(key)) ?? 0 }
    public func double(_ key: String) -> Double { Double(string(key)) ?? 0 }
    public func bool(_ key: String) -> Bool { string(key) == "true" }
    public func list(_ key: String) -> [String] { string(key).split(separator: ",").map(String.init) }

    /// Applies the settings to a configuration (an invalid `allow_address` is an error).
    public func apply(to configuration: inout DownloadConfiguration) throws(ImgedaError) {
        configuration.concurrency = int("concurrency")
        var limits = FetchLimits()
        limits.perHost = int("per_host")
        limits.requestTimeout = double("timeout")
        limits.stallTimeout = double("stall_timeout")
        limits.connectTimeout = double("connect_timeout")
        limits.maxBytes = Int(double("max_size") * 1_048_576)
        limits.minBytes = int("min_size")
        limits.maxRedirects = int("max_redirects")
        limits.honourRobotsTag = !bool("ignore_robots_tag")
        limits.userAgent = string("user_agent")
        var ranges: [AddressRange] = []
        for item in list("allow_address") {
            guard let range = AddressRange(item) else {
                throw ImgedaError(
                    .invalidFormat,
                    "allow_address: '\(item)' is not an address or CIDR range (from \(values["allow_address"]?.origin ?? "?"))",
                    remedy: "e.g. 127.0.0.1 or 10.0.0.0/8")
            }
            ranges.append(range)
        }
        limits.addressPolicy = AddressPolicy(allowPrivateNetwork: bool("allow_private_network"), allowed: ranges)
        configuration.limits = limits
        configuration.retry = RetryPolicy(
            attempts: int("retries") + 1, baseDelay: double("backoff"), maxDelay: double("max_backoff"),
            maxRetryAfter: double("max_retry_after"))
        configuration.skipDuplicates = bool("skip_duplicates")
        configuration.analyse = bool("analyse")
        if int("workers") > 0 { configuration.workers = int("workers") }
        let format = string("format")
        let side = int("resize")
        if format != "original" || side > 0 {
            configuration.reencode = Reencoding(
                longSide: side > 0 ? side : nil, format: Reencoding.Format(rawValue: format) ?? .jpeg, quality: int("quality"))
        }
    }

    /// The rows of `imgeda config show download`: key, value, source, origin.
    public var rows: [ConfigShowRow] {
        DownloadSettings.table.map { setting in
            let value = values[setting.key]
            return ConfigShowRow(
                key: setting.key, value: value?.value ?? setting.defaultValue, source: value?.source ?? .default,
                origin: value?.origin ?? "default", flag: setting.flag, environment: setting.environmentName, help: setting.help)
        }
    }
}

/// One line of `imgeda config show`.
public struct ConfigShowRow: Sendable, Hashable, Codable {
    public var key: String
    public var value: String
    public var source: SettingSource
    public var origin: String
    public var flag: String
    public var environment: String
    public var help: String
}
