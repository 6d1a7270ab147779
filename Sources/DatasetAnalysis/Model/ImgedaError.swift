/// An error that says what went wrong and what to do about it, separately, like swift-nio's
/// `FileSystemError`: a stable ``code`` a program can branch on, a ``message`` naming the
/// object (file, line, key), and a ``remedy`` a person can act on. The remedy is a value:
/// the command line words it as a flag to add ("use --max-pixels"), the web UI as the
/// setting on its page; ``description`` gives plain words that name neither.
///
/// ```swift
/// throw ImgedaError(.policyInvalid, "gate.yml:3: unknown policy key 'max_corupt_pct'",
///                   remedy: "did you mean 'max_corrupt_pct'?")
/// throw ImgedaError(.manifestAsInput, "\(root) is an imgeda manifest", remedy: .readManifest(path: root))
/// ```
public struct ImgedaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is; stable across releases, so callers may match on it.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Not classified: an error made from one sentence by code that predates the codes.
        public static let unspecified = Code(rawValue: "unspecified")
        /// A file that should be read does not exist or cannot be read.
        public static let notFound = Code(rawValue: "not_found")
        /// A file's content is not what it must be (not UTF-8, not YAML, not a manifest).
        public static let invalidFormat = Code(rawValue: "invalid_format")
        /// An input is too large or nested too deep to be read safely.
        public static let inputTooLarge = Code(rawValue: "input_too_large")
        /// Options or arguments that contradict each other or name the wrong kind of thing.
        public static let invalidArgument = Code(rawValue: "invalid_argument")
        /// A policy names an unknown key, a value of the wrong type, or a value out of range.
        public static let policyInvalid = Code(rawValue: "policy_invalid")
        /// An output would overwrite an input, or two outputs name one file.
        public static let outputConflict = Code(rawValue: "output_conflict")
        /// Writing, locking or creating a file failed.
        public static let ioFailed = Code(rawValue: "io_failed")
        /// A chart or a thumbnail could not be drawn.
        public static let renderFailed = Code(rawValue: "render_failed")
        /// Another process holds the manifest's lock.
        public static let locked = Code(rawValue: "locked")
        /// A manifest holds no image records.
        public static let noRecords = Code(rawValue: "no_records")
        /// A dataset holds no annotations to read.
        public static let noAnnotations = Code(rawValue: "no_annotations")
        /// A folder to scan is itself a manifest.
        public static let manifestAsInput = Code(rawValue: "manifest_as_input")
        /// The output manifest holds a scan of other folders.
        public static let manifestOfOtherFolders = Code(rawValue: "manifest_of_other_folders")
        /// Discovery found nothing to analyse.
        public static let noImages = Code(rawValue: "no_images")
        /// A worker process could not be started.
        public static let workerStart = Code(rawValue: "worker_start")
        /// Worker processes exit as soon as they start.
        public static let workersExitAtStart = Code(rawValue: "workers_exit_at_start")
        /// Waiting for workers failed.
        public static let supervisor = Code(rawValue: "supervisor")
        /// A bug: something that cannot fail did (settings that cannot be encoded).
        public static let `internal` = Code(rawValue: "internal")
    }

    public var code: Code
    /// What went wrong, naming the object: "policy file not found: gate.yml".
    public var message: String
    /// What to do about it, or nil when there is nothing to add.
    public var remedy: Remedy?

    public init(_ code: Code, _ message: String, remedy: Remedy? = nil) {
        self.code = code
        self.message = message
        self.remedy = remedy
    }

    /// An error whose remedy is plain words (or nil), for remedies that name no setting.
    /// Disfavoured, so that `remedy: nil` and literals pick the ``Remedy`` initializer.
    @_disfavoredOverload
    public init(_ code: Code, _ message: String, remedy: String?) {
        self.init(code, message, remedy: remedy.map(Remedy.text))
    }

    /// An error from one sentence that holds both the problem and the fix. Prefer a code.
    public init(_ description: String) {
        self.init(.unspecified, description)
    }

    /// "message (remedy)" in plain words, on one line.
    public var description: String {
        Remedy.appended(remedy, to: message)
    }
}

/// What a person can do about a problem, as a value: each front end words it its own way
/// (the command line names a flag, the web UI the setting on its page). ``description`` is
/// plain words naming no flag; `.text` is for remedies that have no setting to name.
public enum Remedy: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringInterpolation {
    /// Plain words: "choose another output file".
    case text(String)
    /// Analyse every file again with the current settings, replacing the manifest.
    case reanalyseEverything
    /// Write to another manifest, add to this one, or replace it.
    case otherOutputAppendOrReplace
    /// Look for other file extensions (or check the path).
    case otherExtensions
    /// The path is a manifest: read it instead of scanning it.
    case readManifest(path: String)
    /// No manifest at `path`: make one by scanning.
    case createManifest(path: String)
    /// A folder was given where the manifest file is wanted.
    case nameManifestFile
    /// The configuration file named was not found.
    case checkConfigPath
    /// Another scan holds the manifest: wait for it, stop it, or write elsewhere.
    case waitForOtherScan
    /// Give each file more time.
    case raiseTimeout
    /// Give each worker more memory.
    case raiseMemoryLimit
    /// Allow larger images to be decoded.
    case raisePixelLimit
    /// Let the untrusted loaders (ImageMagick) try a file no other loader reads.
    case allowUntrustedLoaders
    /// Follow symbolic links that lead out of the scanned folders.
    case followSymlinksOutside
    /// Name the COCO annotation file, or the annotation format, when detection found none.
    case nameAnnotationFileOrFormat
    /// Named COCO annotation files are read as COCO: leave the format out or make it COCO.
    case annotationFilesAreCOCO
    /// Run a worker by hand to see its error (`command` starts one).
    case runWorkerByHand(command: String)
    /// A URL list's column was named but does not exist: name one of its columns.
    case chooseURLColumn
    /// A URL list has no column with a usual URL name: name the column (or rename it `url`).
    case nameURLColumn
    /// An image is in a library's trash: restore it or empty the trash first.
    case restoreOrEmptyTrash(library: String)
    /// A path is not in a library's trash: list what the trash holds.
    case listTrash(library: String)
    /// A library's index is damaged or refuses statements: make it again from the files.
    case rebuildIndex

    public init(stringLiteral value: String) { self = .text(value) }
    public init(stringInterpolation: DefaultStringInterpolation) { self = .text(String(stringInterpolation: stringInterpolation)) }

    /// Plain words naming no command-line flag, for logs, records and library users.
    public var description: String {
        switch self {
        case .text(let words): return words
        case .reanalyseEverything: return "analyse everything again with the current settings"
        case .otherOutputAppendOrReplace: return "write this scan to another manifest, add it to that manifest, or replace it"
        case .otherExtensions: return "check the path, or look for other file extensions"
        case .readManifest: return "read it as a manifest instead"
        case .createManifest: return "create one by scanning the images"
        case .nameManifestFile: return "name the manifest file a scan wrote"
        case .checkConfigPath: return "check the path of the configuration file"
        case .waitForOtherScan: return "wait for that scan to finish or stop it, or write to another manifest"
        case .raiseTimeout: return "raise the time limit per file"
        case .raiseMemoryLimit: return "raise the memory limit per worker"
        case .raisePixelLimit: return "raise the pixel limit"
        case .allowUntrustedLoaders: return "allow the untrusted loaders to let ImageMagick try"
        case .followSymlinksOutside: return "allow following symlinks out of the scanned folders"
        case .nameAnnotationFileOrFormat: return "name the COCO annotation file, or the format if the detection chose wrong"
        case .annotationFilesAreCOCO: return "leave the format out, or choose COCO"
        case .runWorkerByHand(let command): return "run `\(command)` to see why"
        case .chooseURLColumn: return "choose one of them as the URL column"
        case .nameURLColumn: return "name the URL column, or call it `url`"
        case .restoreOrEmptyTrash: return "restore it or empty the trash first"
        case .listTrash: return "list what the trash holds"
        case .rebuildIndex: return "rebuild the index from the manifest and the sidecars"
        }
    }

    /// "message (remedy)", or the message alone: how a message and its remedy share a line.
    public static func appended(_ remedy: Remedy?, to message: String) -> String {
        remedy.map { "\(message) (\($0))" } ?? message
    }

    /// The remedy a record's `corrupt_reason` ends with (as ``appended(_:to:)`` wrote it), if
    /// it is one a setting applies: so a scan can count the files that setting would read.
    public static func named(in reason: String) -> Remedy? {
        [.raisePixelLimit, .allowUntrustedLoaders].first { reason.hasSuffix("(\($0))") }
    }
}
