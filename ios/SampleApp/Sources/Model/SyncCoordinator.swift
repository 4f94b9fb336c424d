// Runs sync passes when the app has a reason to: right after a submit, when signal returns in
// the foreground, in a BGAppRefreshTask or BGProcessingTask; each pass also fetches the
// service's status updates
// in the time left. The decisions come from `BackgroundSyncPlanner`; what
// iOS provides (background time, BGTaskScheduler) comes through `BackgroundHost`, a few lines
// of UIKit in the app (`App/BackgroundSync.swift`) and a recording fake in the Linux tests, which
// drive this class against the real library and the reference server.
import Foundation
import WeProtect
import WeProtectCore

/// What the coordinator needs from iOS. Main actor: UIApplication's calls are main-thread only.
@MainActor
protocol BackgroundHost: AnyObject {
    /// `UIApplication.beginBackgroundTask`: keeps the app running briefly after it leaves the
    /// screen. `expiration` runs if the time runs out. Returns the matching `endBackgroundTask`.
    func beginBackgroundWork(expiration: @escaping @Sendable () -> Void) -> @MainActor () -> Void
    /// `UIApplication.backgroundTimeRemaining` (nil in the foreground).
    var backgroundTimeRemaining: TimeInterval? { get }
    /// Submits (or, for nil, cancels) the BGProcessingTask request that needs network.
    func scheduleProcessingTask(earliest: Date?)
}

/// Owns the engine's passes for the app. On the main actor: its state (`passRunning`,
/// `needsSignIn`) is read by the screens, the host calls UIKit, and two triggers must not both
/// see `passRunning == false`. `await engine.syncNow` suspends without blocking the main thread.
@MainActor
final class SyncCoordinator {
    let store: Store
    let engine: SyncEngine
    private let host: BackgroundHost
    private var planner: BackgroundSyncPlanner
    private(set) var passRunning = false
    /// The last pass said the token was refused: show the sign-in banner.
    private(set) var needsSignIn = false
    private(set) var lastReport: SyncReport?

    init(store: Store, engine: SyncEngine, host: BackgroundHost, planner: BackgroundSyncPlanner = BackgroundSyncPlanner()) {
        self.store = store
        self.engine = engine
        self.host = host
        self.planner = planner
    }

    /// Runs a pass if the trigger calls for one; returns its report, or nil when none ran.
    @discardableResult
    func handle(_ trigger: SyncTrigger, pathSatisfied: Bool = true, now: Date = Date()) async -> SyncReport? {
        if trigger == .networkSatisfied, pathSatisfied {
            // Signal is back: what failed for want of a network is due now, not after its backoff.
            _ = try? await engine.networkReturned()
        }
        let waiting = waitingToSend()
        guard planner.shouldRun(
                trigger, pathSatisfied: pathSatisfied, passRunning: passRunning, waiting: waiting,
                needsSignIn: needsSignIn),
            let deadline = planner.passDeadline(
                trigger: trigger, now: now, backgroundTimeRemaining: host.backgroundTimeRemaining)
        else { return nil }
        return await runPass(until: deadline, now: now, trigger: trigger)
    }

    /// Referrals and addenda waiting to be delivered (counts only, nothing decrypted):
    /// information added after a referral was delivered, or a withdrawal, waits in its
    /// referral's addenda and must start a pass too (the engine's own report counts both).
    func waitingToSend() -> UInt32 {
        guard let counts = try? store.counts() else { return 0 }
        return counts.queued + counts.queuedAddenda
    }

    /// The officer signed in again: clear the banner and send what waited for it.
    @discardableResult
    func signedIn() async -> SyncReport? {
        needsSignIn = false
        return await handle(.manual)
    }

    /// The BGProcessingTask's expiration handler: end the pass now (the Rust work does not stop
    /// when a Swift task is cancelled).
    func expire() {
        try? engine.cancel()
        // `cancel()` ends the passes running in Rust now; a pass this coordinator has started
        // but whose call has not reached Rust yet (a loaded phone, a busy executor) would miss
        // it and run to its deadline. The time is up for every pass, so cancel again until the
        // pass ends (for two seconds at most).
        guard passRunning else { return }
        Task { [engine] in
            for _ in 0..<100 where self.passRunning {
                try? engine.cancel()
                try? await Task.sleep(nanoseconds: 20_000_000)
            }
        }
    }

    private func runPass(until deadline: Date, now: Date, trigger: SyncTrigger) async -> SyncReport? {
        passRunning = true
        defer { passRunning = false }
        // A processing task has its own expiration handler; every other pass is protected by a
        // background-task assertion so leaving the app does not cut a delivery short.
        let end: (@MainActor () -> Void)? =
            trigger == .processingTask
            ? nil : host.beginBackgroundWork(expiration: { [engine] in try? engine.cancel() })
        defer { end?() }
        let report: SyncReport
        do {
            report = try await engine.syncNow(deadline: max(0, deadline.timeIntervalSince(now)))
        } catch {
            // Storage or internal errors: nothing was lost; try again in the background later.
            host.scheduleProcessingTask(earliest: now.addingTimeInterval(planner.policy.shortestBackgroundInterval))
            return nil
        }
        lastReport = report
        needsSignIn = report.needsSignIn
        // The service's status updates for what it has received, in the time that is left.
        let left = deadline.timeIntervalSinceNow
        if !report.needsSignIn, !report.cancelled, left > 1,
            ((try? store.counts().delivered) ?? 0) > 0
        {
            do {
                _ = try await engine.refreshStatuses(deadline: left)
            } catch WeprotectError.NeedsSignIn {
                needsSignIn = true
            } catch {
                // Statuses are best effort: the next pass asks again.
            }
        }
        host.scheduleProcessingTask(
            earliest: planner.nextBackgroundRequest(after: PassOutcome(report), now: Date()))
        return report
    }
}
