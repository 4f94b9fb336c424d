// Adapters that let any Swift 6 type observe sync and supply tokens.
//
// The generated `SyncObserver` and `TokenProvider` are class-bound protocols (`AnyObject,
// Sendable`) with synchronous requirements the core calls from its own threads. So a struct
// cannot conform at all, and an actor can conform only with `nonisolated` methods that cannot
// touch its state. The adapters here are the conforming classes; the app passes a closure, a
// struct or an actor:
//
// - `ClosureSyncObserver { event in ... }` calls a `@Sendable` closure on the core's thread
//   (keep it quick; never call the engine from it).
// - `ActorSyncObserver(receiver)` delivers each event, in order, to an actor's (or any
//   `Sendable` type's) `async` method, through one forwarding task: the core never waits.
// - `TokenSourceProvider(source)` wraps a struct or any `Sendable` value with synchronous
//   methods; `AsyncTokenProvider { await ... }` wraps `async` closures (an actor that owns the
//   sign-in): the core calls `token()` on a blocking thread, which waits for the async work.
//   `ClosureTokenProvider` (SyncEvents.swift) takes plain closures.
import Foundation
import WeProtectCore

/// A `SyncObserver` that calls a closure with each event, on the core's sync task.
public final class ClosureSyncObserver: SyncObserver, Sendable {
    private let handler: @Sendable (SyncEvent) -> Void

    /// `handler` must be quick and must not call the engine or the store.
    public init(_ handler: @escaping @Sendable (SyncEvent) -> Void) {
        self.handler = handler
    }

    public func onEvent(event: SyncEvent) {
        handler(event)
    }
}

/// Something that receives sync events asynchronously: typically an actor (a view model, a
/// notification manager). Conforming actors implement `receive(_:)` as an ordinary isolated
/// method.
public protocol SyncEventReceiver: Sendable {
    /// One event (ids and codes only). May take its time: the core does not wait for it.
    func receive(_ event: SyncEvent) async
}

/// A `SyncObserver` that hands every event, in the engine's order, to a `SyncEventReceiver`
/// (an actor). The core's callback only yields into a stream; one task drains it, so a slow
/// receiver never slows the pass (the newest `bufferSize` events are kept). Call `finish()`
/// when the engine is released; events already yielded are still delivered.
public final class ActorSyncObserver: SyncObserver, Sendable {
    private let stream: SyncEventStream
    /// The forwarding task; it ends when `finish()` has been called and the stream is drained.
    public let forwarding: Task<Void, Never>

    public init(_ receiver: some SyncEventReceiver, bufferSize: Int = 256) {
        let stream = SyncEventStream(bufferSize: bufferSize)
        self.forwarding = Task {
            for await event in stream.events {
                await receiver.receive(event)
            }
        }
        self.stream = stream
    }

    public func onEvent(event: SyncEvent) {
        stream.onEvent(event: event)
    }

    /// Ends the stream; `await observer.forwarding.value` waits until every event was handed on.
    public func finish() {
        stream.finish()
    }
}

/// Where a token comes from, as a value type may implement it (the core's `TokenProvider`
/// must be a class). Methods are called on a blocking thread of the core: they may wait briefly
/// (a Keychain read) and must not call the engine.
public protocol TokenSource: Sendable {
    /// The current token, or nil when the officer is signed out. Throwing ends the pass with
    /// `WeprotectError.CallbackFailed`, nothing sent.
    func token() throws -> String?
    /// A fresh token after the service refused the current one, or nil when the officer must
    /// sign in again (the default). Throwing counts as nil.
    func refreshToken() throws -> String?
}

extension TokenSource {
    public func refreshToken() throws -> String? { nil }
}

/// The core's `TokenProvider` over a `TokenSource` (a struct, an enum, any `Sendable` value).
public final class TokenSourceProvider: TokenProvider, Sendable {
    private let source: any TokenSource

    public init(_ source: some TokenSource) {
        self.source = source
    }

    public func token() throws -> String? { try source.token() }
    public func refreshToken() throws -> String? { try source.refreshToken() }
}

/// The core's `TokenProvider` over `async` closures, for a sign-in that lives in an actor:
/// `AsyncTokenProvider(current: { await session.token() })`. The core calls `token()` on one of
/// its blocking threads (never on Swift's cooperative pool or the main actor), which waits for
/// the async work at most `timeout` seconds; then the work is cancelled and the call throws
/// `CallbackError.Failed`: `token()` ends the pass with `callback_failed` (nothing sent, nothing
/// lost, retry later) rather than asking the officer to sign in again.
public final class AsyncTokenProvider: TokenProvider, Sendable {
    private let current: @Sendable () async throws -> String?
    private let refresh: @Sendable () async throws -> String?
    private let timeout: TimeInterval

    public init(
        timeout: TimeInterval = 30,
        current: @escaping @Sendable () async throws -> String?,
        refresh: @escaping @Sendable () async throws -> String? = { nil }
    ) {
        self.timeout = timeout
        self.current = current
        self.refresh = refresh
    }

    public func token() throws -> String? { try wait(for: current) }
    public func refreshToken() throws -> String? { try wait(for: refresh) }

    private func wait(for work: @escaping @Sendable () async throws -> String?) throws -> String? {
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        let task = Task {
            do {
                box.set(.success(try await work()))
            } catch {
                box.set(.failure(error))
            }
            done.signal()
        }
        if done.wait(timeout: .now() + timeout) == .timedOut {
            task.cancel()
            throw CallbackError.Failed
        }
        return try box.get()
    }
}

/// The result of one async token call, handed from its task to the waiting thread.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<String?, any Error> = .success(nil)

    func set(_ value: Result<String?, any Error>) {
        lock.lock()
        result = value
        lock.unlock()
    }

    func get() throws -> String? {
        lock.lock()
        defer { lock.unlock() }
        return try result.get()
    }
}
