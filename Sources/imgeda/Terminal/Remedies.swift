import DatasetPipeline

extension Remedy {
    /// The remedy in command-line words: the flag or command that applies it.
    var commandLine: String {
        switch self {
        case .reanalyseEverything: return "use --force to analyse everything with the current settings"
        case .otherOutputAppendOrReplace:
            return "write this scan elsewhere with -o NEW.jsonl, add --append to add it to that manifest, or --force to replace it"
        case .otherExtensions: return "check the path, or name other extensions with --extensions"
        case .readManifest(let path): return "to read it: `imgeda info -m \(path)`"
        case .raiseTimeout: return "raise the limit with --timeout"
        case .raiseMemoryLimit: return "raise the limit with --max-memory"
        case .runWorkerByHand(let command): return "run `\(command)` to see why"
        }
    }
}

extension PipelineError {
    /// The one line a command prints: the message, then what to type about it.
    var commandLine: String {
        remedy.map { "\(message); \($0.commandLine)" } ?? message
    }
}

extension PipelineNote {
    var commandLine: String {
        remedy.map { "\(message) (\($0.commandLine))" } ?? message
    }
}
