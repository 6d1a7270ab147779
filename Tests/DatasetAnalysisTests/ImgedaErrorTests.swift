import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

@Suite("errors with a code, a message and a remedy")
struct ImgedaErrorTests {
    func policyError(_ yaml: String) -> ImgedaError? {
        do {
            _ = try PolicyFile.parse(yaml, name: "gate.yml")
            return nil
        } catch {
            return error
        }
    }

    @Test func anUnknownPolicyKeyKeepsTheProblemAndTheFixApart() throws {
        let error = try #require(policyError("max_corupt_pct: 1\n"))
        #expect(error.code == .policyInvalid)
        #expect(error.message == "gate.yml:1: unknown policy key 'max_corupt_pct'")
        #expect(error.remedy?.hasPrefix("did you mean 'max_corrupt_pct'?") == true)
        #expect(error.description == "\(error.message) (\(error.remedy ?? ""))")
    }

    @Test func eachKindOfBadPolicyHasItsCode() throws {
        #expect(policyError("max_corrupt_pct: [1\n")?.code == .invalidFormat)
        #expect(policyError("max_corrupt_pct: 150\n")?.code == .policyInvalid)
        #expect(policyError("max_aspect_ratio: -1\n")?.remedy == "0 disables it")
        #expect(policyError("min_images_total: 10\n") == nil)
        let missing = #expect(throws: ImgedaError.self) { try PolicyFile.load("/nonexistent/gate.yml") }
        #expect(missing?.code == .notFound)
        #expect(missing?.message == "policy file not found: /nonexistent/gate.yml")
    }

    @Test func anOutputThatIsAnInputIsAnOutputConflict() throws {
        let error = #expect(throws: ImgedaError.self) { try OutputPath.refuseInput("/tmp/m.jsonl", inputs: ["/tmp/m.jsonl"]) }
        #expect(error?.code == .outputConflict)
        #expect(error?.remedy == "choose another output file")
        #expect(error?.description == "refusing to write -o /tmp/m.jsonl: it is an input of this command (choose another output file)")
    }

    @Test func anErrorFromOneSentenceIsUnspecifiedAndPrintsAsGiven() {
        let error = ImgedaError("cannot write x: y")
        #expect(error.code == .unspecified)
        #expect(error.remedy == nil)
        #expect(error.description == "cannot write x: y")
    }
}
