import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

@testable import DatasetPipeline

/// A source that counts what was pulled from it.
private struct CountingSource: IteratorProtocol {
    var paths: [FilePathBytes]
    var pulled = 0

    mutating func next() -> FilePathBytes? {
        guard pulled < paths.count else { return nil }
        defer { pulled += 1 }
        return paths[pulled]
    }
}

/// The worker pool, the resume plan and scans driven from async code, on real worker
/// processes (the built `imgeda`).
@Suite struct PipelineTests {
    static func poolConfiguration(workers: Int) -> WorkerPool.Configuration {
        WorkerPool.Configuration(executable: Imgeda.executable, settings: ScanSettings(), workers: workers, timeout: 30)
    }

    static func folder(_ ws: Workspace, count: Int) throws -> [FilePathBytes] {
        try Fixtures.jpegFolder(ws, folder: "data", count: count, size: 64)
        return (0..<count).map { FilePathBytes(ws.file("data/img_\(String(format: "%04d", $0)).jpg")) }
    }

    @Test func thePoolPullsFromASourceAndAnswersEveryFileOnce() throws {
        let ws = try Workspace()
        let paths = try Self.folder(ws, count: 9)
        let pool = try WorkerPool(configuration: Self.poolConfiguration(workers: 2))
        defer { pool.shutdown() }
        var source = CountingSource(paths: paths)
        var answered: [Int: FilePathBytes] = [:]
        let outcome = try pool.run(source: &source, stop: StopToken()) { completion in
            #expect(answered[completion.sequence] == nil)
            answered[completion.sequence] = completion.path
            let record = try JSONDecoder().decode(ImageRecord.self, from: Data(completion.payload))
            #expect(record.path == completion.path.display)
            #expect(completion.flags == RecordFlags(record))
        }
        #expect(source.pulled == 9)
        #expect(outcome.unfinished.isEmpty && outcome.stopped == nil && outcome.timedOut == 0)
        // Sequence numbers are the order of pulling.
        #expect(answered == Dictionary(uniqueKeysWithValues: paths.enumerated().map { ($0.offset, $0.element) }))
    }

    @Test func aStoppedPoolLeavesTheRestOfItsSourceUnpulled() throws {
        let ws = try Workspace()
        let paths = try Self.folder(ws, count: 30)
        let pool = try WorkerPool(configuration: Self.poolConfiguration(workers: 1))
        defer { pool.shutdown() }
        let stop = StopToken()
        var source = CountingSource(paths: paths)
        var finished = 0
        let outcome = try pool.run(source: &source, stop: stop) { _ in
            finished += 1
            if finished == 2 { stop.stop(.requested) }
        }
        #expect(outcome.stopped == .requested)
        #expect(source.pulled < 30, "pulled \(source.pulled)")
        // Whatever was pulled either finished or is reported unfinished, never lost.
        #expect(finished + outcome.unfinished.count == source.pulled)
        #expect(finished >= 2)
    }

    @Test func theResumePlanKeepsTheNewestCurrentRecordOfEachPath() throws {
        let ws = try Workspace()
        _ = try Self.folder(ws, count: 4)
        let root = ws.file("data")
        let discovery = try Discovery.discover(roots: [root], extensions: Discovery.defaultExtensions)
        let files = discovery.files
        #expect(files.count == 4)
        func record(_ file: DiscoveredFile, size: Int? = nil) -> [UInt8] {
            var r = ImageRecord(path: file.path.display, filename: file.path.lastComponent.display)
            r.fileSizeBytes = size ?? file.size
            r.mtime = file.mtime
            return ManifestEncoding.line(for: r)
        }
        var elsewhere = ImageRecord(path: "/elsewhere/x.jpg", filename: "x.jpg")
        elsewhere.fileSizeBytes = 1
        let header = ManifestHeader(inputDir: root, inputDirs: [root], settings: ScanSettings(), tool: "imgeda-swift")
        let lines: [[UInt8]] = [
            ManifestEncoding.line(for: header),
            record(files[0]),  // line 0: current
            record(files[1]),  // line 1: superseded by line 2, which is stale
            record(files[1], size: 1),  // line 2
            record(files[2], size: 1),  // line 3: stale, superseded by line 4
            record(files[2]),  // line 4: current
            ManifestEncoding.line(for: elsewhere),  // line 5: another folder's, kept as it is
        ]  // files[3] has no record
        let manifest = ws.file("m.jsonl")
        try Data(lines.flatMap { $0 }).write(to: URL(fileURLWithPath: manifest))

        let plan = try ResumePlan.make(manifest: manifest, discovered: files, roots: [root], settings: ScanSettings())
        #expect(plan.pending.map(\.path) == [files[1].path, files[3].path])
        #expect(plan.keepLines == [0, 4, 5])
        #expect(plan.keptCount == 3)

        try plan.rewrite(manifest: manifest, header: header)
        let kept = try records(manifest)
        #expect(kept.map(\.path) == [files[0].path.display, files[2].path.display, "/elsewhere/x.jpg"])
    }

    static func scanConfiguration(_ ws: Workspace, hangOn name: String? = nil) -> ScanConfiguration {
        var configuration = ScanConfiguration(
            roots: [ws.file("data")], output: ws.file("m.jsonl"), workers: 1,
            workerExecutable: Imgeda.executable, toolVersion: "test")
        if let name {
            // The worker hangs on that file and the time limit is far away: the scan cannot
            // end before the test cancels it, however loaded the machine is.
            configuration.workerEnvironment = ["\(ScanWorker.hangSwitch)=\(name)"]
            configuration.timeout = 600
        }
        return configuration
    }

    @Test func progressArrivesAsValuesAndEndsWithEveryFileDone() async throws {
        let ws = try Workspace()
        _ = try Self.folder(ws, count: 6)
        let (updates, sink) = JobProgress.stream()
        let collected = Task {
            var values: [JobProgress] = []
            for await value in updates { values.append(value) }
            return values
        }
        var runner = ScanRunner(configuration: Self.scanConfiguration(ws))
        runner.progressInterval = 0
        let summary = try await runner.run(progress: sink)
        let values = await collected.value
        #expect(summary.analysed == 6 && summary.stopped == nil)
        let last = try #require(values.last)
        #expect(last.done == 6 && last.total == 6 && last.isFinished)
        #expect(values.map(\.done) == values.map(\.done).sorted())
        #expect(last.current?.hasSuffix(".jpg") == true)
    }

    @Test func aCancelledAsyncScanKeepsWhatWasDoneAndResumes() async throws {
        let ws = try Workspace()
        _ = try Self.folder(ws, count: 30)
        let (updates, sink) = JobProgress.stream()
        let runner = ScanRunner(configuration: Self.scanConfiguration(ws, hangOn: "img_0005"))
        let scan = Task { try await runner.run(progress: sink) }
        // Cancel as soon as the first file is done.
        for await _ in updates {
            scan.cancel()
            break
        }
        let summary = try await scan.value
        #expect(summary.stopped == .cancelled)
        // Files before the hung one, at most; the hung one is dropped after the grace period.
        #expect(summary.analysed >= 1 && summary.analysed <= 5, "\(summary.analysed) analysed")
        #expect(summary.unfinished == 30 - summary.analysed)
        #expect(try records(ws.file("m.jsonl")).count == summary.analysed)

        let resumed = try await ScanRunner(configuration: Self.scanConfiguration(ws)).run()
        #expect(resumed.reused == summary.analysed)
        #expect(resumed.analysed == 30 - summary.analysed)
        #expect(try records(ws.file("m.jsonl")).count == 30)
    }

    @Test func thumbnailsComeFromWorkersWhenAskedFromAsyncCode() async throws {
        let ws = try Workspace()
        var paths = try Self.folder(ws, count: 3)
        paths.insert(FilePathBytes(ws.file("data/missing.jpg")), at: 1)
        let thumbnailer = Thumbnailer(configuration: .init(executable: Imgeda.executable, workers: 2, side: 32))
        let jpegs = try await thumbnailer.jpegs(paths)
        #expect(jpegs.count == 4)
        #expect(jpegs[1] == nil)
        for index in [0, 2, 3] {
            let jpeg = try #require(jpegs[index])
            #expect(jpeg.starts(with: [0xFF, 0xD8]), "thumbnail \(index) is not a JPEG")
        }
    }

    @Test func pipelineErrorsCarryTheirRemedyApart() throws {
        let ws = try Workspace()
        try FileManager.default.createDirectory(atPath: ws.file("empty"), withIntermediateDirectories: true)
        var configuration = Self.scanConfiguration(ws)
        configuration.roots = [ws.file("empty")]
        do {
            _ = try ScanRunner(configuration: configuration).run(stop: StopToken())
            Issue.record("a scan of an empty folder succeeded")
        } catch let error as PipelineError {
            #expect(error.code == .noImages)
            #expect(error.remedy == .otherExtensions)
            #expect(!error.description.contains("--"), "\(error)")
        }
        // The command words the same remedy as a flag.
        let run = try Imgeda.run(["scan", ws.file("empty"), "-o", ws.file("e.jsonl")])
        #expect(run.status == 1)
        #expect(run.stderr.contains("no images found") && run.stderr.contains("--extensions"), "\(run.stderr)")
    }
}
