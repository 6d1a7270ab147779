import Downloader
import Testing

/// The private-address guard classifies only; nothing here connects anywhere.
@Suite("Address guard")
struct AddressGuardTests {
    @Test(arguments: [
        ("10.0.0.1", AddressClass.private), ("172.16.0.1", .private), ("172.31.255.255", .private),
        ("192.168.1.1", .private), ("169.254.169.254", .linkLocal), ("127.0.0.1", .loopback),
        ("127.0.0.2", .loopback), ("::1", .loopback), ("fc00::1", .private), ("fd12:3456::1", .private),
        ("fe80::1", .linkLocal), ("0.0.0.0", .unspecified), ("::", .unspecified), ("224.0.0.1", .multicast),
        ("239.255.255.250", .multicast), ("ff02::1", .multicast), ("100.64.0.1", .sharedAddressSpace),
        ("255.255.255.255", .broadcast), ("::ffff:10.0.0.1", .private), ("::ffff:169.254.169.254", .linkLocal),
        ("64:ff9b::7f00:1", .loopback), ("192.0.2.1", .reserved), ("2001:db8::1", .reserved),
    ])
    func refusedAddressesAreClassified(_ text: String, _ expected: AddressClass) throws {
        let address = try #require(IPAddress(text))
        #expect(AddressPolicy.classify(address) == expected)
        #expect(AddressPolicy().refusal(address) == expected)
        #expect(AddressPolicy(allowPrivateNetwork: true).refusal(address) == nil)
    }

    @Test(arguments: ["8.8.8.8", "1.1.1.1", "93.184.216.34", "172.32.0.1", "192.169.0.1", "2606:4700::1111", "2a00:1450::1"])
    func publicAddressesAreAllowed(_ text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(AddressPolicy.classify(address) == .public)
        #expect(AddressPolicy().refusal(address) == nil)
    }

    @Test func allowListAdmitsOnlyWhatItNames() throws {
        let policy = AddressPolicy(allowed: [try #require(AddressRange("127.0.0.1"))])
        #expect(policy.refusal(try #require(IPAddress("127.0.0.1"))) == nil)
        #expect(policy.refusal(try #require(IPAddress("127.0.0.2"))) == .loopback)
        #expect(policy.refusal(try #require(IPAddress("10.0.0.1"))) == .private)
        let range = AddressPolicy(allowed: [try #require(AddressRange("10.1.0.0/16"))])
        #expect(range.refusal(try #require(IPAddress("10.1.200.3"))) == nil)
        #expect(range.refusal(try #require(IPAddress("10.2.0.1"))) == .private)
    }

    @Test func malformedRangesAreRejected() {
        #expect(AddressRange("10.0.0.0/33") == nil)
        #expect(AddressRange("example.com") == nil)
        #expect(AddressRange("::1/129") == nil)
        #expect(AddressRange("::1/128") != nil)
    }
}
