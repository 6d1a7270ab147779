import ArgumentParser
import DatasetAnalysis

/// "did you mean …?" for mistyped subcommands, as the reference (click) answers them.
enum Suggestion {
    /// The closest of `candidates` to `word`, if it is close enough to be what was meant
    /// (``EditDistance/closest(to:in:)``).
    static func closest(to word: String, in candidates: [String]) -> String? { EditDistance.closest(to: word, in: candidates) }

    /// Damerau–Levenshtein distance (``EditDistance/distance(_:_:)``).
    static func distance(_ a: String, _ b: String) -> Int { EditDistance.distance(a, b) }

    /// The first word of `arguments` that stands where a subcommand must be and names none,
    /// as one line for the user: "unknown check 'blurry'; did you mean 'blur'? …".
    static func unknownSubcommand(in arguments: [String], root: any ParsableCommand.Type) -> String? {
        var command = root
        var path = [root._commandName]
        for word in arguments {
            let subcommands = command.configuration.subcommands
            // Options, help and commands that take their own arguments end the walk.
            guard !subcommands.isEmpty, command.configuration.defaultSubcommand == nil,
                !word.hasPrefix("-"), word != "help"
            else { return nil }
            if let next = subcommands.first(where: { $0._commandName == word || $0.configuration.aliases.contains(word) }) {
                command = next
                path.append(word)
                continue
            }
            let names = subcommands.map { $0._commandName }
            let kind = path.count == 1 ? "command" : path.last ?? "command"
            var line = "unknown \(kind) '\(word)'"
            if let guess = closest(to: word, in: names) { line += "; did you mean '\(guess)'?" }
            line +=
                " (`\(path.joined(separator: " "))` takes: \(names.joined(separator: ", ")); see `\(path.joined(separator: " ")) --help`)"
            return line
        }
        return nil
    }
}
