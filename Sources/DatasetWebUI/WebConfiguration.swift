public import DatasetAnalysis
public import DatasetCatalog
import Foundation
import HTTPTypes

/// Everything `imgeda serve` decides before the server starts: where it listens, who may talk
/// to it, and the library it shows.
public struct WebConfiguration: Sendable {
    /// The address to listen on: loopback (`127.0.0.1`) unless the user names another.
    public var host: String
    /// The port; 0 lets the system choose (tests), the URL printed says which.
    public var port: Int
    /// The access token every request must carry (`Authorization: Bearer`, the `imgeda_token`
    /// cookie, or `?token=` once); nil only on a loopback address.
    public var token: String?
    public var library: Library
    public var store: any CatalogStore
    /// The executable that runs scan workers (this program).
    public var workerExecutable: String
    public var toolVersion: String
    /// Worker processes per scan job.
    public var scanWorkers: Int
    /// Background jobs that may run at once; the rest wait their turn.
    public var jobConcurrency: Int
    /// Where previews and thumbnails come from.
    public var previews: any PreviewSource
    /// This server's name in the jobs table (team mode: which process runs a job).
    public var serverID: String
    /// Seconds between the comment lines an event stream sends when nothing happens, so
    /// proxies and browsers do not close a quiet connection (many give up after 30–60 s).
    public var heartbeatSeconds: Double = 15

    #if DEBUG
        /// Milliseconds between heartbeats instead, for the test that watches them arrive.
        /// Debug builds only.
        public static let heartbeatSwitch = "IMGEDA_TEST_SSE_HEARTBEAT_MS"
    #endif

    public init(
        host: String = "127.0.0.1", port: Int = 8765, token: String? = nil, library: Library, store: any CatalogStore,
        workerExecutable: String, toolVersion: String, scanWorkers: Int = 2, jobConcurrency: Int = 1,
        previews: (any PreviewSource)? = nil, serverID: String? = nil
    ) {
        self.host = host
        self.port = port
        self.token = token
        self.library = library
        self.store = store
        self.workerExecutable = workerExecutable
        self.toolVersion = toolVersion
        self.scanWorkers = scanWorkers
        self.jobConcurrency = jobConcurrency
        self.previews = previews ?? CachedPreviews(stateFolder: library.state)
        self.serverID = serverID ?? "\(ProcessInfo.processInfo.processIdentifier)"
        #if DEBUG
            if let ms = ProcessInfo.processInfo.environment[Self.heartbeatSwitch].flatMap(Double.init), ms > 0 {
                heartbeatSeconds = ms / 1000
            }
        #endif
    }

    /// Whether `host` names this machine's loopback interface only.
    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare == "localhost" || bare == "::1" { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// Checks the combination before anything listens: a non-loopback address needs a token.
    public func validate() throws(ImgedaError) {
        if !Self.isLoopback(host) && (token ?? "").isEmpty {
            throw ImgedaError(.invalidArgument, "serving on \(host) needs an access token", remedy: "give a token or let one be generated")
        }
        if let token, token.count < 16 {
            throw ImgedaError(
                .invalidArgument, "the access token is too short (\(token.count) characters)", remedy: "use at least 16 characters")
        }
        guard (0...65535).contains(port) else {
            throw ImgedaError(.invalidArgument, "the port must be between 0 and 65535 (got \(port))")
        }
    }

    /// A random token of 32 hex digits, for `--host` without `--token`.
    public static func generateToken() -> String { Secrets.random(bytes: 16) }
}
