import DatasetAnalysis
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The credentials a profile of the shared files describes, as the AWS CLI reads them:
///
/// - `role_arn`: a role assumed at STS (`AssumeRole`, signed with the credentials of
///   `source_profile`, or of `credential_source = Environment | EcsContainer |
///   Ec2InstanceMetadata`), or with the profile's `web_identity_token_file`;
///   `role_session_name`, `external_id` and `duration_seconds` are passed on. A source
///   profile may itself assume a role (chains end where a profile was already visited);
/// - `aws_access_key_id` and `aws_secret_access_key` (and `aws_session_token`);
/// - `credential_process`: a command run through `/bin/sh` whose standard output is the JSON
///   of the AWS CLI's process credentials (`Version` 1, `AccessKeyId`, `SecretAccessKey`,
///   `SessionToken`, `Expiration`); its credentials are kept until shortly before they
///   expire (``CredentialCache``).
///
/// IAM Identity Center (SSO) profiles and roles that need an MFA code are refused with one
/// line saying what to do instead: both need a person at a prompt or a browser.
struct ProfileCredentials {
    let chain: CredentialChain
    let transport: HTTPTransport
    var environment: AWSEnvironment { chain.environment }

    /// Profiles followed through `source_profile` at most (a longer chain is a mistake).
    static let maxChain = 5

    /// The profile's credentials; nil when it has none of the settings above.
    func credentials(profile: String, visited: [String] = []) async throws(ImgedaError) -> AWSCredentials? {
        let settings = environment.profileSettings(named: profile)
        if let role = settings["role_arn"], !visited.contains(profile) {
            return try await assumeRole(role, profile: profile, settings: settings, visited: visited + [profile])
        }
        if settings["sso_session"] != nil || settings["sso_start_url"] != nil || settings["sso_account_id"] != nil {
            throw ImgedaError(
                .s3Credentials,
                "the profile '\(profile)' signs in through AWS IAM Identity Center (SSO), which imgeda does not read",
                remedy:
                    "sign in with the AWS CLI (aws sso login), then export its keys (aws configure export-credentials) into AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, or call it from the profile's credential_process"
            )
        }
        if let key = settings["aws_access_key_id"] {
            guard let secret = settings["aws_secret_access_key"] else {
                throw ImgedaError(
                    .s3Credentials, "the profile '\(profile)' has aws_access_key_id but no aws_secret_access_key",
                    remedy: "add aws_secret_access_key to the profile in \(environment.credentialsFile)")
            }
            return AWSCredentials(
                accessKeyID: key, secretAccessKey: secret, sessionToken: settings["aws_session_token"],
                source: "profile '\(profile)' of the shared credentials files")
        }
        if let command = settings["credential_process"] {
            return try await process(command, profile: profile)
        }
        return nil
    }

    // MARK: - Roles

    func assumeRole(_ role: String, profile: String, settings: [String: String], visited: [String]) async throws(ImgedaError)
        -> AWSCredentials
    {
        if settings["mfa_serial"] != nil {
            throw ImgedaError(
                .s3Credentials, "the profile '\(profile)' assumes \(role) with an MFA code, which imgeda cannot ask for",
                remedy:
                    "assume the role with the AWS CLI and export the keys into AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN"
            )
        }
        let session = settings["role_session_name"]
        if let tokenFile = settings["web_identity_token_file"] {
            return try await chain.webIdentity(role: role, tokenFile: tokenFile, session: session, transport)
        }
        let base: AWSCredentials
        if let source = settings["source_profile"] {
            guard visited.count <= Self.maxChain else {
                throw ImgedaError(
                    .s3Credentials,
                    "the profiles \(visited.joined(separator: " → ")) name each other as source_profile in a chain too long",
                    remedy: "end the chain at a profile with keys")
            }
            guard let found = try await credentials(profile: source, visited: visited) else {
                let known = !environment.profileSettings(named: source).isEmpty
                throw ImgedaError(
                    .s3Credentials,
                    known
                        ? "the profile '\(profile)' takes its keys from source_profile '\(source)', which has none"
                        : "the profile '\(profile)' names source_profile '\(source)', which is in neither \(environment.credentialsFile) nor \(environment.configFile)",
                    remedy: "give the source profile aws_access_key_id and aws_secret_access_key (or a credential_process)")
            }
            base = found
        } else if let source = settings["credential_source"] {
            base = try await credentialSource(source, profile: profile)
        } else {
            throw ImgedaError(
                .s3Credentials, "the profile '\(profile)' has role_arn but no source_profile, credential_source or web_identity_token_file",
                remedy: "add source_profile naming a profile with keys, or credential_source = Environment")
        }
        return try await assumeRole(
            role, with: base, session: session, externalID: settings["external_id"],
            duration: settings["duration_seconds"].flatMap { Int($0) }, profile: profile)
    }

    /// The credentials `credential_source` names.
    func credentialSource(_ source: String, profile: String) async throws(ImgedaError) -> AWSCredentials {
        let found: AWSCredentials?
        switch source {
        case "Environment": found = try chain.fromEnvironment()
        case "EcsContainer": found = try await chain.fromContainer(transport)
        case "Ec2InstanceMetadata":
            found =
                environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" ? nil : try await chain.fromInstanceMetadata(transport)
        default:
            throw ImgedaError(
                .s3Credentials, "the profile '\(profile)' has credential_source = \(source), which is not one AWS defines",
                remedy: "use Environment, EcsContainer or Ec2InstanceMetadata")
        }
        guard let found else {
            throw ImgedaError(
                .s3Credentials, "the profile '\(profile)' takes its keys from credential_source = \(source), which has none",
                remedy: "provide the keys there, or use source_profile")
        }
        return found
    }

    /// STS `AssumeRole`, signed with `base`.
    func assumeRole(
        _ role: String, with base: AWSCredentials, session: String?, externalID: String?, duration: Int?, profile: String
    ) async throws(ImgedaError) -> AWSCredentials {
        let endpoint = chain.stsEndpoint
        guard let url = URLComponents(string: endpoint), let scheme = url.scheme, let host = url.host, !host.isEmpty else {
            throw ImgedaError(
                .invalidArgument, "the STS endpoint \(endpoint) is not a URL", remedy: "give a URL such as https://sts.amazonaws.com")
        }
        var fields = [
            ("Action", "AssumeRole"), ("Version", "2011-06-15"), ("RoleArn", role),
            ("RoleSessionName", session ?? "imgeda-\(Int(Date().timeIntervalSince1970))"),
        ]
        if let externalID { fields.append(("ExternalId", externalID)) }
        if let duration { fields.append(("DurationSeconds", String(duration))) }
        let body = Array(
            fields.map { "\(SigV4.encode($0.0, keepSlash: false))=\(SigV4.encode($0.1, keepSlash: false))" }.joined(separator: "&").utf8)
        let request = SignableRequest(
            method: "POST", scheme: scheme, host: host, port: url.port, path: url.path.isEmpty ? "/" : url.path,
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), ("Accept", "application/xml")],
            payloadHash: SigV4.payloadHash(body))
        let signature = SigV4.sign(request, credentials: base, region: environment.region, service: "sts", date: Date())
        let answer: HTTPAnswer
        do {
            answer = try await transport.send(
                method: "POST", url: request.url, headers: request.headers + signature, body: body, timeout: 10)
        } catch {
            throw ImgedaError(.s3Credentials, "STS at \(endpoint) did not answer when the profile '\(profile)' assumed \(role): \(error)")
        }
        let xml = String(decoding: answer.body, as: UTF8.self)
        guard answer.status == 200, let key = XMLText.first("AccessKeyId", in: xml),
            let secret = XMLText.first("SecretAccessKey", in: xml)
        else {
            let code = XMLText.first("Code", in: xml) ?? "HTTP \(answer.status)"
            let message = XMLText.first("Message", in: xml).map { ": \(Self.oneLine($0))" } ?? ""
            throw ImgedaError(
                .s3Credentials,
                "STS refused to let the profile '\(profile)' assume \(role) with the keys of \(base.source) (\(code)\(message))",
                remedy: "check the role's trust policy and the source keys")
        }
        return AWSCredentials(
            accessKeyID: key, secretAccessKey: secret, sessionToken: XMLText.first("SessionToken", in: xml),
            expiration: XMLText.first("Expiration", in: xml).flatMap(CredentialChain.date),
            source: "profile '\(profile)' (role \(role))")
    }

    // MARK: - credential_process

    /// Runs the profile's `credential_process` and reads its JSON.
    func process(_ command: String, profile: String) async throws(ImgedaError) -> AWSCredentials {
        var variables = environment.variables
        if variables["PATH"]?.isEmpty ?? true { variables["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin" }
        let finished: ProcessOutput
        do {
            finished = try await ProcessOutput.run(["/bin/sh", "-c", command], environment: variables)
        } catch {
            throw ImgedaError(.s3Credentials, "cannot run the credential_process of the profile '\(profile)' (\(command)): \(error)")
        }
        guard finished.status == 0 else {
            let said = Self.oneLine(String(decoding: finished.stderr, as: UTF8.self))
            throw ImgedaError(
                .s3Credentials,
                "the credential_process of the profile '\(profile)' (\(command)) failed with exit status \(finished.status)"
                    + (said.isEmpty ? "" : ": \(said)"),
                remedy: "run it yourself to see why")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(finished.stdout)) as? [String: Any] else {
            throw ImgedaError(
                .s3Credentials, "the credential_process of the profile '\(profile)' (\(command)) printed no JSON object",
                remedy: "make it print {\"Version\": 1, \"AccessKeyId\": …, \"SecretAccessKey\": …}")
        }
        guard (object["Version"] as? Int) == 1 else {
            throw ImgedaError(
                .s3Credentials,
                "the credential_process of the profile '\(profile)' printed Version \(object["Version"].map { "\($0)" } ?? "(none)"), not 1",
                remedy: "make it print the AWS CLI's process credentials, Version 1")
        }
        guard let key = object["AccessKeyId"] as? String, !key.isEmpty, let secret = object["SecretAccessKey"] as? String,
            !secret.isEmpty
        else {
            throw ImgedaError(
                .s3Credentials, "the credential_process of the profile '\(profile)' printed no AccessKeyId or SecretAccessKey",
                remedy: "make it print both")
        }
        let expiration = object["Expiration"] as? String
        let expires = expiration.flatMap(CredentialChain.date)
        if let expiration, expires == nil {
            throw ImgedaError(
                .s3Credentials,
                "the credential_process of the profile '\(profile)' printed Expiration \(expiration), not an ISO 8601 time",
                remedy: "print it as 2026-11-27T15:00:00Z")
        }
        return AWSCredentials(
            accessKeyID: key, secretAccessKey: secret, sessionToken: object["SessionToken"] as? String, expiration: expires,
            source: "the credential_process of profile '\(profile)'")
    }

    /// The last non-empty line of a program's or server's words, shortened: error messages
    /// are one line.
    static func oneLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.last { !$0.isEmpty } ?? ""
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }
}

/// A finished child process: its exit status and everything it wrote.
struct ProcessOutput: Sendable {
    var status: Int32
    var stdout: [UInt8]
    var stderr: [UInt8]

    /// Runs `arguments` on a thread of its own (reading both pipes to their end, so a
    /// talkative child cannot block on a full pipe) and waits for it without holding a
    /// thread of the concurrency pool.
    static func run(_ arguments: [String], environment: [String: String]) async throws -> ProcessOutput {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ProcessOutput, any Error>) in
            let thread = Thread {
                continuation.resume(
                    with: Result {
                        let process = Process()
                        process.executableURL = URL(fileURLWithPath: arguments[0])
                        process.arguments = Array(arguments.dropFirst())
                        process.environment = environment
                        let out = Pipe()
                        let err = Pipe()
                        process.standardOutput = out
                        process.standardError = err
                        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
                        try process.run()
                        // stderr on a thread of its own while stdout is read here.
                        let errors = ErrorsReader(err.fileHandleForReading)
                        let stdout = [UInt8](out.fileHandleForReading.readDataToEndOfFile())
                        let stderr = errors.wait()
                        process.waitUntilExit()
                        return ProcessOutput(status: process.terminationStatus, stdout: stdout, stderr: stderr)
                    })
            }
            thread.name = "imgeda credential_process"
            thread.start()
        }
    }
}

/// Reads a pipe to its end on a thread of its own.
final class ErrorsReader: @unchecked Sendable {
    // @unchecked Sendable: `bytes` is written once by the reading thread before `done` is
    // signalled, and read only after waiting for it.
    private var bytes: [UInt8] = []
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            bytes = [UInt8](handle.readDataToEndOfFile())
            done.signal()
        }
        thread.start()
    }

    func wait() -> [UInt8] {
        done.wait()
        return bytes
    }
}
