import DatasetAnalysis
import Downloader
import Foundation
import ObjectStorage
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Profiles that do more than hold keys: `credential_process`, roles assumed at STS with a
/// `source_profile` (moto's STS and S3 on 127.0.0.1, which check the signatures), and the
/// one-line refusals of what cannot work here (SSO, MFA, broken chains).
@Suite(.serialized) struct ProfileCredentialTests {
    func withClient<T>(_ environment: [String: String], _ body: (S3Client) async throws -> T) async throws -> T {
        let client = try S3Client(environment: AWSEnvironment(environment), retry: .init(attempts: 2, baseDelay: 0.01, maxDelay: 0.05))
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }

    /// A shell script in `workspace` that counts its runs in `name.runs` and prints `json`.
    func script(_ workspace: Workspace, _ name: String, json: String) throws -> String {
        let path = workspace.file(name)
        try workspace.write(Array("#!/bin/sh\necho run >> '\(path).runs'\ncat <<'EOF'\n\(json)\nEOF\n".utf8), to: name)
        chmod(path, 0o755)
        return path
    }

    func runs(_ path: String) -> Int {
        ((try? String(contentsOfFile: path + ".runs", encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    /// A profile environment: no keys in the environment, `profile` chosen, `config` as the config file.
    func environment(_ moto: MotoServer, _ workspace: Workspace, profile: String, config: String) throws -> [String: String] {
        try workspace.write(Array(config.utf8), to: "config")
        return moto.environment([
            "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_PROFILE": profile, "AWS_CONFIG_FILE": workspace.file("config"),
        ])
    }

    @Test func aCredentialProcessIsRunAndItsKeysKeptUntilTheyExpire() async throws {
        guard let moto = try MotoServer.shared() else { return print("skipped: \(MotoServer.skipReason)") }
        try moto.createBucket("imgeda-process")
        let workspace = try Workspace()
        let formatter = ISO8601DateFormatter()
        func json(expiring seconds: Double) -> String {
            """
            {"Version": 1, "AccessKeyId": "\(moto.accessKeyID)", "SecretAccessKey": "\(moto.secretAccessKey)", "Expiration": "\(formatter.string(from: Date().addingTimeInterval(seconds)))"}
            """
        }
        let lasting = try script(workspace, "lasting.sh", json: json(expiring: 3600))
        let brief = try script(workspace, "brief.sh", json: json(expiring: 60))
        let config = """
            [profile lasting]
            credential_process = \(lasting)
            [profile brief]
            credential_process = \(brief) an-argument
            """
        // An hour's keys: the process runs once for three requests.
        try await withClient(try environment(moto, workspace, profile: "lasting", config: config)) { s3 in
            try await s3.put([7, 8], to: S3Location(bucket: "imgeda-process", key: "k"))
            #expect(try await s3.get(S3Location(bucket: "imgeda-process", key: "k")) == [7, 8])
            _ = try await s3.listPage(bucket: "imgeda-process", prefix: "", continuation: nil)
            let credentials = try await s3.credentials()
            #expect(credentials.source.contains("credential_process of profile 'lasting'"), "\(credentials.source)")
            #expect(credentials.expiration != nil)
        }
        #expect(runs(lasting) == 1)
        // Keys that expire within the refresh margin: the process runs again for each request.
        try await withClient(try environment(moto, workspace, profile: "brief", config: config)) { s3 in
            for _ in 0..<3 { _ = try await s3.listPage(bucket: "imgeda-process", prefix: "", continuation: nil) }
        }
        #expect(runs(brief) >= 3)
    }

    @Test func aRoleIsAssumedAtSTSWithTheSourceProfilesKeys() async throws {
        guard let moto = try MotoServer.shared() else { return print("skipped: \(MotoServer.skipReason)") }
        try moto.createBucket("imgeda-role")
        let arn = try moto.boto3(
            """
            iam = boto3.client("iam", endpoint_url=sys.argv[2], aws_access_key_id=sys.argv[3], aws_secret_access_key=sys.argv[4], region_name="us-east-1")
            trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
            role = iam.create_role(RoleName="imgeda-reader", AssumeRolePolicyDocument=trust)["Role"]
            iam.put_role_policy(RoleName="imgeda-reader", PolicyName="all", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
            print(role["Arn"])
            """, [:])
        #expect(arn.hasPrefix("arn:aws:iam::"), "\(arn)")
        let workspace = try Workspace()
        let config = """
            [profile base]
            aws_access_key_id = \(moto.accessKeyID)
            aws_secret_access_key = \(moto.secretAccessKey)
            [profile reader]
            role_arn = \(arn)
            source_profile = base
            role_session_name = imgeda-test
            [profile chained]
            role_arn = \(arn)
            source_profile = reader
            """
        for profile in ["reader", "chained"] {
            try await withClient(try environment(moto, workspace, profile: profile, config: config)) { s3 in
                let credentials = try await s3.credentials()
                #expect(credentials.accessKeyID != moto.accessKeyID)
                #expect(credentials.sessionToken?.isEmpty == false)
                #expect(credentials.source == "profile '\(profile)' (role \(arn))")
                try await s3.put(Array(profile.utf8), to: S3Location(bucket: "imgeda-role", key: profile))
                #expect(try await s3.get(S3Location(bucket: "imgeda-role", key: profile)) == Array(profile.utf8))
            }
        }
    }

    /// Each mistake is one line naming the profile and what to do.
    @Test func profilesThatCannotWorkAreOneLineEach() async throws {
        let workspace = try Workspace()
        let config = """
            [profile failing]
            credential_process = sh -c 'echo "the token expired" >&2; echo "log in again" >&2; exit 3'
            [profile newer]
            credential_process = echo '{"Version": 2, "AccessKeyId": "a", "SecretAccessKey": "b"}'
            [profile chatty]
            credential_process = echo hello
            [profile sso]
            sso_session = team
            sso_account_id = 123456789012
            [profile loose]
            role_arn = arn:aws:iam::123456789012:role/x
            [profile dangling]
            role_arn = arn:aws:iam::123456789012:role/x
            source_profile = nobody
            [profile mfa]
            role_arn = arn:aws:iam::123456789012:role/x
            source_profile = failing
            mfa_serial = arn:aws:iam::123456789012:mfa/me
            """
        try workspace.write(Array(config.utf8), to: "config")
        let expected = [
            "failing": "failed with exit status 3: log in again",
            "newer": "printed Version 2, not 1",
            "chatty": "printed no JSON object",
            "sso": "AWS IAM Identity Center (SSO), which imgeda does not read",
            "loose": "has role_arn but no source_profile",
            "dangling": "names source_profile 'nobody', which is in neither",
            "mfa": "with an MFA code, which imgeda cannot ask for",
        ]
        for (profile, words) in expected {
            let environment = AWSEnvironment(
                isolatedAWSEnvironment([
                    "AWS_PROFILE": profile, "AWS_CONFIG_FILE": workspace.file("config"),
                    "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                ]))
            do {
                _ = try await CredentialChain(environment: environment).resolve()
                Issue.record("\(profile): credentials resolved")
            } catch {
                #expect(error.message.contains(words), "\(profile): \(error.message)")
                #expect(!error.message.contains("\n") && !(error.remedy?.description.contains("\n") ?? false), "\(profile)")
                #expect(error.message.contains("'\(profile)'"), "\(profile): \(error.message)")
            }
        }
        // As a user sees it: one line, exit 1.
        let result = try Imgeda.run(
            ["info", "-m", "s3://imgeda-anything/m.jsonl"],
            environment: isolatedAWSEnvironment([
                "AWS_PROFILE": "sso", "AWS_CONFIG_FILE": workspace.file("config"), "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
            ]))
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("aws sso login"), "\(result.stderr)")
    }
}
