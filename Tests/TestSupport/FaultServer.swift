import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP/1.1 server on 127.0.0.1 (an ephemeral port) that misbehaves on purpose, for the
/// download tests: latency, transient errors with `Retry-After`, bodies cut short or too
/// large, HTML instead of an image, a stall mid-body, redirect chains and loops, robots tags.
///
/// ```swift
/// let server = try FaultServer.start()
/// server.route("/a.jpg", .ok(jpegBytes))
/// let url = server.url("/a.jpg")
/// ```
public final class FaultServer: @unchecked Sendable {
    // @unchecked Sendable: `routes`, `hits` and `log` are read and written only while holding
    // `lock`; `channel` is set once in `start` before the server is shared.
    public indirect enum Behaviour: Sendable {
        /// 200 with the bytes, a content type and more headers, after `delay` seconds.
        case ok([UInt8], contentType: String = "image/jpeg", headers: [(String, String)] = [], delay: Double = 0)
        /// A status with a small body and headers.
        case status(Int, headers: [(String, String)] = [], body: String = "")
        /// `failures` answers of `status` (with `Retry-After` if given), then `then`.
        case flaky(failures: Int, status: Int, retryAfter: String? = nil, then: Behaviour)
        /// `Content-Length` of all the bytes, but only the first `sent` are sent before the
        /// connection closes.
        case cutShort([UInt8], sent: Int)
        /// A chunked body of `bytes` zero bytes behind a JPEG signature, no `Content-Length`.
        case endless(bytes: Int)
        /// `Content-Length` of `declared`, and that many bytes.
        case declared([UInt8])
        /// The head and the first `sent` bytes, then nothing (the connection stays open).
        case stall([UInt8], sent: Int)
        /// A redirect to `location` (relative or absolute).
        case redirect(String, status: Int = 302)
    }

    private let lock = NSLock()
    private var routes: [String: Behaviour] = [:]
    private var hits: [String: Int] = [:]
    private var log: [(path: String, host: String)] = []
    private var channel: (any Channel)?
    public private(set) var port = 0

    private init() {}

    /// Starts a server on 127.0.0.1 with an ephemeral port.
    public static func start() throws -> FaultServer {
        let server = FaultServer()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Without pipelining assistance: its handler holds a close back until the
                    // response ends, and a body cut short must close the connection at once.
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: false, withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(FaultHandler(server: server))
                }
            }
        let channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        server.channel = channel
        server.port = channel.localAddress?.port ?? 0
        return server
    }

    deinit { channel?.close(promise: nil) }

    public func stop() { try? channel?.close().wait() }

    public func route(_ path: String, _ behaviour: Behaviour) {
        lock.withLock { routes[path] = behaviour }
    }

    /// `http://127.0.0.1:PORT/path`.
    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Requests served for `path` so far.
    public func requests(_ path: String) -> Int { lock.withLock { log.filter { $0.path == path }.count } }

    /// The `Host` header of every request, in order.
    public var hostHeaders: [String] { lock.withLock { log.map(\.host) } }

    /// The behaviour for this request (a flaky route counts its answers).
    func behaviour(for path: String, host: String) -> Behaviour? {
        lock.withLock {
            log.append((path, host))
            guard var behaviour = routes[path] else { return nil }
            let count = hits[path, default: 0]
            hits[path] = count + 1
            while case .flaky(let failures, let status, let retryAfter, let then) = behaviour {
                if count < failures {
                    return .status(status, headers: retryAfter.map { [("Retry-After", $0)] } ?? [], body: "try later")
                }
                behaviour = then
            }
            return behaviour
        }
    }
}

private final class FaultHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let server: FaultServer
    private var path = "/"
    private var host = ""
    private var keepAlive = true

    init(server: FaultServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            path = head.uri
            host = head.headers.first(name: "host") ?? ""
            keepAlive = head.isKeepAlive
        case .body:
            break
        case .end:
            respond(context: context)
        }
    }

    private func head(_ status: Int, _ headers: [(String, String)]) -> HTTPServerResponsePart {
        var fields = HTTPHeaders(headers)
        if !keepAlive { fields.replaceOrAdd(name: "Connection", value: "close") }
        return .head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: fields))
    }

    private func body(_ context: ChannelHandlerContext, _ bytes: some Collection<UInt8>) -> HTTPServerResponsePart {
        .body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))
    }

    private func respond(context: ChannelHandlerContext) {
        let behaviour = server.behaviour(for: path, host: host) ?? .status(404, body: "no such route")
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        switch behaviour {
        case .ok(let bytes, let contentType, let headers, let delay):
            let send: @Sendable () -> Void = {
                let (handler, context) = bound.value
                context.write(
                    handler.wrapOutboundOut(
                        handler.head(200, [("Content-Type", contentType), ("Content-Length", String(bytes.count))] + headers)), promise: nil
                )
                context.write(handler.wrapOutboundOut(handler.body(context, bytes)), promise: nil)
                handler.end(context)
            }
            if delay > 0 {
                context.eventLoop.scheduleTask(in: .milliseconds(Int64(delay * 1000))) { send() }
            } else {
                send()
            }
        case .status(let code, let headers, let text):
            let bytes = Array(text.utf8)
            context.write(
                wrapOutboundOut(head(code, [("Content-Length", String(bytes.count)), ("Content-Type", "text/plain")] + headers)),
                promise: nil)
            context.write(wrapOutboundOut(body(context, bytes)), promise: nil)
            end(context)
        case .flaky:
            end(context)  // resolved by `behaviour(for:)`
        case .cutShort(let bytes, let sent):
            context.write(
                wrapOutboundOut(head(200, [("Content-Type", "image/jpeg"), ("Content-Length", String(bytes.count))])), promise: nil)
            // Close as soon as the part is on the wire: the client sees the end of the stream early.
            context.writeAndFlush(wrapOutboundOut(body(context, bytes.prefix(sent)))).whenComplete { _ in
                bound.value.1.close(promise: nil)
            }
        case .endless(let total):
            context.write(wrapOutboundOut(head(200, [("Content-Type", "image/jpeg"), ("Transfer-Encoding", "chunked")])), promise: nil)
            var remaining = total
            var first = true
            while remaining > 0 {
                let size = min(remaining, 64 * 1024)
                var chunk = [UInt8](repeating: 0, count: size)
                if first {
                    chunk.replaceSubrange(0..<min(4, size), with: [0xFF, 0xD8, 0xFF, 0xE0].prefix(size))
                    first = false
                }
                context.write(wrapOutboundOut(body(context, chunk)), promise: nil)
                remaining -= size
            }
            end(context)
        case .declared(let bytes):
            context.write(
                wrapOutboundOut(head(200, [("Content-Type", "image/jpeg"), ("Content-Length", String(bytes.count))])), promise: nil)
            context.write(wrapOutboundOut(body(context, bytes)), promise: nil)
            end(context)
        case .stall(let bytes, let sent):
            context.write(
                wrapOutboundOut(head(200, [("Content-Type", "image/jpeg"), ("Content-Length", String(bytes.count))])), promise: nil)
            context.writeAndFlush(wrapOutboundOut(body(context, bytes.prefix(sent))), promise: nil)
        // Nothing more: the client's stall timeout must end it.
        case .redirect(let location, let status):
            context.write(wrapOutboundOut(head(status, [("Location", location), ("Content-Length", "0")])), promise: nil)
            end(context)
        }
    }

    private func end(_ context: ChannelHandlerContext) {
        let keepAlive = self.keepAlive
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { bound.value.close(promise: nil) }
        }
    }
}
