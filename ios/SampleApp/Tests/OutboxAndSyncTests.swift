// The sample app's outbox rows and sync coordinator against the real library and the reference
// server: a submit is delivered by the short pass under a background-task assertion; a refused
// token shows "Sign in to send N referrals"; a processing task's expiry cancels the pass; a
// trigger during a pass starts no second one (the coordinator is on the main actor).
import Foundation
import XCTest

@testable import WeProtect
@testable import WeProtectCore
@testable import WeProtectSample

/// Records what the coordinator asked of iOS.
@MainActor
final class RecordingHost: BackgroundHost {
    var begun = 0
    var ended = 0
    var scheduled: [Date?] = []
    var remaining: TimeInterval?

    func beginBackgroundWork(expiration: @escaping @Sendable () -> Void) -> @MainActor () -> Void {
        begun += 1
        return { self.ended += 1 }
    }
    var backgroundTimeRemaining: TimeInterval? { remaining }
    func scheduleProcessingTask(earliest: Date?) { scheduled.append(earliest) }
}

/// The token the officer's sign-in gives, read by the core from its own threads.
final class SignedInToken: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?
    var token: String? {
        get { lock.lock(); defer { lock.unlock() }; return value }
        set { lock.lock(); value = newValue; lock.unlock() }
    }
}

final class OutboxAndSyncTests: XCTestCase, @unchecked Sendable {
    private func service() throws -> (ServiceConfig, String) {
        let env = ProcessInfo.processInfo.environment
        guard let path = env["WEPROTECT_SERVICE_JSON"], let token = env["WEPROTECT_TOKEN"] else {
            throw XCTSkip("no reference server (WEPROTECT_SERVICE_JSON, WEPROTECT_TOKEN)")
        }
        return (try serviceConfigFromJson(json: String(contentsOfFile: path, encoding: .utf8)), token)
    }

    private func queuedStore(_ service: ServiceConfig) throws -> Store {
        let store = try Store.open(folder: temporaryFolder(self), vault: InMemoryKeyVault())
        let draft = try store.saveDraftJson(id: nil, json: try exampleReferralJson())
        _ = try store.submit(draftId: draft, service: service)
        return store
    }

    @MainActor
    func testASubmitIsSentByAShortPassUnderABackgroundTask() async throws {
        let (service, token) = try service()
        let store = try queuedStore(service)
        XCTAssertEqual(OutboxScreen.rows(try store.outbox(), now: Date(), labels: try formLabels()).first?.stateLabel, "Waiting to send")
        let host = RecordingHost()
        let engine = try SyncEngine(
            store: store, service: service, tokens: ClosureTokenProvider(current: { token }),
            observer: nil)
        let coordinator = SyncCoordinator(store: store, engine: engine, host: host)
        let report = try await XCTUnwrapAsync(await coordinator.handle(.submitted))
        XCTAssertEqual(report.delivered, 1)
        XCTAssertEqual(host.begun, 1)
        XCTAssertEqual(host.ended, 1, "the background task is ended after the pass")
        XCTAssertEqual(host.scheduled.count, 1)
        XCTAssertNil(host.scheduled[0] ?? nil, "nothing waits: the processing task is cancelled")

        let row = try XCTUnwrap(OutboxScreen.rows(try store.outbox(), now: Date(), labels: try formLabels()).first)
        XCTAssertEqual(row.stateLabel, "Delivered")
        XCTAssertTrue(row.detail?.hasPrefix("Reference ") ?? false, row.detail ?? "no detail")
        XCTAssertNil(row.title, "nothing personal is kept after delivery")
    }

    @MainActor
    func testARefusedTokenShowsSignInToSendAndNothingIsLost() async throws {
        let (service, token) = try service()
        let store = try queuedStore(service)
        let draft = try store.saveDraftJson(id: nil, json: try exampleReferralJson())
        _ = try store.submit(draftId: draft, service: service)
        let host = RecordingHost()
        let signIn = SignedInToken()
        let engine = try SyncEngine(
            store: store, service: service, tokens: ClosureTokenProvider(current: { signIn.token }),
            observer: nil)
        let coordinator = SyncCoordinator(store: store, engine: engine, host: host)
        let report = try await XCTUnwrapAsync(await coordinator.handle(.manual))
        XCTAssertTrue(report.needsSignIn)
        XCTAssertTrue(coordinator.needsSignIn)
        XCTAssertEqual(
            OutboxScreen.banner(counts: try store.counts(), needsSignIn: coordinator.needsSignIn),
            "Sign in to send 2 referrals")
        XCTAssertNil(host.scheduled.last ?? nil, "no background retries until sign-in")
        let skipped = await coordinator.handle(.foregrounded)
        XCTAssertNil(skipped, "no pass while sign-in is needed")

        signIn.token = token
        let after = try await XCTUnwrapAsync(await coordinator.signedIn())
        XCTAssertEqual(after.delivered, 2)
        XCTAssertNil(OutboxScreen.banner(counts: try store.counts(), needsSignIn: coordinator.needsSignIn))
    }

    @MainActor
    func testTheProcessingTasksExpiryCancelsThePass() async throws {
        let (real, token) = try service()
        let port = silentListener(self)
        let stalled = ServiceConfig(
            endpoint: "http://127.0.0.1:\(port)", keyId: real.keyId, publicKey: real.publicKey,
            spkiPins: [])
        let store = try queuedStore(stalled)
        let host = RecordingHost()
        let engine = try SyncEngine(
            store: store, service: stalled, tokens: ClosureTokenProvider(current: { token }),
            observer: nil)
        let coordinator = SyncCoordinator(store: store, engine: engine, host: host)
        let pass = Task { await coordinator.handle(.processingTask) }
        try await Task.sleep(nanoseconds: 500_000_000)
        let expiredAt = Date()
        coordinator.expire()
        let report = try await XCTUnwrapAsync(await pass.value)
        XCTAssertLessThan(Date().timeIntervalSince(expiredAt), 1.0)
        XCTAssertTrue(report.cancelled)
        XCTAssertEqual(host.begun, 0, "a processing task needs no extra background assertion")
        let next = try XCTUnwrap(host.scheduled.last ?? nil, "still waiting: asked to run again")
        XCTAssertGreaterThanOrEqual(next.timeIntervalSince(expiredAt), 15 * 60 - 5)
        XCTAssertEqual(try store.counts().queued, 1)
    }

    @MainActor
    func testASecondTriggerDuringAPassStartsNoSecondPass() async throws {
        let (real, token) = try service()
        let port = silentListener(self)
        let stalled = ServiceConfig(
            endpoint: "http://127.0.0.1:\(port)", keyId: real.keyId, publicKey: real.publicKey,
            spkiPins: [])
        let store = try queuedStore(stalled)
        let host = RecordingHost()
        let engine = try SyncEngine(
            store: store, service: stalled, tokens: ClosureTokenProvider(current: { token }),
            observer: nil)
        let coordinator = SyncCoordinator(store: store, engine: engine, host: host)
        let first = Task { await coordinator.handle(.manual) }
        while !coordinator.passRunning { await Task.yield() }
        let second = await coordinator.handle(.manual)  // only a running pass stops a manual one
        XCTAssertNil(second, "a second pass started while one was running")
        coordinator.expire()
        let report = try await XCTUnwrapAsync(await first.value)
        XCTAssertTrue(report.cancelled)
        XCTAssertEqual(host.begun, 1, "one background assertion, for the one pass")
        XCTAssertEqual(host.ended, 1)
    }

    @MainActor
    func testTheServicesStatusUpdateAppearsAfterTheNextPass() async throws {
        let (service, token) = try service()
        let env = ProcessInfo.processInfo.environment
        guard let cli = env["WEPROTECT_CLI"], let serverDir = env["WEPROTECT_SERVER_DIR"] else {
            throw XCTSkip("no CLI to act as the service's advisor (WEPROTECT_CLI)")
        }
        let store = try queuedStore(service)
        let engine = try SyncEngine(
            store: store, service: service, tokens: ClosureTokenProvider(current: { token }),
            observer: nil)
        let coordinator = SyncCoordinator(store: store, engine: engine, host: RecordingHost())
        _ = await coordinator.handle(.manual)
        let id = try XCTUnwrap(try store.outbox().first?.referralId)

        // An advisor at the service records an action.
        let advisor = Process()
        advisor.executableURL = URL(fileURLWithPath: cli)
        advisor.arguments = ["admin", "--server-dir", serverDir, "status", id, "advisor_assigned"]
        advisor.standardOutput = FileHandle.nullDevice
        try advisor.run()
        advisor.waitUntilExit()
        XCTAssertEqual(advisor.terminationStatus, 0)

        _ = await coordinator.handle(.manual)
        let row = try XCTUnwrap(OutboxScreen.rows(try store.outbox(), now: Date(), labels: try formLabels()).first)
        XCTAssertEqual(
            row.statuses, ["A legal advisor has been assigned", "Received by the service"],
            "newest first")
    }

    func testStatusCodesReadAsSentences() {
        XCTAssertEqual(OutboxScreen.statusLabel("order_granted"), "A protective order has been granted")
        XCTAssertEqual(OutboxScreen.statusLabel("something_new"), "Something new")
    }
}

/// The form's labels, as the outbox and follow-up screens use them.
func formLabels() throws -> FieldLabels {
    FieldLabels(try formDefinition())
}

func XCTUnwrapAsync<T>(_ value: T?, file: StaticString = #filePath, line: UInt = #line) async throws -> T {
    try XCTUnwrap(value, file: file, line: line)
}
