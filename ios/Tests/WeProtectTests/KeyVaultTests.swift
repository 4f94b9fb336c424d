import Foundation
import XCTest

@testable import WeProtect
@testable import WeProtectCore

final class KeyVaultTests: XCTestCase, @unchecked Sendable {
    func testARandomKeyIsMadeOnceAndKept() throws {
        let vault = InMemoryKeyVault()
        let first = try vault.dataKey()
        XCTAssertEqual(first.count, 32)
        XCTAssertEqual(try vault.dataKey(), first)
        XCTAssertNotEqual(try InMemoryKeyVault().dataKey(), first, "keys are random")
    }

    func testARotationNeedsACurrentKeyAndACommitNeedsAPendingOne() {
        let vault = InMemoryKeyVault()
        XCTAssertThrowsError(try vault.beginRotation()) { error in
            XCTAssertEqual(error as? KeyVaultError, .noCurrentKey)
        }
        XCTAssertThrowsError(try vault.commitRotation()) { error in
            XCTAssertEqual(error as? KeyVaultError, .noPendingKey)
        }
    }

    /// One draft in a store opened through the vault; returns the store's folder and the draft.
    private func storeWithDraft(_ vault: KeyVault) throws -> (URL, String) {
        let folder = temporaryFolder(self)
        let store = try Store.open(folder: folder, vault: vault)
        let draft = try store.saveDraftJson(id: nil, json: try exampleReferralJson())
        return (folder, draft)
    }

    func testRotationMovesTheStoreToTheNewKeyAndTheOldKeyNoLongerOpensIt() throws {
        let vault = InMemoryKeyVault()
        let (folder, draft) = try storeWithDraft(vault)
        let old = try vault.dataKey()
        try Store.open(folder: folder, vault: vault).rotateKey(vault: vault)
        XCTAssertNil(try vault.pendingDataKey(), "pending key left after a completed rotation")
        XCTAssertNotEqual(try vault.dataKey(), old)
        XCTAssertThrowsError(try Store.open(dir: folder.path, dataKey: old)) { error in
            guard case WeprotectError.WrongKey = error else { return XCTFail("\(error)") }
        }
        let reopened = try Store.open(folder: folder, vault: vault)
        XCTAssertTrue(try reopened.listDrafts().contains { $0.id == draft })
    }

    func testACrashAfterTheRekeyOpensWithThePendingKeyAndCommitsIt() throws {
        let vault = InMemoryKeyVault()
        let (folder, draft) = try storeWithDraft(vault)
        let next: Data
        do {
            let store = try Store.open(folder: folder, vault: vault)
            next = try vault.beginRotation()
            try store.rekey(newKey: next)  // the app dies here, before commitRotation
        }
        let reopened = try Store.open(folder: folder, vault: vault)
        XCTAssertTrue(try reopened.listDrafts().contains { $0.id == draft }, "draft lost")
        XCTAssertNil(try vault.pendingDataKey(), "pending key not committed")
        XCTAssertEqual(try vault.dataKey(), next)
    }

    func testACrashBeforeTheRekeyKeepsTheCurrentKeyAndDropsThePendingOne() throws {
        let vault = InMemoryKeyVault()
        let (folder, _) = try storeWithDraft(vault)
        let current = try vault.dataKey()
        _ = try vault.beginRotation()  // the app dies before the store is rekeyed
        _ = try Store.open(folder: folder, vault: vault)
        XCTAssertNil(try vault.pendingDataKey(), "pending key kept")
        XCTAssertEqual(try vault.dataKey(), current)
    }

    func testAStoreNeitherKeyOpensStaysWrongKeyAndNothingChanges() throws {
        let (folder, _) = try storeWithDraft(InMemoryKeyVault())
        let stranger = InMemoryKeyVault()
        _ = try stranger.dataKey()
        let pending = try stranger.beginRotation()
        XCTAssertThrowsError(try Store.open(folder: folder, vault: stranger)) { error in
            guard case WeprotectError.WrongKey = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try stranger.pendingDataKey(), pending, "pending key dropped although nothing opened")
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
