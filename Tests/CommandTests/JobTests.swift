import DatasetAnalysis
import DatasetPipeline
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The stop token and progress values: the seams a terminal and a web page share.
@Suite struct JobTests {
    @Test func theFirstStopReasonWins() {
        let stop = StopToken()
        #expect(!stop.isStopped && stop.reason == nil)
        stop.stop(.signal(SIGINT))
        stop.stop(.cancelled)
        #expect(stop.isStopped)
        #expect(stop.reason == .signal(SIGINT))
    }

    @Test func stopsFromManyThreadsTripItOnce() async {
        let stop = StopToken()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<16 { group.addTask { stop.stop(.requested) } }
        }
        #expect(stop.reason == .requested)
    }

    @Test func progressComesFromTheClockReadingsGiven() throws {
        let meter = ProgressMeter(total: 100, startedAt: 10)
        let start = meter.progress(done: 0, at: 10)
        #expect(start.rate == 0 && start.eta == nil && start.elapsed == 0)
        let half = meter.progress(done: 50, at: 12, current: "a.jpg")
        #expect(half.elapsed == 2)
        #expect(half.rate == 25)
        #expect(try #require(half.eta) == 2)
        #expect(half.current == "a.jpg" && !half.isFinished)
        let end = meter.progress(done: 100, at: 14)
        #expect(end.isFinished && end.eta == 0)
        // A clock that went backwards never gives a negative elapsed time or rate.
        let odd = meter.progress(done: 5, at: 9)
        #expect(odd.elapsed == 0 && odd.rate == 0 && odd.eta == nil)
    }

    @Test func aJobThatEndsAtOnceHasNoRate() {
        let meter = ProgressMeter(total: 37, startedAt: 10)
        // 37 items in a microsecond: no rate and no ETA, not 37 million per second.
        let instant = meter.progress(done: 37, at: 10.000_001)
        #expect(instant.rate == 0 && instant.isFinished)
        let early = meter.progress(done: 5, at: 10 + ProgressMeter.minimumElapsed / 2)
        #expect(early.rate == 0 && early.eta == nil)
        let later = meter.progress(done: 5, at: 10 + ProgressMeter.minimumElapsed * 2)
        #expect(later.rate == 5 && later.eta != nil)
    }

    @Test func progressValuesAreJSONForAWebPage() throws {
        let value = ProgressMeter(total: 4, startedAt: 0).progress(done: 1, at: 2, current: "x.png")
        let json = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        for key in ["\"done\":1", "\"total\":4", "\"rate\":0.5", "\"eta\":6", "\"current\":\"x.png\""] {
            #expect(json.contains(key), "\(json)")
        }
    }

    @Test func aStreamKeepsOnlyTheNewestValueForASlowReader() async {
        let (updates, sink) = JobProgress.stream()
        let meter = ProgressMeter(total: 3, startedAt: 0)
        for done in 1...3 { sink.yield(meter.progress(done: done, at: Double(done))) }
        sink.finish()
        var seen: [Int] = []
        for await value in updates { seen.append(value.done) }
        #expect(seen == [3])
    }

    @Test func aPipelineErrorIsAnImgedaErrorWithItsRemedyInPlainWords() {
        let error = PipelineError(.noImages, "no images found in x", remedy: .otherExtensions)
        #expect(error.code == ImgedaError.Code.noImages)
        #expect(error.description == "no images found in x (check the path, or look for other file extensions)")
    }
}
