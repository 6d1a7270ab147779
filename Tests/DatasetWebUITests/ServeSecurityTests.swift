import Foundation
import Testing

/// `imgeda serve` against hostile requests on 127.0.0.1: foreign Host headers, cross-site
/// writes, missing tokens, path traversal in every parameter, and hostile names, tags and
/// EXIF fields that must render as text.
@Suite(.serialized)
struct ServeSecurityTests {
    @Test func foreignHostIsRefusedAgainstDNSRebinding() throws {
        let serve = try ServeFixture()
        let refused = try serve.request("GET", "/api/session", headers: ["Host": "attacker.example:\(serve.port)"])
        #expect(refused.status == 421)
        #expect(refused.body.contains("attacker.example"))
        #expect(!refused.body.contains("csrf_token"))
        let ok = try serve.request("GET", "/api/session", headers: ["Host": "localhost:\(serve.port)"])
        #expect(ok.status == 200)
    }

    @Test func writesNeedSameOriginAndTheCSRFToken() throws {
        let serve = try ServeFixture()
        let csrf = try serve.csrf()
        let body = #"{"kind": "duplicates"}"#
        let own = "http://127.0.0.1:\(serve.port)"
        let noToken = try serve.request("POST", "/api/jobs", headers: ["Origin": own, "Content-Type": "application/json"], body: body)
        #expect(noToken.status == 403)
        let wrongToken = try serve.request(
            "POST", "/api/jobs", headers: ["Origin": own, "X-CSRF-Token": String(csrf.reversed()), "Content-Type": "application/json"],
            body: body)
        #expect(wrongToken.status == 403)
        let crossOrigin = try serve.request(
            "POST", "/api/jobs", headers: ["Origin": "http://attacker.example", "X-CSRF-Token": csrf, "Content-Type": "application/json"],
            body: body)
        #expect(crossOrigin.status == 403)
        #expect(crossOrigin.body.contains("another site"))
        let crossSite = try serve.request(
            "POST", "/api/jobs", headers: ["Sec-Fetch-Site": "cross-site", "X-CSRF-Token": csrf, "Content-Type": "application/json"],
            body: body)
        #expect(crossSite.status == 403)
        let jobsBefore = try serve.request("GET", "/api/jobs")
        #expect(jobsBefore.body == "[]")
        let allowed = try serve.request(
            "POST", "/api/jobs",
            headers: ["Origin": own, "Sec-Fetch-Site": "same-origin", "X-CSRF-Token": csrf, "Content-Type": "application/json"],
            body: body)
        #expect(allowed.status == 202, "\(allowed.body)")
    }

    @Test func everyResponseForbidsInlineScriptAndSniffing() throws {
        let serve = try ServeFixture()
        for path in ["/", "/api/images", "/no/such/page", "/duplicates", "/static/app.css"] {
            let reply = try serve.request("GET", path)
            let policy = try #require(reply.headers["content-security-policy"])
            #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"))
            #expect(reply.headers["x-content-type-options"] == "nosniff")
        }
        let page = try serve.request("GET", "/")
        // No inline script anywhere: every <script> names a file of this server.
        let scripts = page.body.components(separatedBy: "<script").dropFirst()
        #expect(!scripts.isEmpty)
        for script in scripts { #expect(script.hasPrefix(" type=\"module\" src=\"/static/")) }
    }

    @Test func pathTraversalInEveryParameterFindsNothing() throws {
        let serve = try ServeFixture()
        func b64(_ s: String) -> String {
            Data(s.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let traversals = [
            "../../../../etc/passwd", "/etc/passwd", "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/etc/passwd", "....//....//etc/passwd",
        ]
        var paths: [String] = []
        for t in traversals {
            for id in [t, b64(t), b64("../.imgeda/index.sqlite"), b64(".imgeda/manifest.jsonl")] {
                paths += [
                    "/files/\(id)", "/thumbs/\(id)?size=256", "/thumbs/\(id)?size=\(t)", "/image/\(id)", "/api/images/\(id)",
                    "/static/\(t)", "/api/overview/plots/\(t)", "/api/jobs/\(t)", "/api/images?after=\(id)", "/api/images?q=path:\(t)",
                    "/api/images?order=\(t)", "/api/tags?prefix=\(t)", "/\(t)", "/api/duplicates?all=\(t)",
                ]
            }
        }
        for path in paths {
            let reply = try serve.request("GET", path)
            #expect(reply.status < 500, "\(path): \(reply.status)")
            #expect(!reply.body.contains("root:"), "\(path) leaked /etc/passwd")
            #expect(!reply.body.contains("SQLite format"), "\(path) leaked the index")
            #expect(!reply.body.contains("__manifest_meta__"), "\(path) leaked the manifest")
            if reply.status >= 400 { #expect(reply.body.hasPrefix("{\"error\""), "\(path): \(reply.body.prefix(100))") }
        }
        // A trashed path from outside the trash is refused, and restore moves nothing.
        for t in traversals {
            let reply = try serve.post("/api/trash/restore", json: #"{"paths": ["\#(t)"]}"#)
            #expect(reply.status == 404, "\(t): \(reply.status) \(reply.body)")
        }
        let keep = try serve.post("/api/duplicates/1/keep", json: #"{"keep": "\#(b64("../../../../etc/passwd"))"}"#)
        #expect((400..<500).contains(keep.status))
        #expect(FileManager.default.fileExists(atPath: "/etc/passwd"))
    }

    @Test func theTokenIsRequiredWhenOneIsSet() throws {
        let token = "abcdefghijklmnopqrstuvwxyz012345"
        let serve = try ServeFixture(extraArguments: ["--token", token])
        #expect(serve.url.hasSuffix("?token=\(token)"))
        let missing = try serve.request("GET", "/api/images")
        #expect(missing.status == 401)
        #expect(!missing.body.contains("\"images\""))
        let wrong = try serve.request("GET", "/api/images", headers: ["Authorization": "Bearer \(token.dropLast())x"])
        #expect(wrong.status == 401)
        let bearer = try serve.request("GET", "/api/images", headers: ["Authorization": "Bearer \(token)"])
        #expect(bearer.status == 200)
        let link = try serve.request("GET", "/?token=\(token)")
        #expect(link.status == 303)
        #expect(link.headers["location"] == "/")
        #expect(link.headers["set-cookie"]?.contains("HttpOnly") == true)
        let cookie = try serve.request("GET", "/", headers: ["Cookie": "imgeda_token=\(token)"])
        #expect(cookie.status == 200)
    }

    @Test func aPublicAddressWithoutAGoodTokenIsRefusedBeforeListening() throws {
        let ws = try Workspace()
        try Fixtures.jpegFolder(ws, folder: "photos", count: 1)
        let short = try Imgeda.run(["serve", ws.file("photos"), "--host", "192.0.2.1", "--token", "short"])
        #expect(short.status == 1)
        #expect(short.stderr.contains("--token must have at least 16 characters"))
        let port = try Imgeda.run(["serve", ws.file("photos"), "--port", "70000"])
        #expect(port.status == 1)
        #expect(port.stderr.split(separator: "\n").count == 1)
    }

    @Test func hostileNamesTagsAndExifRenderAsText() throws {
        let serve = try ServeFixture()
        let id = try serve.id(of: "hostile/exif.jpg")
        let tagged = try serve.post(
            "/api/images/\(id)",
            json:
                #"{"add_tags": ["<script>alert('tag')</script>", "\"><img src=x onerror=alert(3)>"], "caption": "</textarea><script>alert(4)</script>"}"#
        )
        #expect(tagged.status == 200, "\(tagged.body)")
        let payloads = [
            "<script>alert", "<img src=x onerror", "</textarea><script>", "<b>lens</b>",
        ]
        var pages = ["/", "/?tag=%3Cscript%3Ealert('tag')%3C%2Fscript%3E", "/image/\(id)", "/trash", "/overview", "/duplicates", "/jobs"]
        pages.append("/image/\(try serve.id(of: "hostile/\(ServeFixture.scriptName)"))")
        pages.append("/image/\(try serve.id(of: "hostile/\(ServeFixture.attributeName)"))")
        for page in pages {
            let reply = try serve.request("GET", page)
            #expect(reply.status == 200, "\(page): \(reply.status)")
            for payload in payloads { #expect(!reply.body.contains(payload), "\(page) holds a live \(payload)") }
        }
        let detail = try serve.request("GET", "/image/\(id)").body
        #expect(
            detail.contains("&lt;script&gt;alert(&#39;exif&#39;)&lt;/script&gt;")
                || detail.contains("&lt;script&gt;alert('exif')&lt;/script&gt;"))
        #expect(
            detail.contains("&lt;script&gt;alert('tag')&lt;/script&gt;")
                || detail.contains("&lt;script&gt;alert(&#39;tag&#39;)&lt;/script&gt;"))
        let gallery = try serve.request("GET", "/").body
        #expect(gallery.contains("&lt;script&gt;alert(1)&lt;/script&gt;.jpg"))
        #expect(gallery.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.jpg"))
    }
}
