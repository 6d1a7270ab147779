import DatasetAnalysis
import ExampleData
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A library on disk with hostile names, hostile EXIF and a duplicate group, served by the
/// built `imgeda serve` on a free port of 127.0.0.1.
final class ServeFixture {
    let ws: Workspace
    let running: RunningCommand
    let port: Int
    let url: String
    var root: String { ws.file("photos") }

    /// The payloads that must never appear live in a page.
    static let scriptName = "<script>alert(1)</script>.jpg"
    static let attributeName = "\"><img src=x onerror=alert(1)>.jpg"
    static let exifMake = "<script>alert('exif')</script>"

    init(
        _ name: String = #function, extraArguments: [String] = [], database: String? = nil, environment: [String: String] = [:],
        prepare: (Workspace) throws -> Void = { _ in }
    ) throws {
        _ = Fixtures.libvipsStarted
        ws = try Workspace(name)
        try Fixtures.jpegFolder(ws, folder: "photos/2023/beach", count: 4, size: 96)
        let scene = try Fixtures.jpeg(Fixtures.scene(77, width: 120, height: 90))
        try ws.write(scene, to: "photos/city/original.jpg")
        try ws.write(scene, to: "photos/city/copy.jpg")
        try ws.write(try Fixtures.jpeg(Fixtures.scene(78, width: 100, height: 80)), to: "photos/hostile/\(Self.scriptName)")
        try ws.write(try Fixtures.jpeg(Fixtures.scene(79, width: 100, height: 80)), to: "photos/hostile/\(Self.attributeName)")
        let camera = ExifWriter.Camera(
            make: Self.exifMake, model: "\"><img src=x onerror=alert(2)>", lens: "<b>lens</b>", focalLength: 50, focalLength35mm: 50,
            iso: 100, exposureDenominator: 125, fNumberTenths: 28, date: "2023:07:14 10:00:00")
        try ws.write(
            ExifWriter.insert(camera, into: try Fixtures.jpeg(Fixtures.scene(80, width: 100, height: 80))), to: "photos/hostile/exif.jpg")
        try prepare(ws)
        let db = database.map { ["--db", $0] } ?? []
        let made = try Imgeda.run(["library", "init", ws.file("photos"), "--quiet", "--workers", "1"] + db)
        #expect(made.status == 0, "\(made.stdout)\(made.stderr)")
        running = try Imgeda.start(
            ["serve", ws.file("photos"), "--port", "0", "--workers", "1"] + db + extraArguments, environment: environment)
        (url, port) = try Self.address(of: running)
    }

    /// Waits for a starting server's "Serving … at URL" line; its URL and port.
    static func address(of running: RunningCommand) throws -> (url: String, port: Int) {
        var found: String?
        for _ in 0..<1200 where found == nil {
            let out = (try? String(contentsOfFile: running.outputBase + ".out", encoding: .utf8)) ?? ""
            if let line = out.split(separator: "\n").first(where: { $0.hasPrefix("Serving ") }), let at = line.range(of: " at ") {
                found = String(line[at.upperBound...])
            } else if !running.process.isRunning {
                break
            } else {
                usleep(50_000)
            }
        }
        guard let found, let portText = found.split(separator: ":").last?.split(separator: "/").first, let port = Int(portText) else {
            let result = running.wait()
            throw FixtureError("imgeda serve did not start: \(result.stdout)\(result.stderr)")
        }
        return (found, port)
    }

    deinit {
        running.signal(SIGTERM)
        _ = running.wait()
    }

    func request(_ method: String = "GET", _ path: String, headers: [String: String] = [:], body: String? = nil) throws -> RawHTTP.Reply {
        try RawHTTP.send(port: port, method: method, path: path, headers: headers, body: body)
    }

    /// The CSRF token this server's pages carry.
    func csrf() throws -> String {
        let reply = try request("GET", "/api/session")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
        return try #require(json["csrf_token"] as? String)
    }

    /// A same-origin JSON POST with the CSRF token, as the pages send it.
    func post(_ path: String, json: String = "{}") throws -> RawHTTP.Reply {
        try request(
            "POST", path,
            headers: ["Origin": "http://127.0.0.1:\(port)", "X-CSRF-Token": try csrf(), "Content-Type": "application/json"], body: json)
    }

    /// The id of the image at a library path, from the API.
    func id(of path: String) throws -> String {
        let reply = try request("GET", "/api/images?order=path&limit=200")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
        let images = try #require(json["images"] as? [[String: Any]])
        return try #require(images.first { ($0["path"] as? String) == path }?["id"] as? String)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A minimal HTTP/1.1 client over a socket to 127.0.0.1, so tests control every header
/// (Host, Origin, Cookie) byte for byte, which higher-level clients rewrite or refuse.
enum RawHTTP {
    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    /// A TCP socket connected to 127.0.0.1:`port`, reads timing out after `receiveTimeout`
    /// seconds; the caller closes it.
    static func connectLoopback(port: Int, receiveTimeout: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: receiveTimeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw FixtureError("cannot connect to 127.0.0.1:\(port)")
        }
        return fd
    }

    static func send(port: Int, method: String, path: String, headers: [String: String] = [:], body: String? = nil) throws -> Reply {
        let fd = try connectLoopback(port: port, receiveTimeout: 60)
        defer { close(fd) }
        var all = headers
        if all["Host"] == nil { all["Host"] = "127.0.0.1:\(port)" }
        all["Connection"] = "close"
        let bytes = Array((body ?? "").utf8)
        if body != nil || method == "POST" { all["Content-Length"] = "\(bytes.count)" }
        var head = "\(method) \(path) HTTP/1.1\r\n"
        for (name, value) in all.sorted(by: { $0.key < $1.key }) where !value.isEmpty { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        let out = Array(head.utf8) + bytes
        var sent = 0
        while sent < out.count {
            let n = out[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw FixtureError("send failed") }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        guard let split = find([13, 10, 13, 10], in: received[...]) else {
            throw FixtureError("no HTTP reply: \(String(decoding: received.prefix(200), as: UTF8.self))")
        }
        let lines = String(decoding: received[..<split], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            if let colon = line.firstIndex(of: ":") {
                fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        var payload = received[(split + 4)...]
        if fields["transfer-encoding"] == "chunked" { payload = dechunk(payload) }
        return Reply(status: status, headers: fields, body: String(decoding: payload, as: UTF8.self))
    }

    /// Opens a GET whose body never ends (server-sent events) and reads until `done` holds for
    /// what arrived, or `seconds` pass without it; returns what arrived.
    static func stream(port: Int, path: String, seconds: Int, until done: (String) -> Bool) throws -> String {
        let fd = try connectLoopback(port: port, receiveTimeout: 1)
        defer { close(fd) }
        let head = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n\r\n".utf8)
        _ = head.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(Double(seconds))
        while Date() < deadline {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { received += buffer[0..<n] } else if n == 0 { break }
            if done(String(decoding: received, as: UTF8.self)) { break }
        }
        return String(decoding: received, as: UTF8.self)
    }

    static func find(_ needle: [UInt8], in bytes: ArraySlice<UInt8>) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        var i = bytes.startIndex
        while i + needle.count <= bytes.endIndex {
            if Array(bytes[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }

    static func dechunk(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var out: [UInt8] = []
        var rest = bytes
        while let line = find([13, 10], in: rest), let size = Int(String(decoding: rest[rest.startIndex..<line], as: UTF8.self), radix: 16),
            size > 0
        {
            let start = line + 2
            let end = min(start + size, rest.endIndex)
            out += rest[start..<end]
            rest = rest[min(end + 2, rest.endIndex)...]
        }
        return out[...]
    }
}
