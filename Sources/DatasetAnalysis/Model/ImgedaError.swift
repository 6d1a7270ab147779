/// An error that says what went wrong and what to do about it, separately, like swift-nio's
/// `FileSystemError`: a stable ``code`` a program can branch on, a ``message`` naming the
/// object (file, line, key), and a ``remedy`` a person can act on. The command line prints
/// "message (remedy)"; the web UI can word the remedy for what fits there (a form field
/// instead of a flag).
///
/// ```swift
/// throw ImgedaError(.policyInvalid, "gate.yml:3: unknown policy key 'max_corupt_pct'",
///                   remedy: "did you mean 'max_corrupt_pct'?")
/// ```
public struct ImgedaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is; stable across releases, so callers may match on it.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Not yet classified (errors made from one sentence).
        public static let unspecified = Code(rawValue: "unspecified")
        /// A file that should be read does not exist or cannot be read.
        public static let notFound = Code(rawValue: "not_found")
        /// A file's content is not what it must be (not UTF-8, not YAML, not a manifest).
        public static let invalidFormat = Code(rawValue: "invalid_format")
        /// A policy names an unknown key, a value of the wrong type, or a value out of range.
        public static let policyInvalid = Code(rawValue: "policy_invalid")
        /// An output would overwrite an input, or two outputs name one file.
        public static let outputConflict = Code(rawValue: "output_conflict")
        /// Writing, locking or creating a file failed.
        public static let ioFailed = Code(rawValue: "io_failed")
    }

    public var code: Code
    /// What went wrong, naming the object: "policy file not found: gate.yml".
    public var message: String
    /// What to do about it, or nil when there is nothing to add.
    public var remedy: String?

    public init(_ code: Code, _ message: String, remedy: String? = nil) {
        self.code = code
        self.message = message
        self.remedy = remedy
    }

    /// An error from one sentence that holds both the problem and the fix.
    public init(_ description: String) {
        self.init(.unspecified, description)
    }

    /// "message (remedy)": how the command line shows it, on one line.
    public var description: String {
        remedy.map { "\(message) (\($0))" } ?? message
    }
}
