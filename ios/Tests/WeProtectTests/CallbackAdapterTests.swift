// Item 4 of issue 25: a closure, a struct and an actor can observe sync and supply tokens.
import Foundation
import XCTest

@testable import WeProtect
@testable import WeProtectCore

/// An actor that records what it is given (as an app's view model would).
actor EventLog: SyncEventReceiver {
    private(set) var delivered: [String] = []
    private(set) var count = 0

    func receive(_ event: SyncEvent) async {
        count += 1
        if case .delivered(let id, _) = event { delivered.append(id) }
    }
}

/// A sign-in session that lives in an actor.
actor Session {
    let token: String
    private(set) var asked = 0
    init(token: String) { self.token = token }
    func current() -> String? {
        asked += 1
        return token
    }
}

/// A value type as the token source.
struct FixedToken: TokenSource {
    let value: String
    func token() throws -> String? { value }
}

final class CallbackAdapterTests: XCTestCase, @unchecked Sendable {
    private func oneQueued() throws -> (Store, ServiceConfig, String, String) {
        let (service, token) = try referenceService()
        let (store, _, _) = try openFreshStore(self)
        let draft = try store.saveDraftJson(id: nil, json: try exampleWithCanary())
        let queued = try store.submit(draftId: draft, service: service)
        return (store, service, token, queued.referralId)
    }

    func testAnActorReceivesEveryEventInOrderAndATokenFromAnActorIsUsed() async throws {
        let (store, service, token, referralId) = try oneQueued()
        let log = EventLog()
        let session = Session(token: token)
        let observer = ActorSyncObserver(log)
        let engine = try SyncEngine(
            store: store, service: service,
            tokens: AsyncTokenProvider(current: { await session.current() }), observer: observer)
        let report = try await engine.sync(until: Date().addingTimeInterval(20))
        XCTAssertEqual(report.delivered, 1)
        observer.finish()
        await observer.forwarding.value
        let delivered = await log.delivered
        XCTAssertEqual(delivered, [referralId])
        let count = await log.count
        XCTAssertGreaterThan(count, 1, "more than the Delivered event")
        let asked = await session.asked
        XCTAssertGreaterThanOrEqual(asked, 1)
    }

    func testAClosureObserverAndAStructTokenSourceDeliver() async throws {
        let (store, service, token, referralId) = try oneQueued()
        let seen = Locked<[String]>([])
        let engine = try SyncEngine(
            store: store, service: service, tokens: TokenSourceProvider(FixedToken(value: token)),
            observer: ClosureSyncObserver { event in
                if case .delivered(let id, _) = event { seen.mutate { $0.append(id) } }
            })
        let report = try await engine.sync(until: Date().addingTimeInterval(20))
        XCTAssertEqual(report.delivered, 1)
        XCTAssertEqual(seen.value, [referralId])
    }

    func testAThrowingAsyncTokenEndsThePassAsCallbackFailedAndNothingIsLost() async throws {
        struct SignInDown: Error {}
        let (store, service, _, _) = try oneQueued()
        let engine = try SyncEngine(
            store: store, service: service,
            tokens: AsyncTokenProvider(current: { throw SignInDown() }), observer: nil)
        do {
            _ = try await engine.sync(until: Date().addingTimeInterval(10))
            XCTFail("no error")
        } catch let error as WeprotectError {
            XCTAssertEqual(error.code, "callback_failed")
        }
        XCTAssertEqual(try store.counts().queued, 1)
    }

    func testASlowAsyncTokenTimesOutAsAFailedCallbackNotAsSignedOut() throws {
        let provider = AsyncTokenProvider(timeout: 0.2, current: {
            try await Task.sleep(nanoseconds: 5_000_000_000)
            return "late"
        })
        let started = Date()
        XCTAssertThrowsError(try provider.token()) { error in
            XCTAssertEqual(error as? CallbackError, .Failed)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
    }
}

/// A value behind a lock, for closures the core calls on its threads.
final class Locked<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
    func mutate(_ body: (inout T) -> Void) {
        lock.lock()
        body(&stored)
        lock.unlock()
    }
}
