/// What a person can do about a problem, as a value: each front end words it its own way
/// (the command line names a flag, the web UI the setting on its page).
public enum Remedy: Sendable, Hashable {
    /// Analyse every file again with the current settings, replacing the manifest.
    case reanalyseEverything
    /// Write to another manifest, add to this one, or replace it.
    case otherOutputAppendOrReplace
    /// Look for other file extensions (or check the path).
    case otherExtensions
    /// The path is a manifest: read it instead of scanning it.
    case readManifest(path: String)
    /// Give each file more time.
    case raiseTimeout
    /// Give each worker more memory.
    case raiseMemoryLimit
    /// Run a worker by hand to see its error (`command` starts one).
    case runWorkerByHand(command: String)
}

extension Remedy: CustomStringConvertible {
    /// Plain words naming no command-line flag, for logs and library users.
    public var description: String {
        switch self {
        case .reanalyseEverything: return "analyse everything again with the current settings"
        case .otherOutputAppendOrReplace: return "write this scan to another manifest, add it to that manifest, or replace it"
        case .otherExtensions: return "check the path, or look for other file extensions"
        case .readManifest: return "read it as a manifest instead"
        case .raiseTimeout: return "raise the time limit per file"
        case .raiseMemoryLimit: return "raise the memory limit per worker"
        case .runWorkerByHand(let command): return "run `\(command)` to see why"
        }
    }
}

/// A pipeline failure (not a bad image: those become records), with its code, a message
/// naming what went wrong, and a ``Remedy`` kept apart so that each front end can word it.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A folder to scan is itself a manifest.
        case manifestAsInput = "manifest-as-input"
        /// The output manifest holds a scan of other folders.
        case manifestOfOtherFolders = "manifest-of-other-folders"
        /// Discovery found nothing to analyse.
        case noImages = "no-images"
        /// A worker process could not be started.
        case workerStart = "worker-start"
        /// Worker processes exit as soon as they start.
        case workersExitAtStart = "workers-exit-at-start"
        /// Waiting for workers failed.
        case supervisor = "supervisor"
        /// A bug: the settings could not be encoded for the workers.
        case `internal` = "internal"
    }

    public var code: Code
    public var message: String
    public var remedy: Remedy?

    public init(_ code: Code, _ message: String, remedy: Remedy? = nil) {
        self.code = code
        self.message = message
        self.remedy = remedy
    }

    /// The message and the remedy in plain words.
    public var description: String {
        remedy.map { "\(message); \($0)" } ?? message
    }
}

/// Something worth telling about a scan that did not stop it (a damaged line dropped,
/// records kept from other settings), with what to do about it if anything.
public struct PipelineNote: Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var remedy: Remedy?

    public init(_ message: String, remedy: Remedy? = nil) {
        self.message = message
        self.remedy = remedy
    }

    public var description: String {
        remedy.map { "\(message) (\($0))" } ?? message
    }
}
