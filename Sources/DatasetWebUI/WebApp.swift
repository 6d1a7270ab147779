import DatasetAnalysis
import DatasetCatalog
import DatasetIO
import DatasetPipeline
import DatasetReport
import Foundation
import HTTPTypes
public import Hummingbird
import Logging
import NIOCore

/// The running web app's shared state: the library, its index, the security policy, the job
/// runner and a few caches. Routes read it; nothing here holds the library in memory.
struct WebApp: Sendable {
    let configuration: WebConfiguration
    let policy: SecurityPolicy
    let jobs: JobRunner
    let caches: Caches

    var library: Library { configuration.library }
    var store: any CatalogStore { configuration.store }
    var editor: LibraryEditor { LibraryEditor(library: library, store: store) }

    /// After an edit or a decision: caches go, and the other servers of a team hear of it.
    func changed() async {
        await caches.invalidate()
        await jobs.announceChange()
    }

    /// The index entry of an id, or a 404.
    func image(_ id: String) async throws -> CatalogImage {
        let path = try ImageID.path(id)
        guard let image = try await store.image(path: path) else {
            throw APIError(.notFound, "no image has the id '\(id.prefix(80))'", remedy: "take ids from /api/images")
        }
        return image
    }
}

/// What is computed once and kept until the library changes: the tag list (for completion)
/// and the overview. The overview's images part is kept until the manifest changes (its size
/// or modification time: a scan or an update wrote it), and saved in the library for the next
/// server (``Overview/fromImages(_:store:stamp:)``): a decision or an edit only re-reads the
/// index's counts. One computation at a time: requests that come while it runs wait for
/// it rather than start another.
actor Caches {
    private var tags: [TagCount]?
    private var overview: Overview?
    private var fromImages: (stamp: Overview.ManifestStamp?, value: Overview.FromImages)?
    private var computing: (stamp: Overview.ManifestStamp?, task: Task<Overview.FromImages, any Error>)?

    func invalidate() {
        tags = nil
        overview = nil
    }

    func tagCounts(_ store: any CatalogStore) async throws -> [TagCount] {
        if let tags { return tags }
        // Tags live in the sidecars; only contents with decisions have one, so this reads
        // the decided part of the library, not every image.
        var counts: [String: Int] = [:]
        for sidecar in try await store.allSidecars() {
            for tag in Set(sidecar.tags.map(\.text)) { counts[tag, default: 0] += 1 }
        }
        let sorted = counts.map { TagCount(tag: $0.key, images: $0.value) }
            .sorted { $0.images != $1.images ? $0.images > $1.images : $0.tag < $1.tag }
        tags = sorted
        return sorted
    }

    func overview(_ library: Library, store: any CatalogStore) async throws -> Overview {
        let stamp = Overview.ManifestStamp(library.manifest)
        if let overview, fromImages?.stamp == stamp { return overview }
        let part: Overview.FromImages
        if let cached = fromImages, cached.stamp == stamp {
            part = cached.value
        } else {
            let task: Task<Overview.FromImages, any Error>
            if let running = computing, running.stamp == stamp {
                task = running.task
            } else {
                task = Task { try await Overview.fromImages(library, store: store, stamp: stamp) }
                computing = (stamp, task)
            }
            defer { if computing?.stamp == stamp { computing = nil } }
            part = try await task.value
            fromImages = (stamp, part)
        }
        let made = try await Overview.make(part, store: store)
        overview = made
        return made
    }
}

/// Builds the web app: routes, the security middleware, the job runner. The command runs it;
/// tests run it too.
///
/// ```swift
/// let app = try await buildApplication(configuration) { url in print(url) }
/// try await app.runService()
/// ```
public func buildApplication(
    _ configuration: WebConfiguration, onRunning: @escaping @Sendable (_ url: String) -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    try configuration.validate()
    let caches = Caches()
    let jobs = JobRunner(configuration: configuration) { await caches.invalidate() }
    let app = WebApp(
        configuration: configuration, policy: SecurityPolicy(host: configuration.host, token: configuration.token), jobs: jobs,
        caches: caches)
    _ = try await jobs.recover()
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: SecurityMiddleware(policy: app.policy))
    APIRoutes.add(to: router, app: app)
    PageRoutes.add(to: router, app: app)
    FileRoutes.add(to: router, app: app)
    var logger = Logger(label: "imgeda-serve")
    logger.logLevel = .error
    let host = configuration.host
    let token = configuration.token
    return Application(
        router: router,
        configuration: .init(address: .hostname(host, port: configuration.port), serverName: nil),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            onRunning("http://\(shownHost):\(port)/" + (token.map { "?token=\($0)" } ?? ""))
        },
        logger: logger)
}

/// Runs the web app until SIGINT or SIGTERM, which stop it gracefully (event streams end,
/// running jobs are asked to stop and keep what they did).
public func runWebServer(_ configuration: WebConfiguration, onRunning: @escaping @Sendable (_ url: String) -> Void) async throws {
    let app = try await buildApplication(configuration, onRunning: onRunning)
    try await app.runService()
}
