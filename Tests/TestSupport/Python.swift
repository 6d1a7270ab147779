import DatasetIO
import Foundation
import Testing

/// A Python with pyarrow: `PYTHON`, or the `python` beside `IMGEDA_REFERENCE_BIN` (`make test`
/// sets it; that venv has pyarrow).
public let pyarrowPython: String? = {
    let env = ProcessInfo.processInfo.environment
    if let python = env["PYTHON"] { return python }
    return env["IMGEDA_REFERENCE_BIN"].map { FileSystem.parentFolder(of: $0) + "/python" }
}()

/// Runs `script` with pyarrow's Python; returns its output, failing the test if it fails.
public func runPython(_ script: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try #require(pyarrowPython))
    process.arguments = ["-c", script] + arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = out
    try process.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(text)")
    return text
}

/// The Python of the test tools (Playwright, schemathesis, moto, boto3, cfn-lint):
/// `IMGEDA_TEST_PYTHON`, which `make test` sets to `.build/testvenv/bin/python`. Tests that need
/// one of those tools skip when it is not set (run them through `make test`).
public let testToolsPython: String? = ProcessInfo.processInfo.environment["IMGEDA_TEST_PYTHON"]
