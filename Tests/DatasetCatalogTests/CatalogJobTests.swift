import DatasetAnalysis
import DatasetCatalog
import Foundation
import Testing

/// The web app's job queue in the index, the same on both backends: ids in order, each
/// queued job taken once, cancelling only what waits, running jobs interrupted at restart.
@Suite("catalog jobs", .postgresSchema)
struct CatalogJobTests {
    @Test(arguments: CatalogBackend.allCases)
    func jobsAreQueuedClaimedOnceAndKeptAsHistory(backend: CatalogBackend) async throws {
        let ws = try Workspace()
        let store = try await backend.makeStore(ws)
        let first = try await store.addJob(kind: "update", createdAt: "2026-11-27T12:00:00Z")
        let second = try await store.addJob(kind: "thumbnails", createdAt: "2026-11-27T12:00:01Z")
        let third = try await store.addJob(kind: "duplicates", createdAt: "2026-11-27T12:00:02Z")
        #expect(first.status == "queued")
        #expect(first.id < second.id && second.id < third.id)

        let claimed = try #require(try await store.claimJob(owner: "a", startedAt: "2026-11-27T12:01:00Z"))
        #expect(claimed.id == first.id)
        #expect(claimed.status == "running" && claimed.owner == "a")
        // A queued job is cancelled; one that runs is not (its server stops it).
        #expect(try await store.cancelQueuedJob(id: second.id, finishedAt: "2026-11-27T12:01:01Z"))
        #expect(!(try await store.cancelQueuedJob(id: first.id, finishedAt: "2026-11-27T12:01:01Z")))
        #expect(!(try await store.cancelQueuedJob(id: second.id, finishedAt: "2026-11-27T12:01:02Z")))
        // The next claim skips the cancelled job.
        let next = try #require(try await store.claimJob(owner: "b", startedAt: "2026-11-27T12:01:03Z"))
        #expect(next.id == third.id && next.owner == "b")
        #expect(try await store.claimJob(owner: "a", startedAt: "2026-11-27T12:01:04Z") == nil)

        var progressed = claimed
        progressed.done = 7
        progressed.total = 10
        try await store.updateJob(progressed)
        #expect(try await store.job(id: first.id)?.done == 7)
        var finished = next
        finished.status = "failed"
        finished.error = "the manifest is locked"
        finished.finishedAt = "2026-11-27T12:02:00Z"
        try await store.updateJob(finished)

        // A restart: what was running is interrupted, the rest stays as it was.
        #expect(try await store.interruptRunningJobs(finishedAt: "2026-11-27T12:03:00Z") == 1)
        let history = try await store.jobs(limit: 10)
        #expect(history.map(\.id) == [third.id, second.id, first.id])
        #expect(history.map(\.status) == ["failed", "cancelled", "interrupted"])
        #expect(history.first?.error == "the manifest is locked")
        #expect(history.last?.done == 7 && history.last?.total == 10)
        #expect(try await store.jobs(limit: 1).count == 1)
        #expect(try await store.job(id: 999_999) == nil)
    }

    @Test(arguments: CatalogBackend.allCases)
    func concurrentClaimsTakeEachJobOnce(backend: CatalogBackend) async throws {
        let ws = try Workspace()
        let store = try await backend.makeStore(ws)
        for i in 0..<12 { _ = try await store.addJob(kind: "update", createdAt: "2026-11-27T12:00:\(10 + i)Z") }
        let taken = try await withThrowingTaskGroup(of: [Int].self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var mine: [Int] = []
                    while let job = try await store.claimJob(owner: "server-\(worker)", startedAt: "2026-11-27T12:01:00Z") {
                        mine.append(job.id)
                    }
                    return mine
                }
            }
            var all: [Int] = []
            for try await ids in group { all += ids }
            return all
        }
        #expect(taken.count == 12)
        #expect(Set(taken).count == 12)
    }
}
