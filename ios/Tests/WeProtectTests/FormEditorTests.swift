// needs: form-editor (compiled once the bindings export the DraftEditor; see xtask/src/swift.rs)
// The core's form editor from Swift, against the real library.
import Foundation
import XCTest

@testable import WeProtect
@testable import WeProtectCore

final class FormEditorTests: XCTestCase, @unchecked Sendable {
    private func typed(_ text: String) throws -> FieldValue { try .text(text: PersonalText(text: text)) }

    private func state(_ editor: DraftEditor, _ path: String) throws -> FieldState? {
        try editor.snapshot().fields.first { $0.path == path }
    }

    func testTypedTextIsKeptAndTheNormalisedFormComesBack() throws {
        let (store, _, _) = try openFreshStore(self)
        let editor = try store.newDraft()
        let outcome = try editor.set(path: "safe_contact.phone", value: typed("07700 900123"))
        XCTAssertEqual(try outcome.normalised?.reveal(), "+447700900123")
        let phone = try XCTUnwrap(try state(editor, "safe_contact.phone"))
        guard case .text(let text)? = phone.value else { return XCTFail("expected text") }
        XCTAssertEqual(try text.reveal(), "07700 900123", "exactly what was typed")

        _ = try editor.set(path: "safe_contact.phone", value: typed("07700 90"))
        XCTAssertFalse(try XCTUnwrap(try state(editor, "safe_contact.phone")).problems.isEmpty)
    }

    func testConditionalFieldsFollowTheirCondition() throws {
        let editor = try DraftEditor.detached()
        XCTAssertEqual(try state(editor, "victim.interpreter_language")?.visible, false)
        _ = try editor.set(path: "victim.interpreter_required", value: .yesNo(yes: true))
        let shown = try XCTUnwrap(try state(editor, "victim.interpreter_language"))
        XCTAssertTrue(shown.visible)
        XCTAssertTrue(shown.required)
        _ = try editor.set(path: "victim.interpreter_required", value: .yesNo(yes: false))
        XCTAssertEqual(try state(editor, "victim.interpreter_language")?.visible, false)
    }

    func testACrimeNumberNotIssuedYetIsToFollowAndTheReferralCanBeSent() throws {
        let editor = try DraftEditor.fromJson(json: try exampleReferralJson(), store: nil)
        let outcome = try editor.set(path: "incident.crime_reference", value: .clear)
        let reference = try XCTUnwrap(outcome.changed.first { $0.path == "incident.crime_reference" })
        XCTAssertEqual(reference.missing.map(\.code), ["crime_reference.to_follow"])
        XCTAssertEqual(reference.missing.first?.kind, .toFollow)
        XCTAssertTrue(outcome.complete, "an item to follow does not stop sending")
        let refused = try editor.set(path: "consent.given", value: .yesNo(yes: false))
        XCTAssertFalse(refused.complete)
        let consent = try XCTUnwrap(refused.changed.first { $0.path == "consent.given" })
        XCTAssertEqual(consent.problems.first?.kind, .error)
    }

    func testTheReferrersDetailsAreTypedOnceAndFillEveryNewDraft() throws {
        let (store, _, _) = try openFreshStore(self)
        func profile(_ phone: String) throws -> ReferrerProfile {
            ReferrerProfile(
                officerName: try PersonalText(text: "PC Alex Example"),
                collarNumber: try PersonalText(text: "4321 SE"), rank: nil, role: nil,
                station: nil, contactPhone: try PersonalText(text: phone),
                email: try PersonalText(text: "alex.example@police.example"))
        }
        try store.setProfile(profile: profile("020 7946 0123"))
        XCTAssertThrowsError(try store.setProfile(profile: profile("0207 CANARY"))) { error in
            guard case .Invalid(let problems)? = error as? WeprotectError else {
                return XCTFail("expected Invalid")
            }
            XCTAssertEqual(problems.map(\.code), ["phone.letters"])
        }
        try store.setDeployment(settings: DeploymentSettings(
            organisationType: .police, organisationId: "West Yorkshire Police",
            consentScriptVersion: "consent-script-2026-01", riskInstrument: "dash:2009",
            consentRefusedRoute: "Refer to MARAC if the risk is high."))
        let editor = try store.newDraft()
        guard case .text(let name)? = try state(editor, "referrer.officer_name")?.value else {
            return XCTFail("the profile did not fill the draft")
        }
        XCTAssertEqual(try name.reveal(), "PC Alex Example")
        let refused = try editor.set(path: "consent.given", value: .yesNo(yes: false))
        XCTAssertEqual(refused.consentRefusedRoute, "Refer to MARAC if the risk is high.")
        try editor.discard()
        XCTAssertTrue(try store.listDrafts().isEmpty)
    }

    func testAValueOfTheWrongKindIsRefused() throws {
        let editor = try DraftEditor.detached()
        XCTAssertThrowsError(try editor.set(path: "victim.forename", value: .yesNo(yes: true)))
        XCTAssertThrowsError(try editor.set(path: "no.such.field", value: typed("x")))
    }

    func testTheEditorAutosavesAndADraftReopens() throws {
        let (store, _, _) = try openFreshStore(self)
        let editor = try store.newDraft()
        _ = try editor.set(path: "victim.surname", value: typed(canarySurname))
        let id = try XCTUnwrap(try editor.draftId())
        let reopened = try store.openDraft(draftId: id)
        guard case .text(let text)? = try state(reopened, "victim.surname")?.value else {
            return XCTFail("expected the saved surname")
        }
        XCTAssertEqual(try text.reveal(), canarySurname)
    }

    func testSnapshotsPrintNoPersonalText() throws {
        let editor = try DraftEditor.detached()
        let outcome = try editor.set(path: "victim.surname", value: typed(canarySurname))
        for text in printedForms(try editor.snapshot()) + printedForms(outcome) {
            XCTAssertFalse(text.contains(canarySurname), "personal text printed: \(text.prefix(200))")
        }
    }
}
