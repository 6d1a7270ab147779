public import DatasetAnalysis
import Foundation

/// A ``GateResult`` as terminal text, JUnit XML (one test case per check, for CI systems)
/// and Markdown (a pull-request comment or `$GITHUB_STEP_SUMMARY`); JSON is ``JSONRenderer``.
public enum GateRenderer {
    /// 5 → "5", 2.345 → "2.35": observed values and limits as CI output shows them.
    public static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%.2f", v)
    }

    /// The lines the command prints: the thresholds, one line per check (with the sample
    /// paths of a failed check), and the verdict.
    public static func text(_ r: GateResult) -> [String] {
        var lines = [r.thresholds.line(source: r.thresholdsSource)]
        for c in r.checks {
            let mark = c.passed ? "PASS" : "FAIL"
            lines.append(
                "\(mark)  \(c.name.padding(toLength: 24, withPad: " ", startingAt: 0)) observed \(number(c.observed)), limit \(number(c.threshold))  (\(c.detail))"
            )
            if !c.passed {
                for path in c.samplePaths { lines.append("        \(path)") }
            }
        }
        lines.append(r.passed ? "Gate passed." : "Gate FAILED: \(r.failures.count) of \(r.checks.count) checks.")
        return lines
    }

    public static func junit(_ r: GateResult) -> String {
        func xml(_ text: String) -> String { Escape.xml(text) }
        let failures = r.failures.count
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"imgeda gate\" tests=\"\(r.checks.count)\" failures=\"\(failures)\">\n"
        out += "  <testsuite name=\"\(xml(r.manifests.joined(separator: ", ")))\" tests=\"\(r.checks.count)\" failures=\"\(failures)\">\n"
        for c in r.checks {
            out += "    <testcase classname=\"imgeda.gate\" name=\"\(xml(c.name))\">\n"
            if !c.passed {
                let message = "observed \(number(c.observed)), limit \(number(c.threshold)) (\(c.detail))"
                out += "      <failure message=\"\(xml(message))\">\(xml(([message] + c.samplePaths).joined(separator: "\n")))</failure>\n"
            }
            out += "    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    public static func markdown(_ r: GateResult) -> String {
        var out = "## imgeda gate: \(r.passed ? "passed ✅" : "failed ❌")\n\n"
        out += "Manifest: \(r.manifests.map(Escape.markdown).joined(separator: ", ")) · policy: \(Escape.markdown(r.policy))\n\n"
        out += "\(Escape.markdown(r.thresholds.line(source: r.thresholdsSource)))\n\n"
        out += "| check | observed | limit | result |\n| --- | ---: | ---: | --- |\n"
        for c in r.checks {
            out += "| `\(c.name)` | \(number(c.observed)) | \(number(c.threshold)) | \(c.passed ? "pass" : "**fail**") |\n"
        }
        for c in r.failures where !c.samplePaths.isEmpty {
            out += "\n<details><summary><code>\(c.name)</code>: examples</summary>\n\n"
            for path in c.samplePaths { out += "- \(Escape.markdown(path))\n" }
            out += "\n</details>\n"
        }
        return out
    }
}
