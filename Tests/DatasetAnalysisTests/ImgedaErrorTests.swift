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
        #expect(error.remedy?.description.hasPrefix("did you mean 'max_corrupt_pct'?") == true)
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

    /// Every remedy that has a setting, in the plain words libraries and records use.
    static let settingRemedies: [Remedy] = [
        .reanalyseEverything, .otherOutputAppendOrReplace, .otherExtensions, .readManifest(path: "m.jsonl"),
        .createManifest(path: "m.jsonl"), .nameManifestFile, .checkConfigPath, .waitForOtherScan, .raiseTimeout, .raiseMemoryLimit,
        .raisePixelLimit,
        .allowUntrustedLoaders,
        .followSymlinksOutside, .nameAnnotationFileOrFormat, .annotationFilesAreCOCO, .runWorkerByHand(command: "imgeda x"),
    ]

    @Test func remediesInPlainWordsNameNoFlag() {
        for remedy in Self.settingRemedies {
            #expect(!remedy.description.contains("--") && !remedy.description.contains(" -o"), "\(remedy)")
            #expect(!remedy.description.isEmpty)
        }
    }

    @Test func aRemedyIsAValueAndPlainTextIsOneOfThem() {
        let error = ImgedaError(.noRecords, "m.jsonl holds no image records", remedy: .createManifest(path: "m.jsonl"))
        #expect(error.remedy == .createManifest(path: "m.jsonl"))
        #expect(error.description == "m.jsonl holds no image records (create one by scanning the images)")
        // Words given as a string (a literal, interpolated, or a variable) are a `.text` remedy.
        let words = "keep one"
        #expect(ImgedaError(.policyInvalid, "x", remedy: words).remedy == .text("keep one"))
        #expect(ImgedaError(.policyInvalid, "x", remedy: "keep \(1)").remedy == .text("keep 1"))
        let none: String? = nil
        #expect(ImgedaError(.policyInvalid, "x", remedy: none).remedy == nil)
        #expect(ImgedaError(.policyInvalid, "x", remedy: nil).remedy == nil)
        #expect(ImgedaError(.policyInvalid, "x", remedy: "a literal").remedy == .text("a literal"))
    }

    /// A record's reason carries the remedy in plain words, and a scan finds it again to count
    /// the files a setting would read.
    @Test func aRemedyAppendedToAReasonIsFoundAgain() {
        for remedy in [Remedy.raisePixelLimit, .allowUntrustedLoaders] {
            let reason = Remedy.appended(remedy, to: "not decoded")
            #expect(reason == "not decoded (\(remedy.description))")
            #expect(Remedy.named(in: reason) == remedy)
        }
        #expect(Remedy.named(in: "truncated or damaged JPEG data (Premature end of input file)") == nil)
        #expect(Remedy.appended(nil, to: "plain") == "plain")
        var record = ImageRecord(path: "big.png", filename: "big.png")
        record.isCorrupt = true
        record.corruptReason = Remedy.appended(.raisePixelLimit, to: "too large to decode safely")
        #expect(RecordFlags(record).contains(.overPixelLimit))
        #expect(!RecordFlags(record).contains(.needsUntrustedLoaders))
    }

    @Test func pipelineCodesAreImgedaErrorCodes() {
        let codes: [ImgedaError.Code] = [
            .manifestAsInput, .manifestOfOtherFolders, .noImages, .workerStart, .workersExitAtStart, .supervisor, .internal,
            .notFound, .invalidFormat, .inputTooLarge, .invalidArgument, .policyInvalid, .outputConflict, .ioFailed, .renderFailed, .locked,
            .noRecords, .noAnnotations,
        ]
        #expect(Set(codes.map(\.rawValue)).count == codes.count)
        #expect(!codes.contains(.unspecified))
    }

    @Test func anEmptyManifestIsNoRecordsWithARemedy() throws {
        let report = ManifestReadReport()
        let error = #expect(throws: ImgedaError.self) { try report.requireRecords(in: "m.jsonl") }
        #expect(error?.code == .noRecords)
        #expect(error?.remedy == .createManifest(path: "m.jsonl"))
    }
}

/// Libraries never name a command-line flag: the flags are the command line's words for a
/// ``Remedy`` (Sources/imgeda/Terminal/Remedies.swift), and the web UI has none.
@Suite("library messages name no flag")
struct LibraryFlagNameTests {
    /// The text of every string literal in Swift source (interpolations included), with
    /// comments left out.
    static func stringLiterals(in source: String) -> [String] {
        let c = Array(source.unicodeScalars)
        var literals: [String] = []
        var i = 0
        func at(_ k: Int, _ s: String) -> Bool {
            let t = Array(s.unicodeScalars)
            return k + t.count <= c.count && Array(c[k..<k + t.count]) == t
        }
        /// Reads the literal that starts at `i` (at its opening quotes) and returns its text;
        /// an interpolation's code is read with its own nested literals.
        func literal() -> String {
            let close = at(i, "\"\"\"") ? "\"\"\"" : "\""
            i += close.count
            var text = ""
            while i < c.count && !at(i, close) {
                if close == "\"" && c[i] == "\n" { break }
                if at(i, "\\(") {
                    i += 2
                    var depth = 1
                    while i < c.count && depth > 0 {
                        if c[i] == "\"" {
                            text += literal()
                            continue
                        }
                        if c[i] == "(" { depth += 1 }
                        if c[i] == ")" { depth -= 1 }
                        i += 1
                    }
                    continue
                }
                if c[i] == "\\" && i + 1 < c.count {
                    text.unicodeScalars.append(c[i])
                    i += 1
                }
                text.unicodeScalars.append(c[i])
                i += 1
            }
            i += close.count
            return text
        }
        while i < c.count {
            if at(i, "//") {
                while i < c.count && c[i] != "\n" { i += 1 }
            } else if at(i, "/*") {
                i += 2
                while i < c.count && !at(i, "*/") { i += 1 }
                i += 2
            } else if c[i] == "\"" {
                literals.append(literal())
            } else {
                i += 1
            }
        }
        return literals
    }

    static func flags(in literal: String) -> [String] {
        let scalars = Array(literal.unicodeScalars)
        var found: [String] = []
        for k in scalars.indices.dropLast(2)
        where scalars[k] == "-" && scalars[k + 1] == "-" && ("a"..."z").contains(scalars[k + 2]) && (k == 0 || scalars[k - 1] != "-") {
            found.append(String(String.UnicodeScalarView(scalars[k...].prefix { $0 == "-" || ("a"..."z").contains($0) })))
        }
        return found
    }

    @Test func theScannerFindsFlagsInLiteralsOnly() {
        let source = """
            // use --in-a-comment
            /* or --in-a-block */
            let a = "raise it with --max-pixels"  // --trailing
            let b = \"\"\"
                scan with --allow-untrusted-loaders
                \"\"\"
            let c = "a \\"quoted\\" --follow-symlinks-outside \\(x ? "y" : "z") // not a comment"
            let d = x--y
            """
        let flags = Self.stringLiterals(in: source).flatMap(Self.flags(in:))
        #expect(flags == ["--max-pixels", "--allow-untrusted-loaders", "--follow-symlinks-outside"])
    }

    @Test func noLibraryTargetNamesAFlagInAStringLiteral() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let fm = FileManager.default
        var offenders: [String] = []
        var files = 0
        for target in [
            "DatasetAnalysis", "ImageDecoding", "DatasetIO", "DatasetPipeline", "DatasetReport", "Downloader", "DatasetCatalog",
            "DatasetCatalogSQLite", "DatasetCatalogPostgres", "ObjectStorage",
        ] {
            let folder = root.appendingPathComponent("Sources/\(target)")
            let enumerator = try #require(fm.enumerator(atPath: folder.path))
            for case let file as String in enumerator where file.hasSuffix(".swift") {
                files += 1
                let source = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                for flag in Self.stringLiterals(in: source).flatMap(Self.flags(in:)) { offenders.append("\(target)/\(file): \(flag)") }
            }
        }
        #expect(files > 50)
        #expect(offenders.isEmpty, "name a Remedy instead and word it in Sources/imgeda/Terminal/Remedies.swift: \(offenders)")
    }
}
