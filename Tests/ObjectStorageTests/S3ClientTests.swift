import DatasetAnalysis
import DatasetIO
import Downloader
import Foundation
import ObjectStorage
import TestSupport
import Testing

/// The S3 client against moto's server on 127.0.0.1 (which checks signatures), and the
/// credentials chain against stand-ins on 127.0.0.1. Every environment is isolated: no test
/// reaches the metadata service or the user's AWS files.
@Suite(.serialized) struct S3ClientTests {
    /// Runs `body` with a client of `environment`, and closes the client.
    func withClient<T>(
        _ environment: [String: String], attempts: Int = 3, partSize: Int = 16 << 20,
        _ body: (S3Client) async throws -> T
    ) async throws -> T {
        let client = try S3Client(
            environment: AWSEnvironment(environment), retry: .init(attempts: attempts, baseDelay: 0.01, maxDelay: 0.05),
            partSize: partSize)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }

    @Test func listsPagesPutsGetsAndUploadsInPartsAgainstMoto() async throws {
        guard let moto = try MotoServer.shared() else { return print("skipped: \(MotoServer.skipReason)") }
        try moto.createBucket("imgeda-client")
        let keys = ["plain.txt", "a b/ü+=~.txt", "deep/er/x.txt", "deep/y.txt", "z&<>.txt"]
        let big = try Workspace()
        // 11 MiB: three parts of the smallest part size S3 allows.
        var bytes = [UInt8](repeating: 0, count: 11 << 20)
        for i in stride(from: 0, to: bytes.count, by: 4093) { bytes[i] = UInt8(truncatingIfNeeded: i / 4093) }
        try big.write(bytes, to: "big.bin")
        try await withClient(moto.environment(), partSize: 5 << 20) { s3 in
            for key in keys {
                try await s3.put(Array("content of \(key)".utf8), to: S3Location(bucket: "imgeda-client", key: key))
            }
            var listed: [String] = []
            for try await object in s3.listObjects(S3Location(bucket: "imgeda-client", key: ""), pageSize: 2) {
                listed.append(object.key)
                #expect(object.size == "content of \(object.key)".utf8.count)
                #expect(!object.etag.isEmpty && !object.etag.contains("\""))
            }
            #expect(listed.sorted() == keys.sorted())
            var deep: [String] = []
            for try await object in s3.listObjects(try S3Location(url: "s3://imgeda-client/deep/")) { deep.append(object.key) }
            #expect(deep == ["deep/er/x.txt", "deep/y.txt"])
            let got = try await s3.get(S3Location(bucket: "imgeda-client", key: "a b/ü+=~.txt"))
            #expect(got == Array("content of a b/ü+=~.txt".utf8))
            try await s3.upload(file: big.file("big.bin"), to: S3Location(bucket: "imgeda-client", key: "up/big.bin"))
            try await s3.download(S3Location(bucket: "imgeda-client", key: "up/big.bin"), to: big.file("back.bin"))
            let missing = try await s3.head(S3Location(bucket: "imgeda-client", key: "nothing-here"))
            #expect(missing == nil)
        }
        #expect(FileManager.default.contents(atPath: big.file("back.bin")) == Data(bytes))
        // An independent reader (boto3) sees the multipart object whole, made of three parts.
        let seen = try moto.boto3(
            """
            import hashlib
            head = s3.head_object(Bucket=bucket, Key=key)
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            print(len(body), head["ETag"].strip('"').split("-")[-1])
            """, ["bucket": "imgeda-client", "key": "up/big.bin"])
        #expect(seen == "\(bytes.count) 3")
    }

    @Test func aWrongSecretIsOneLineNamingTheKey() async throws {
        guard let moto = try MotoServer.shared() else { return print("skipped: \(MotoServer.skipReason)") }
        try moto.createBucket("imgeda-wrong-secret")
        let environment = moto.environment(["AWS_SECRET_ACCESS_KEY": "not-the-secret"])
        let error = await #expect(throws: ImgedaError.self) {
            try await withClient(environment) { s3 in
                try await s3.get(S3Location(bucket: "imgeda-wrong-secret", key: "x.jpg"))
            }
        }
        #expect(error?.code == .s3Refused)
        #expect(error?.message.hasPrefix("the secret key for access key \(moto.accessKeyID) is wrong") == true)
        #expect(error?.description.contains("AWS_SECRET_ACCESS_KEY") == true)
        #expect(error?.description.contains("\n") == false)
    }

    @Test func anUnknownBucketIsNamed() async throws {
        guard let moto = try MotoServer.shared() else { return print("skipped: \(MotoServer.skipReason)") }
        let error = await #expect(throws: ImgedaError.self) {
            try await withClient(moto.environment()) { s3 in
                for try await _ in s3.listObjects(try S3Location(url: "s3://imgeda-no-such-bucket/x/")) {}
            }
        }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("imgeda-no-such-bucket does not exist") == true)
    }

    @Test func credentialsComeFromAProfileOfTheSharedFiles() async throws {
        guard let moto = try MotoServer.shared() else { return print("skipped: \(MotoServer.skipReason)") }
        try moto.createBucket("imgeda-profile")
        let workspace = try Workspace()
        try workspace.write(
            Array(
                """
                [default]
                aws_access_key_id = AKIAWRONGDEFAULT
                aws_secret_access_key = wrong

                [team]
                aws_access_key_id = \(moto.accessKeyID)
                aws_secret_access_key = \(moto.secretAccessKey)  # an inline comment
                """.utf8), to: "credentials")
        try workspace.write(Array("[profile team]\nregion = eu-central-1\n".utf8), to: "config")
        let environment = moto.environment([
            "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_PROFILE": "team", "AWS_REGION": "",
            "AWS_SHARED_CREDENTIALS_FILE": workspace.file("credentials"), "AWS_CONFIG_FILE": workspace.file("config"),
        ])
        try await withClient(environment) { s3 in
            #expect(s3.endpoint.region == "eu-central-1")
            let credentials = try await s3.credentials()
            #expect(credentials.accessKeyID == moto.accessKeyID)
            #expect(credentials.source.contains("profile 'team'"))
            try await s3.put([1, 2, 3], to: S3Location(bucket: "imgeda-profile", key: "k"))
            let got = try await s3.get(S3Location(bucket: "imgeda-profile", key: "k"))
            #expect(got == [1, 2, 3])
        }
        // The environment comes before the files.
        let both = AWSEnvironment(environment.merging(["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s"]) { $1 })
        #expect(try await CredentialChain(environment: both).resolve().accessKeyID == "AKIAENV")
        // A profile that does not exist is named.
        let missing = AWSEnvironment(environment.merging(["AWS_PROFILE": "nobody"]) { $1 })
        await #expect(throws: ImgedaError.self) { try await CredentialChain(environment: missing).resolve() }
    }

    @Test func noCredentialsSaysWhatWasTried() async throws {
        let error = await #expect(throws: ImgedaError.self) {
            try await CredentialChain(environment: AWSEnvironment(isolatedAWSEnvironment())).resolve()
        }
        #expect(error?.code == .s3Credentials)
        for source in [
            "environment variables", "profile 'default'", "web identity", "container credentials", "disabled by AWS_EC2_METADATA_DISABLED",
        ] {
            #expect(error?.message.contains(source) == true, "\(source) in \(error?.message ?? "")")
        }
    }

    @Test func containerCredentialsWithAnAuthorizationTokenFile() async throws {
        let server = try FaultServer.start()
        defer { server.stop() }
        let json = #"{"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": "s3cret", "Token": "tok", "Expiration": "2099-01-01T00:00:00Z"}"#
        server.route("/v2/credentials/x", .ok(Array(json.utf8), contentType: "application/json"))
        let workspace = try Workspace()
        try workspace.write(Array("pod-identity-token\n".utf8), to: "token")
        let environment = isolatedAWSEnvironment([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url("/v2/credentials/x"),
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": workspace.file("token"),
        ])
        let credentials = try await CredentialChain(environment: AWSEnvironment(environment)).resolve()
        #expect(credentials.accessKeyID == "ASIACONTAINER")
        #expect(credentials.sessionToken == "tok")
        #expect(credentials.expiration == Date(timeIntervalSince1970: 4_070_908_800))
        #expect(server.requests("/v2/credentials/x") == 1)
    }

    @Test func instanceMetadataV2WhenEnabledAndMovedHere() async throws {
        let server = try FaultServer.start()
        defer { server.stop() }
        server.route("/latest/api/token", .ok(Array("imds-token".utf8), contentType: "text/plain"))
        server.route("/latest/meta-data/iam/security-credentials/", .ok(Array("imgeda-role\n".utf8), contentType: "text/plain"))
        let json =
            #"{"Code": "Success", "AccessKeyId": "ASIAIMDS", "SecretAccessKey": "x", "Token": "t", "Expiration": "2099-01-01T00:00:00Z"}"#
        server.route("/latest/meta-data/iam/security-credentials/imgeda-role", .ok(Array(json.utf8), contentType: "application/json"))
        let environment = isolatedAWSEnvironment([
            "AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.url("/"),
        ])
        let credentials = try await CredentialChain(environment: AWSEnvironment(environment)).resolve()
        #expect(credentials.accessKeyID == "ASIAIMDS")
        #expect(credentials.source.contains("imgeda-role"))
        #expect(server.requests("/latest/api/token") == 1)
    }

    @Test func webIdentityIsExchangedAtTheConfiguredSTS() async throws {
        let server = try FaultServer.start()
        defer { server.stop() }
        let xml = """
            <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <AssumeRoleWithWebIdentityResult><Credentials>
                <AccessKeyId>ASIAWEBID</AccessKeyId><SecretAccessKey>a&amp;b</SecretAccessKey>
                <SessionToken>session</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>
              </Credentials></AssumeRoleWithWebIdentityResult>
            </AssumeRoleWithWebIdentityResponse>
            """
        server.route("/", .ok(Array(xml.utf8), contentType: "text/xml"))
        let workspace = try Workspace()
        try workspace.write(Array("eyJ.token".utf8), to: "token")
        let environment = isolatedAWSEnvironment([
            "AWS_WEB_IDENTITY_TOKEN_FILE": workspace.file("token"), "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/imgeda",
            "AWS_ENDPOINT_URL_STS": server.url(""),
        ])
        let credentials = try await CredentialChain(environment: AWSEnvironment(environment)).resolve()
        #expect(credentials.accessKeyID == "ASIAWEBID")
        #expect(credentials.secretAccessKey == "a&b")
        #expect(server.requests("/") == 1)
    }

    @Test func transientFailuresAreRetried() async throws {
        let server = try FaultServer.start()
        defer { server.stop() }
        server.route("/imgeda-retry/x.jpg", .flaky(failures: 2, status: 503, then: .ok([7, 8, 9])))
        server.route("/imgeda-retry/gone.jpg", .flaky(failures: 5, status: 500, then: .ok([1])))
        let environment = isolatedAWSEnvironment([
            "AWS_ENDPOINT_URL": server.url(""), "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s",
        ])
        try await withClient(environment) { s3 in
            let got = try await s3.get(S3Location(bucket: "imgeda-retry", key: "x.jpg"))
            #expect(got == [7, 8, 9])
            let error = await #expect(throws: ImgedaError.self) {
                try await s3.get(S3Location(bucket: "imgeda-retry", key: "gone.jpg"))
            }
            #expect(error?.code == .s3Unavailable)
            #expect(error?.message.contains("after 3 attempts") == true)
        }
        #expect(server.requests("/imgeda-retry/x.jpg") == 3)
    }

    @Test func locationsAndEndpointsAreCheckedWithOneLine() throws {
        #expect(try S3Location(url: "s3://my-data/train/x.jpg") == S3Location(bucket: "my-data", key: "train/x.jpg"))
        #expect(try S3Location(url: "s3://my-data").prefix == "")
        #expect(try S3Location(url: "s3://my-data/train").prefix == "train/")
        #expect(throws: ImgedaError.self) { try S3Location(url: "s3://A/x") }
        #expect(throws: ImgedaError.self) { try S3Location(url: "/local/path") }
        #expect(throws: ImgedaError.self) {
            try S3Endpoint(environment: AWSEnvironment(isolatedAWSEnvironment(["AWS_ENDPOINT_URL_S3": "ftp://x"])))
        }
        let aws = try S3Endpoint(environment: AWSEnvironment(isolatedAWSEnvironment(["AWS_REGION": "eu-west-1"])))
        #expect(aws.host == "s3.eu-west-1.amazonaws.com" && !aws.pathStyle)
        // The S3-specific endpoint beats the general one; both mean path-style addressing.
        let both = try S3Endpoint(
            environment: AWSEnvironment(
                isolatedAWSEnvironment(["AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_S3": "http://localhost:9000"])))
        #expect(both.host == "localhost" && both.port == 9000 && both.pathStyle)
        // Writers refuse s3:// paths rather than making a local folder named `s3:`.
        #expect(throws: ImgedaError.self) { try AtomicFile.write([1], to: "s3://my-data/out.csv") }
    }
}
