public import DatasetAnalysis
import DatasetIO
import Foundation
import ImageDecoding

/// Charts written as files: SVG as drawn, or PNG rendered by libvips. PNGs are the slow
/// part, so one chart renders per core at a time; every file is written whole or not at all.
///
/// ```swift
/// try ChartFiles.write([("plots/brightness.png", svg)], format: .png, dpi: 150)
/// ```
public enum ChartFiles {
    public enum Format: String, Sendable, CaseIterable {
        case png, svg
    }

    /// Writes each chart to its path.
    ///
    /// - Throws: ``ImgedaError`` for the first chart (in the order given) that could not be
    ///   drawn or written, naming its file; the others are written.
    public static func write(_ charts: [(path: String, svg: String)], format: Format, dpi: Double = 150) throws(ImgedaError) {
        let failures = Failures(count: charts.count)
        DispatchQueue.concurrentPerform(iterations: charts.count) { i in
            let (path, svg) = charts[i]
            do {
                let bytes = format == .svg ? Array(svg.utf8) : try SVGRenderer.png(svg, dpi: dpi)
                try AtomicFile.write(bytes, to: path)
            } catch let error as ImgedaError {
                failures.set(i, error)
            } catch {
                failures.set(i, ImgedaError(.renderFailed, "cannot draw \(path): \(error)"))
            }
        }
        if let first = failures.first { throw first }
    }

    /// One slot per chart. `@unchecked Sendable`: each slot is written by one iteration
    /// only, and read after all have finished.
    private final class Failures: @unchecked Sendable {
        private var errors: UnsafeMutableBufferPointer<ImgedaError?>
        init(count: Int) {
            errors = .allocate(capacity: count)
            errors.initialize(repeating: nil)
        }
        deinit {
            errors.deinitialize()
            errors.deallocate()
        }
        func set(_ i: Int, _ error: ImgedaError) { errors[i] = error }
        var first: ImgedaError? { errors.compactMap { $0 }.first }
    }
}
