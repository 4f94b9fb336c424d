// iOS's side of background sync, and nothing else: the decisions are in `SyncCoordinator` and
// `BackgroundSyncPlanner` (plain Swift, tested on Linux). Apple-only: compiled by Xcode.
//
// - `beginBackgroundTask` around every pass that is not a BGProcessingTask (a submit, signal
//   returning), so leaving the app does not cut a delivery short; its expiration calls
//   `cancel()` so the pass ends before iOS suspends the app.
// - One BGProcessingTask that requires network, registered at launch (its identifier is in
//   Info.plist's BGTaskSchedulerPermittedIdentifiers, and UIBackgroundModes has `processing`),
//   scheduled for when the core next wants to run; its expiration handler calls `cancel()`.
// - NWPathMonitor: a pass as soon as the path becomes satisfied while the app is on screen.
#if canImport(UIKit) && canImport(BackgroundTasks) && canImport(Network)
import BackgroundTasks
import Network
import UIKit
import WeProtect

enum BackgroundSync {
    static let taskIdentifier = SampleAppInfo.syncTaskIdentifier

    /// Registers the handler; call from `application(_:didFinishLaunchingWithOptions:)`. The
    /// handler runs on the main queue, where the app model lives.
    static func register() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: taskIdentifier, using: .main) { task in
            guard let task = task as? BGProcessingTask else { return }
            MainActor.assumeIsolated { run(task) }
        }
    }

    @MainActor
    private static func run(_ task: BGProcessingTask) {
        let model = AppModel.shared
        // Set first: iOS may take the time back at any moment. cancel() ends the Rust pass,
        // which cancelling the Swift task alone would not; it is safe from any thread.
        let engine = model.engine
        task.expirationHandler = { try? engine?.cancel() }
        Task { @MainActor in
            let report = await model.coordinator?.handle(.processingTask)
            task.setTaskCompleted(success: report.map { !$0.cancelled } ?? true)
        }
    }

    /// Asks for the next processing task, replacing any earlier request; nil cancels it.
    static func schedule(earliest: Date?) {
        guard let earliest else {
            BGTaskScheduler.shared.cancel(taskRequestWithIdentifier: taskIdentifier)
            return
        }
        let request = BGProcessingTaskRequest(identifier: taskIdentifier)
        request.requiresNetworkConnectivity = true
        request.requiresExternalPower = false
        request.earliestBeginDate = earliest
        do {
            try BGTaskScheduler.shared.submit(request)
        } catch {
            // Simulator, or background refresh turned off: the foreground triggers still send.
        }
    }
}

/// `BackgroundHost` on UIKit.
final class UIKitBackgroundHost: BackgroundHost {
    private final class TaskBox { var id: UIBackgroundTaskIdentifier = .invalid }

    func beginBackgroundWork(expiration: @escaping @Sendable () -> Void) -> () -> Void {
        let box = TaskBox()
        let end = {
            if box.id != .invalid {
                UIApplication.shared.endBackgroundTask(box.id)
                box.id = .invalid
            }
        }
        box.id = UIApplication.shared.beginBackgroundTask(withName: "weprotect-sync") {
            expiration()
            end()
        }
        return end
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

    func start(_ onChange: @escaping @MainActor (Bool) -> Void) {
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
