import Foundation
import XCTest

@testable import WeProtect

final class KeyVaultTests: XCTestCase {
    func testARandomKeyIsMadeOnceAndKept() throws {
        let vault = InMemoryKeyVault()
        let first = try vault.dataKey()
        XCTAssertEqual(first.count, 32)
        XCTAssertEqual(try vault.dataKey(), first)
        XCTAssertNotEqual(try InMemoryKeyVault().dataKey(), first, "keys are random")
    }

    func testAKeyOfTheWrongLengthIsRefused() {
        let vault = InMemoryKeyVault()
        XCTAssertThrowsError(try vault.replaceDataKey(Data(count: 16))) { error in
            XCTAssertEqual(error as? KeyVaultError, .wrongLength(16))
        }
    }

    func testDeletingTheKeyMakesANewOneNextTime() throws {
        let vault = InMemoryKeyVault()
        let first = try vault.dataKey()
        try vault.deleteDataKey()
        XCTAssertNotEqual(try vault.dataKey(), first)
    }

    func testTheStoreFolderIsCreated() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("weprotect-folder-\(UUID().uuidString)/nested")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        try StoreFolder.prepare(folder)
        var isDir: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir))
        XCTAssertTrue(isDir.boolValue)
    }
}
