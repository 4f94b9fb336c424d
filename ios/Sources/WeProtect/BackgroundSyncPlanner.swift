// When an iOS app should run a sync pass, and how long the pass may take. The core owns the
// delivery policy (what is due, backoff, what is permanent) and says in each report when it next
// wants to run; iOS owns the clock the app may use: about 30 seconds after `beginBackgroundTask`
// or in a BGAppRefreshTask, a few minutes in a BGProcessingTask, and nothing at all once the
// expiration handler fires.
// These decisions are plain Swift so the Linux tests cover them; the UIKit/BackgroundTasks calls
// that act on them stay a few lines in the app.
import Foundation

/// What one pass reported, in the terms the scheduler needs (mapped from the core's report).
public struct PassOutcome: Equatable, Sendable {
    /// Referrals still queued after the pass.
    public var waiting: UInt32
    /// The service refused the token: nothing will send until the officer signs in again.
    public var needsSignIn: Bool
    /// The service's key matched no pin (a captive portal or interception): nothing was sent.
    public var pinMismatch: Bool
    /// When the core next wants to run (`nil`: nothing is waiting).
    public var nextRunAt: Date?

    public init(waiting: UInt32, needsSignIn: Bool, pinMismatch: Bool = false, nextRunAt: Date?) {
        self.waiting = waiting
        self.needsSignIn = needsSignIn
        self.pinMismatch = pinMismatch
        self.nextRunAt = nextRunAt
    }
}

/// The numbers behind the decisions; tests and apps may override them.
public struct BackgroundSyncPolicy: Equatable, Sendable {
    /// Time kept back from the system's allowance, so the pass ends (and its receipts are
    /// committed) before iOS suspends the app.
    public var safetyMargin: TimeInterval = 5
    /// The longest pass started in the foreground or under `beginBackgroundTask` (iOS grants
    /// about 30 seconds to finish work after the app leaves the screen).
    public var foregroundPass: TimeInterval = 25
    /// The pass length inside a BGProcessingTask (iOS gives minutes; the expiration handler
    /// cancels the pass if it takes the time back earlier).
    public var processingTaskPass: TimeInterval = 120
    /// Below this there is no point starting: one request may need a few seconds on a poor link.
    public var shortestUsefulPass: TimeInterval = 3
    /// The soonest a BGProcessingTask is requested after a pass (iOS runs them rarely anyway; an
    /// earlier request only wastes the budget).
    public var shortestBackgroundInterval: TimeInterval = 15 * 60

    public init() {}
}

/// Why a pass is being considered.
public enum SyncTrigger: Equatable, Sendable {
    /// The officer submitted a referral (run a short pass under `beginBackgroundTask`).
    case submitted
    /// NWPathMonitor reported a satisfied path while the app is in the foreground.
    case networkSatisfied
    /// The app came to the foreground.
    case foregrounded
    /// The system started our BGProcessingTask (minutes, usually while idle).
    case processingTask
    /// The system started our BGAppRefreshTask (about 30 seconds, run more often).
    case refreshTask
    /// The officer asked (pull to refresh, "send now").
    case manual
}

/// The scheduling decisions of the iOS shell.
public struct BackgroundSyncPlanner: Sendable {
    public var policy: BackgroundSyncPolicy
    private var lastPathSatisfied: Bool?

    public init(policy: BackgroundSyncPolicy = BackgroundSyncPolicy()) {
        self.policy = policy
    }

    /// The deadline for a pass that starts `now`, or `nil` when there is too little time to
    /// start one. `backgroundTimeRemaining` is UIApplication's value (`nil` or a huge value in the
    /// foreground).
    public func passDeadline(
        trigger: SyncTrigger, now: Date, backgroundTimeRemaining: TimeInterval? = nil
    ) -> Date? {
        let wanted: TimeInterval =
            trigger == .processingTask ? policy.processingTaskPass : policy.foregroundPass
        var allowed = wanted
        if let remaining = backgroundTimeRemaining, remaining.isFinite, remaining < 1e6 {
            allowed = min(wanted, remaining - policy.safetyMargin)
        }
        guard allowed >= policy.shortestUsefulPass else { return nil }
        return now.addingTimeInterval(allowed)
    }

    /// Whether a trigger should start a pass now. A pass that is already running covers every
    /// trigger (the core runs one pass at a time and the next report reschedules). A network
    /// change counts only when the path becomes satisfied, not on every update while it stays so.
    public mutating func shouldRun(
        _ trigger: SyncTrigger, pathSatisfied: Bool, passRunning: Bool, waiting: UInt32,
        needsSignIn: Bool
    ) -> Bool {
        let becameSatisfied = pathSatisfied && lastPathSatisfied != true
        if trigger == .networkSatisfied || lastPathSatisfied == nil {
            lastPathSatisfied = pathSatisfied
        }
        if passRunning { return false }
        switch trigger {
        case .manual:
            return true
        case .submitted:
            return !needsSignIn
        case .networkSatisfied:
            return becameSatisfied && waiting > 0 && !needsSignIn
        case .foregrounded, .processingTask, .refreshTask:
            return waiting > 0 && !needsSignIn
        }
    }

    /// When to ask BGTaskScheduler for the next refresh and processing tasks after a pass, or `nil` to cancel
    /// any pending request: nothing waits, or nothing can be sent until the officer signs in (the
    /// sign-in itself triggers the next pass).
    public func nextBackgroundRequest(after outcome: PassOutcome, now: Date) -> Date? {
        guard outcome.waiting > 0, !outcome.needsSignIn else { return nil }
        let soonest = now.addingTimeInterval(policy.shortestBackgroundInterval)
        guard let wanted = outcome.nextRunAt else { return soonest }
        return max(wanted, soonest)
    }
}
