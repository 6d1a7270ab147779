public import Foundation

/// Keys that sign requests, and where they came from (so an error can say which to fix).
public struct AWSCredentials: Sendable, Hashable {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// For temporary credentials (STS, containers, instance roles).
    public var sessionToken: String?
    /// When temporary credentials stop working.
    public var expiration: Date?
    /// Where they were found, in words: "the environment (AWS_ACCESS_KEY_ID)".
    public var source: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil, source: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken.flatMap { $0.isEmpty ? nil : $0 }
        self.expiration = expiration
        self.source = source
    }

    /// Whether they expire within `margin` seconds of `now`.
    func expires(within margin: Double, of now: Date) -> Bool {
        expiration.map { $0.timeIntervalSince(now) < margin } ?? false
    }
}

/// The AWS settings this process sees: environment variables and the shared files.
///
/// Tests pass their own variables, so nothing in a test reads the user's `~/.aws` or asks the
/// instance metadata service (see `AWSEnvironment.isolated`).
public struct AWSEnvironment: Sendable {
    public var variables: [String: String]

    public init(_ variables: [String: String] = ProcessInfo.processInfo.environment) {
        self.variables = variables
    }

    /// A variable's value, or nil when unset or empty.
    public subscript(_ name: String) -> String? {
        guard let value = variables[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    /// `AWS_PROFILE`, else `default`.
    public var profile: String { self["AWS_PROFILE"] ?? self["AWS_DEFAULT_PROFILE"] ?? "default" }

    var home: String { self["HOME"] ?? NSHomeDirectory() }

    /// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`.
    public var credentialsFile: String { expand(self["AWS_SHARED_CREDENTIALS_FILE"] ?? "~/.aws/credentials") }
    /// `AWS_CONFIG_FILE`, else `~/.aws/config`.
    public var configFile: String { expand(self["AWS_CONFIG_FILE"] ?? "~/.aws/config") }

    func expand(_ path: String) -> String {
        path.hasPrefix("~/") ? home + path.dropFirst(1) : path
    }

    /// The profile's settings: the credentials file's `[name]` over the config file's
    /// `[profile name]` (`[default]` for the default profile).
    public func profileSettings() -> [String: String] { profileSettings(named: profile) }

    /// The settings of the profile `profile` (a `source_profile` names another).
    public func profileSettings(named profile: String) -> [String: String] {
        var merged: [String: String] = [:]
        if let config = try? String(contentsOfFile: configFile, encoding: .utf8) {
            let sections = SharedConfigFile.parse(config)
            let name = profile == "default" ? "default" : "profile \(profile)"
            merged = sections[name] ?? (profile == "default" ? sections["profile default"] : nil) ?? [:]
        }
        if let credentials = try? String(contentsOfFile: credentialsFile, encoding: .utf8) {
            merged.merge(SharedConfigFile.parse(credentials)[profile] ?? [:]) { _, fromCredentials in fromCredentials }
        }
        return merged
    }

    /// `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, else `us-east-1`.
    public var region: String {
        self["AWS_REGION"] ?? self["AWS_DEFAULT_REGION"] ?? profileSettings()["region"] ?? "us-east-1"
    }
}

/// The INI dialect of `~/.aws/credentials` and `~/.aws/config`: `[section]` lines, then
/// `key = value`; `#` and `;` start comments; indented lines continue a nested block (such
/// as `s3 =`), which is skipped.
enum SharedConfigFile {
    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if rawLine.first == " " || rawLine.first == "\t" { continue }
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                current = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            // An inline comment needs whitespace before it (values may contain '#').
            if let hash = value.range(of: " #") ?? value.range(of: " ;") {
                value = value[..<hash.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            sections[current, default: [:]][key] = value
        }
        return sections
    }
}
