public import DatasetAnalysis
import Foundation

extension ImgedaError.Code {
    /// No credentials were found, or a configured source of them failed.
    public static let s3Credentials = ImgedaError.Code(rawValue: "s3_credentials")
    /// S3 refused a request (signature, access, unknown bucket or key).
    public static let s3Refused = ImgedaError.Code(rawValue: "s3_refused")
    /// S3 could not be reached, or kept failing after retries.
    public static let s3Unavailable = ImgedaError.Code(rawValue: "s3_unavailable")
}

/// Finds credentials in the standard order of the AWS SDKs and CLI:
///
/// 1. the environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`;
/// 2. the shared files: `AWS_SHARED_CREDENTIALS_FILE` (`~/.aws/credentials`) and
///    `AWS_CONFIG_FILE` (`~/.aws/config`, `[profile name]`), for `AWS_PROFILE`: static keys,
///    a role assumed at STS (`role_arn` with `source_profile`, `credential_source` or
///    `web_identity_token_file`), or a `credential_process` (see ``ProfileCredentials``);
/// 3. web identity (EKS IRSA): `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`, exchanged at
///    STS (`AssumeRoleWithWebIdentity`; `AWS_ENDPOINT_URL_STS` or `AWS_ENDPOINT_URL` override it);
/// 4. container credentials (ECS, EKS Pod Identity): `AWS_CONTAINER_CREDENTIALS_FULL_URI` or
///    `_RELATIVE_URI`, with `AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)`;
/// 5. the EC2 instance metadata service, IMDSv2 (a token PUT, then GETs), unless
///    `AWS_EC2_METADATA_DISABLED=true`; `AWS_EC2_METADATA_SERVICE_ENDPOINT` moves it.
///
/// A source that is configured but fails (a container endpoint that does not answer) is an
/// error naming it; when no source has anything, the error lists what was tried.
///
/// ```swift
/// let credentials = try await CredentialChain(environment: AWSEnvironment()).resolve()
/// ```
public struct CredentialChain: Sendable {
    public var environment: AWSEnvironment
    /// Seconds to wait for the metadata service (short: off EC2 nothing answers).
    public var metadataTimeout = 2.0

    public init(environment: AWSEnvironment = AWSEnvironment()) {
        self.environment = environment
    }

    /// The credentials of the first source that has them.
    public func resolve() async throws(ImgedaError) -> AWSCredentials {
        let transport = HTTPTransport(connectionsPerHost: 2)
        defer { Task { await transport.shutdown() } }
        var tried: [String] = []
        if let found = try fromEnvironment() { return found }
        tried.append("environment variables (AWS_ACCESS_KEY_ID)")
        if let found = try await fromSharedFiles(transport) { return found }
        tried.append("profile '\(environment.profile)' in \(environment.credentialsFile) and \(environment.configFile)")
        if let found = try await fromWebIdentity(transport) { return found }
        tried.append("web identity (AWS_WEB_IDENTITY_TOKEN_FILE)")
        if let found = try await fromContainer(transport) { return found }
        tried.append("container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI)")
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" {
            tried.append("instance metadata (disabled by AWS_EC2_METADATA_DISABLED)")
        } else {
            if let found = try await fromInstanceMetadata(transport) { return found }
            tried.append("instance metadata at \(metadataEndpoint) (no answer)")
        }
        throw ImgedaError(
            .s3Credentials, "no AWS credentials found; tried \(tried.joined(separator: ", "))",
            remedy: "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with a profile in the shared credentials file")
    }

    // MARK: - Sources

    func fromEnvironment() throws(ImgedaError) -> AWSCredentials? {
        let key = environment["AWS_ACCESS_KEY_ID"]
        let secret = environment["AWS_SECRET_ACCESS_KEY"]
        switch (key, secret) {
        case (nil, nil): return nil
        case (let key?, let secret?):
            return AWSCredentials(
                accessKeyID: key, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"],
                source: "the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")
        case (nil, _):
            throw ImgedaError(
                .s3Credentials, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not", remedy: "set both, or neither")
        case (_, nil):
            throw ImgedaError(
                .s3Credentials, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not", remedy: "set both, or neither")
        }
    }

    func fromSharedFiles(_ transport: HTTPTransport) async throws(ImgedaError) -> AWSCredentials? {
        if let found = try await ProfileCredentials(chain: self, transport: transport).credentials(profile: environment.profile) {
            return found
        }
        // A profile named on purpose that does not exist is a mistake worth naming.
        if environment["AWS_PROFILE"] != nil && environment.profileSettings().isEmpty {
            throw ImgedaError(
                .s3Credentials,
                "the profile '\(environment.profile)' (AWS_PROFILE) is in neither \(environment.credentialsFile) nor \(environment.configFile)",
                remedy: "check the profile's name, or AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE")
        }
        return nil
    }

    func fromWebIdentity(_ transport: HTTPTransport) async throws(ImgedaError) -> AWSCredentials? {
        guard let tokenFile = environment["AWS_WEB_IDENTITY_TOKEN_FILE"] else { return nil }
        guard let role = environment["AWS_ROLE_ARN"] else {
            throw ImgedaError(
                .s3Credentials, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not",
                remedy: "set AWS_ROLE_ARN to the role to assume")
        }
        return try await webIdentity(role: role, tokenFile: tokenFile, session: environment["AWS_ROLE_SESSION_NAME"], transport)
    }

    /// The role's credentials for the web identity token in `tokenFile` (STS
    /// `AssumeRoleWithWebIdentity`, which needs no signature).
    func webIdentity(role: String, tokenFile: String, session: String?, _ transport: HTTPTransport) async throws(ImgedaError)
        -> AWSCredentials
    {
        guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        else {
            throw ImgedaError(.s3Credentials, "cannot read the web identity token file \(tokenFile) (AWS_WEB_IDENTITY_TOKEN_FILE)")
        }
        let session = session ?? "imgeda-\(Int(Date().timeIntervalSince1970))"
        let endpoint = stsEndpoint
        let form = [
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", role),
            ("RoleSessionName", session), ("WebIdentityToken", token),
        ].map { "\(SigV4.encode($0.0, keepSlash: false))=\(SigV4.encode($0.1, keepSlash: false))" }.joined(separator: "&")
        let answer: HTTPAnswer
        do {
            answer = try await transport.send(
                method: "POST", url: endpoint.hasSuffix("/") ? endpoint : endpoint + "/",
                headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/xml")],
                body: Array(form.utf8), timeout: 10)
        } catch {
            throw ImgedaError(.s3Credentials, "STS at \(endpoint) did not answer for the web identity of \(role): \(error)")
        }
        let xml = String(decoding: answer.body, as: UTF8.self)
        guard answer.status == 200, let key = XMLText.first("AccessKeyId", in: xml),
            let secret = XMLText.first("SecretAccessKey", in: xml)
        else {
            let code = XMLText.first("Code", in: xml) ?? "HTTP \(answer.status)"
            let message = XMLText.first("Message", in: xml).map { ": \($0)" } ?? ""
            throw ImgedaError(
                .s3Credentials, "STS refused to assume \(role) with the web identity token of \(tokenFile) (\(code)\(message))")
        }
        return AWSCredentials(
            accessKeyID: key, secretAccessKey: secret, sessionToken: XMLText.first("SessionToken", in: xml),
            expiration: XMLText.first("Expiration", in: xml).flatMap(Self.date), source: "web identity (role \(role))")
    }

    func fromContainer(_ transport: HTTPTransport) async throws(ImgedaError) -> AWSCredentials? {
        let url: String
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] {
            // ECS's fixed link-local address for the task's credentials.
            url = "http://169.254.170.2" + (relative.hasPrefix("/") ? relative : "/" + relative)
        } else if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] {
            url = full
        } else {
            return nil
        }
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] {
            guard let token = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ImgedaError(.s3Credentials, "cannot read the container authorization token file \(file)")
            }
            headers.append(("Authorization", token.trimmingCharacters(in: .whitespacesAndNewlines)))
        } else if let token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"] {
            headers.append(("Authorization", token))
        }
        let answer: HTTPAnswer
        do {
            answer = try await transport.send(method: "GET", url: url, headers: headers, timeout: 5, maxBytes: 1 << 20)
        } catch {
            throw ImgedaError(.s3Credentials, "the container credentials endpoint \(url) did not answer: \(error)")
        }
        guard answer.status == 200, let found = Self.decodeJSONCredentials(answer.body, source: "container credentials (\(url))")
        else {
            throw ImgedaError(
                .s3Credentials, "the container credentials endpoint \(url) answered HTTP \(answer.status) without credentials")
        }
        return found
    }

    /// STS: `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, else the region's.
    var stsEndpoint: String {
        environment["AWS_ENDPOINT_URL_STS"] ?? environment["AWS_ENDPOINT_URL"] ?? "https://sts.\(environment.region).amazonaws.com"
    }

    var metadataEndpoint: String {
        var endpoint = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? "http://169.254.169.254"
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        return endpoint
    }

    func fromInstanceMetadata(_ transport: HTTPTransport) async throws(ImgedaError) -> AWSCredentials? {
        let base = metadataEndpoint
        // IMDSv2: a session token first (PUT), then the role's name, then its credentials.
        guard
            let tokenAnswer = try? await transport.send(
                method: "PUT", url: base + "/latest/api/token", headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")],
                timeout: metadataTimeout, maxBytes: 4096),
            tokenAnswer.status == 200
        else { return nil }
        let token = String(decoding: tokenAnswer.body, as: UTF8.self)
        let headers: [(name: String, value: String)] = [("X-aws-ec2-metadata-token", token)]
        let listURL = base + "/latest/meta-data/iam/security-credentials/"
        guard
            let roles = try? await transport.send(method: "GET", url: listURL, headers: headers, timeout: metadataTimeout, maxBytes: 4096),
            roles.status == 200,
            let role = String(decoding: roles.body, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init)
        else {
            throw ImgedaError(.s3Credentials, "the instance metadata service at \(base) has no IAM role for this instance")
        }
        let answer: HTTPAnswer
        do {
            answer = try await transport.send(
                method: "GET", url: listURL + role, headers: headers, timeout: metadataTimeout, maxBytes: 1 << 20)
        } catch {
            throw ImgedaError(
                .s3Credentials, "the instance metadata service at \(base) did not give the credentials of role \(role): \(error)")
        }
        guard answer.status == 200, let found = Self.decodeJSONCredentials(answer.body, source: "instance metadata (role \(role))") else {
            throw ImgedaError(.s3Credentials, "the instance metadata service at \(base) answered HTTP \(answer.status) for role \(role)")
        }
        return found
    }

    // MARK: - Helpers

    /// `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}`, as ECS, EKS and EC2 give them.
    static func decodeJSONCredentials(_ body: [UInt8], source: String) -> AWSCredentials? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let key = object["AccessKeyId"] as? String, let secret = object["SecretAccessKey"] as? String
        else { return nil }
        return AWSCredentials(
            accessKeyID: key, secretAccessKey: secret, sessionToken: object["Token"] as? String,
            expiration: (object["Expiration"] as? String).flatMap(date), source: source)
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// Resolves credentials once and again shortly before temporary ones expire.
actor CredentialCache {
    let chain: CredentialChain
    private var current: AWSCredentials?

    init(chain: CredentialChain, fixed: AWSCredentials? = nil) {
        self.chain = chain
        current = fixed
    }

    func credentials() async throws(ImgedaError) -> AWSCredentials {
        // Five minutes' margin, as the SDKs refresh: a long upload must not outlive its keys.
        if let current, !current.expires(within: 300, of: Date()) { return current }
        let fresh = try await chain.resolve()
        current = fresh
        return fresh
    }
}
