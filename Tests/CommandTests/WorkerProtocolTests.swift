import DatasetAnalysis
import Testing

@testable import DatasetPipeline

/// The frames between the supervisor and its workers: split correctly however the bytes
/// arrive.
@Suite struct WorkerProtocolTests {
    @Test func framesSplitWhereverTheBytesAreCut() throws {
        let first = WorkerProtocol.request(job: 7, path: FilePathBytes("/data/a.jpg"))
        let second = WorkerProtocol.response(job: 8, flags: [.dark, .blurry], payload: Array("{}\n".utf8))
        let empty = WorkerProtocol.frame([])
        let stream = first + second + empty
        // Every cut point: the frames come out whole, in order, and nothing is left over.
        for cut in 0...stream.count {
            var buffer = Array(stream[..<cut])
            var frames = WorkerProtocol.takeFrames(&buffer)
            buffer += stream[cut...]
            frames += WorkerProtocol.takeFrames(&buffer)
            #expect(frames.count == 3, "cut at \(cut)")
            #expect(buffer.isEmpty, "cut at \(cut)")
            #expect(frames.first.map { WorkerProtocol.readUInt64($0[...]) } == 7)
            #expect(frames.first.map { Array($0.dropFirst(8)) } == Array("/data/a.jpg".utf8))
            #expect(frames.dropFirst().first.map { RecordFlags(rawValue: $0[8]) } == [.dark, .blurry])
            #expect(frames.last == [])
        }
    }

    @Test func anIncompleteFrameWaitsForTheRest() {
        var buffer = Array(WorkerProtocol.frame([1, 2, 3, 4, 5]).dropLast())
        #expect(WorkerProtocol.takeFrames(&buffer).isEmpty)
        #expect(buffer.count == 8)
        buffer.append(5)
        #expect(WorkerProtocol.takeFrames(&buffer) == [[1, 2, 3, 4, 5]])
    }

    @Test func lengthsAndJobIdsAreLittleEndian() {
        #expect(WorkerProtocol.frame([9]) == [1, 0, 0, 0, 9])
        #expect(WorkerProtocol.littleEndian(0x0102) == [2, 1, 0, 0, 0, 0, 0, 0])
        #expect(WorkerProtocol.readUInt64(WorkerProtocol.littleEndian(UInt64.max - 5)[...]) == UInt64.max - 5)
    }
}
