// Item 5 of issue 25: a key rotation killed between the rekey and the key replacement (a real
// child process, SIGKILL) leaves a store that opens, under the key the vault still holds.
//
// The vault is the package's own `ItemKeyVault` (the logic `KeychainKeyVault` runs on a phone)
// over `FileSecretItems`, a Keychain stand-in whose items are files, so they outlive the killed
// process as Keychain items would. The child is this test executable again, started with
// WEPROTECT_SWIFT_CHILD=rotate (the runner `cargo xtask test swift` generates hands it to
// `runChildScenario`): it rotates with the real `Store.rotateKey(vault:)`, signals after the
// rekey, and waits to be killed.
import Foundation
import XCTest

@testable import WeProtect
@testable import WeProtectCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keychain items as files in a folder, each written atomically (rename), as SecItem writes are.
struct FileSecretItems: SecretItems {
    let folder: URL

    init(folder: URL) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    private func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    func read(_ name: String) throws -> Data? {
        FileManager.default.fileExists(atPath: url(name).path) ? try Data(contentsOf: url(name)) : nil
    }

    func add(_ name: String, _ value: Data) throws -> Bool {
        if try read(name) != nil { return false }
        try value.write(to: url(name), options: .atomic)
        return true
    }

    func replace(_ name: String, _ value: Data) throws {
        try value.write(to: url(name), options: .atomic)
    }

    func delete(_ name: String) throws {
        if FileManager.default.fileExists(atPath: url(name).path) {
            try FileManager.default.removeItem(at: url(name))
        }
    }
}

/// The child side: rotate the key of the store in $WEPROTECT_CHILD_FOLDER and hang after the
/// rekey, before the vault's commit, until killed.
func runChildScenario(_ scenario: String) -> Never {
    guard scenario == "rotate", let path = ProcessInfo.processInfo.environment["WEPROTECT_CHILD_FOLDER"]
    else {
        FileHandle.standardError.write(Data("unknown child scenario\n".utf8))
        exit(2)
    }
    let folder = URL(fileURLWithPath: path)
    do {
        let vault = ItemKeyVault(items: try FileSecretItems(folder: folder.appendingPathComponent("keychain")))
        let store = try Store.open(folder: folder.appendingPathComponent("store"), vault: vault)
        try store.rotateKey(vault: vault, afterRekey: {
            try Data("rekeyed".utf8).write(to: folder.appendingPathComponent("rekeyed"), options: .atomic)
            while true { sleep(60) }  // killed here
        })
        exit(3)  // never reached
    } catch {
        FileHandle.standardError.write(Data("child failed: \(error)\n".utf8))
        exit(1)
    }
}

final class RotationCrashTests: XCTestCase, @unchecked Sendable {
    func testAProcessKilledBetweenRekeyAndKeyReplacementLeavesAStoreThatOpens() throws {
        #if os(Linux)
        // A child runs no tests; this guard only keeps a runner without the hook from recursing.
        if ProcessInfo.processInfo.environment["WEPROTECT_SWIFT_CHILD"] != nil { return }
        let folder = temporaryFolder(self)
        let keychain = folder.appendingPathComponent("keychain")
        let vault = ItemKeyVault(items: try FileSecretItems(folder: keychain))
        let draft: String
        do {
            let store = try Store.open(folder: folder.appendingPathComponent("store"), vault: vault)
            draft = try store.saveDraftJson(id: nil, json: try exampleWithCanary())
        }
        let oldKey = try vault.dataKey()

        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])  // absolute (xtask)
        var env = ProcessInfo.processInfo.environment
        env["WEPROTECT_SWIFT_CHILD"] = "rotate"
        env["WEPROTECT_CHILD_FOLDER"] = folder.path
        child.environment = env
        try child.run()
        let marker = folder.appendingPathComponent("rekeyed")
        let until = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: marker.path) && child.isRunning && Date() < until {
            usleep(20_000)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker.path), "the child never rekeyed")
        XCTAssertEqual(kill(child.processIdentifier, SIGKILL), 0)
        child.waitUntilExit()
        XCTAssertEqual(child.terminationReason, .uncaughtSignal)
        XCTAssertEqual(child.terminationStatus, SIGKILL)

        // What the kill left: the old key current, the new one pending, the store under the new.
        let afterKill = ItemKeyVault(items: try FileSecretItems(folder: keychain))
        XCTAssertEqual(try afterKill.dataKey(), oldKey)
        let pending = try XCTUnwrap(try afterKill.pendingDataKey(), "no pending key after the kill")
        XCTAssertThrowsError(try Store.open(dir: folder.appendingPathComponent("store").path, dataKey: oldKey)) { error in
            XCTAssertEqual((error as? WeprotectError)?.code, "wrong_key", "the rekey had committed")
        }

        // The next start opens the store and settles the vault on the key the store is under.
        let reopened = try Store.open(folder: folder.appendingPathComponent("store"), vault: afterKill)
        XCTAssertTrue(try reopened.listDrafts().contains { $0.id == draft }, "draft lost")
        XCTAssertEqual(try afterKill.dataKey(), pending)
        XCTAssertNil(try afterKill.pendingDataKey())
        #else
        throw XCTSkip("the child process is started by the Linux runner that cargo xtask test swift generates")
        #endif
    }

    func testTheVaultOverItemsRotatesAndCommitsInOrder() throws {
        let items = try FileSecretItems(folder: temporaryFolder(self))
        let vault = ItemKeyVault(items: items)
        XCTAssertThrowsError(try vault.beginRotation()) { XCTAssertEqual($0 as? KeyVaultError, .noCurrentKey) }
        let first = try vault.dataKey()
        XCTAssertEqual(try items.read("data-key"), first)
        let next = try vault.beginRotation()
        XCTAssertEqual(try items.read("data-key.pending"), next)
        XCTAssertEqual(try vault.dataKey(), first, "current until committed")
        try vault.commitRotation()
        XCTAssertEqual(try vault.dataKey(), next)
        XCTAssertNil(try items.read("data-key.pending"))
        try items.replace("data-key", Data([1, 2, 3]))
        XCTAssertThrowsError(try vault.dataKey()) { XCTAssertEqual($0 as? KeyVaultError, .wrongLength(3)) }
    }
}
