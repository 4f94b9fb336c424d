// Sync from Swift against the real reference server (`weprotect serve` on loopback, started by
// `cargo xtask test swift`): exactly once with a receipt, sign-in, cancel.
import Foundation
import XCTest

@testable import WeProtect
@testable import WeProtectCore

final class SyncScenarioTests: XCTestCase, @unchecked Sendable {
    /// A store with the example referral submitted to the reference service.
    private func storeWithOneQueued() throws -> (Store, ServiceConfig, String, String) {
        let (service, token) = try referenceService()
        let (store, _, _) = try openFreshStore(self)
        let draft = try store.saveDraftJson(id: nil, json: try exampleWithCanary())
        let queued = try store.submit(draftId: draft, service: service)
        return (store, service, token, queued.referralId)
    }

    func testTwoConcurrentPassesDeliverExactlyOnceWithAReceipt() async throws {
        let (store, service, token, referralId) = try storeWithOneQueued()
        let events = SyncEventStream()
        let engine = try SyncEngine(
            store: store, service: service,
            tokens: ClosureTokenProvider(current: { token }), observer: events)
        async let first = engine.syncNow(deadline: 20)
        async let second = engine.syncNow(deadline: 20)
        let reports = try await [first, second]
        XCTAssertEqual(reports.map(\.delivered).reduce(0, +), 1, "delivered exactly once")
        XCTAssertTrue(reports.allSatisfy { !$0.needsSignIn && $0.waiting == 0 })

        let entry = try XCTUnwrap(try store.outbox().first { $0.referralId == referralId })
        XCTAssertEqual(entry.state, .delivered)
        let receipt = try XCTUnwrap(entry.receipt)
        XCTAssertFalse(receipt.serviceReference.isEmpty)
        XCTAssertNil(entry.title, "personal data is purged once delivered")

        // A third pass finds nothing to send: nothing goes twice.
        let third = try await engine.syncNow(deadline: 5)
        XCTAssertEqual(third.delivered, 0)

        events.finish()
        var delivered: [String] = []
        for await event in events.events {
            if case .delivered(let id, let reference) = event {
                delivered.append(id)
                XCTAssertEqual(reference, receipt.serviceReference)
            }
        }
        XCTAssertEqual(delivered, [referralId], "one Delivered event, through the AsyncStream")
    }

    func testNoTokenMeansNeedsSignInAndNothingIsLost() async throws {
        let (store, service, _, referralId) = try storeWithOneQueued()
        let engine = try SyncEngine(
            store: store, service: service, tokens: ClosureTokenProvider(current: { nil }),
            observer: nil)
        let report = try await engine.syncNow(deadline: 10)
        XCTAssertTrue(report.needsSignIn)
        XCTAssertEqual(report.delivered, 0)
        let entry = try XCTUnwrap(try store.outbox().first { $0.referralId == referralId })
        XCTAssertEqual(entry.state, .queued, "still queued for after sign-in")
    }

    func testARefusedTokenMeansNeedsSignIn() async throws {
        let (store, service, _, _) = try storeWithOneQueued()
        let engine = try SyncEngine(
            store: store, service: service,
            tokens: ClosureTokenProvider(current: { "not-a-real-token" }), observer: nil)
        let report = try await engine.syncNow(deadline: 10)
        XCTAssertTrue(report.needsSignIn)
        XCTAssertEqual(try store.counts().queued, 1)
    }

    func testCancelEndsAPassToAStalledServiceWithinASecond() async throws {
        let (real, token) = try referenceService()
        let port = silentListener(self)
        let stalled = ServiceConfig(
            endpoint: "http://127.0.0.1:\(port)", keyId: real.keyId, publicKey: real.publicKey,
            spkiPins: [])
        let (store, _, _) = try openFreshStore(self)
        let draft = try store.saveDraftJson(id: nil, json: try exampleWithCanary())
        _ = try store.submit(draftId: draft, service: stalled)
        let engine = try SyncEngine(
            store: store, service: stalled, tokens: ClosureTokenProvider(current: { token }),
            observer: nil)
        let pass = Task { try await engine.syncNow(deadline: 60) }
        try await Task.sleep(nanoseconds: 500_000_000)
        let cancelledAt = Date()
        try engine.cancel()
        let report = try await pass.value
        let took = Date().timeIntervalSince(cancelledAt)
        XCTAssertLessThan(took, 1.0, "cancel() ended the pass in \(took) s")
        XCTAssertTrue(report.cancelled)
        XCTAssertEqual(try store.counts().queued, 1, "what was in flight stays queued")
    }
}
