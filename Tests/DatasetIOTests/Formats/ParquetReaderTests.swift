import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

/// Writes the same table of 2,500 rows as Parquet in every way pyarrow writes URL lists —
/// Snappy, ZSTD, GZIP and uncompressed; dictionary, plain and the DELTA encodings; data
/// pages v1 and v2; several
/// row groups and pages; a dictionary that overflows into plain pages; nulls in every
/// nullable column; a nested list column — and the expected rows, rendered as the reader
/// renders them, in expected.json.
private let writeVariants = #"""
    import json, sys, random
    import numpy as np
    import pyarrow as pa, pyarrow.parquet as pq

    out = sys.argv[1]
    rng = random.Random(7)
    n = 2500
    def maybe(v, p=0.15):
        return None if rng.random() < p else v
    urls = [f"https://img{rng.randrange(50)}.example.com/{i}/photo-{rng.randrange(10**9)}.jpg" for i in range(n)]
    captions = [maybe(rng.choice(["a cat", "Ünïcode ☕ caption", "", "line\nbreak", "x" * rng.randrange(1, 300)])) for _ in range(n)]
    width = [rng.randrange(1, 5000) for _ in range(n)]
    height = [maybe(rng.randrange(-2**40, 2**40)) for _ in range(n)]
    score = [maybe(float(np.float32(rng.random() * 10))) for _ in range(n)]
    sim = [maybe(rng.random() * 1e3 - 500) for _ in range(n)]
    nsfw = [maybe(rng.random() < 0.3) for _ in range(n)]
    label = [rng.choice(["cat", "dog", "bird"]) for _ in range(n)]  # few values: dictionary
    tags = [[rng.choice("abc")] * rng.randrange(3) for _ in range(n)]
    table = pa.table({
        "url": pa.array(urls, pa.string()),
        "caption": pa.array(captions, pa.string()),
        "width": pa.array(width, pa.int32()),
        "height": pa.array(height, pa.int64()),
        "score": pa.array(score, pa.float32()),
        "similarity": pa.array(sim, pa.float64()),
        "nsfw": pa.array(nsfw, pa.bool_()),
        "label": pa.array(label, pa.string()),
        "tags": pa.array(tags, pa.list_(pa.string())),
    })
    def render(v, t):
        if v is None: return None
        if pa.types.is_boolean(t): return "true" if v else "false"
        if pa.types.is_float32(t): return str(np.float32(v))
        if pa.types.is_floating(t): return repr(float(v))
        return str(v)
    flat = [f.name for f in table.schema if not pa.types.is_list(f.type)]
    expected = {
        "columns": table.column_names,
        "flat": flat,
        "rows": [[render(table.column(c)[i].as_py(), table.schema.field(c).type) for c in flat] for i in range(n)],
    }
    # parquet-mr's v2 writer's encodings, which pyarrow writes on request.
    delta = {"url": "DELTA_BYTE_ARRAY", "caption": "DELTA_LENGTH_BYTE_ARRAY", "width": "DELTA_BINARY_PACKED", "height": "DELTA_BINARY_PACKED"}
    variants = {
        "snappy_dict": dict(compression="snappy", row_group_size=1000, data_page_size=4096),
        "zstd_dict": dict(compression="zstd", row_group_size=1000, data_page_size=4096),
        "gzip": dict(compression="gzip", row_group_size=700),
        "plain_uncompressed": dict(compression="none", use_dictionary=False, row_group_size=1000, data_page_size=4096),
        "v2_snappy": dict(compression="snappy", data_page_version="2.0", row_group_size=1000, data_page_size=4096),
        "v2_zstd_plain": dict(compression="zstd", data_page_version="2.0", use_dictionary=False, row_group_size=900),
        "dict_fallback": dict(compression="snappy", dictionary_pagesize_limit=2048, data_page_size=1024, row_group_size=2500),
        "one_group": dict(compression="snappy"),
        "delta_v1": dict(compression="snappy", use_dictionary=False, row_group_size=1000, data_page_size=4096, column_encoding=delta),
        "delta_v2": dict(compression="zstd", use_dictionary=False, data_page_version="2.0", data_page_size=4096, column_encoding=delta),
    }
    for name, options in variants.items():
        pq.write_table(table, f"{out}/{name}.parquet", **options)
    pq.write_table(table.slice(0, 0), f"{out}/empty.parquet")
    json.dump(expected, open(f"{out}/expected.json", "w"))
    """#

@Suite(
    "Parquet reader: files written by pyarrow", .enabled(if: pyarrowPython != nil, "set PYTHON or IMGEDA_REFERENCE_BIN (make test does)"))
struct ParquetReaderPyarrowTests {
    struct Expected: Decodable {
        var columns: [String]
        var flat: [String]
        var rows: [[String?]]
    }

    static let variants = [
        "snappy_dict", "zstd_dict", "gzip", "plain_uncompressed", "v2_snappy", "v2_zstd_plain", "dict_fallback", "one_group",
        "delta_v1", "delta_v2",
    ]

    @Test func everyRowAndColumnReadsBackAsPyarrowWroteIt() throws {
        let ws = try Workspace()
        _ = try runPython(writeVariants, [ws.path])
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: ws.file("expected.json"))))
        #expect(expected.rows.count == 2500)
        for variant in Self.variants {
            let reader = try ParquetReader(path: ws.file("\(variant).parquet"))
            #expect(reader.columns == expected.columns, "\(variant)")
            #expect(reader.flatColumns == expected.flat, "\(variant)")
            #expect(reader.rowCount == expected.rows.count, "\(variant)")
            var rows: [[String?]] = []
            try reader.forEachRow { rows.append($0) }
            #expect(rows.count == expected.rows.count, "\(variant)")
            for (n, (got, want)) in zip(rows, expected.rows).enumerated() where got != want {
                Issue.record("\(variant) row \(n): \(got) != \(want)")
                break
            }
        }
    }

    @Test func selectedColumnsComeInTheOrderAsked() throws {
        let ws = try Workspace()
        _ = try runPython(writeVariants, [ws.path])
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: ws.file("expected.json"))))
        let reader = try ParquetReader(path: ws.file("snappy_dict.parquet"))
        var rows = try reader.rows(columns: ["caption", "url"])
        #expect(rows.columns == ["caption", "url"])
        let captionIndex = try #require(expected.flat.firstIndex(of: "caption"))
        let urlIndex = try #require(expected.flat.firstIndex(of: "url"))
        var n = 0
        while let row = try rows.next() {
            #expect(row == [expected.rows[n][captionIndex], expected.rows[n][urlIndex]])
            n += 1
        }
        #expect(n == expected.rows.count)
        #expect(reader.rowGroupCount == 3)
    }

    @Test func nestedAndUnknownColumnsAreRefusedByName() throws {
        let ws = try Workspace()
        _ = try runPython(writeVariants, [ws.path])
        let reader = try ParquetReader(path: ws.file("zstd_dict.parquet"))
        #expect(reader.columns.contains("tags") && !reader.flatColumns.contains("tags"))
        #expect {
            _ = try reader.rows(columns: ["url", "tags"])
        } throws: { error in
            "\(error)".contains("'tags'") && "\(error)".contains("nested") && "\(error)".contains("url")
        }
        #expect {
            _ = try reader.rows(columns: ["URL"])
        } throws: { error in
            "\(error)".contains("no column 'URL'") && "\(error)".contains("caption")
        }
    }

    @Test func legacyInt96TimestampsReadAsISODates() throws {
        let ws = try Workspace()
        let script = #"""
            import sys, datetime, json, pyarrow as pa, pyarrow.parquet as pq
            times = [datetime.datetime(2021, 3, 4, 5, 6, 7), datetime.datetime(1969, 12, 31, 23, 59, 59, 250000),
                     datetime.datetime(2000, 2, 29, 0, 0, 0, 1), None, datetime.datetime(1900, 1, 1)]
            table = pa.table({"t": pa.array(times, pa.timestamp("us"))})
            pq.write_table(table, sys.argv[1] + "/int96.parquet", use_deprecated_int96_timestamps=True)
            def iso(t):
                if t is None: return None
                s = t.strftime("%Y-%m-%dT%H:%M:%S")
                if t.microsecond: s += ("." + "%06d" % t.microsecond).rstrip("0")
                return s + "Z"
            print(json.dumps([iso(t) for t in times]))
            """#
        let printed = try runPython(script, [ws.path])
        let expected = try JSONDecoder().decode([String?].self, from: Data(printed.utf8))
        #expect(expected.count == 5)
        var got: [String?] = []
        try ParquetReader(path: ws.file("int96.parquet")).forEachRow { got.append($0[0]) }
        #expect(got == expected)
    }

    @Test func anEmptyTableHasItsColumnsAndNoRows() throws {
        let ws = try Workspace()
        _ = try runPython(writeVariants, [ws.path])
        let reader = try ParquetReader(path: ws.file("empty.parquet"))
        #expect(reader.flatColumns.first == "url")
        #expect(reader.rowCount == 0)
        var rows = try reader.rows()
        #expect(try rows.next() == nil)
    }
}
