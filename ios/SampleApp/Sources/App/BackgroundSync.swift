// iOS's side of background sync, and nothing else: the decisions are in `SyncCoordinator` and
// `BackgroundSyncPlanner` (plain Swift, tested on Linux). Apple-only: compiled by Xcode.
//
// - `beginBackgroundTask` around every pass that is not a background task (a submit, signal
//   returning), so leaving the app does not cut a delivery short; its expiration calls
//   `cancel()` so the pass ends before iOS suspends the app.
// - A BGAppRefreshTask (short, run often enough to catch signal coming back; `fetch` mode) and
//   a BGProcessingTask that requires network (longer, typically when the phone is idle and
//   charging; `processing` mode), both registered at launch, listed in Info.plist's
//   BGTaskSchedulerPermittedIdentifiers and scheduled for when the core next wants to run. Each
//   handler submits the next request first (so an expiry or a crash does not end the chain), and
//   its expiration handler calls `cancel()`.
// - NWPathMonitor: a pass as soon as the path becomes satisfied while the app is on screen.
// Everything here is on the main actor: UIApplication is main-thread only, and the coordinator's
// state is the main actor's.
#if canImport(UIKit) && canImport(BackgroundTasks) && canImport(Network)
import BackgroundTasks
import Network
import UIKit
import WeProtect

enum BackgroundSync {
    static let processingIdentifier = SampleAppInfo.syncTaskIdentifier
    static let refreshIdentifier = SampleAppInfo.refreshTaskIdentifier

    /// Registers both handlers; call from `application(_:didFinishLaunchingWithOptions:)`. The
    /// handlers run on the main queue, where the app model lives.
    static func register() {
        for identifier in [processingIdentifier, refreshIdentifier] {
            BGTaskScheduler.shared.register(forTaskWithIdentifier: identifier, using: .main) { task in
                MainActor.assumeIsolated { run(task) }
            }
        }
    }

    @MainActor
    private static func run(_ task: BGTask) {
        let model = AppModel.shared
        // Set first: iOS may take the time back at any moment. cancel() ends the Rust pass,
        // which cancelling the Swift task alone would not; it is safe from any thread.
        let engine = model.engine
        task.expirationHandler = { try? engine?.cancel() }
        // The next request before the pass, so the chain survives an expiry; the pass's report
        // replaces it with the time the core asks for.
        schedule(earliest: Date().addingTimeInterval(BackgroundSyncPolicy().shortestBackgroundInterval))
        let trigger: SyncTrigger = task is BGProcessingTask ? .processingTask : .refreshTask
        Task { @MainActor in
            let report = await model.coordinator?.handle(trigger)
            task.setTaskCompleted(success: report.map { !$0.cancelled } ?? true)
        }
    }

    /// Asks for the next refresh and processing tasks, replacing earlier requests; nil cancels.
    static func schedule(earliest: Date?) {
        guard let earliest else {
            BGTaskScheduler.shared.cancel(taskRequestWithIdentifier: processingIdentifier)
            BGTaskScheduler.shared.cancel(taskRequestWithIdentifier: refreshIdentifier)
            return
        }
        let refresh = BGAppRefreshTaskRequest(identifier: refreshIdentifier)
        refresh.earliestBeginDate = earliest
        let processing = BGProcessingTaskRequest(identifier: processingIdentifier)
        processing.requiresNetworkConnectivity = true
        processing.requiresExternalPower = false
        processing.earliestBeginDate = earliest
        for request in [refresh, processing] as [BGTaskRequest] {
            do {
                try BGTaskScheduler.shared.submit(request)
            } catch {
                // Simulator, or background refresh turned off: the foreground triggers still send.
            }
        }
    }
}

/// `BackgroundHost` on UIKit (main actor: UIApplication is main-thread only).
@MainActor
final class UIKitBackgroundHost: BackgroundHost {
    /// The assertion's identifier; main-actor isolated (so Sendable), as is every use of it.
    @MainActor private final class TaskBox {
        var id: UIBackgroundTaskIdentifier = .invalid
        func end() {
            guard id != .invalid else { return }
            UIApplication.shared.endBackgroundTask(id)
            id = .invalid
        }
    }

    func beginBackgroundWork(expiration: @escaping @Sendable () -> Void) -> @MainActor () -> Void {
        let box = TaskBox()
        // The handler is `@MainActor @Sendable`: it may use the box, and `expiration` is Sendable.
        box.id = UIApplication.shared.beginBackgroundTask(withName: "weprotect-sync") {
            expiration()
            box.end()
        }
        return { box.end() }
    }

    var backgroundTimeRemaining: TimeInterval? {
        UIApplication.shared.applicationState == .active
            ? nil : UIApplication.shared.backgroundTimeRemaining
    }

    func scheduleProcessingTask(earliest: Date?) {
        BackgroundSync.schedule(earliest: earliest)
    }
}

/// Reports whether the network path is satisfied, on the main actor.
final class PathWatcher {
    private let monitor = NWPathMonitor()

    func start(_ onChange: @escaping @MainActor @Sendable (Bool) -> Void) {
        monitor.pathUpdateHandler = { path in
            let satisfied = path.status == .satisfied
            Task { @MainActor in onChange(satisfied) }
        }
        monitor.start(queue: DispatchQueue(label: "org.weprotect.sample.path"))
    }

    func stop() {
        monitor.cancel()
    }
}
#endif
