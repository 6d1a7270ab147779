import Foundation
public import Testing

/// Golden files: outputs a person reviews once (help texts, `--json` documents), kept in a
/// `Snapshots/` folder next to the test file that compares them. Run the tests with
/// `IMGEDA_UPDATE_SNAPSHOTS=1` to rewrite the files after an intended change, then review the
/// diff.
public enum Snapshot {
    /// The environment variable that turns comparing into rewriting.
    public static let updateVariable = "IMGEDA_UPDATE_SNAPSHOTS"

    public static var updating: Bool { ProcessInfo.processInfo.environment[updateVariable] == "1" }

    /// The `Snapshots/` folder next to the test file at `filePath`.
    public static func folder(filePath: String = #filePath) -> String {
        (filePath as NSString).deletingLastPathComponent + "/Snapshots"
    }

    /// Compares `actual` with the golden file `name` (a path inside `Snapshots/`), recording
    /// an issue that names the first differing line when they differ or the file is missing.
    /// With ``updateVariable`` set, writes `actual` to the file instead.
    public static func expect(
        _ actual: String, matches name: String, filePath: String = #filePath, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let path = folder(filePath: filePath) + "/" + name
        if updating {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: URL(fileURLWithPath: path))
            return
        }
        guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
            Issue.record("no snapshot Snapshots/\(name); record it with \(updateVariable)=1", sourceLocation: sourceLocation)
            return
        }
        guard expected != actual else { return }
        let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let got = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(want, got).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(want.count, got.count)
        let wanted = line < want.count ? String(want[line]) : "(end of file)"
        let gotten = line < got.count ? String(got[line]) : "(end of output)"
        Issue.record(
            """
            output differs from Snapshots/\(name) at line \(line + 1):
              expected: \(wanted)
              actual:   \(gotten)
            if the change is intended, re-run with \(updateVariable)=1 and review the diff
            """, sourceLocation: sourceLocation)
    }

    /// The golden files under `Snapshots/<subfolder>`, by name, to find ones no test wrote.
    public static func recorded(in subfolder: String, filePath: String = #filePath) -> Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder(filePath: filePath) + "/" + subfolder)) ?? []
        return Set(names)
    }

    /// `text` with what varies between runs masked: each `(value, placeholder)` pair in
    /// `replacing` (longest first, e.g. a temporary folder's path) and ISO 8601 timestamps.
    public static func masked(_ text: String, replacing: [(String, String)] = []) -> String {
        var result = text
        for (value, placeholder) in replacing.sorted(by: { $0.0.count > $1.0.count }) where !value.isEmpty {
            result = result.replacingOccurrences(of: value, with: placeholder)
        }
        let timestamp = #/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?/#
        return result.replacing(timestamp, with: "<TIMESTAMP>")
    }
}
