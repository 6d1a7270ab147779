/// How one URL of a download ended (the `status` of its line in `download.jsonl`).
public enum DownloadStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// The image was received, checked and saved.
    case ok
    /// No image: the reason says why.
    case failed
    /// Deliberately not fetched or not saved (a robots tag, a duplicate of an earlier row).
    case skipped
}

/// Why a URL did not end with an image: the `reason` of its line in `download.jsonl`, one
/// word a program can count, with the details (status code, content type, address) beside it.
public enum DownloadReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// Not an http(s) URL, or not a URL at all.
    case invalidURL = "invalid_url"
    /// The host name does not resolve.
    case dns
    /// The connection was refused or reset, or could not be made.
    case connect
    /// The TLS handshake failed (certificate, protocol).
    case tls
    /// The request took longer than its time limit, or the server stopped sending.
    case timeout
    /// The connection closed before the whole body arrived (fewer bytes than
    /// `Content-Length`), or the response was malformed.
    case truncated
    /// The server answered with a status other than 200.
    case httpStatus = "http_status"
    /// The body is larger than the size cap.
    case tooLarge = "too_large"
    /// The body is smaller than the minimum size (often a placeholder), or ended early.
    case tooSmall = "too_small"
    /// The bytes are not an image (HTML, JSON, …); the detail names the content type seen.
    case notImage = "not_image"
    /// The bytes look like an image but cannot be decoded (or re-encoded).
    case decodeFailed = "decode_failed"
    /// A redirect leads back to a URL already visited.
    case redirectLoop = "redirect_loop"
    /// More redirects than allowed.
    case tooManyRedirects = "too_many_redirects"
    /// The host resolves to an address that is not allowed (private, loopback, link-local…).
    case blockedAddress = "blocked_address"
    /// The server asks for its images not to be used for AI (`X-Robots-Tag: noai`).
    case robots
    /// The same bytes (SHA-256) as an earlier row: recorded as its duplicate, not saved twice.
    case duplicate
    /// The image could not be written to disk.
    case writeFailed = "write_failed"

    /// Whether a later attempt may succeed without anything changing on our side: connection
    /// failures, timeouts and the HTTP statuses that say "later" (408, 429, 5xx).
    public func isTransient(httpStatus: Int?) -> Bool {
        switch self {
        case .connect, .timeout, .truncated: return true
        case .httpStatus:
            guard let code = httpStatus else { return false }
            return code == 408 || code == 429 || (500...599).contains(code)
        default: return false
        }
    }
}

/// The failures of one reason, for the summary table: how many, and one example.
public struct DownloadFailureGroup: Sendable, Hashable, Codable {
    public var status: DownloadStatus
    public var reason: DownloadReason
    public var count: Int
    public var exampleURL: String
    public var exampleDetail: String

    public init(status: DownloadStatus, reason: DownloadReason, count: Int, exampleURL: String, exampleDetail: String) {
        self.status = status
        self.reason = reason
        self.count = count
        self.exampleURL = exampleURL
        self.exampleDetail = exampleDetail
    }

    enum CodingKeys: String, CodingKey {
        case status, reason, count
        case exampleURL = "example_url"
        case exampleDetail = "example_detail"
    }
}

/// What `imgeda download` did, as a value the command renders (text, or JSON with `--json`).
public struct DownloadSummary: Sendable, Hashable, Codable {
    /// Rows in the URL list.
    public var total = 0
    /// Rows that end this run with an image (including those saved by earlier runs).
    public var ok = 0
    public var failed = 0
    public var skipped = 0
    /// Failed rows that a re-run fetches again (transient failures).
    public var retryable = 0
    /// Rows already finished by an earlier run and left alone.
    public var alreadyDone = 0
    /// Rows fetched by this run.
    public var attempted = 0
    /// Rows not reached because the run was stopped.
    public var unfinished = 0
    /// Images analysed into the manifest by this run.
    public var analysed = 0
    /// Bytes of images received by this run.
    public var bytes: Int64 = 0
    public var seconds = 0.0
    /// Failures and skips by reason, most frequent first.
    public var failures: [DownloadFailureGroup] = []
    /// Whether the run was stopped (Ctrl-C) before every row was done.
    public var stopped = false
    public var outputDir = ""
    public var journal = ""
    public var manifest = ""
    /// The command that resumes this download (or retries its failures).
    public var resumeCommand = ""

    public init() {}

    /// Images per second received by this run.
    public var imagesPerSecond: Double { seconds > 0 ? Double(max(0, attempted - failedThisRun)) / seconds : 0 }
    /// Failures and skips recorded by this run (for the rate).
    public var failedThisRun = 0

    enum CodingKeys: String, CodingKey {
        case total, ok, failed, skipped, retryable, attempted, unfinished, analysed, bytes, seconds, failures, stopped, journal, manifest
        case alreadyDone = "already_done"
        case outputDir = "output_dir"
        case resumeCommand = "resume_command"
        case failedThisRun = "failed_this_run"
    }
}
