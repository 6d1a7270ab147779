import DatasetAnalysis
import DatasetReport
import Testing

/// The dry run's text: long lists are sampled with a count of the rest; the JSON keeps all.
@Suite("organize renderer")
struct OrganizeRendererTests {
    @Test func nearDuplicateSetsAndTheirFilesAreSampledWithACountOfTheRest() throws {
        var plan = OrganizePlan(
            destination: "/sorted", template: "{year}/{name}", lowConfidenceTemplate: nil, mode: .copy, keepDuplicates: false,
            sources: ["/photos"])
        // 14 sets; the first holds 13 files.
        plan.nearDuplicates = (0..<14).map { set in (0..<(set == 0 ? 13 : 2)).map { "/photos/set\(set)-\($0).jpg" } }
        let lines = OrganizeRenderer.plan(plan, sample: 10)
        let start = try #require(lines.firstIndex { $0.hasPrefix("Near duplicates") })
        #expect(lines[start] == "Near duplicates (look alike; all are placed): 14 sets")
        let listed = Array(lines[(start + 1)...].prefix { $0.hasPrefix("  ") })
        #expect(listed.count == 11, "10 sets and a count of the rest: \(listed)")
        #expect(listed.last == "  … and 4 more sets")
        #expect(listed[0].hasSuffix("/photos/set0-9.jpg  … and 3 more"), "\(listed[0])")
        #expect(!listed[0].contains("set0-10.jpg"))
        #expect(listed[1] == "  /photos/set1-0.jpg  /photos/set1-1.jpg")
        #expect(!lines.contains { $0.contains("set10-") }, "the 11th set is only counted")

        // Few sets: every one in full, no count.
        plan.nearDuplicates = [["/photos/a.jpg", "/photos/b.jpg"]]
        let short = OrganizeRenderer.plan(plan, sample: 10)
        #expect(short.contains("  /photos/a.jpg  /photos/b.jpg"))
        #expect(!short.contains { $0.contains("more set") })
    }
}
