import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The environment of anything that talks to AWS in a test: every credential source that
/// could reach beyond this machine switched off or pointed at 127.0.0.1, and the user's own
/// AWS variables and files hidden, so no test ever sends a request to the instance metadata
/// service (169.254.169.254) or the container endpoint (169.254.170.2). An empty value counts
/// as unset, so a variable of the test runner's own environment is overridden, not inherited.
public func isolatedAWSEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
    var environment: [String: String] = [
        "AWS_EC2_METADATA_DISABLED": "true",
        // Port 9 (discard) on this machine: even a bug that ignored the switch above stays local.
        "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": "", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "",
        "AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ROLE_ARN": "",
        "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
        "AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/imgeda-test/credentials",
        "AWS_CONFIG_FILE": "/nonexistent/imgeda-test/config",
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "",
        "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": "", "AWS_ENDPOINT_URL_STS": "",
    ]
    for (key, value) in extra { environment[key] = value }
    return environment
}

/// moto's S3 server (from `IMGEDA_TEST_PYTHON`'s venv) on 127.0.0.1, started once per test
/// process and stopped when that process ends. It checks signatures: an IAM user with an
/// access key is made first, and every later request must be signed with that key's secret.
public final class MotoServer: Sendable {
    public let endpoint: String
    public let accessKeyID: String
    public let secretAccessKey: String

    private static let started: Result<MotoServer, any Error>? = {
        guard let python = testToolsPython else { return nil }
        return Result { try MotoServer(python: python) }
    }()

    /// The server; nil when `IMGEDA_TEST_PYTHON` is not set (tests then skip). A server that
    /// does not start is an error, so the test fails rather than skips.
    public static func shared() throws -> MotoServer? { try started?.get() }

    /// Why S3 tests skip, when they do.
    public static let skipReason = "IMGEDA_TEST_PYTHON is not set (run through `make test`): moto's S3 server is not available"

    private init(python: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", Self.serveScript]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        // The first line: the endpoint and the access key, once the server answers.
        var line: [UInt8] = []
        while true {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
            if line.contains(0x0A) { break }
        }
        guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: String],
            let endpoint = object["endpoint"], let key = object["access_key_id"], let secret = object["secret_access_key"]
        else { throw CocoaError(.fileReadCorruptFile) }
        self.endpoint = endpoint
        accessKeyID = key
        secretAccessKey = secret
    }

    /// The environment of a client of this server: isolated, with its endpoint and key.
    public func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = isolatedAWSEnvironment([
            "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": accessKeyID, "AWS_SECRET_ACCESS_KEY": secretAccessKey,
        ])
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    /// Creates `bucket` and uploads every file under `folder` as `prefix` + its relative path
    /// (with boto3, the independent client).
    public func createBucket(_ bucket: String, uploading folder: String? = nil, prefix: String = "") throws {
        _ = try boto3(
            """
            import os
            s3.create_bucket(Bucket=bucket)
            if folder:
                for root, _, files in os.walk(folder):
                    for name in files:
                        path = os.path.join(root, name)
                        s3.upload_file(path, bucket, prefix + os.path.relpath(path, folder))
            """, ["folder": folder ?? "", "prefix": prefix, "bucket": bucket])
    }

    /// The object's bytes, read with boto3.
    public func object(_ bucket: String, _ key: String) throws -> [UInt8] {
        let hex = try boto3(
            "print(s3.get_object(Bucket=bucket, Key=key)['Body'].read().hex())", ["bucket": bucket, "key": key])
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex), index < hex.endIndex {
            if let byte = UInt8(hex[index..<next], radix: 16) { bytes.append(byte) }
            index = next
        }
        return bytes
    }

    /// Runs `body` with `s3` (a boto3 client of this server) and the given variables defined.
    public func boto3(_ body: String, _ variables: [String: String]) throws -> String {
        let python = try #require(testToolsPython)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        let data = try JSONSerialization.data(withJSONObject: variables)
        process.arguments = [
            "-c",
            """
            import boto3, json, sys
            globals().update(json.loads(sys.argv[1]))
            s3 = boto3.client("s3", endpoint_url=sys.argv[2], aws_access_key_id=sys.argv[3], aws_secret_access_key=sys.argv[4], region_name="us-east-1")
            \(body)
            """,
            String(decoding: data, as: UTF8.self), endpoint, accessKeyID, secretAccessKey,
        ]
        // boto3 gets its key on the command line; nothing of the user's may reach it.
        process.environment = [
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/imgeda-test/credentials",
            "AWS_CONFIG_FILE": "/nonexistent/imgeda-test/config",
        ]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(errors)")
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// moto in a thread of a Python process that ends when its parent (the tests) ends.
    static let serveScript = """
        import json, os, sys, time
        os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
        from moto.server import ThreadedMotoServer
        import boto3
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://127.0.0.1:{port}"
        # The first three requests need no signature (INITIAL_NO_AUTH_ACTION_COUNT): the user,
        # its policy and its key.
        iam = boto3.client("iam", endpoint_url=endpoint, aws_access_key_id="setup", aws_secret_access_key="setup", region_name="us-east-1")
        iam.create_user(UserName="imgeda")
        iam.put_user_policy(UserName="imgeda", PolicyName="all", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="imgeda")["AccessKey"]
        print(json.dumps({"endpoint": endpoint, "access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}), flush=True)
        parent = os.getppid()
        while os.getppid() == parent:
            time.sleep(0.5)
        server.stop()
        """
}
