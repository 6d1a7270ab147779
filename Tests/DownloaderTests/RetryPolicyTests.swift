import DatasetAnalysis
import Downloader
import Foundation
import Testing

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test func onlyTransientFailuresAreRetried() {
        #expect(DownloadReason.connect.isTransient(httpStatus: nil))
        #expect(DownloadReason.timeout.isTransient(httpStatus: nil))
        #expect(DownloadReason.truncated.isTransient(httpStatus: nil))
        for code in [408, 429, 500, 502, 503, 504] { #expect(DownloadReason.httpStatus.isTransient(httpStatus: code)) }
        for code in [400, 401, 403, 404, 410] { #expect(!DownloadReason.httpStatus.isTransient(httpStatus: code)) }
        for reason in [DownloadReason.notImage, .tooLarge, .tooSmall, .robots, .blockedAddress, .redirectLoop, .dns, .invalidURL] {
            #expect(!reason.isTransient(httpStatus: nil))
        }
    }

    @Test func backoffIsExponentialWithFullJitterAndBounded() {
        let policy = RetryPolicy(attempts: 5, baseDelay: 1, maxDelay: 5)
        #expect(policy.delay(after: 1, retryAfter: nil, random: { 0.999 })! < 1)
        #expect(policy.delay(after: 2, retryAfter: nil, random: { 0.999 })! > 1.9)
        #expect(policy.delay(after: 3, retryAfter: nil, random: { 0.5 }) == 2)
        #expect(policy.delay(after: 4, retryAfter: nil, random: { 0.999 })! <= 5)
        #expect(policy.delay(after: 4, retryAfter: nil, random: { 0 }) == 0)
        #expect(policy.delay(after: 5, retryAfter: nil) == nil)
    }

    @Test func retryAfterIsHonouredUpToItsCap() {
        let policy = RetryPolicy(attempts: 3, baseDelay: 1, maxDelay: 5, maxRetryAfter: 60)
        #expect(policy.delay(after: 1, retryAfter: 7) == 7)
        #expect(policy.delay(after: 1, retryAfter: 61) == nil)
    }

    @Test func retryAfterReadsSecondsAndHTTPDates() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2015-10-21T07:28:00Z"))
        #expect(RetryPolicy.parseRetryAfter("120", now: now) == 120)
        #expect(RetryPolicy.parseRetryAfter(" 0 ", now: now) == 0)
        #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now: now) == 30)
        #expect(RetryPolicy.parseRetryAfter("Wednesday, 21-Oct-15 07:29:00 GMT", now: now) == 60)
        #expect(RetryPolicy.parseRetryAfter("Wed Oct 21 07:28:10 2015", now: now) == 10)
        #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now: now) == 0)
        #expect(RetryPolicy.parseRetryAfter("soon", now: now) == nil)
        #expect(RetryPolicy.parseRetryAfter("-5", now: now) == nil)
    }
}
