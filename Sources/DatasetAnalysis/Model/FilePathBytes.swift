import Foundation

/// A file path as the bytes the file system uses. Linux names need not be UTF-8; keeping
/// the bytes lets us open every file we list, whatever its name.
public struct FilePathBytes: Sendable, Hashable, Comparable {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { self.bytes = Array(string.utf8) }

    /// The path for people and JSON: invalid UTF-8 sequences become U+FFFD.
    public var display: String { String(decoding: bytes, as: UTF8.self) }

    /// Whether the bytes are valid UTF-8 (then `display` is exact).
    public var isValidUTF8: Bool { String(validating: bytes, as: UTF8.self) != nil }

    /// The last path component.
    public var lastComponent: FilePathBytes {
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return self }
        return FilePathBytes(Array(bytes[(slash + 1)...]))
    }

    /// The exact bytes base64-encoded, for the manifest's `path_raw` when the name is not UTF-8.
    public var base64: String { Data(bytes).base64EncodedString() }

    /// Decodes a manifest record's path: `path_raw` (exact bytes) when present, else `path`.
    public init(path: String, pathRaw: String?) {
        if let pathRaw, let data = Data(base64Encoded: pathRaw) {
            self.bytes = [UInt8](data)
        } else {
            self.bytes = Array(path.utf8)
        }
    }

    public func appending(_ name: [UInt8]) -> FilePathBytes {
        var out = bytes
        if out.last != UInt8(ascii: "/") { out.append(UInt8(ascii: "/")) }
        out.append(contentsOf: name)
        return FilePathBytes(out)
    }

    /// Calls `body` with a NUL-terminated C string of the path.
    public func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        var terminated = bytes
        terminated.append(0)
        return try terminated.withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { chars in
                guard let base = chars.baseAddress else { return try "".withCString(body) }
                return try body(base)
            }
        }
    }

    public static func < (a: FilePathBytes, b: FilePathBytes) -> Bool {
        a.bytes.lexicographicallyPrecedes(b.bytes)
    }
}
