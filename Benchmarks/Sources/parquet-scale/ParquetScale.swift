import DatasetIO
import Foundation

/// Reads every row of the named columns of a Parquet file with imgeda's reader and prints
/// one JSON line: rows, non-null values and bytes of text read. `parquet_scale.py` runs it
/// under peakmem.py beside pyarrow.
///
///     parquet-scale FILE [COLUMN...]
@main
struct ParquetScale {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let path = arguments.first else {
            FileHandle.standardError.write(Data("usage: parquet-scale FILE [COLUMN...]\n".utf8))
            exit(2)
        }
        do {
            let reader = try ParquetReader(path: path)
            let columns = arguments.count > 1 ? Array(arguments.dropFirst()) : nil
            var rows = 0, values = 0, bytes = 0
            try reader.forEachRow(columns: columns) { row in
                rows += 1
                for value in row {
                    guard let value else { continue }
                    values += 1
                    bytes += value.utf8.count
                }
            }
            print(#"{"rows": \#(rows), "values": \#(values), "bytes": \#(bytes), "row_groups": \#(reader.rowGroupCount)}"#)
        } catch {
            FileHandle.standardError.write(Data("parquet-scale: \(error)\n".utf8))
            exit(1)
        }
    }
}
