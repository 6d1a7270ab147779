/// The numbers of Parquet's format (parquet.thrift) that our writer and reader use: one place
/// for each, so the two cannot disagree.
enum ParquetFormat {
    /// The four bytes at the start and the end of every Parquet file.
    static let magic: [UInt8] = Array("PAR1".utf8)

    enum PhysicalType: Int32, CustomStringConvertible {
        case boolean = 0
        case int32 = 1
        case int64 = 2
        case int96 = 3
        case float = 4
        case double = 5
        case byteArray = 6
        case fixedLenByteArray = 7

        var description: String {
            switch self {
            case .boolean: return "BOOLEAN"
            case .int32: return "INT32"
            case .int64: return "INT64"
            case .int96: return "INT96"
            case .float: return "FLOAT"
            case .double: return "DOUBLE"
            case .byteArray: return "BYTE_ARRAY"
            case .fixedLenByteArray: return "FIXED_LEN_BYTE_ARRAY"
            }
        }
    }

    enum Repetition: Int32 {
        case required = 0
        case optional = 1
        case repeated = 2
    }

    enum Encoding: Int32 {
        case plain = 0
        case plainDictionary = 2
        case rle = 3
        case bitPacked = 4
        case deltaBinaryPacked = 5
        case deltaLengthByteArray = 6
        case deltaByteArray = 7
        case rleDictionary = 8
        case byteStreamSplit = 9

        static func name(_ raw: Int32) -> String {
            switch Encoding(rawValue: raw) {
            case .plain: return "PLAIN"
            case .plainDictionary: return "PLAIN_DICTIONARY"
            case .rle: return "RLE"
            case .bitPacked: return "BIT_PACKED"
            case .deltaBinaryPacked: return "DELTA_BINARY_PACKED"
            case .deltaLengthByteArray: return "DELTA_LENGTH_BYTE_ARRAY"
            case .deltaByteArray: return "DELTA_BYTE_ARRAY"
            case .rleDictionary: return "RLE_DICTIONARY"
            case .byteStreamSplit: return "BYTE_STREAM_SPLIT"
            case nil: return "encoding \(raw)"
            }
        }
    }

    enum Codec: Int32 {
        case uncompressed = 0
        case snappy = 1
        case gzip = 2
        case lzo = 3
        case brotli = 4
        case lz4 = 5
        case zstd = 6
        case lz4Raw = 7

        static func name(_ raw: Int32) -> String {
            switch Codec(rawValue: raw) {
            case .uncompressed: return "UNCOMPRESSED"
            case .snappy: return "SNAPPY"
            case .gzip: return "GZIP"
            case .lzo: return "LZO"
            case .brotli: return "BROTLI"
            case .lz4: return "LZ4"
            case .zstd: return "ZSTD"
            case .lz4Raw: return "LZ4_RAW"
            case nil: return "codec \(raw)"
            }
        }
    }

    enum PageType: Int32 {
        case dataPage = 0
        case indexPage = 1
        case dictionaryPage = 2
        case dataPageV2 = 3
    }

    /// The ConvertedType UTF8 (a string column, for readers that predate logical types).
    static let convertedTypeUTF8: Int32 = 0
}
