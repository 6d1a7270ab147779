import DatasetAnalysis
import Foundation
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// An IPv4 or IPv6 address as its bytes (4 or 16).
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// For the literal tables of this file, whose lengths are right by construction.
    fileprivate init(literal bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses a literal: `10.0.0.1`, `::1`, `[fe80::1]`.
    public init?(_ text: String) {
        var literal = text
        if literal.hasPrefix("[") && literal.hasSuffix("]") { literal = String(literal.dropFirst().dropLast()) }
        if let percent = literal.firstIndex(of: "%") { literal = String(literal[..<percent]) }  // a zone (fe80::1%eth0)
        var v4 = in_addr()
        if inet_pton(AF_INET, literal, &v4) == 1 {
            self.bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, literal, &v6) == 1 {
            self.bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return
        }
        return nil
    }

    public var isIPv4: Bool { bytes.count == 4 }

    public var description: String {
        var out = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        var copy = bytes
        let family = isIPv4 ? AF_INET : AF_INET6
        guard inet_ntop(family, &copy, &out, socklen_t(out.count)) != nil else { return "?" }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The address as it appears in a URL's host: IPv6 in brackets.
    public var urlHost: String { isIPv4 ? description : "[\(description)]" }

    /// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`) or NAT64 (`64:ff9b::a.b.c.d`)
    /// IPv6 address: such an address reaches that IPv4 host, so it is judged as that host.
    var embeddedIPv4: IPAddress? {
        guard bytes.count == 16 else { return nil }
        let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
        let nat64 = bytes[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0]
        return mapped || nat64 ? IPAddress(bytes: Array(bytes[12..<16])) : nil
    }
}

/// An address range in CIDR notation (`10.0.0.0/8`, `::1/128`); a bare address is a range of one.
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    public let base: IPAddress
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let base = IPAddress(first) else { return nil }
        let maxLength = base.bytes.count * 8
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...maxLength).contains(length) else { return nil }
            prefixLength = length
        } else {
            prefixLength = maxLength
        }
        self.base = base
    }

    init(_ bytes: [UInt8], _ prefixLength: Int) {
        self.base = IPAddress(literal: bytes)
        self.prefixLength = prefixLength
    }

    public func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == base.bytes.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(address.bytes, base.bytes) where remaining > 0 {
            let bits = min(8, remaining)
            let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if a & mask != b & mask { return false }
            remaining -= bits
        }
        return true
    }

    public var description: String { "\(base)/\(prefixLength)" }
}

/// What kind of address a host resolved to. Everything but ``public`` is refused unless
/// the user allows private networks or lists the address.
public enum AddressClass: String, Sendable, Hashable, CaseIterable {
    case `public`
    case loopback
    /// RFC 1918 (10/8, 172.16/12, 192.168/16) and IPv6 unique-local (fc00::/7, and the
    /// deprecated site-local fec0::/10).
    case `private`
    /// 169.254/16 (where cloud metadata services listen) and fe80::/10.
    case linkLocal = "link-local"
    case multicast
    /// 0.0.0.0/8 and `::`: on Linux, connecting to them reaches this machine.
    case unspecified
    /// 100.64/10, carrier-grade NAT: other customers of the same provider.
    case sharedAddressSpace = "shared address space (CGNAT)"
    case broadcast
    /// Ranges for documentation, benchmarking and protocol use, never a public host.
    case reserved
}

/// Which addresses a download may connect to.
///
/// By default only public addresses: a URL list is untrusted input, and a URL that points
/// at (or redirects to) `169.254.169.254`, `localhost` or a private network would make the
/// downloader fetch what only this machine may reach. `allowPrivateNetwork` lifts that;
/// `allowed` adds single addresses or ranges (a test server on 127.0.0.1) while the rest
/// stays refused.
public struct AddressPolicy: Sendable, Hashable {
    public var allowPrivateNetwork: Bool
    public var allowed: [AddressRange]

    public init(allowPrivateNetwork: Bool = false, allowed: [AddressRange] = []) {
        self.allowPrivateNetwork = allowPrivateNetwork
        self.allowed = allowed
    }

    /// The class of `address` when it is refused, nil when it may be reached.
    public func refusal(_ address: IPAddress) -> AddressClass? {
        if allowPrivateNetwork { return nil }
        if allowed.contains(where: { $0.contains(address) }) { return nil }
        let kind = Self.classify(address)
        return kind == .public ? nil : kind
    }

    private static let ipv4: [(AddressRange, AddressClass)] = [
        (AddressRange([0, 0, 0, 0], 8), .unspecified),
        (AddressRange([10, 0, 0, 0], 8), .private),
        (AddressRange([100, 64, 0, 0], 10), .sharedAddressSpace),
        (AddressRange([127, 0, 0, 0], 8), .loopback),
        (AddressRange([169, 254, 0, 0], 16), .linkLocal),
        (AddressRange([172, 16, 0, 0], 12), .private),
        (AddressRange([192, 0, 0, 0], 24), .reserved),
        (AddressRange([192, 0, 2, 0], 24), .reserved),
        (AddressRange([192, 88, 99, 0], 24), .reserved),
        (AddressRange([192, 168, 0, 0], 16), .private),
        (AddressRange([198, 18, 0, 0], 15), .reserved),
        (AddressRange([198, 51, 100, 0], 24), .reserved),
        (AddressRange([203, 0, 113, 0], 24), .reserved),
        (AddressRange([224, 0, 0, 0], 4), .multicast),
        (AddressRange([255, 255, 255, 255], 32), .broadcast),
        (AddressRange([240, 0, 0, 0], 4), .reserved),
    ]

    private static let ipv6: [(AddressRange, AddressClass)] = [
        (AddressRange([UInt8](repeating: 0, count: 16), 128), .unspecified),
        (AddressRange([UInt8](repeating: 0, count: 15) + [1], 128), .loopback),
        (AddressRange([0xFC] + [UInt8](repeating: 0, count: 15), 7), .private),
        (AddressRange([0xFE, 0x80] + [UInt8](repeating: 0, count: 14), 10), .linkLocal),
        (AddressRange([0xFE, 0xC0] + [UInt8](repeating: 0, count: 14), 10), .private),
        (AddressRange([0xFF] + [UInt8](repeating: 0, count: 15), 8), .multicast),
        (AddressRange([0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 12), 32), .reserved),
        (AddressRange([0x01, 0x00] + [UInt8](repeating: 0, count: 14), 64), .reserved),
        // IPv4-compatible (::a.b.c.d, deprecated) and other addresses under ::/96.
        (AddressRange([UInt8](repeating: 0, count: 16), 96), .reserved),
    ]

    /// The class of an address (without any allowance).
    public static func classify(_ address: IPAddress) -> AddressClass {
        if let v4 = address.embeddedIPv4 { return classify(v4) }
        let table = address.isIPv4 ? ipv4 : ipv6
        return table.first { $0.0.contains(address) }?.1 ?? .public
    }
}

/// Host name resolution with `getaddrinfo`, on a thread where blocking does no harm.
public enum HostResolver {
    public struct Failure: Error, Sendable {
        public var message: String
    }

    /// Every address `host` resolves to (a literal resolves to itself).
    public static func resolve(_ host: String) async -> Result<[IPAddress], Failure> {
        if let literal = IPAddress(host) { return .success([literal]) }
        // getaddrinfo blocks: on NIO's thread pool, never on a thread of Swift's small
        // cooperative pool and never one thread per request.
        do {
            return try await NIOThreadPool.singleton.runIfActive { resolveBlocking(host) }
        } catch {
            return .failure(Failure(message: "\(host): resolution was cancelled"))
        }
    }

    static func resolveBlocking(_ host: String) -> Result<[IPAddress], Failure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else {
            return .failure(Failure(message: "\(host) does not resolve: \(String(cString: gai_strerror(status)))"))
        }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var node = list
        while let entry = node?.pointee {
            if let sockaddr = entry.ai_addr {
                if entry.ai_family == AF_INET {
                    let address = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
                    }
                    if let ip = IPAddress(bytes: address), !addresses.contains(ip) { addresses.append(ip) }
                } else if entry.ai_family == AF_INET6 {
                    let address = sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                    }
                    if let ip = IPAddress(bytes: address), !addresses.contains(ip) { addresses.append(ip) }
                }
            }
            node = entry.ai_next
        }
        guard !addresses.isEmpty else { return .failure(Failure(message: "\(host) resolves to no address")) }
        return .success(addresses)
    }
}
