import DatasetAnalysis
import DatasetPipeline
import Foundation
import HTTPTypes
import Hummingbird

/// Random secrets (tokens) from the system's cryptographic generator (`getrandom` on Linux).
enum Secrets {
    static func random(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Compares secrets in time independent of where they differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}

/// The server's rules for who may ask what, in one place:
/// - the `Host` header must name this server (a DNS-rebinding page names its own domain);
/// - with an access token, every request carries it (header, cookie, or `?token=` once, which
///   sets the cookie and redirects to the same page without it);
/// - a request that changes anything (not GET/HEAD) must come from a page of this server
///   (`Origin` and `Sec-Fetch-Site`, when the browser sends them) and carry the CSRF token in
///   `X-CSRF-Token`, which only this server's pages know;
/// - every response forbids inline script, sniffing and framing.
struct SecurityPolicy: Sendable {
    /// Host names (without port) the `Host` header may carry.
    let allowedHosts: Set<String>
    let token: String?
    let csrfToken: String

    static let tokenCookie = "imgeda_token"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; "
        + "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

    init(host: String, token: String?, csrfToken: String = Secrets.random(bytes: 16)) {
        var hosts: Set<String> = ["127.0.0.1", "localhost", "[::1]"]
        hosts.insert(host.lowercased())
        if host.contains(":") && !host.hasPrefix("[") { hosts.insert("[\(host.lowercased())]") }
        allowedHosts = hosts
        self.token = token
        self.csrfToken = csrfToken
    }

    /// The host name of a `Host` header value, lower-cased, without its port.
    static func hostName(_ value: String) -> String {
        let lower = value.lowercased()
        if lower.hasPrefix("["), let close = lower.firstIndex(of: "]") { return String(lower[...close]) }
        if let colon = lower.firstIndex(of: ":") { return String(lower[..<colon]) }
        return lower
    }

    /// The value of one cookie in a `Cookie` header.
    static func cookie(_ name: String, in header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            if pair.hasPrefix(name + "=") { return String(pair.dropFirst(name.count + 1)) }
        }
        return nil
    }

    static func isSafe(_ method: HTTPRequest.Method) -> Bool { method == .get || method == .head }
}

/// Applies ``SecurityPolicy`` to every request, and turns every error into a JSON body with
/// one clear message and a 4xx status (5xx only for the server's own failures).
struct SecurityMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: SecurityPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        let started = Monotonic.now()
        do {
            if let refusal = try refuse(request) {
                response = refusal
            } else {
                response = try await next(request, context)
            }
        } catch {
            response = APIError.response(for: error)
        }
        // Time spent inside the app, for the benchmark and the browser's network panel.
        if let timing = HTTPField.Name("Server-Timing") {
            response.headers[timing] = String(format: "app;dur=%.3f", (Monotonic.now() - started) * 1000)
        }
        response.headers[.contentSecurityPolicy] = SecurityPolicy.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        if let frame = HTTPField.Name("X-Frame-Options") { response.headers[frame] = "DENY" }
        if let referrer = HTTPField.Name("Referrer-Policy") { response.headers[referrer] = "no-referrer" }
        response.headers[.crossOriginResourcePolicy] = "same-origin"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }

    /// The response that refuses the request, or nil when it may go on.
    private func refuse(_ request: Request) throws -> Response? {
        // HTTP/1's Host header arrives as the request's authority.
        guard let host = request.head.authority, !host.isEmpty else {
            throw APIError(.badRequest, "the request has no Host header, or more than one", remedy: "send one Host header")
        }
        guard policy.allowedHosts.contains(SecurityPolicy.hostName(host)) else {
            throw APIError(
                .misdirectedRequest, "this server does not answer for the host '\(host)'",
                remedy: "open the address imgeda serve printed")
        }
        if let token = policy.token {
            let bearer = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
            let cookie = SecurityPolicy.cookie(SecurityPolicy.tokenCookie, in: request.headers[.cookie])
            let query = request.uri.queryParameters.get("token")
            if let query, SecurityPolicy.isSafe(request.method), Secrets.equal(query, token) {
                // Keep the token in a cookie only this site sends, and take it out of the address bar.
                var kept = request.uri.queryParameters.filter { $0.key != "token" }.map { "\($0.key)=\($0.value)" }
                kept.sort()
                let location = request.uri.path + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
                return Response(
                    status: .seeOther,
                    headers: [
                        .location: location,
                        .setCookie: "\(SecurityPolicy.tokenCookie)=\(token); Path=/; HttpOnly; SameSite=Strict",
                    ])
            }
            guard [bearer, cookie].contains(where: { $0.map { Secrets.equal($0, token) } ?? false }) else {
                throw APIError(
                    .unauthorized, "this server needs its access token",
                    remedy: "open the address with ?token= that imgeda serve printed, or send Authorization: Bearer TOKEN")
            }
        }
        if !SecurityPolicy.isSafe(request.method) {
            if let origin = request.headers[.origin] {
                let expected = "http://\(host)".lowercased()
                guard origin.lowercased() == expected else {
                    throw APIError(.forbidden, "a request from another site (\(origin)) may not change anything here")
                }
            }
            if let site = request.headers[HTTPField.Name("Sec-Fetch-Site") ?? .origin], site != "same-origin", site != "none" {
                throw APIError(.forbidden, "a request from another site (\(site)) may not change anything here")
            }
            guard let name = SecurityPolicy.csrfHeader, let csrf = request.headers[name], Secrets.equal(csrf, policy.csrfToken) else {
                throw APIError(
                    .forbidden, "the request lacks this page's CSRF token",
                    remedy: "reload the page; API clients get the token from /api/session")
            }
        }
        return nil
    }
}
