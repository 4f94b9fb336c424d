// Async forms of the core's blocking calls, and sync passes that a Swift `Task` can cancel.
//
// The store and the editor block on SQLite (a commit waits for the disk), so an app must not
// call them on the main actor. `store.io { ... }` and `editor.io { ... }` (the Kotlin layer's
// `store.io {}` / `editor.io {}`) run a block on a Dispatch queue and resume the caller when it is
// done: off the main actor, and off Swift's cooperative pool too, whose few threads must never
// wait on a disk.
//
// The generated `syncNow` is `async`, but cancelling the Swift task does not reach the Rust
// pass: it would run on to its deadline. `engine.sync(until:)` calls the engine's `cancel()` when
// its task is cancelled (the Kotlin layer's `engine.sync(deadline)`), so the pass ends within
// moments, reports `cancelled`, and what was in flight stays queued under the same key.
//
// One deadline type across the layer: a `Date` (the planner's `passDeadline` returns one, and
// `sync(until:)` / `refresh(until:)` take one). A deadline computed before a wait still means
// the same moment after it; the interval the core wants is taken at the last moment.
import Foundation
import WeProtectCore

/// Runs `body` on a global Dispatch queue and resumes the caller with its result.
func runBlocking<T: Sendable>(
    qos: DispatchQoS.QoSClass, _ body: @escaping @Sendable () throws -> T
) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: qos).async {
            continuation.resume(with: Result { try body() })
        }
    }
}

extension Store {
    /// Runs blocking store calls off the caller's actor: `try await store.io { try $0.outbox() }`.
    public func io<T: Sendable>(
        qos: DispatchQoS.QoSClass = .userInitiated,
        _ body: @escaping @Sendable (Store) throws -> T
    ) async throws -> T {
        try await runBlocking(qos: qos) { try body(self) }
    }
}

extension DraftEditor {
    /// Runs editor calls (which autosave into SQLite) off the caller's actor:
    /// `try await editor.io { try $0.set(path: p, value: v) }`.
    public func io<T: Sendable>(
        qos: DispatchQoS.QoSClass = .userInitiated,
        _ body: @escaping @Sendable (DraftEditor) throws -> T
    ) async throws -> T {
        try await runBlocking(qos: qos) { try body(self) }
    }
}

/// The seconds left until `deadline` (none left: zero, so the core ends the pass at once).
func secondsLeft(until deadline: Date, now: Date = Date()) -> TimeInterval {
    max(0, deadline.timeIntervalSince(now))
}

/// Whether a pass is still running; when it is, a cancellation keeps calling `cancel()` until it
/// ends, so a cancel that arrives before the Rust pass has registered itself is not lost.
private final class PassWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true

    var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    func ended() {
        lock.lock()
        running = false
        lock.unlock()
    }
}

extension SyncEngine {
    /// One pass until `deadline` whose task cancellation reaches Rust: cancelling the calling
    /// `Task` (an expiring background task, a view going away) calls `cancel()`, and the pass
    /// returns promptly with `report.cancelled` set; what was in flight stays queued. A task
    /// cancelled before the call throws `CancellationError` and starts nothing.
    public func sync(until deadline: Date) async throws -> SyncReport {
        try await cancellable { engine in
            try await engine.syncNow(deadline: secondsLeft(until: deadline))
        }
    }

    /// Fetches status updates until `deadline`; task cancellation reaches Rust as for `sync`.
    @discardableResult
    public func refresh(until deadline: Date) async throws -> UInt32 {
        try await cancellable { engine in
            try await engine.refreshStatuses(deadline: secondsLeft(until: deadline))
        }
    }

    private func cancellable<T: Sendable>(
        _ body: @escaping @Sendable (SyncEngine) async throws -> T
    ) async throws -> T {
        try Task.checkCancellation()
        let watch = PassWatch()
        return try await withTaskCancellationHandler {
            defer { watch.ended() }
            return try await body(self)
        } onCancel: { [self] in
            try? cancel()
            // The Rust pass registers for cancellation when it first runs; a cancel before that
            // moment would be missed, so ask again until the pass has ended.
            Task.detached { [self] in
                while watch.isRunning {
                    try? await Task.sleep(nanoseconds: 20_000_000)
                    if watch.isRunning { try? cancel() }
                }
            }
        }
    }
}
