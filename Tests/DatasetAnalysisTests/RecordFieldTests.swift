import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

/// A value for `field` that no other field gets: integers and doubles offset by the field's
/// number, strings that name the field; Booleans are `true` (every Boolean defaults to false).
private func marker(_ field: RecordField) -> RecordField.Value {
    switch field.kind {
    case .int: .int(1000 + field.rawValue)
    case .double: .double(0.5 + Double(field.rawValue))
    case .bool: .bool(true)
    case .string: .string("\(field.jsonKey) ✓ \"q\"")
    }
}

/// A record with `fields` set to their markers (their nested objects created as needed).
private func record(setting fields: [RecordField]) throws -> ImageRecord {
    var r = ImageRecord(path: "base.jpg", filename: "")
    for field in fields {
        switch field.group {
        case .record:
            try #require(field.set(marker(field), in: &r), "\(field)")
        case .pixelStats:
            var p = r.pixelStats ?? PixelStats()
            try #require(field.set(marker(field), in: &p), "\(field)")
            r.pixelStats = p
        case .cornerStats:
            var c = r.cornerStats ?? CornerStats()
            try #require(field.set(marker(field), in: &c), "\(field)")
            r.cornerStats = c
        }
    }
    return r
}

/// The JSON object of a manifest line, as Foundation reads it.
private func jsonObject(_ line: [UInt8]) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
}

/// The value a field holds in a JSON object read by Foundation, as a table value.
private func jsonValue(_ field: RecordField, in object: [String: Any]) -> RecordField.Value? {
    let container: [String: Any]? = field.group == .record ? object : object["\(field.group.jsonKey)"] as? [String: Any]
    guard let raw = container?["\(field.jsonKey)"] else { return nil }
    if raw is NSNull { return .null }
    switch field.kind {
    case .int: return (raw as? NSNumber).map { .int($0.intValue) }
    case .double: return (raw as? NSNumber).map { .double($0.doubleValue) }
    case .bool: return (raw as? Bool).map(RecordField.Value.bool)
    case .string: return (raw as? String).map(RecordField.Value.string)
    }
}

@Suite("record field table")
struct RecordFieldTests {
    /// Every field has a distinct key within its object and distinct export column names, and
    /// each export lists every field once, the reference's columns first.
    @Test func tableNamesEveryFieldOnce() {
        let all = RecordField.manifestOrder
        #expect(all.count == RecordField.allCases.count)
        for group in RecordField.Group.allCases {
            let keys = RecordField.fields(of: group).map { "\($0.jsonKey)" }
            #expect(Set(keys).count == keys.count, "\(group)")
        }
        #expect(Set(all.map(\.csvName)).count == all.count)
        #expect(Set(all.map(\.parquetName)).count == all.count)
        #expect(RecordField.csvOrder.sorted { $0.rawValue < $1.rawValue } == all)
        #expect(RecordField.parquetOrder.sorted { $0.rawValue < $1.rawValue } == all)
        #expect(Array(RecordField.csvOrder.prefix(RecordField.referenceCSVColumns.count)) == RecordField.referenceCSVColumns)
        #expect(Array(RecordField.parquetOrder.prefix(RecordField.referenceParquetColumns.count)) == RecordField.referenceParquetColumns)
        #expect(ExportColumns.csv.map(\.name) == RecordField.csvOrder.map(\.csvName))
        #expect(ExportColumns.parquet.map(\.name) == RecordField.parquetOrder.map(\.parquetName))
        // The reference's names, which notebooks written for it use.
        #expect(RecordField.meanR.csvName == "mean_r" && RecordField.meanR.parquetName == "pixel_stats.mean_r")
        #expect(RecordField.cornerMean.csvName == "corner_mean" && RecordField.cornerMean.parquetName == "corner_stats.corner_mean")
        #expect(RecordField.delta.csvName == "corner_delta" && RecordField.delta.parquetName == "corner_stats.delta")
        #expect(RecordField.className.csvName == "class_name" && RecordField.split.parquetName == "split")
    }

    /// A record with every field set to a distinct value goes through the JSON writer, the
    /// fast parser, `JSONDecoder`, `JSONEncoder` and the export columns unchanged, and every
    /// field of the table appears in each.
    @Test func everyFieldRoundTripsThroughWriterParsersAndExport() throws {
        let full = try record(setting: RecordField.manifestOrder)
        for field in RecordField.manifestOrder {
            #expect(field.value(in: full) == marker(field), "accessors of \(field)")
        }
        let line = ManifestEncoding.line(for: full)

        // The writer writes every field under its key, with its value.
        let object = try jsonObject(line)
        for field in RecordField.manifestOrder {
            #expect(jsonValue(field, in: object) == marker(field), "writer: \(field.jsonKey)")
        }
        let written =
            object.count + (object["pixel_stats"] as? [String: Any] ?? [:]).count
            + (object["corner_stats"] as? [String: Any] ?? [:]).count - 2
        #expect(written == RecordField.manifestOrder.count, "the writer writes no field the table does not list")

        // Both parsers read it back whole.
        let fast = try #require(RecordParser.parse(line.dropLast()[...]))
        #expect(fast == full)
        let decoded = try JSONDecoder().decode(ImageRecord.self, from: Data(line))
        #expect(decoded == full)
        let reencoded = try JSONDecoder().decode(ImageRecord.self, from: JSONEncoder().encode(full))
        #expect(reencoded == full)

        // Every field has a column in each export, holding its value.
        for columns in [ExportColumns.csv, ExportColumns.parquet] {
            #expect(Set(columns.map(\.field)) == Set(RecordField.manifestOrder))
            for column in columns { #expect(column.value(full) == marker(column.field), "\(column.name)") }
        }
        var csv: [UInt8] = []
        var writer = try CSVWriter { csv += $0 }
        try writer.append(full)
        try writer.flush()
        let csvLines = String(decoding: csv, as: UTF8.self).split(separator: "\n")
        #expect(csvLines.first.map(String.init) == ExportColumns.csv.map(\.name).joined(separator: ","))
    }

    /// Each field, set alone, changes only its own key in the written line and only its own
    /// value in what either parser reads: no field is wired to another's property.
    @Test func eachFieldIsWiredToItsOwnProperty() throws {
        let base = try record(setting: [])
        let baseObject = try jsonObject(ManifestEncoding.line(for: base))
        for field in RecordField.manifestOrder where field != .path {
            let r = try record(setting: [field])
            let line = ManifestEncoding.line(for: r)
            let object = try jsonObject(line)
            let fast = try #require(RecordParser.parse(line.dropLast()[...]), "\(field)")
            let decoded = try JSONDecoder().decode(ImageRecord.self, from: Data(line))
            #expect(fast == r && decoded == r, "\(field)")
            for other in RecordField.manifestOrder where other != field && other.group == .record {
                #expect(jsonValue(other, in: object) == jsonValue(other, in: baseObject), "\(field) changed \(other.jsonKey)")
                #expect(other.value(in: fast) == other.value(in: base), "\(field) changed \(other)")
            }
            #expect(jsonValue(field, in: object) == marker(field), "\(field)")
        }
    }

    /// Fields most records lack are left out of the line rather than written as null; nested
    /// objects a record lacks are written as null.
    @Test func absentValuesAreWrittenAsTheTableSays() throws {
        let object = try jsonObject(ManifestEncoding.line(for: ImageRecord(path: "a.jpg", filename: "a.jpg")))
        for field in RecordField.fields(of: .record) {
            let value = jsonValue(field, in: object)
            if field.spec.omittedWhenNull {
                #expect(value == nil, "\(field.jsonKey) is left out")
            } else if field.spec.isOptional {
                #expect(value == .null, "\(field.jsonKey) is null")
            } else {
                #expect(value != nil && value != .null, "\(field.jsonKey) is written")
            }
        }
        #expect(object["pixel_stats"] is NSNull && object["corner_stats"] is NSNull)
    }

    /// Keys written with escapes name the same fields (the fast parser matches plain keys by
    /// their bytes and decodes the others), and unknown keys of any length are skipped.
    @Test func escapedAndUnknownKeysAreReadAsJSONDecoderReadsThem() throws {
        let line = Array(
            #"{"pa\u0074h": "x.jpg", "wid\u0074h": 5, "pixel_stats": null, "corner_stats": {"corner_mea\u006e": 1, "center_mean": 2, "border_mean": 3, "delta": 4}, "an_unknown_key_longer_than_any_field_of_the_table": 1, "": 2, "x": 3}"#
                .utf8)
        let fast = try #require(RecordParser.parse(line[...]))
        #expect(fast.path == "x.jpg" && fast.width == 5 && fast.cornerStats?.cornerMean == 1)
        #expect(try JSONDecoder().decode(ImageRecord.self, from: Data(line)) == fast)
    }

    /// A nested object missing a field, or with a null or mistyped one, is rejected by both
    /// parsers alike (the reference's `PixelStats(**fields)` needs them all).
    @Test func incompleteNestedObjectsAreRejectedByBothParsers() throws {
        let lines = [
            #"{"path": "a.jpg", "corner_stats": {"corner_mean": 1, "center_mean": 2, "border_mean": 3}}"#,
            #"{"path": "a.jpg", "corner_stats": {"corner_mean": 1, "center_mean": 2, "border_mean": 3, "delta": null}}"#,
            #"{"path": "a.jpg", "pixel_stats": {"mean_r": 1, "mean_g": 1, "mean_b": 1, "std_r": 1, "std_g": 1, "std_b": 1, "mean_brightness": 1, "min_val": 0.5, "max_val": 3}}"#,
            #"{"path": null}"#,
            #"{"filename": "no-path.jpg"}"#,
        ]
        for line in lines {
            let bytes = Array(line.utf8)
            #expect(RecordParser.parse(bytes[...]) == nil, "\(line)")
            #expect((try? JSONDecoder().decode(ImageRecord.self, from: Data(bytes))) == nil, "\(line)")
        }
        let extra = Array(
            #"{"path": "a.jpg", "corner_stats": {"corner_mean": 1, "center_mean": 2, "border_mean": 3, "delta": 4, "later": [1]}}"#.utf8)
        let fast = try #require(RecordParser.parse(extra[...]))
        #expect(fast.cornerStats == CornerStats(cornerMean: 1, centerMean: 2, borderMean: 3, delta: 4))
        #expect(try JSONDecoder().decode(ImageRecord.self, from: Data(extra)) == fast)
    }
}
