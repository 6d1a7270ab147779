import DatasetAnalysis
import DatasetIO
import Foundation

/// Which records of an existing manifest stay, and which files need analysing.
struct ResumePlan {
    var pending: [DiscoveredFile]
    var keepLines: Set<Int>
    var keptCount: Int
    var keptProblems: ProblemCounts
    var notes: [PipelineNote]

    static func make(
        manifest: String, discovered: [DiscoveredFile], roots: [String], settings: ScanSettings
    ) throws -> ResumePlan {
        let reader = try ManifestReader(path: manifest)
        var notes: [PipelineNote] = []
        if let header = try reader.header(), header.tool == "imgeda-swift", header.settings != settings {
            // Flags were computed with other thresholds; say so rather than silently mixing.
            notes.append(
                PipelineNote(
                    "the manifest was made with other settings; its records are kept as they are",
                    remedy: .reanalyseEverything))
        }
        var current: [FilePathBytes: (size: Int, mtime: Double)] = [:]
        current.reserveCapacity(discovered.count)
        for file in discovered { current[file.path] = (file.size, file.mtime) }
        let rootPrefixes = roots.map { root -> [UInt8] in
            var bytes = Array(root.utf8)
            if bytes.last != UInt8(ascii: "/") { bytes.append(UInt8(ascii: "/")) }
            return bytes
        }

        // Pass 1: for each path, the line of its newest record and whether it is current.
        var newest = NewestPerPath<FilePathBytes, (line: Int, valid: Bool, flags: RecordFlags)>(capacity: discovered.count)
        var lineNumber = 0
        var outsideRoots: Set<Int> = []
        var otherVersion = 0
        let report = try reader.forEachRawRecord { _, record in
            defer { lineNumber += 1 }
            let path = record.pathBytes
            if let version = current[path] {
                let sameVersion = record.analyzerVersion == ImageRecord.currentAnalyzerVersion
                if !sameVersion { otherVersion += 1 }
                let valid = sameVersion && record.fileSizeBytes == version.size && record.mtime == version.mtime
                newest.add((lineNumber, valid, RecordFlags(record)), for: path)
            } else if !rootPrefixes.contains(where: { path.bytes.starts(with: $0) }) && !roots.contains(record.path) {
                // A record from another folder merged into this manifest: keep it untouched.
                outsideRoots.insert(lineNumber)
            }
        }
        var keepLines = outsideRoots
        var problems = ProblemCounts()
        var keptPaths = Set<FilePathBytes>()
        for (path, entry) in newest.byPath where entry.valid {
            keepLines.insert(entry.line)
            keptPaths.insert(path)
            problems.add(entry.flags)
        }
        if report.truncatedTail {
            notes.append(PipelineNote("the manifest's last line was cut short (an interrupted run); that file is analysed again"))
        }
        if report.malformedLines > 0 { notes.append(PipelineNote("\(report.malformedLines) damaged manifest lines were dropped")) }
        if otherVersion > 0 { notes.append(PipelineNote("\(otherVersion) records from another analyzer version are analysed again")) }
        let dropped = report.records - keepLines.count
        if dropped > 0 && otherVersion == 0 {
            notes.append(PipelineNote("\(dropped) outdated records (changed, deleted or repeated files) were replaced"))
        }
        let pending = discovered.filter { !keptPaths.contains($0.path) }
        return ResumePlan(
            pending: pending, keepLines: keepLines, keptCount: keptPaths.count + outsideRoots.count,
            keptProblems: problems, notes: notes)
    }

    /// Writes the header and the kept records, atomically (the old file is read to the end
    /// before the new one replaces it).
    func rewrite(manifest: String, header: ManifestHeader) throws {
        let reader = try ManifestReader(path: manifest)
        var lineNumber = 0
        try AtomicFile.replace(manifest) { write in
            try write(ManifestEncoding.line(for: header))
            try reader.forEachRawRecord { line, _ in
                defer { lineNumber += 1 }
                if keepLines.contains(lineNumber) {
                    var bytes = Array(line)
                    bytes.append(0x0A)
                    try write(bytes)
                }
            }
        }
    }
}
