public import DatasetAnalysis

/// A pipeline failure (not a bad image: those become records) is an ``ImgedaError`` with one
/// of the pipeline's codes (`.manifestAsInput`, `.noImages`, `.workerStart`, …) and a
/// ``Remedy`` that each front end words its own way. The name stays for readers of the
/// pipeline's signatures.
public typealias PipelineError = ImgedaError

/// Something worth telling about a scan that did not stop it (a damaged line dropped,
/// records kept from other settings), with what to do about it if anything.
public struct PipelineNote: Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var remedy: Remedy?

    public init(_ message: String, remedy: Remedy? = nil) {
        self.message = message
        self.remedy = remedy
    }

    public var description: String { Remedy.appended(remedy, to: message) }
}
