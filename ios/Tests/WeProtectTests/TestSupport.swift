// Helpers shared by the scenario tests: temporary stores, the example referral with a canary
// name, the reference server's description, and a listener that never answers.
import Foundation
import XCTest

@testable import WeProtect
@testable import WeProtectCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A name that must never appear in anything printed.
let canarySurname = "Canarywhistle"

/// A fresh folder under the temporary directory, removed by the test's teardown.
func temporaryFolder(_ test: XCTestCase) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("weprotect-swift-\(UUID().uuidString)", isDirectory: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// A store in a fresh folder with a fresh in-memory key.
func openFreshStore(_ test: XCTestCase) throws -> (Store, URL, InMemoryKeyVault) {
    let folder = temporaryFolder(test)
    let vault = InMemoryKeyVault()
    return (try Store.open(folder: folder, vault: vault), folder, vault)
}

/// The core's complete example referral with the victim's surname replaced by the canary.
func exampleWithCanary() throws -> String {
    let json = try exampleReferralJson()
    var object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
    var victim = object["victim"] as! [String: Any]
    victim["surname"] = canarySurname
    object["victim"] = victim
    let data = try JSONSerialization.data(withJSONObject: object)
    return String(decoding: data, as: UTF8.self)
}

/// The reference server started by `cargo xtask test swift` (its service.json and a device
/// token), or a skip when the tests run without it (for example `swift test` on a Mac without
/// the environment set).
func referenceService() throws -> (ServiceConfig, String) {
    let env = ProcessInfo.processInfo.environment
    guard let path = env["WEPROTECT_SERVICE_JSON"], let token = env["WEPROTECT_TOKEN"] else {
        throw XCTSkip("WEPROTECT_SERVICE_JSON and WEPROTECT_TOKEN are not set (no reference server)")
    }
    let json = try String(contentsOfFile: path, encoding: .utf8)
    return (try serviceConfigFromJson(json: json), token)
}

/// Every way Swift prints a value.
func printedForms(_ value: Any) -> [String] {
    var dumped = ""
    dump(value, to: &dumped)
    return [String(describing: value), String(reflecting: value), "\(value)", dumped]
}

/// A loopback TCP listener that accepts connections (the kernel does) and never answers: a
/// service that stalls. Closed by the test's teardown.
func silentListener(_ test: XCTestCase) -> UInt16 {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    precondition(fd >= 0, "socket")
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
    }
    precondition(bound == 0 && listen(fd, 16) == 0, "bind/listen")
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    test.addTeardownBlock { close(fd) }
    return UInt16(bigEndian: addr.sin_port)
}
