// Follow-ups after sending, from Swift against the real library and the reference server
// (`weprotect serve` on loopback, started by `cargo xtask test swift`): the items to follow, the
// follow-up editor, a withdrawal of consent, each delivered once after its referral.
import Foundation
import XCTest

@testable import WeProtect
@testable import WeProtectCore

final class FollowUpTests: XCTestCase, @unchecked Sendable {
    /// The example referral sent with its crime number to follow.
    private func sentWithCrimeNumberToFollow() throws -> (Store, ServiceConfig, String, String) {
        let (service, token) = try referenceService()
        let (store, _, _) = try openFreshStore(self)
        // The crime number is not issued yet: it is to follow.
        var object =
            try JSONSerialization.jsonObject(with: Data(try exampleWithCanary().utf8))
            as! [String: Any]
        var incident = object["incident"] as! [String: Any]
        incident["crime_reference"] = NSNull()
        object["incident"] = incident
        let json = String(
            decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let draft = try store.saveDraftJson(id: nil, json: json)
        let queued = try store.submit(draftId: draft, service: service)
        return (store, service, token, queued.referralId)
    }

    func testACrimeNumberIssuedLaterIsSentOnceAfterItsReferral() async throws {
        let (store, service, token, referralId) = try sentWithCrimeNumberToFollow()
        let items = try store.toFollow(referralId: referralId)
        XCTAssertEqual(items.map(\.path), ["incident.crime_reference"])
        let editor = try store.openFollowUp(referralId: referralId)
        XCTAssertFalse(try editor.snapshot().ready)
        let snapshot = try editor.set(path: "incident.crime_reference", value: try .text("CR/123456/26"))
        XCTAssertTrue(snapshot.ready, "\(snapshot.problems)")
        let queued = try editor.submit(service: service)
        XCTAssertTrue(try store.toFollow(referralId: referralId).isEmpty)

        let engine = try SyncEngine(
            store: store, service: service,
            tokens: ClosureTokenProvider(current: { token }), observer: nil)
        let report = try await engine.syncNow(deadline: 20)
        XCTAssertEqual(report.delivered, 2, "the referral, then its addendum in the same pass")
        XCTAssertEqual(report.waiting, 0)
        let entry = try XCTUnwrap(try store.outbox().first { $0.referralId == referralId })
        let addendum = try XCTUnwrap(entry.addenda.first)
        XCTAssertEqual(addendum.addendumId, queued.addendumId)
        XCTAssertEqual(addendum.kind, .information)
        XCTAssertEqual(addendum.state, .delivered)
        XCTAssertNotNil(addendum.receivedAt)
        let again = try await engine.syncNow(deadline: 5)
        XCTAssertEqual(again.delivered, 0, "nothing goes twice")
    }

    func testAFieldNotToFollowIsRefusedWithoutEchoingTheValue() throws {
        let (store, service, _, referralId) = try sentWithCrimeNumberToFollow()
        let editor = try store.openFollowUp(referralId: referralId)
        XCTAssertThrowsError(try editor.set(path: "victim.forename", value: try .text("Zebedee"))) { error in
            guard case WeprotectError.FieldHidden = error else {
                return XCTFail("expected FieldHidden, got \(error)")
            }
            XCTAssertFalse(String(describing: error).contains("Zebedee"))
        }
        XCTAssertThrowsError(try editor.submit(service: service)) { error in
            guard case WeprotectError.Invalid = error else {
                return XCTFail("expected Invalid, got \(error)")
            }
        }
        XCTAssertTrue(try store.outbox().first { $0.referralId == referralId }!.addenda.isEmpty)
    }

    func testAWithdrawalIsDeliveredAndTheServiceSaysConsentWithdrawn() async throws {
        let (store, service, token, referralId) = try sentWithCrimeNumberToFollow()
        let withdrawal = Withdrawal(withdrawnBy: .victim, withdrawnAt: Date(), recordedHow: .inPerson)
        let first = try store.withdrawConsent(
            referralId: referralId, withdrawal: withdrawal, service: service)
        let again = try store.withdrawConsent(
            referralId: referralId, withdrawal: withdrawal, service: service)
        XCTAssertEqual(first.addendumId, again.addendumId, "one withdrawal")
        XCTAssertThrowsError(try store.openFollowUp(referralId: referralId))

        let engine = try SyncEngine(
            store: store, service: service,
            tokens: ClosureTokenProvider(current: { token }), observer: nil)
        // The referral (it may have reached the service already) and then its withdrawal.
        let report = try await engine.syncNow(deadline: 20)
        XCTAssertEqual(report.delivered, 2)
        _ = try await engine.refreshStatuses(deadline: 20)
        let entry = try XCTUnwrap(try store.outbox().first { $0.referralId == referralId })
        XCTAssertTrue(entry.consentWithdrawn)
        XCTAssertEqual(entry.statuses.last?.status, "consent_withdrawn")
    }
}
