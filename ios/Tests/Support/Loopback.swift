// Test helpers that need nothing from the package: a temporary folder and a loopback service that
// never answers. One copy, compiled into the package's tests (`Package.swift` lists this folder)
// and into the sample app's test target (add this file to it in Xcode); on Linux `cargo xtask
// test swift` compiles it once with both.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh folder under the temporary directory, removed by the test's teardown.
func temporaryFolder(_ test: XCTestCase) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("weprotect-swift-\(UUID().uuidString)", isDirectory: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
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
