// Sync progress as an AsyncStream, and the small adapters an iOS app needs around the generated
// API. The generated `SyncObserver` protocol is a callback the core calls from its own thread;
// Swift code would rather `for await` over events on the main actor. Nothing here adds a rule.
import Foundation
import WeProtectCore

/// A `SyncObserver` whose events arrive as an `AsyncStream`.
///
/// Pass it to `SyncEngine(store:service:tokens:observer:)` and iterate `events` (for example in
/// a SwiftUI `.task`). The callback only yields into the stream, so it is quick and never calls
/// back into the engine, as the core requires. The stream keeps the newest `bufferSize` events
/// when nobody is reading.
public final class SyncEventStream: SyncObserver, @unchecked Sendable {
    /// The events, in the order the engine reported them (ids and codes only, no personal data).
    public let events: AsyncStream<SyncEvent>
    private let continuation: AsyncStream<SyncEvent>.Continuation

    public init(bufferSize: Int = 256) {
        (events, continuation) = AsyncStream.makeStream(
            of: SyncEvent.self, bufferingPolicy: .bufferingNewest(bufferSize))
    }

    /// Called by the core during a pass.
    public func onEvent(event: SyncEvent) {
        continuation.yield(event)
    }

    /// Ends the stream (for example when the engine is released).
    public func finish() {
        continuation.finish()
    }
}

/// A `TokenProvider` backed by closures (the app's sign-in). The core calls them off its async
/// workers, so they may block briefly (a Keychain read, a token refresh).
public final class ClosureTokenProvider: TokenProvider, @unchecked Sendable {
    private let current: @Sendable () -> String?
    private let refresh: @Sendable () -> String?

    /// `refresh` is asked once after the service refused `current()`; return nil when the
    /// officer must sign in again.
    public init(
        current: @escaping @Sendable () -> String?,
        refresh: @escaping @Sendable () -> String? = { nil }
    ) {
        self.current = current
        self.refresh = refresh
    }

    public func token() -> String? { current() }
    public func refreshToken() -> String? { refresh() }
}

extension Store {
    /// Opens (or creates) the store in `folder` with the data key from `vault`, after giving the
    /// folder its file protection and backup exclusion, and settles a rotation a crash
    /// interrupted: with a pending key, the current key is tried first (the store never moved:
    /// the pending key is discarded), then the pending one (the store moved: it is committed).
    /// Throws `WeprotectError.WrongKey` only when neither key opens the store (nothing is changed).
    public static func open(folder: URL, vault: KeyVault) throws -> Store {
        try StoreFolder.prepare(folder)
        do {
            let store = try Store.open(dir: folder.path, dataKey: try vault.dataKey())
            if try vault.pendingDataKey() != nil { try vault.discardPendingKey() }
            return store
        } catch WeprotectError.WrongKey {
            guard let pending = try vault.pendingDataKey() else { throw WeprotectError.WrongKey }
            let store = try Store.open(dir: folder.path, dataKey: pending)
            try vault.commitRotation()
            return store
        }
    }

    /// Re-encrypts the store under a new random key: the vault keeps it as pending first, the
    /// store is rekeyed in one transaction, then the key becomes current. A crash at any point
    /// leaves a store that `open(folder:vault:)` opens.
    /// (Android: `Weprotect.rotateKey`, over the vault's `beginRotation` / `commitRotation`.)
    public func rotateKey(vault: KeyVault) throws {
        try rotateKey(vault: vault, afterRekey: {})
    }

    /// The rotation with a hook between the rekey and the commit, where the tests kill the
    /// process (see RotationCrashTests).
    func rotateKey(vault: KeyVault, afterRekey: () throws -> Void) throws {
        let next = try vault.beginRotation()
        try rekey(newKey: next)
        try afterRekey()
        try vault.commitRotation()
    }
}

extension SyncEngine {
    /// Call it when `NWPathMonitor` reports a satisfied path again (signal is back), then run a
    /// pass: referrals that could not reach the service stop waiting out their backoff and are
    /// sent by that pass at once. Those the service itself put off (a 503, a Retry-After) keep
    /// their schedule. The store call runs off the caller's actor; returns how many became due.
    @discardableResult
    public func networkReturned() async throws -> UInt32 {
        try await Task.detached { [self] in try self.networkAvailable() }.value
    }
}

extension PassOutcome {
    /// What the scheduler needs from a core report.
    public init(_ report: SyncReport) {
        self.init(
            waiting: report.waiting, needsSignIn: report.needsSignIn,
            pinMismatch: report.pinMismatch, nextRunAt: report.nextRunAt)
    }
}
