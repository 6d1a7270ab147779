import CImgedaSupport
import DatasetAnalysis
import DatasetIO
import Foundation
import ImageDecoding

#if canImport(Glibc)
    import Glibc
#endif

/// The pipe protocol between the supervisor and its worker processes.
///
/// Every frame is a little-endian `UInt32` length followed by that many bytes.
/// - Request: `UInt64` job id, then the file's path bytes.
/// - Response: `UInt64` job id, one flags byte (``RecordFlags``), then the payload: for a
///   scan worker the record's manifest line (JSON with its newline), ready to append; for a
///   thumbnail worker the JPEG bytes (empty, flagged corrupt, when there is none).
enum WorkerProtocol {

    static func frame(_ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + 4)
        let length = UInt32(payload.count)
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: length >> UInt32(shift))) }
        out.append(contentsOf: payload)
        return out
    }

    static func request(job: UInt64, path: FilePathBytes) -> [UInt8] {
        var payload = littleEndian(job)
        payload.append(contentsOf: path.bytes)
        return frame(payload)
    }

    static func response(job: UInt64, record: ImageRecord) -> [UInt8] {
        var flags = RecordFlags(record)
        if record.corruptReason?.hasPrefix(MappedFile.memoryLimitPrefix) == true { flags.insert(.overMemoryLimit) }
        return response(job: job, flags: flags, payload: ManifestEncoding.line(for: record))
    }

    /// A response with any payload (a thumbnail worker answers with JPEG bytes).
    static func response(job: UInt64, flags: RecordFlags, payload body: [UInt8]) -> [UInt8] {
        var payload = littleEndian(job)
        payload.append(flags.rawValue)
        payload.append(contentsOf: body)
        return frame(payload)
    }

    static func littleEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> UInt64($0 * 8)) }
    }

    static func readUInt64(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var value: UInt64 = 0
        for (i, byte) in bytes.prefix(8).enumerated() { value |= UInt64(byte) << UInt64(i * 8) }
        return value
    }

    /// Splits complete frames off the front of `buffer`.
    static func takeFrames(_ buffer: inout [UInt8]) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var start = 0
        while buffer.count - start >= 4 {
            let length = Int(buffer[start]) | Int(buffer[start + 1]) << 8 | Int(buffer[start + 2]) << 16 | Int(buffer[start + 3]) << 24
            guard buffer.count - start - 4 >= length else { break }
            frames.append(Array(buffer[(start + 4)..<(start + 4 + length)]))
            start += 4 + length
        }
        if start > 0 { buffer.removeFirst(start) }
        return frames
    }
}

/// The body of a worker process: read requests on stdin, work on each file, answer on
/// stdout, until stdin closes. Ctrl-C is left to the supervisor, the process dies with its
/// parent, its address space is capped (``memoryLimitSwitch``), and its stderr goes to
/// /dev/null once it has started, so decoder warnings never reach the terminal.
public enum ScanWorker {
    /// The hidden first argument that turns the executable into a scan worker.
    public static let subcommand = "__scan-worker"
    /// The hidden first argument that turns the executable into a thumbnail worker.
    public static let thumbnailSubcommand = "__thumbnail-worker"

    #if DEBUG
        /// Environment switches that make a worker misbehave on purpose, for the tests that prove
        /// the supervisor survives decoders that crash or hang: a file whose name contains the
        /// value crashes (SIGSEGV) or hangs the worker. Debug builds only (tests run those): a
        /// release build has no way to be told to crash.
        public static let crashSwitch = "IMGEDA_TEST_CRASH_ON"
        public static let hangSwitch = "IMGEDA_TEST_HANG_ON"
        /// Milliseconds each file takes at least, so tests can interrupt a scan part-way.
        public static let delaySwitch = "IMGEDA_TEST_DELAY_MS"
    #endif
    /// Set by the supervisor: the worker's address-space limit in bytes.
    static let memoryLimitSwitch = "IMGEDA_WORKER_MEMORY_LIMIT"
    /// Set by the supervisor when libvips' untrusted loaders (ImageMagick) may run.
    static let untrustedLoadersSwitch = "IMGEDA_UNTRUSTED_LOADERS"
    /// Set to keep a worker's stderr, for debugging a decoder.
    public static let stderrSwitch = "IMGEDA_WORKER_STDERR"

    /// This program's own path: a pool starts workers from the same build as its supervisor.
    public static func currentExecutable() -> String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return resolved
        }
        return CommandLine.arguments[0]
    }

    /// Runs the scan worker loop; returns the process exit status.
    public static func run(settingsJSON: String) -> Int32 {
        guard let data = settingsJSON.data(using: .utf8),
            let settings = try? JSONDecoder().decode(ScanSettings.self, from: data)
        else {
            FileHandle.standardError.write(Data("imgeda worker: unreadable settings\n".utf8))
            return 1
        }
        guard start() else { return 1 }
        let analyzer = FileAnalyzer(settings: settings)
        return serve { job, path in
            WorkerProtocol.response(job: job, record: analyzer.analyze(path))
        }
    }

    /// Runs the thumbnail worker loop (`side`: the thumbnails' longer side in pixels);
    /// returns the process exit status.
    public static func runThumbnails(side: String) -> Int32 {
        guard let side = Int(side), side > 0 else {
            FileHandle.standardError.write(Data("imgeda worker: thumbnail size must be a positive number of pixels\n".utf8))
            return 1
        }
        guard start() else { return 1 }
        let decoder = ImageDecoder()
        return serve { job, path in
            let jpeg = Thumbnailer.jpeg(path, side: side, decoder: decoder)
            return WorkerProtocol.response(job: job, flags: jpeg == nil ? .corrupt : [], payload: jpeg ?? [])
        }
    }

    /// Process set-up shared by both kinds of worker; false when the worker cannot run.
    private static func start() -> Bool {
        cimgeda_ignore_interrupts()
        _ = cimgeda_die_with_parent()
        let environment = ProcessInfo.processInfo.environment
        if let message = ImageDecoder.startLibvips(allowUntrustedLoaders: environment[untrustedLoadersSwitch] == "1") {
            FileHandle.standardError.write(Data("imgeda worker: libvips failed to start: \(message)\n".utf8))
            return false
        }
        if let limit = environment[memoryLimitSwitch].flatMap({ UInt64($0) }), limit > 0,
            cimgeda_limit_memory(limit) != 0
        {
            FileHandle.standardError.write(
                Data("imgeda worker: cannot limit memory to \(limit) bytes: \(String(cString: strerror(errno)))\n".utf8))
            return false
        }
        if environment[stderrSwitch] == nil { cimgeda_silence_stderr() }
        return true
    }

    /// Reads requests until stdin closes; `answer` turns one into a response frame.
    private static func serve(_ answer: (UInt64, FilePathBytes) -> [UInt8]) -> Int32 {
        #if DEBUG
            let faults = FaultInjection(ProcessInfo.processInfo.environment)
        #endif
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { return 0 }
            buffer.append(contentsOf: chunk[0..<got])
            for frame in WorkerProtocol.takeFrames(&buffer) where frame.count >= 8 {
                let job = WorkerProtocol.readUInt64(frame[...])
                let path = FilePathBytes(Array(frame.dropFirst(8)))
                #if DEBUG
                    faults.apply(to: path)
                #endif
                if !writeAll(1, answer(job, path)) { return 0 }
            }
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + offset }, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }
}

#if DEBUG
    /// The test switches of ``ScanWorker``, read once per worker.
    private struct FaultInjection {
        var crashOn: [UInt8]?
        var hangOn: [UInt8]?
        var delayMS: UInt32

        init(_ environment: [String: String]) {
            crashOn = environment[ScanWorker.crashSwitch].flatMap { $0.isEmpty ? nil : Array($0.utf8) }
            hangOn = environment[ScanWorker.hangSwitch].flatMap { $0.isEmpty ? nil : Array($0.utf8) }
            delayMS = environment[ScanWorker.delaySwitch].flatMap { UInt32($0) } ?? 0
        }

        /// Crashes, hangs or waits as the switches say for a file of this path.
        func apply(to path: FilePathBytes) {
            let name = path.lastComponent.bytes
            if let crashOn, Self.contains(name, crashOn) { cimgeda_crash_now() }
            if let hangOn, Self.contains(name, hangOn) { cimgeda_hang_forever() }
            if delayMS > 0 { usleep(delayMS * 1000) }
        }

        private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
            guard needle.count <= haystack.count else { return false }
            for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
                return true
            }
            return false
        }
    }
#endif
