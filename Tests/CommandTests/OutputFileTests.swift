import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

/// Output files are written under a temporary name and renamed, and a failure names the
/// path and the cause in words, never a Foundation error code.
@Suite("output files")
struct OutputFileTests {
    @Test func writeFailuresNameThePathAndTheCause() throws {
        let ws = try Workspace()
        let manifest = try ws.exampleManifest()
        let missing = ws.file("no/such/folder/out.json")
        let commands: [[String]] = [
            ["check", "all", "-m", manifest, "-o", missing],
            ["diff", "--old", manifest, "--new", manifest, "-o", missing],
        ]
        for arguments in commands {
            let run = try Imgeda.run(arguments)
            #expect(run.status == 1, "\(arguments[0]): \(run.stderr)")
            #expect(run.stderr.contains("cannot write \(missing): No such file or directory"), "\(arguments[0]): \(run.stderr)")
            #expect(!run.stderr.contains("NSCocoaErrorDomain"))
            #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        }
        // A plot folder that is a file.
        try ws.write([1], to: "taken")
        let plot = try Imgeda.run(["plot", "all", "-m", manifest, "-o", ws.file("taken")])
        #expect(plot.status == 1)
        #expect(plot.stderr.contains("cannot create the folder \(ws.file("taken")): a file of that name exists"), "\(plot.stderr)")
        #expect(!plot.stderr.contains("NSCocoaErrorDomain"))
    }

    @Test func commandOutputsAreReplacedAtomically() throws {
        let ws = try Workspace()
        let manifest = try ws.exampleManifest()
        let out = ws.file("checks.json")
        try ws.write(Array("old".utf8), to: "checks.json")
        let run = try Imgeda.run(["check", "all", "-m", manifest, "-o", out])
        #expect(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.hasPrefix("{"))
        // No temporary files are left behind.
        let left = try FileManager.default.contentsOfDirectory(atPath: ws.path).filter { $0.hasSuffix(".tmp") }
        #expect(left.isEmpty, "\(left)")
    }

    @Test func foundationErrorsAreDescribedInWords() {
        let underlying = NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))
        let cocoa = NSError(domain: NSCocoaErrorDomain, code: 512, userInfo: [NSUnderlyingErrorKey: underlying])
        #expect(FileSystem.describe(cocoa) == "No space left on device")
        #expect(
            FileSystem.describe(NSError(domain: NSCocoaErrorDomain, code: CocoaError.fileWriteOutOfSpace.rawValue))
                == "No space left on device")
        #expect(FileSystem.describe(DatasetIOError("cannot write x: y")) == "cannot write x: y")
    }
}
