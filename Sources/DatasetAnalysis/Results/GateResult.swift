/// What `imgeda gate` decided: every check of the policy, whether all passed, and the
/// thresholds that decided which images count as dark, overexposed, blurry or bordered.
///
/// Built by ``PolicyEvaluator/result(policyName:manifests:thresholdsSource:threads:)``;
/// rendered as JSON, JUnit, Markdown or terminal text by `DatasetReport`'s renderers.
public struct GateResult: Sendable, Hashable, Encodable {
    public var passed: Bool
    /// The policy file, as given.
    public var policy: String
    public var manifests: [String]
    public var checks: [GateCheck]
    public var thresholds: QualityThresholds
    /// Where the thresholds came from ("from the scan settings of m.jsonl; … for this run").
    public var thresholdsSource: String

    public init(policy: String, manifests: [String], checks: [GateCheck], thresholds: QualityThresholds, thresholdsSource: String) {
        self.passed = checks.allSatisfy(\.passed)
        self.policy = policy
        self.manifests = manifests
        self.checks = checks
        self.thresholds = thresholds
        self.thresholdsSource = thresholdsSource
    }

    /// The checks that failed.
    public var failures: [GateCheck] { checks.filter { !$0.passed } }

    enum CodingKeys: String, CodingKey {
        case passed, policy, manifests, checks, thresholds
        case thresholdsSource = "thresholds_source"
    }
}
