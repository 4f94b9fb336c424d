// needs: form-editor (compiled once the bindings export the DraftEditor; see xtask/src/swift.rs)
// Item 3 of issue 25: short value constructors, and value equality for the records SwiftUI
// diffs, comparing personal text without printing it.
import Foundation
import XCTest

@testable import WeProtect
@testable import WeProtectCore

final class ValueTests: XCTestCase, @unchecked Sendable {
    func testShortConstructorsMakeTheSameValuesAsTheGeneratedCases() throws {
        XCTAssertEqual(try FieldValue.text("07700 900123"), .text(text: try PersonalText(text: "07700 900123")))
        XCTAssertNotEqual(try FieldValue.text("07700 900123"), try .text("07700 900124"))
        XCTAssertEqual(FieldValue.yesNo(true), .yesNo(yes: true))
        XCTAssertEqual(FieldValue.choice("police"), .choice(option: "police"))
        XCTAssertEqual(FieldValue.choices(["a", "b"]), .choices(options: ["a", "b"]))
        XCTAssertEqual(FieldValue.integer(3), .integer(value: 3))
        XCTAssertNotEqual(FieldValue.integer(3), .clear)
        let set: Set<FieldValue> = [try .text("x"), try .text("x"), .yesNo(true), .clear]
        XCTAssertEqual(set.count, 3, "equal values hash alike")
    }

    func testTheEditorTakesTheShortForms() throws {
        let (store, _, _) = try openFreshStore(self)
        let editor = try store.newDraft()
        let outcome = try editor.set(path: "safe_contact.phone", value: try .text("07700 900123"))
        XCTAssertEqual(try outcome.normalised?.reveal(), "+447700900123")
        _ = try editor.set(path: "victim.interpreter_required", value: .yesNo(true))
        XCTAssertEqual(try editor.snapshot().field("victim.interpreter_language")?.visible, true)
        _ = try editor.set(path: "victim.interpreter_required", value: .clear)
        XCTAssertNil(try editor.snapshot().field("victim.interpreter_required")?.value)
    }

    func testSnapshotsOfTheSameStateAreEqualAndAChangeMakesThemDiffer() throws {
        let editor = try DraftEditor.detached()
        _ = try editor.set(path: "victim.surname", value: try .text(canarySurname))
        let first = try editor.snapshot()
        let again = try editor.snapshot()
        XCTAssertEqual(first, again, "two reads of one state")
        XCTAssertEqual(first.hashValue, again.hashValue)
        XCTAssertEqual(first.field("victim.surname"), again.field("victim.surname"))

        _ = try editor.set(path: "victim.surname", value: try .text(canarySurname + "s"))
        let changed = try editor.snapshot()
        XCTAssertNotEqual(first, changed, "one letter of personal text differs")
        XCTAssertNotEqual(first.field("victim.surname"), changed.field("victim.surname"))
        XCTAssertEqual(first.field("victim.forename"), changed.field("victim.forename"))
        for printed in printedForms(changed) + printedForms(changed.field("victim.surname") as Any) {
            XCTAssertFalse(printed.contains(canarySurname), "personal text printed")
        }
    }

    func testOutboxEntriesCompareByValueAndPrintNoTitle() throws {
        let (store, _, _) = try openFreshStore(self)
        let (service, _) = try referenceService()
        let draft = try store.saveDraftJson(id: nil, json: try exampleWithCanary())
        _ = try store.submit(draftId: draft, service: service)
        let a = try store.outbox()
        let b = try store.outbox()
        XCTAssertEqual(a, b)
        XCTAssertEqual(Set(a).count, 1)
        XCTAssertNotNil(a.first?.title)
        var other = try XCTUnwrap(a.first)
        other.title = try PersonalText(text: "another reference")
        XCTAssertNotEqual(other, a.first)
        for printed in printedForms(a) {
            XCTAssertFalse(printed.contains(canarySurname))
        }
    }

    /// The hand-written `==` lists every stored property: a new field in a generated record
    /// fails here until it is compared too.
    func testEqualityCoversEveryFieldOfTheGeneratedRecords() throws {
        let editor = try DraftEditor.detached()
        let snapshot = try editor.snapshot()
        XCTAssertEqual(Mirror(reflecting: snapshot).children.count, 7, "FormSnapshot's == compares 7")
        let field = try XCTUnwrap(snapshot.fields.first)
        XCTAssertEqual(Mirror(reflecting: field).children.count, 9, "FieldState's == compares 9")
        let entry = OutboxEntry(
            referralId: "r", state: .queued, title: nil, queuedAt: Date(), attempts: 0,
            nextAttemptAt: nil, lastErrorCode: nil, receipt: nil, rejectionCode: nil,
            statuses: [], damaged: false, toFollow: [], addenda: [], consentWithdrawn: false)
        XCTAssertEqual(Mirror(reflecting: entry).children.count, 14, "OutboxEntry's == compares 14")
    }
}
