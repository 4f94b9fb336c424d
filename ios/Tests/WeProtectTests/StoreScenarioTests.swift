// The store from Swift, against the real library: keys, drafts, submit, panics, printed forms.
import Foundation
import XCTest

@testable import WeProtect
@testable import WeProtectCore

final class StoreScenarioTests: XCTestCase, @unchecked Sendable {
    func testTheWrongKeyIsRefusedAndChangesNothing() throws {
        let folder = temporaryFolder(self)
        let right = InMemoryKeyVault()
        do {
            let store = try Store.open(folder: folder, vault: right)
            _ = try store.saveDraftJson(id: nil, json: try exampleWithCanary())
        }
        XCTAssertThrowsError(try Store.open(folder: folder, vault: InMemoryKeyVault())) { error in
            XCTAssertEqual(error as? WeprotectError, .WrongKey)
        }
        let again = try Store.open(folder: folder, vault: right)
        XCTAssertEqual(try again.listDrafts().count, 1, "the wrong key changed nothing")
    }

    /// Issue 25, item 7: damage inside SQLite's header (bytes 16-48: page size, counters) of a
    /// real store is `corrupt_store`, as docs/storage.md says, and nothing is written.
    func testAStoreWithADamagedHeaderIsCorruptStoreAndLeftAlone() throws {
        let folder = temporaryFolder(self)
        let vault = InMemoryKeyVault()
        do {
            let store = try Store.open(folder: folder, vault: vault)
            _ = try store.saveDraftJson(id: nil, json: try exampleWithCanary())
        }
        let file = folder.appendingPathComponent("weprotect.db")
        var bytes = try Data(contentsOf: file)
        for i in 16..<48 { bytes[i] = 0xA5 }
        try bytes.write(to: file)
        XCTAssertThrowsError(try Store.open(folder: folder, vault: vault)) { error in
            XCTAssertEqual(error as? WeprotectError, .CorruptStore)
            XCTAssertEqual((error as? WeprotectError)?.code, "corrupt_store")
        }
        XCTAssertEqual(try Data(contentsOf: file), bytes, "the damaged store was not touched")
    }

    func testAKeyOfTheWrongLengthIsAnError() throws {
        let folder = temporaryFolder(self)
        XCTAssertThrowsError(try Store.open(dir: folder.path, dataKey: Data(count: 31))) { error in
            XCTAssertEqual(error as? WeprotectError, .InvalidArgument)
        }
    }

    func testADraftIsSavedListedAndReopenedAfterTheStoreIsOpenedAgain() throws {
        let folder = temporaryFolder(self)
        let vault = InMemoryKeyVault()
        let json = try exampleWithCanary()
        let id: String
        do {
            let store = try Store.open(folder: folder, vault: vault)
            id = try store.saveDraftJson(id: nil, json: json)
        }
        let store = try Store.open(folder: folder, vault: vault)
        let drafts = try store.listDrafts()
        XCTAssertEqual(drafts.map(\.id), [id])
        XCTAssertTrue(try drafts[0].title.reveal().contains("CAD-2026-000123"))
        let reopened = try store.loadDraftJson(id: id).reveal()
        XCTAssertTrue(reopened.contains(canarySurname))
    }

    func testSubmittingAnIncompleteDraftListsItsProblemsAndQueuesNothing() throws {
        let (store, _, _) = try openFreshStore(self)
        let id = try store.saveDraftJson(
            id: nil, json: #"{"schema_version": 1, "victim": {"surname": "Canarywhistle"}}"#)
        let (service, _) = try referenceService()
        XCTAssertThrowsError(try store.submit(draftId: id, service: service)) { error in
            guard case .Invalid(let problems) = error as? WeprotectError else {
                return XCTFail("expected Invalid, got \(error)")
            }
            XCTAssertFalse(problems.isEmpty)
            let paths = Set(problems.map(\.path))
            XCTAssertTrue(paths.contains("victim.date_of_birth"), "paths: \(paths.sorted())")
            XCTAssertTrue(paths.contains("consent.given"), "paths: \(paths.sorted())")
        }
        XCTAssertTrue(try store.outbox().isEmpty)
        XCTAssertEqual(try store.listDrafts().count, 1, "the draft stays")
    }

    func testAPanicInTheCoreArrivesAsAThrownError() async throws {
        XCTAssertThrowsError(try debugPanic()) { error in
            XCTAssertEqual(error as? WeprotectError, .Internal)
        }
        do {
            try await debugPanicAsync()
            XCTFail("expected a thrown error")
        } catch {
            XCTAssertEqual(error as? WeprotectError, .Internal)
        }
        // The library is still usable afterwards.
        XCTAssertFalse(try version().isEmpty)
    }

    func testNoPersonalTextInAnyDescription() throws {
        let (store, _, _) = try openFreshStore(self)
        let id = try store.saveDraftJson(id: nil, json: try exampleWithCanary())
        var printed: [String] = []
        printed += printedForms(try store.listDrafts())
        printed += printedForms(try store.loadDraftJson(id: id))
        let (service, _) = try referenceService()
        printed += printedForms(try store.submit(draftId: id, service: service))
        printed += printedForms(try store.outbox())
        let bad = try store.saveDraftJson(
            id: nil, json: #"{"schema_version": 1, "victim": {"surname": "Canarywhistle", "date_of_birth": "2099-01-01"}}"#)
        do {
            _ = try store.submit(draftId: bad, service: service)
        } catch {
            printed += printedForms(error)
            printed.append(error.localizedDescription)
        }
        for text in printed {
            XCTAssertFalse(text.contains(canarySurname), "personal text printed: \(text.prefix(200))")
        }
        XCTAssertTrue(printed.joined().contains("redacted"), "the personal text is there, redacted")
    }
}
