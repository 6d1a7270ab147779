import DatasetAnalysis
import Foundation
import HTTPTypes
import Hummingbird

/// A refusal with an HTTP status: one message naming the problem, and what to do about it.
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    var message: String
    var remedy: String?

    init(_ status: HTTPResponse.Status, _ message: String, remedy: String? = nil) {
        self.status = status
        self.message = message
        self.remedy = remedy
    }

    /// The JSON body every error has: `{"error": {"status", "code", "message", "remedy"}}`.
    struct Body: Encodable {
        struct Detail: Encodable {
            var status: Int
            var code: String
            var message: String
            var remedy: String?
        }
        var error: Detail
    }

    /// The status an ``ImgedaError`` code means for a request.
    static func status(of code: ImgedaError.Code) -> HTTPResponse.Status {
        switch code {
        case .notFound: .notFound
        case .outputConflict, .locked: .conflict
        case .invalidArgument, .invalidFormat, .inputTooLarge, .policyInvalid, .queryInvalid: .badRequest
        default: .internalServerError
        }
    }

    /// Any error as a JSON response. Errors the server did not foresee say so without
    /// details (no stack trace, no path of the server's own files).
    static func response(for error: any Error) -> Response {
        let detail: Body.Detail
        switch error {
        case let error as APIError:
            detail = .init(status: Int(error.status.code), code: "request_refused", message: error.message, remedy: error.remedy)
        case let error as ImgedaError:
            let status = status(of: error.code)
            detail = .init(status: Int(status.code), code: error.code.rawValue, message: error.message, remedy: error.remedy?.description)
        case let error as any HTTPResponseError:
            let message =
                switch error.status {
                case .notFound: "no such page or API route"
                case .methodNotAllowed: "this route does not take that method"
                case .contentTooLarge: "the request body is too large"
                default: error.status.reasonPhrase
                }
            detail = .init(status: Int(error.status.code), code: "http_\(error.status.code)", message: message, remedy: nil)
        case is DecodingError:
            detail = .init(
                status: 400, code: "invalid_body", message: "the request body is not the JSON this route takes", remedy: "see /openapi.yaml"
            )
        default:
            detail = .init(status: 500, code: "internal", message: "the server failed to answer this request", remedy: nil)
        }
        return JSONResponse.make(Body(error: detail), status: HTTPResponse.Status(code: detail.status))
    }
}

/// JSON responses, encoded one way everywhere (sorted keys, snake_case field names as the
/// types declare them).
enum JSONResponse {
    /// The encoder of every JSON response (``PageJSON`` writes the gallery's pages as it would).
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? encoder().encode(value)) ?? Data(#"{"error":{"status":500,"code":"internal","message":"encoding failed"}}"#.utf8)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
