public import DatasetAnalysis
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Files for a ``WorkerPool`` that arrive while it runs (images as a download saves them),
/// instead of a list known in advance.
///
/// Producers ``push(_:attachment:)`` from any thread or task and call ``finish()`` when no
/// more will come; the pool's supervisor takes files as workers have room and sleeps in
/// `poll` on ``wakeDescriptor`` while the feed is empty. The queue is bounded: `push`
/// suspends while ``capacity`` files wait, so a fast producer cannot fill memory when the
/// analysis is slower. Each file may carry an attachment (a download's URL) that the
/// consumer takes back when the file is done.
///
/// ```swift
/// let feed = WorkFeed()
/// Task { await feed.push(path); feed.finish() }
/// try pool.run(feed: feed, stop: stop) { completion in … }
/// ```
public final class WorkFeed: @unchecked Sendable {
    // @unchecked Sendable: every mutable property is read and written only while holding
    // `lock`; the pipe's descriptors are set in `init` and closed in `deinit` only.
    private let lock = NSLock()
    private var queue: [FilePathBytes] = []
    private var head = 0
    private var finished = false
    private var attachments: [FilePathBytes: String] = [:]
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private let wakePipe: (read: Int32, write: Int32)
    /// Files that may wait before `push` suspends.
    public let capacity: Int

    /// What the pool's supervisor finds when it asks for the next file.
    public enum Pull: Sendable, Hashable {
        case file(FilePathBytes)
        /// Nothing now; more may come.
        case later
        /// Nothing now and nothing more: the feed is finished and empty.
        case end
    }

    public init(capacity: Int = 4096) {
        self.capacity = max(1, capacity)
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 { fds = [-1, -1] }
        for fd in fds where fd >= 0 {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            // A full pipe already wakes the reader; neither end may ever block.
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        wakePipe = (fds[0], fds[1])
    }

    deinit {
        if wakePipe.read >= 0 { close(wakePipe.read) }
        if wakePipe.write >= 0 { close(wakePipe.write) }
    }

    /// Adds a file (waiting while ``capacity`` files are queued).
    public func push(_ path: FilePathBytes, attachment: String? = nil) async {
        while true {
            let full: Bool = lock.withLock { queue.count - head >= capacity && !finished }
            guard full else { break }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = lock.withLock {
                    if queue.count - head < capacity || finished { return true }
                    waiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
        lock.withLock {
            queue.append(path)
            if let attachment { attachments[path] = attachment }
        }
        wake()
    }

    /// Says that no more files will come; the pool ends once the queued ones are done.
    public func finish() {
        let resumed: [CheckedContinuation<Void, Never>] = lock.withLock {
            finished = true
            defer { waiters.removeAll() }
            return waiters
        }
        for waiter in resumed { waiter.resume() }
        wake()
    }

    /// The next file, if there is one (called by the pool's supervisor).
    public func pull() -> Pull {
        drainWake()
        let (pull, resumed): (Pull, CheckedContinuation<Void, Never>?) = lock.withLock {
            guard head < queue.count else { return (finished ? .end : .later, nil) }
            let path = queue[head]
            head += 1
            if head >= 1024 && head * 2 >= queue.count {
                queue.removeFirst(head)
                head = 0
            }
            return (.file(path), waiters.isEmpty ? nil : waiters.removeFirst())
        }
        resumed?.resume()
        return pull
    }

    /// Takes back the attachment pushed with `path` (once).
    public func takeAttachment(for path: FilePathBytes) -> String? {
        lock.withLock { attachments.removeValue(forKey: path) }
    }

    /// Files waiting (not yet pulled).
    public var waiting: Int { lock.withLock { queue.count - head } }

    /// Readable when a file or the end has arrived since the last ``pull()``.
    var wakeDescriptor: Int32 { wakePipe.read }

    private func wake() {
        guard wakePipe.write >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(wakePipe.write, &byte, 1)
    }

    private func drainWake() {
        guard wakePipe.read >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 256)
        while buffer.withUnsafeMutableBytes({ read(wakePipe.read, $0.baseAddress, $0.count) }) > 0 {}
    }
}
