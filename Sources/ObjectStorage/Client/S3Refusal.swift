import DatasetAnalysis

/// S3's refusals (its XML error `Code`) as one line each that names the object and the fix.
enum S3Refusal {
    static func error(
        status: Int, code: String, message: String?, method: String, location: S3Location, credentials: AWSCredentials,
        endpoint: S3Endpoint
    ) -> ImgedaError {
        let key = credentials.accessKeyID
        let source = credentials.source
        let request = "\(method) \(location)"
        switch code {
        case "SignatureDoesNotMatch":
            return ImgedaError(
                .s3Refused, "the secret key for access key \(key) is wrong: \(endpoint.name) refused the signature of \(request)",
                remedy: "check the secret access key in \(source)")
        case "InvalidAccessKeyId":
            return ImgedaError(
                .s3Refused, "\(endpoint.name) does not know the access key \(key) (used for \(request))",
                remedy: "check the access key id in \(source)")
        case "ExpiredToken", "TokenRefreshRequired":
            return ImgedaError(
                .s3Refused, "the session token for access key \(key) has expired (\(request))",
                remedy: "get fresh credentials for \(source)")
        case "InvalidToken":
            return ImgedaError(
                .s3Refused, "\(endpoint.name) does not accept the session token for access key \(key) (\(request))",
                remedy: "check the session token in \(source)")
        case "NoSuchBucket":
            return ImgedaError(
                .notFound, "the bucket \(location.bucket) does not exist at \(endpoint.name)",
                remedy: "check the bucket's name, and the region or endpoint")
        case "NoSuchKey":
            return ImgedaError(.notFound, "no object \(location) at \(endpoint.name)", remedy: "check the key")
        case "AccessDenied", "AllAccessDisabled":
            return ImgedaError(
                .s3Refused, "access denied to \(request) for access key \(key) from \(source)",
                remedy: "grant that identity access to the bucket, or use other credentials")
        case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
            return ImgedaError(
                .s3Refused, "the bucket \(location.bucket) is not in the region \(endpoint.region) (\(code))",
                remedy: "set AWS_REGION to the bucket's region")
        default:
            break
        }
        if status == 404 {
            return ImgedaError(.notFound, "no object \(location) at \(endpoint.name)", remedy: "check the bucket and the key")
        }
        if status == 403 {
            return ImgedaError(
                .s3Refused, "\(endpoint.name) refused \(request) (HTTP 403) for access key \(key) from \(source)",
                remedy: "check the credentials and the bucket's permissions")
        }
        let detail = [code, message ?? ""].filter { !$0.isEmpty }.joined(separator: ": ")
        return ImgedaError(.s3Refused, "\(endpoint.name) refused \(request): HTTP \(status)\(detail.isEmpty ? "" : " \(detail)")")
    }
}
