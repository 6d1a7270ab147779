public import DatasetAnalysis
import DatasetIO
import ExampleData
public import Foundation
import ImageDecoding
import Testing

// Test helpers shared by every test target: temporary folders, fixture images, the command
// runner and a manifest reader. Each test target re-exports this module in one file, so its
// tests use these as they would their own.

/// A temporary folder for one test, removed afterwards.
public final class Workspace {
    public let path: String

    public init(_ name: String = #function) throws {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        path = NSTemporaryDirectory() + "imgeda-test-\(safe)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    public func file(_ relative: String) -> String { "\(path)/\(relative)" }

    public func write(_ bytes: [UInt8], to relative: String) throws {
        let full = file(relative)
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
    }
}

/// Fixtures drawn with the project's own synthetic scenes and encoded by libvips.
public enum Fixtures {
    public static let libvipsStarted: Bool = ImageDecoder.startLibvips() == nil

    public static func scene(_ seed: UInt64, width: Int = 320, height: Int = 240) -> RGBImage {
        SyntheticImages.scene(width: width, height: height, seed: seed)
    }

    public static func jpeg(_ image: RGBImage, quality: Int = 90) throws -> [UInt8] {
        _ = libvipsStarted
        return try ImageEncoder.encode(
            pixels: image.pixels, width: image.width, height: image.height, bands: 3,
            suffix: ".jpg[Q=\(quality)]")
    }

    public static func encode(_ image: RGBImage, suffix: String) throws -> [UInt8] {
        _ = libvipsStarted
        return try ImageEncoder.encode(
            pixels: image.pixels, width: image.width, height: image.height, bands: 3,
            suffix: suffix)
    }

    /// Writes `count` small JPEGs named img_0000.jpg … into `folder`.
    public static func jpegFolder(_ workspace: Workspace, folder: String, count: Int, size: Int = 96) throws {
        for i in 0..<count {
            let image = scene(UInt64(i + 1), width: size, height: size * 3 / 4)
            try workspace.write(try jpeg(image), to: "\(folder)/img_\(String(format: "%04d", i)).jpg")
        }
    }
}

extension Workspace {
    /// Writes the example dataset into `example/` and scans it into `m.jsonl`; returns the
    /// manifest's path.
    public func exampleManifest() throws -> String {
        _ = Fixtures.libvipsStarted
        _ = try ExampleDataset.write(to: file("example"))
        let manifest = file("m.jsonl")
        let scan = try Imgeda.run(["scan", file("example"), "-o", manifest, "--quiet"])
        #expect(scan.status == 0, "\(scan.stderr)")
        return manifest
    }
}

/// Runs the built `imgeda` executable like a user would.
public struct CommandResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

public enum Imgeda {
    /// The executable next to the test bundle in the build folder.
    public static var executable: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = (exe as NSString).deletingLastPathComponent
        // The test runner may live inside an .xctest bundle folder.
        while !folder.isEmpty && folder != "/" && !FileManager.default.fileExists(atPath: folder + "/imgeda") {
            folder = (folder as NSString).deletingLastPathComponent
        }
        return folder + "/imgeda"
    }

    /// Starts the executable with stdout and stderr going to files (read them with `output`).
    public static func start(_ arguments: [String], environment: [String: String] = [:], cwd: String? = nil) throws -> RunningCommand {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let base = NSTemporaryDirectory() + "imgeda-run-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        process.standardError = FileHandle(forWritingAtPath: base + ".err")
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return RunningCommand(process: process, outputBase: base)
    }

    @discardableResult
    public static func run(_ arguments: [String], environment: [String: String] = [:], cwd: String? = nil) throws -> CommandResult {
        let running = try start(arguments, environment: environment, cwd: cwd)
        return running.wait()
    }
}

public struct RunningCommand {
    public var process: Process
    public var outputBase: String

    /// Waits for the command to end. Foundation's `waitUntilExit` relies on its own SIGCHLD
    /// handling, which was seen to miss an exit under heavy load (the child left as a zombie,
    /// the test waiting forever); a child that stays a zombie is reaped here instead.
    public func wait() -> CommandResult {
        let pid = process.processIdentifier
        var reaped: Int32?
        var zombieChecks = 0
        while process.isRunning {
            if Self.isZombie(pid) {
                zombieChecks += 1
                // About two seconds a zombie while Foundation still calls it running.
                if zombieChecks > 100 {
                    var raw: Int32 = 0
                    if waitpid(pid, &raw, WNOHANG) == pid {
                        reaped = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : raw & 0x7f
                    }
                    break
                }
            }
            usleep(20_000)
        }
        let status = reaped ?? (process.isRunning ? -1 : process.terminationStatus)
        let out = (try? String(contentsOfFile: outputBase + ".out", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: outputBase + ".err", encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: outputBase + ".out")
        try? FileManager.default.removeItem(atPath: outputBase + ".err")
        return CommandResult(status: status, stdout: out, stderr: err)
    }

    /// Whether `/proc/PID/stat` says the process has exited and waits to be reaped.
    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.range(of: ") ", options: .backwards)
        else { return false }
        return stat[close.upperBound...].first == "Z"
    }

    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }
}

/// Reads every record of a manifest.
public func records(_ manifest: String) throws -> [ImageRecord] {
    var all: [ImageRecord] = []
    try ManifestReader(path: manifest).forEachRecord { all.append($0) }
    return all
}
