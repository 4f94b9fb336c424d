// needs: form-editor (compiled once the bindings export the DraftEditor; see xtask/src/swift.rs)
// The sample's plain-Swift decisions for issue 22 against the real library: the organisation
// file it ships, the profile screen, the refused-consent route and "Delete this draft",
// messages by kind with the confirmation step, collapsed filled fields, the searchable picker.
import Foundation
import XCTest

@testable import WeProtect
@testable import WeProtectCore
@testable import WeProtectSample

final class ShellModelTests: XCTestCase, @unchecked Sendable {
    private var sampleApp: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    }

    private func shippedSettings() throws -> DeploymentSettings {
        try OrganisationConfig.settings(json: Data(contentsOf: sampleApp.appendingPathComponent("organisation.json")))
    }

    private func newStore() throws -> Store {
        try Store.open(folder: temporaryFolder(self), vault: InMemoryKeyVault())
    }

    private func row(_ session: FormSession, _ path: String) -> FieldRow? {
        session.sections.lazy.flatMap(\.rows).first { $0.path == path }
    }

    func testTheOrganisationFileTheSampleShipsIsReadIntoDeploymentSettings() throws {
        let settings = try shippedSettings()
        XCTAssertEqual(settings.organisationType, .police)
        XCTAssertEqual(settings.consentScriptVersion, "consent-script-2026-01")
        XCTAssertTrue(settings.consentRefusedRoute?.contains("MARAC") ?? false)
    }

    func testAMalformedOrganisationFileIsRefusedNamingTheKey() {
        func field(_ json: String) -> String? {
            do {
                _ = try OrganisationConfig.settings(json: Data(json.utf8))
                return nil
            } catch let e as OrganisationConfigError {
                return e.field
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(field(#"{"consent_script_versoin": "v1"}"#), "consent_script_versoin")
        XCTAssertEqual(field(#"{"organisation_type": "army"}"#), "organisation_type")
        XCTAssertEqual(field(#"{"risk_instrument": 3}"#), "risk_instrument")
        XCTAssertEqual(field(#"{"organisation_id": "  "}"#), "organisation_id")
        XCTAssertEqual(field(#"["police"]"#), "(top level)")
        XCTAssertEqual(field("{"), "(top level)")
        XCTAssertNil(field("{}"))
    }

    func testTheProfileIsTypedOnceAndEveryNewDraftShowsItCollapsedButEditable() throws {
        let store = try newStore()
        XCTAssertTrue(ProfileForm.offerAtStart(saved: try store.profile(), declinedThisRun: false))
        XCTAssertThrowsError(
            try store.setProfile(profile: ProfileForm.profile(from: [.officerName: "PC Alex Example", .email: "not an email"])))
        XCTAssertNil(try store.profile(), "a refused profile was saved")
        try store.setProfile(profile: ProfileForm.profile(from: [
            .officerName: "PC Alex Example", .collarNumber: "4321 SE", .station: "Exampleton Response Team",
            .rank: "  ",
        ]))
        XCTAssertFalse(ProfileForm.offerAtStart(saved: try store.profile(), declinedThisRun: false))
        let typed = ProfileForm.typed(from: try store.profile())
        XCTAssertEqual(typed[.officerName], "PC Alex Example")
        XCTAssertNil(typed[.rank], "a blank box was saved")
        try store.setDeployment(settings: shippedSettings())
        let session = try FormSession(store: store, draftId: nil)
        let name = try XCTUnwrap(row(session, "referrer.officer_name"))
        XCTAssertTrue(name.collapsed, "the filled name is not collapsed")
        XCTAssertEqual(FormScreen.filledFromLabel(name.field), "From your profile")
        XCTAssertFalse(try XCTUnwrap(row(session, "referrer.contact_phone")).collapsed, "an empty field hides")
        XCTAssertFalse(try XCTUnwrap(row(session, "victim.forename")).collapsed)
        try session.set("referrer.officer_name", FieldInput.text("PC Sam Other"))
        XCTAssertEqual(FormScreen.text(of: row(session, "referrer.officer_name")?.value), "PC Sam Other")
    }

    func testRefusedConsentShowsTheOrganisationsRouteAndDeletingTheDraftLeavesNothing() throws {
        let store = try newStore()
        try store.setDeployment(settings: shippedSettings())
        let session = try FormSession(store: store, draftId: nil)
        XCTAssertNil(session.consentRefusedRoute, "shown before consent was answered")
        try session.set("victim.forename", FieldInput.text("Sam"))
        try session.set("consent.given", .yesNo(yes: false))
        XCTAssertEqual(session.consentRefusedRoute, try shippedSettings().consentRefusedRoute)
        XCTAssertEqual(try store.listDrafts().count, 1, "autosaved before the delete")
        try session.discard()
        XCTAssertEqual(try store.listDrafts().count, 0, "the refused draft was kept")
    }

    func testMessagesShowTheirKindAndWarningsAreConfirmedBeforeSending() throws {
        let editor = try DraftEditor.fromJson(json: try exampleReferralJson(), store: nil)
        _ = try editor.set(path: "incident.crime_reference", value: .clear)
        let state = try XCTUnwrap(try editor.snapshot().fields.first { $0.path == "incident.crime_reference" })
        let shown = FormScreen.messages(state, showMissing: false)
        XCTAssertEqual(shown.map(\.style), [.toFollow])
        XCTAssertTrue(shown[0].text.hasPrefix("To follow: "))
        let snapshot = try editor.snapshot()
        let step = FormScreen.sendStep(snapshot.problems + snapshot.missing)
        guard case .send(let toFollow) = step else { return XCTFail("\(step)") }
        XCTAssertEqual(toFollow, 1)
        XCTAssertEqual(FormScreen.summary(step), "1 to follow")
        _ = try editor.set(path: "safe_contact.phone", value: FieldInput.text("12"))
        let phone = try XCTUnwrap(try editor.snapshot().fields.first { $0.path == "safe_contact.phone" })
        XCTAssertEqual(Set(FormScreen.messages(phone, showMissing: false).map(\.style)), [.error])
        let warning = Problem(path: "risk.level", code: "risk.local_band_lower", message: "A local band graded lower", kind: .warning)
        guard case .confirm(let warnings, _) = FormScreen.sendStep([warning]) else { return XCTFail("sent unconfirmed") }
        XCTAssertEqual(warnings.map(\.code), ["risk.local_band_lower"])
        XCTAssertEqual(FieldMessage(problem: warning).style, .confirm)
        XCTAssertEqual(FormScreen.summary(.confirm(warnings: [warning], toFollow: 0)), "1 to confirm")
        guard case .fix = FormScreen.sendStep([warning, Problem(path: "a", code: "b", message: "c", kind: .error)]) else {
            return XCTFail("errors come first")
        }
    }

    func testTheSearchablePickerFindsForcesAndLanguagesByName() throws {
        let fields = try formDefinition().sections.flatMap(\.fields)
        let language = try XCTUnwrap(fields.first { $0.path == "victim.interpreter_language" })
        XCTAssertFalse(language.suggestions.isEmpty)
        XCTAssertTrue(FormScreen.search(language.suggestions, "pol").first?.label.hasPrefix("Polish") ?? false)
        XCTAssertTrue(FormScreen.search(language.suggestions, "british sign").contains { $0.value == "bfi" })
        let force = try XCTUnwrap(fields.first { $0.path == "referrer.organisation_id" })
        XCTAssertTrue(FormScreen.search(force.suggestions, "west yorks").contains { $0.value == "west-yorkshire" })
        XCTAssertEqual(FormScreen.suggestionLabel(force, "west-yorkshire").map { $0.contains("West Yorkshire") }, true)
        let all = [ChoiceOption(value: "a", labelKey: "k", label: "Alpha"), ChoiceOption(value: "b", labelKey: "k", label: "Beta")]
        XCTAssertEqual(FormScreen.search(all, "  ").map(\.value), ["a", "b"])
        XCTAssertTrue(FormScreen.search(all, "zulu").isEmpty)
    }
}
