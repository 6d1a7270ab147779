import DatasetAnalysis
import DatasetPipeline

/// The only place where a remedy becomes command-line words: the flag or command that
/// applies it. Libraries carry ``Remedy`` values and never name a flag.
extension Remedy {
    /// The remedy in command-line words.
    var commandLine: String {
        switch self {
        case .text(let words): return words
        case .reanalyseEverything: return "use --force to analyse everything with the current settings"
        case .otherOutputAppendOrReplace:
            return "write this scan elsewhere with -o NEW.jsonl, add --append to add it to that manifest, or --force to replace it"
        case .otherExtensions: return "check the path, or name other extensions with --extensions"
        case .readManifest(let path): return "to read it: `imgeda info -m \(path)`"
        case .createManifest(let path): return "create one with `imgeda scan DIR -o \(path)`"
        case .nameManifestFile: return "pass the .jsonl file that `imgeda scan -o` wrote"
        case .checkConfigPath: return "check the path given with --config"
        case .waitForOtherScan: return "wait for it to finish or stop it, or write to another manifest with -o"
        case .raiseTimeout: return "raise the limit with --timeout"
        case .raiseMemoryLimit: return "raise the limit with --max-memory"
        case .raisePixelLimit: return "raise the limit with --max-pixels"
        case .allowUntrustedLoaders: return "scan with --allow-untrusted-loaders to let ImageMagick try"
        case .followSymlinksOutside: return "scan with --follow-symlinks-outside to follow it"
        case .nameAnnotationFileOrFormat:
            return "pass --annotation-file FILE for a COCO file by name, or --format yolo|coco|voc if the detection chose wrong"
        case .annotationFilesAreCOCO: return "leave out --format or use --format coco"
        case .runWorkerByHand(let command): return "run `\(command)` to see why"
        case .chooseURLColumn: return "pass one of them with --url-column"
        case .nameURLColumn: return "name the column with --url-column, or call it `url`"
        case .restoreOrEmptyTrash(let library): return "restore it or empty the trash (`imgeda library empty-trash \(library) --yes`) first"
        case .listTrash(let library): return "list it with `imgeda library trash \(library) --list`"
        case .rebuildIndex: return "run `imgeda library rebuild DIR --db URL` to make it again from the manifest and sidecars"
        }
    }

    /// "message (remedy)" in command-line words.
    static func commandLine(_ remedy: Remedy?, after message: String) -> String {
        remedy.map { "\(message) (\($0.commandLine))" } ?? message
    }
}

extension ImgedaError {
    /// The one line a command prints: the message, then what to type about it.
    var commandLine: String { Remedy.commandLine(remedy, after: message) }
}

extension PipelineNote {
    var commandLine: String { Remedy.commandLine(remedy, after: message) }
}
