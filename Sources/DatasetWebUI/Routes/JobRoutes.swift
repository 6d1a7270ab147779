import DatasetAnalysis
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

struct StartJobRequest: Decodable, Sendable {
    var kind: String
}

/// Jobs: start, list, cancel, resume, and their live progress as server-sent events.
enum JobRoutes {
    /// A stream ends after this long and the browser's EventSource reconnects (it does so by
    /// itself): no connection is held forever.
    static let streamSeconds: UInt64 = 300

    static func add(to router: Router<BasicRequestContext>, app: WebApp) {
        router.get("/api/jobs") { _, _ in JSONResponse.make(try await app.jobs.list()) }
        router.post("/api/jobs") { request, context in
            let body = try await request.decode(as: StartJobRequest.self, context: context)
            guard let kind = WebJobKind(rawValue: body.kind) else {
                throw APIError(
                    .badRequest, "unknown job kind '\(body.kind.prefix(40))'",
                    remedy: "one of \(WebJobKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return JSONResponse.make(try await app.jobs.start(kind), status: .accepted)
        }
        router.get("/api/jobs/events") { _, _ in
            let (stream, key) = await app.jobs.subscribe()
            // At most 20 a second, whatever the configuration says.
            let heartbeat = max(0.05, app.configuration.heartbeatSeconds)
            let body = ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                // One writer: the jobs' changes and the heartbeat's ticks meet in one stream.
                let (events, sink) = AsyncStream<StreamEvent>.makeStream(bufferingPolicy: .bufferingNewest(256))
                let forward = Task {
                    for await job in stream { sink.yield(.job(job)) }
                    sink.finish()
                }
                let ticks = Task {
                    while !Task.isCancelled {
                        try? await Task.sleep(nanoseconds: UInt64(heartbeat * 1_000_000_000))
                        if Task.isCancelled { break }
                        sink.yield(.heartbeat)
                    }
                }
                let expiry = Task {
                    try? await Task.sleep(nanoseconds: streamSeconds * 1_000_000_000)
                    await app.jobs.end(key)
                }
                defer {
                    expiry.cancel()
                    ticks.cancel()
                    forward.cancel()
                }
                try await withGracefulShutdownHandler {
                    for await event in events {
                        switch event {
                        case .job(let job):
                            let data = try encoder.encode(job)
                            try await writer.write(ByteBuffer(string: "event: job\ndata: \(String(decoding: data, as: UTF8.self))\n\n"))
                        case .heartbeat:
                            // A comment line: EventSource ignores it, the connection stays busy.
                            try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                        }
                    }
                } onGracefulShutdown: {
                    Task { await app.jobs.end(key) }
                }
                try await writer.finish(nil)
            }
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"], body: body)
        }
        router.get("/api/jobs/{id}") { _, context in JSONResponse.make(try await app.jobs.job(try jobID(context))) }
        router.post("/api/jobs/{id}/cancel") { _, context in JSONResponse.make(try await app.jobs.cancel(try jobID(context))) }
        router.post("/api/jobs/{id}/resume") { _, context in
            JSONResponse.make(try await app.jobs.resume(try jobID(context)), status: .accepted)
        }
    }

    /// What an event stream writes next.
    enum StreamEvent: Sendable {
        case job(WebJob)
        case heartbeat
    }

    static func jobID(_ context: BasicRequestContext) throws -> Int {
        let text = try context.parameters.require("id")
        guard let id = Int(text) else { throw APIError(.notFound, "there is no job '\(text.prefix(40))'") }
        return id
    }
}
