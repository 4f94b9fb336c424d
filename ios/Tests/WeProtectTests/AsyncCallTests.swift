// Item 2 of issue 25: blocking calls in async form off the main actor, and sync passes that a
// Swift Task's cancellation ends, with one deadline type (a Date).
import Foundation
import XCTest

@testable import WeProtect
@testable import WeProtectCore

final class AsyncCallTests: XCTestCase, @unchecked Sendable {
    @MainActor
    func testStoreCallsRunOffTheMainActorAndReturnTheirResult() async throws {
        let (store, _, _) = try openFreshStore(self)
        XCTAssertTrue(Thread.isMainThread)
        let (draft, onMain) = try await store.io { store in
            (try store.saveDraftJson(id: nil, json: try exampleReferralJson()), Thread.isMainThread)
        }
        XCTAssertFalse(onMain, "the block ran on the main thread")
        let listed = try await store.io { try $0.listDrafts().map(\.id) }
        XCTAssertEqual(listed, [draft])
    }

    func testAnErrorInsideIoArrivesAsTheSameError() async throws {
        let (store, _, _) = try openFreshStore(self)
        do {
            _ = try await store.io { try $0.loadDraftJson(id: "no-such-draft") }
            XCTFail("no error")
        } catch let error as WeprotectError {
            XCTAssertEqual(error.code, "not_found")
        }
    }

    /// A store with one referral queued to a service that accepts connections and never
    /// answers, and an engine for it.
    private func engineToAStalledService() throws -> (Store, SyncEngine) {
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
        return (store, engine)
    }

    func testCancellingTheTaskEndsThePassInsteadOfRunningToItsDeadline() async throws {
        let (store, engine) = try engineToAStalledService()
        let pass = Task { try await engine.sync(until: Date().addingTimeInterval(60)) }
        try await Task.sleep(nanoseconds: 500_000_000)
        let cancelledAt = Date()
        pass.cancel()  // no engine.cancel(): the wrapper calls it
        let report = try await pass.value
        let took = Date().timeIntervalSince(cancelledAt)
        XCTAssertLessThan(took, 2.0, "Task.cancel() ended the pass in \(took) s")
        XCTAssertTrue(report.cancelled)
        XCTAssertEqual(try store.counts().queued, 1, "what was in flight stays queued")
    }

    func testATaskCancelledAtOnceStillEndsThePassPromptly() async throws {
        let (_, engine) = try engineToAStalledService()
        // Cancelled while the call is being made: the wrapper keeps asking until the pass ends.
        let started = Date()
        let pass = Task { try await engine.sync(until: Date().addingTimeInterval(60)) }
        pass.cancel()
        _ = try? await pass.value
        XCTAssertLessThan(Date().timeIntervalSince(started), 5.0)
    }

    func testATaskCancelledBeforeTheCallStartsNoPass() async throws {
        let (store, engine) = try engineToAStalledService()
        let pass = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await engine.sync(until: Date().addingTimeInterval(60))
        }
        do {
            _ = try await pass.value
            XCTFail("a cancelled task started a pass")
        } catch is CancellationError {}
        XCTAssertEqual(try store.counts().queued, 1)
    }

    func testCancellingTheTaskEndsAStatusRefreshToo() async throws {
        let (real, token) = try referenceService()
        let (store, _, _) = try openFreshStore(self)
        let draft = try store.saveDraftJson(id: nil, json: try exampleWithCanary())
        _ = try store.submit(draftId: draft, service: real)
        let sender = try SyncEngine(
            store: store, service: real, tokens: ClosureTokenProvider(current: { token }),
            observer: nil)
        let sent = try await sender.sync(until: Date().addingTimeInterval(20))
        XCTAssertEqual(sent.delivered, 1)
        // The same store asks a service that never answers for the delivered referral's status.
        let stalled = ServiceConfig(
            endpoint: "http://127.0.0.1:\(silentListener(self))", keyId: real.keyId,
            publicKey: real.publicKey, spkiPins: [])
        let asking = try SyncEngine(
            store: store, service: stalled, tokens: ClosureTokenProvider(current: { token }),
            observer: nil)
        let refresh = Task { try await asking.refresh(until: Date().addingTimeInterval(60)) }
        try await Task.sleep(nanoseconds: 500_000_000)
        let cancelledAt = Date()
        refresh.cancel()
        _ = try? await refresh.value
        let took = Date().timeIntervalSince(cancelledAt)
        XCTAssertLessThan(took, 2.0, "Task.cancel() ended the refresh in \(took) s")
    }

    func testTheDeadlineIsADateAndOneInThePastEndsAtOnce() async throws {
        let (_, engine) = try engineToAStalledService()
        let started = Date()
        let report = try await engine.sync(until: started.addingTimeInterval(-1))
        XCTAssertLessThan(Date().timeIntervalSince(started), 3.0)
        XCTAssertEqual(report.delivered, 0)
        // The planner's deadline is the same type: it goes straight in.
        let planned = BackgroundSyncPlanner().passDeadline(trigger: .submitted, now: Date())
        XCTAssertNotNil(planned)
        XCTAssertEqual(secondsLeft(until: Date().addingTimeInterval(-5)), 0)
    }
}
