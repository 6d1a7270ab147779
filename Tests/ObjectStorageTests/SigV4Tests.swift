import Foundation
import ObjectStorage
import TestSupport
import Testing

/// SigV4 against botocore's `S3SigV4Auth` as the oracle: the same requests, the same fixed
/// time and credentials, and the `Authorization` headers must be equal byte for byte.
@Suite struct SigV4Tests {
    struct Case: Encodable {
        var method: String
        var scheme = "https"
        var host = "imgeda-data.s3.eu-west-1.amazonaws.com"
        var port: Int?
        var path: String
        var query: [[String]] = []
        var headers: [[String]] = []
        /// Nil: `UNSIGNED-PAYLOAD`.
        var body: String? = ""
        var token: String?
        var region = "eu-west-1"
    }

    static let cases: [Case] = [
        Case(method: "GET", path: "/photos/a b.jpg"),
        Case(method: "GET", path: "/données/été/ü 日本.png"),
        Case(method: "GET", path: "/a~b+c=d&e$f@g,h;i:j.jpg"),
        Case(method: "GET", path: "/bucket/a//./x/../y.jpg", body: nil),
        Case(method: "POST", path: "/big.jsonl", query: [["uploads", ""]], body: ""),
        Case(method: "GET", path: "/", query: [["a", "2"], ["b", ""], ["a", "1"], ["A", "x"]]),
        Case(
            method: "GET", path: "/",
            query: [["list-type", "2"], ["prefix", "train/cats dogs/ü+"], ["continuation-token", "1ab/+c=="]]),
        Case(
            method: "PUT", scheme: "http", host: "127.0.0.1", port: 9000, path: "/imgeda-data/manifests/m.jsonl",
            query: [["partNumber", "3"], ["uploadId", "x~y/z+w"]], headers: [["Content-Type", "application/x-ndjson"]],
            body: "{\"path\": \"a.jpg\"}\n", token: "FwoGZXIvYXdzE//session+token=="),
        Case(
            method: "GET", path: "/key with  spaces", headers: [["X-Amz-Meta-Note", "  two   spaces\tand tab  "]], body: nil,
            token: "token"),
        Case(method: "HEAD", scheme: "http", host: "localhost", port: 80, path: "/b/k", region: "us-east-1"),
    ]

    static let oracle = """
        import datetime, json, sys
        from unittest import mock
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.config import Config
        from botocore.credentials import Credentials
        from botocore.utils import percent_encode
        fixed = datetime.datetime(2026, 11, 27, 9, 8, 7)
        out = []
        for case in json.loads(sys.argv[1]):
            # The key as botocore's serializer puts it in the URL; the query in the order given.
            path = percent_encode(case["path"], safe="/~")
            query = "&".join(percent_encode(k, safe="-_.~") + "=" + percent_encode(v, safe="-_.~") for k, v in case["query"])
            port = f":{case['port']}" if case.get("port") else ""
            url = f"{case['scheme']}://{case['host']}{port}{path}" + (f"?{query}" if query else "")
            body = case.get("body")
            request = AWSRequest(method=case["method"], url=url, headers=dict(case["headers"]), data=(body or "").encode())
            if body is None:
                request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
            credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", case.get("token"))
            with mock.patch("botocore.auth.get_current_datetime", return_value=fixed):
                S3SigV4Auth(credentials, "s3", case["region"]).add_auth(request)
            out.append(request.headers["Authorization"])
        print(json.dumps(out))
        """

    @Test func authorizationEqualsBotocoresOnAwkwardRequests() throws {
        guard let python = testToolsPython else {
            print("skipped: \(MotoServer.skipReason)")
            return
        }
        let input = String(decoding: try JSONEncoder().encode(Self.cases), as: UTF8.self)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", Self.oracle, input]
        process.environment = ["AWS_EC2_METADATA_DISABLED": "true"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let expected = try #require(try JSONSerialization.jsonObject(with: data) as? [String])
        #expect(expected.count == Self.cases.count)
        // 2026-11-27 09:08:07 UTC.
        let date = Date(timeIntervalSince1970: 1_795_770_487)
        #expect(SigV4.timestamp(date) == "20261127T090807Z")
        for (index, test) in Self.cases.enumerated() where index < expected.count {
            let credentials = AWSCredentials(
                accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: test.token,
                source: "test")
            let request = SignableRequest(
                method: test.method, scheme: test.scheme, host: test.host, port: test.port, path: test.path,
                query: test.query.map { .init($0[0], $0[1]) }, headers: test.headers.map { ($0[0], $0[1]) },
                payloadHash: test.body.map { SigV4.payloadHash(Array($0.utf8)) } ?? SigV4.unsignedPayload)
            let signed = SigV4.sign(request, credentials: credentials, region: test.region, date: date)
            let authorization = signed.first { $0.name == "Authorization" }?.value
            #expect(authorization == expected[index], "case \(index): \(test.method) \(test.path)")
        }
    }

    @Test func pathsAreEncodedOnceWithSlashesKept() {
        #expect(SigV4.encode("a b/ü~+.jpg", keepSlash: true) == "a%20b/%C3%BC~%2B.jpg")
        #expect(SigV4.encode("a/b=c", keepSlash: false) == "a%2Fb%3Dc")
        let request = SignableRequest(
            method: "GET", scheme: "http", host: "127.0.0.1", port: 9000, path: "/b/x y.jpg", query: [.init("b", "2"), .init("a", "")])
        #expect(request.url == "http://127.0.0.1:9000/b/x%20y.jpg?a=&b=2")
    }
}
