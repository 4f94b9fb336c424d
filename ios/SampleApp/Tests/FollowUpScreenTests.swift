// The sample app's follow-up screens (issue 23) against the real library and the reference
// server: the officer adds the crime number after the referral went, the outbox row says what
// is to follow and what was added by the form's labels, a bad value is refused naming its field
// and changes nothing, and a withdrawal of consent drops what waits, deletes an unsent
// referral's copy and comes back from the service as "consent withdrawn".
import Foundation
import XCTest

@testable import WeProtect
@testable import WeProtectCore
@testable import WeProtectSample

final class FollowUpScreenTests: XCTestCase, @unchecked Sendable {
    private func service() throws -> (ServiceConfig, String) {
        let env = ProcessInfo.processInfo.environment
        guard let path = env["WEPROTECT_SERVICE_JSON"], let token = env["WEPROTECT_TOKEN"] else {
            throw XCTSkip("no reference server (WEPROTECT_SERVICE_JSON, WEPROTECT_TOKEN)")
        }
        return (try serviceConfigFromJson(json: String(contentsOfFile: path, encoding: .utf8)), token)
    }

    /// The example referral, changed by `edit`, saved and submitted (queued, not sent).
    private func submitted(
        _ service: ServiceConfig, _ edit: (inout [String: Any]) -> Void
    ) throws -> (Store, String) {
        let store = try Store.open(folder: temporaryFolder(self), vault: InMemoryKeyVault())
        var object =
            try JSONSerialization.jsonObject(with: Data(try exampleReferralJson().utf8)) as! [String: Any]
        edit(&object)
        let json = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let draft = try store.saveDraftJson(id: nil, json: json)
        return (store, try store.submit(draftId: draft, service: service).referralId)
    }

    /// Sent with the crime number not issued yet.
    private func crimeNumberToFollow(_ service: ServiceConfig) throws -> (Store, String) {
        try submitted(service) { object in
            var incident = object["incident"] as! [String: Any]
            incident["crime_reference"] = NSNull()
            object["incident"] = incident
        }
    }

    @MainActor
    private func coordinator(_ store: Store, _ service: ServiceConfig, _ token: String) throws -> SyncCoordinator {
        let engine = try SyncEngine(
            store: store, service: service, tokens: ClosureTokenProvider(current: { token }),
            observer: nil)
        return SyncCoordinator(store: store, engine: engine, host: RecordingHost())
    }

    @MainActor
    private func row(_ store: Store, _ id: String) throws -> OutboxRow {
        try XCTUnwrap(
            OutboxScreen.rows(try store.outbox(), now: Date(), labels: try formLabels())
                .first { $0.id == id })
    }

    /// Every text a row shows, for checks that no value reached it.
    private func texts(_ row: OutboxRow) -> [String] {
        [row.stateLabel, row.detail, row.consent, row.toFollow].compactMap { $0 } + row.statuses + row.addenda
    }

    @MainActor
    func testACrimeNumberGivenAfterDeliveryIsSentByTheNextPassAndTheRowSaysSo() async throws {
        let (service, token) = try service()
        let (store, id) = try crimeNumberToFollow(service)
        let sync = try coordinator(store, service, token)
        let first = try await XCTUnwrapAsync(await sync.handle(.submitted))
        XCTAssertEqual(first.delivered, 1)
        let before = try row(store, id)
        XCTAssertEqual(before.toFollow, "1 to follow: Crime reference", "the form's label, not the path")
        XCTAssertTrue(before.canFollowUp)
        XCTAssertTrue(before.addenda.isEmpty)

        let session = try await FollowUpSession.open(store: store, referralId: id)
        XCTAssertEqual(session.heading, "1 to follow: Crime reference")
        let rows = session.sections.flatMap(\.rows)
        XCTAssertEqual(rows.map(\.path), ["incident.crime_reference"], "only what was to follow")
        XCTAssertEqual(rows.first?.field.label, "Crime reference")
        XCTAssertEqual(rows.first?.required, false, "give what is known; the rest can follow")
        XCTAssertFalse(session.ready, "nothing given yet")
        XCTAssertTrue(session.set("incident.crime_reference", try FieldInput.text("CR/123456/26")))
        XCTAssertEqual(FormScreen.text(of: session.sections.first?.rows.first?.value), "CR/123456/26")
        XCTAssertTrue(session.ready, session.message ?? "")
        let queued = try await XCTUnwrapAsync(await session.send(service: service))
        XCTAssertEqual(session.queued?.addendumId, queued.addendumId)
        XCTAssertNil(session.message)

        let waiting = try row(store, id)
        XCTAssertNil(waiting.toFollow, "nothing left to follow")
        XCTAssertFalse(waiting.canFollowUp)
        XCTAssertEqual(waiting.addenda, ["Information added (Crime reference): waiting to send"])
        XCTAssertEqual(sync.waitingToSend(), 1, "the addendum counts as waiting")
        // Coming back to the app: only the addendum waits, and it is sent.
        let second = try await XCTUnwrapAsync(await sync.handle(.foregrounded))
        XCTAssertEqual(second.delivered, 1)
        XCTAssertEqual(second.waiting, 0)
        let sent = try row(store, id)
        XCTAssertEqual(sent.addenda.count, 1)
        XCTAssertTrue(
            sent.addenda[0].hasPrefix("Information added (Crime reference): received by the service "),
            sent.addenda[0])
        XCTAssertFalse(texts(sent).contains { $0.contains("CR/123456/26") }, "no value in the row")
        XCTAssertThrowsError(
            try store.openFollowUp(referralId: id), "nothing is left to follow: no second follow-up")
    }

    @MainActor
    func testAFollowUpWaitingAloneForASignInAsksForIt() async throws {
        let (service, token) = try service()
        let (store, id) = try crimeNumberToFollow(service)
        let signIn = SignedInToken()
        signIn.token = token
        let engine = try SyncEngine(
            store: store, service: service, tokens: ClosureTokenProvider(current: { signIn.token }),
            observer: nil)
        let sync = SyncCoordinator(store: store, engine: engine, host: RecordingHost())
        _ = await sync.handle(.submitted)  // the referral is delivered
        signIn.token = nil  // signed out
        let session = try await FollowUpSession.open(store: store, referralId: id)
        session.set("incident.crime_reference", try FieldInput.text("CR/777777/26"))
        _ = try await XCTUnwrapAsync(await session.send(service: service))
        let report = try await XCTUnwrapAsync(await sync.handle(.submitted))
        XCTAssertTrue(report.needsSignIn)
        let entries = try store.outbox()
        XCTAssertEqual(try store.counts().queued, 0, "no referral waits")
        XCTAssertEqual(
            OutboxScreen.banner(
                counts: try store.counts(), needsSignIn: sync.needsSignIn,
                followUps: OutboxScreen.waitingFollowUps(entries)),
            "Sign in to send 1 follow-up")

        signIn.token = token
        let after = try await XCTUnwrapAsync(await sync.signedIn())
        XCTAssertEqual(after.delivered, 1)
        XCTAssertNil(
            OutboxScreen.banner(
                counts: try store.counts(), needsSignIn: sync.needsSignIn,
                followUps: OutboxScreen.waitingFollowUps(try store.outbox())))
    }

    @MainActor
    func testAValueTheFieldCannotTakeIsRefusedNamingTheFieldAndChangesNothing() async throws {
        let (service, _) = try service()
        let (store, id) = try crimeNumberToFollow(service)
        let session = try await FollowUpSession.open(store: store, referralId: id)
        XCTAssertTrue(session.set("incident.crime_reference", try FieldInput.text("CR/1")))
        let typed = session.snapshot.fields

        XCTAssertFalse(session.set("incident.crime_reference", .yesNo(yes: true)))
        let wrongKind = try XCTUnwrap(session.message)
        XCTAssertEqual(wrongKind, "Crime reference: this field takes text. Nothing was changed.")
        XCTAssertEqual(session.snapshot.fields, typed, "nothing changed")

        XCTAssertFalse(session.set("victim.forename", try FieldInput.text("Zebedee")))
        let notOffered = try XCTUnwrap(session.message)
        XCTAssertEqual(notOffered, "First name was not sent to follow: it cannot be added here.")
        XCTAssertEqual(session.snapshot.fields, typed)

        // Emptied again and sent: refused with the reason, nothing queued.
        XCTAssertTrue(session.set("incident.crime_reference", try FieldInput.text("")))
        XCTAssertNil(session.message)
        let refused = await session.send(service: service)
        XCTAssertNil(refused)
        XCTAssertEqual(session.message, "Not sent. Give at least one of the items that were to follow.")
        let entry = try XCTUnwrap(try store.outbox().first { $0.referralId == id })
        XCTAssertTrue(entry.addenda.isEmpty, "nothing queued")
        XCTAssertEqual(entry.toFollow.map(\.path), ["incident.crime_reference"], "still to follow")
    }

    @MainActor
    func testADateOfBirthFollowsAsThePickerWritesItAndAFutureOneIsNamedUnderItsField() async throws {
        let (service, _) = try service()
        let (store, id) = try submitted(service) { object in
            var victim = object["victim"] as! [String: Any]
            victim["date_of_birth"] = NSNull()
            victim["aged_16_or_over"] = true
            victim["approximate_age"] = NSNull()
            object["victim"] = victim
        }
        XCTAssertEqual(try row(store, id).toFollow, "1 to follow: Victim: Date of birth")
        let session = try await FollowUpSession.open(store: store, referralId: id)
        let path = "victim.date_of_birth"
        let nextYear = Date().addingTimeInterval(400 * 24 * 3600)
        XCTAssertTrue(session.set(path, try FieldInput.text(FieldInput.dateText(nextYear))))
        let field = try XCTUnwrap(session.sections.flatMap(\.rows).first { $0.path == path })
        XCTAssertTrue(field.messages.contains { $0.style == .error }, "the rule's message under the field")
        XCTAssertFalse(session.ready)
        let refused = await session.send(service: service)
        XCTAssertNil(refused)
        let message = try XCTUnwrap(session.message)
        XCTAssertTrue(message.hasPrefix("Not sent. Victim: Date of birth: "), message)
        XCTAssertTrue(try store.outbox().first { $0.referralId == id }!.addenda.isEmpty)

        let born = try XCTUnwrap(FieldInput.date(fromDateText: "1990-04-02"))
        XCTAssertTrue(session.set(path, try FieldInput.text(FieldInput.dateText(born))))
        XCTAssertTrue(session.sections.flatMap(\.rows).first { $0.path == path }!.messages.isEmpty)
        XCTAssertTrue(session.ready)
        let queued = await session.send(service: service)
        XCTAssertNotNil(queued, session.message ?? "")
        XCTAssertEqual(
            try row(store, id).addenda, ["Information added (Victim: Date of birth): waiting to send"])
    }

    @MainActor
    func testWithdrawingConsentOfAnUnsentReferralDropsWhatWaitsAndTheServiceConfirms() async throws {
        let (service, token) = try service()
        let (store, id) = try crimeNumberToFollow(service)
        // Information queued while the referral itself still waits for signal.
        let session = try await FollowUpSession.open(store: store, referralId: id)
        session.set("incident.crime_reference", try FieldInput.text("CR/654321/26"))
        _ = try await XCTUnwrapAsync(await session.send(service: service))
        let before = try row(store, id)
        XCTAssertNotNil(before.title, "the unsent referral's copy is still here")
        XCTAssertTrue(before.canWithdraw)
        XCTAssertTrue(
            FollowUpScreen.withdrawalConfirmation(state: before.state).contains("this phone's copy is deleted now"))

        let labels = try formLabels()
        let (queued, message) = await recordWithdrawal(
            store: store, referralId: id, by: .victim, how: .byPhone, at: Date(), service: service,
            labels: labels)
        XCTAssertNotNil(queued, message)
        XCTAssertEqual(message, "Withdrawal recorded (by phone). It is sent to the service with the next sync.")
        let withdrawn = try row(store, id)
        XCTAssertEqual(withdrawn.consent, "Consent withdrawn")
        XCTAssertNil(withdrawn.title, "the local copy of the unsent referral is deleted")
        XCTAssertFalse(withdrawn.canWithdraw)
        XCTAssertFalse(withdrawn.canFollowUp)
        XCTAssertEqual(
            withdrawn.addenda,
            [
                "Information added (Crime reference): not sent, consent was withdrawn",
                "Withdrawal of consent: waiting to send",
            ])
        do {
            _ = try await FollowUpSession.open(store: store, referralId: id)
            XCTFail("a follow-up opened after the withdrawal")
        } catch {
            XCTAssertEqual(
                FollowUpScreen.refusal(error, labels: labels),
                "Nothing more can be added to this referral (it was refused, or consent was withdrawn).")
        }

        // The referral goes (an earlier attempt may have reached the service), then its withdrawal.
        let sync = try coordinator(store, service, token)
        let report = try await XCTUnwrapAsync(await sync.handle(.manual))
        XCTAssertEqual(report.delivered, 2, "the referral and the withdrawal; not the dropped information")
        let after = try row(store, id)
        XCTAssertTrue(after.addenda[1].hasPrefix("Withdrawal of consent: received by the service "), after.addenda[1])
        XCTAssertEqual(
            after.statuses.first, "Consent withdrawn: the service has stopped and deleted the referral",
            "the service's own status, asked for after the pass")
        XCTAssertFalse(texts(after).contains { $0.contains("CR/654321/26") })
    }

    @MainActor
    func testAWithdrawalTimeInTheFutureIsRefusedAndRecordsNothing() async throws {
        let (service, _) = try service()
        let (store, id) = try crimeNumberToFollow(service)
        let (queued, message) = await recordWithdrawal(
            store: store, referralId: id, by: .onTheVictimsBehalf, how: .inWriting,
            at: Date().addingTimeInterval(3600), service: service, labels: try formLabels())
        XCTAssertNil(queued)
        XCTAssertEqual(message, "The time consent was withdrawn cannot be in the future. Nothing was recorded.")
        let unchanged = try row(store, id)
        XCTAssertNil(unchanged.consent)
        XCTAssertNotNil(unchanged.title)
        XCTAssertTrue(unchanged.addenda.isEmpty)
        XCTAssertTrue(unchanged.canFollowUp)
    }

    func testTheWithdrawalDialogSaysWhatHappensAndNamesNeitherTheSubjectNorAnyone() {
        let delivered = FollowUpScreen.withdrawalConfirmation(state: .delivered)
        XCTAssertTrue(delivered.contains("stop work on this referral and to delete what it holds"))
        XCTAssertTrue(delivered.contains("Information waiting to send about it is dropped"))
        XCTAssertFalse(delivered.contains("phone's copy"), "a delivered referral has no copy here")
        XCTAssertTrue(delivered.hasSuffix("This cannot be undone."))
        // An alert is drawn above the privacy cover: its texts must betray nothing.
        let texts =
            [FollowUpScreen.withdrawalTitle, delivered, FollowUpScreen.withdrawalConfirmation(state: .queued)]
            + WithdrawalChoices.withdrawnBy.map(\.label) + WithdrawalChoices.recordedHow.map(\.label)
        for text in texts { XCTAssertEqual(betrayals(text), [], text) }
        XCTAssertEqual(WithdrawalChoices.recordedHow.map(\.label), ["In person", "By phone", "In writing"])
    }

    @MainActor
    func testAWithdrawalTheServiceRecordedOffersNeitherFollowUpNorWithdrawal() async throws {
        let (service, token) = try service()
        let (store, id) = try crimeNumberToFollow(service)
        _ = await (try coordinator(store, service, token)).handle(.submitted)
        var entry = try XCTUnwrap(try store.outbox().first { $0.referralId == id })
        XCTAssertTrue(FollowUpScreen.canFollowUp(entry) && FollowUpScreen.canWithdraw(entry))
        // The status the service sends when it recorded a withdrawal itself. The reference
        // server's admin command refuses to record it (only a device's withdrawal adds it), so
        // it is added here to the real delivered entry.
        entry.statuses.append(StatusUpdate(status: "consent_withdrawn", at: Date()))
        let row = try XCTUnwrap(OutboxScreen.rows([entry], now: Date(), labels: try formLabels()).first)
        XCTAssertEqual(row.consent, "Consent withdrawn (recorded by the service)")
        XCTAssertNil(row.toFollow, "nothing more is asked for")
        XCTAssertFalse(row.canFollowUp)
        XCTAssertFalse(row.canWithdraw)
        let dropped = AddendumEntry(
            addendumId: "a", kind: .information, state: .rejected, items: entry.toFollow,
            queuedAt: Date(), attempts: 1, lastErrorCode: nil, receivedAt: nil,
            rejectionCode: "referral.content_deleted")
        XCTAssertEqual(
            FollowUpScreen.addendumLine(dropped, labels: try formLabels()),
            "Information added (Crime reference): not sent, the service has closed this referral and deleted it")
    }

    func testFollowUpItemsAreNamedByTheFormsLabelsNeverByPaths() throws {
        let labels = try formLabels()
        XCTAssertEqual(labels.label(of: "incident.crime_reference"), "Crime reference")
        XCTAssertEqual(labels.label(of: "victim.date_of_birth"), "Victim: Date of birth")
        XCTAssertEqual(
            labels.label(of: "children[1].date_of_birth"), "Children in the household 2: Date of birth")
        XCTAssertEqual(labels.label(of: "victim.care_of_address"), "Safe address for post")
        XCTAssertEqual(labels.label(of: "perpetrator.custody.status"), "Custody outcome")
        XCTAssertEqual(labels.label(of: "something.new_item"), "New item", "unknown: readable, not hidden")
        let items = [
            ToFollowItem(path: "incident.crime_reference", code: "crime_reference.to_follow"),
            ToFollowItem(path: "victim.care_of_address", code: "address.care_of_to_follow"),
        ]
        XCTAssertEqual(
            FollowUpScreen.toFollowLine(items, labels: labels),
            "2 to follow: Crime reference, Safe address for post")
        XCTAssertNil(FollowUpScreen.toFollowLine([], labels: labels))
    }
}
