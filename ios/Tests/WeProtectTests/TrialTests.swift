// needs: form-editor (compiled once the bindings export the DraftEditor; see xtask/src/swift.rs)
// Issue 20, part 3 (the Kotlin trial's findings), from Swift: against the real library and the
// real reference server on loopback (`weprotect serve`, started by `cargo xtask test swift`).
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@testable import WeProtect
@testable import WeProtectCore

/// A token provider whose `token()` throws an error the bindings do not declare.
private final class ThrowingTokens: TokenProvider, @unchecked Sendable {
    struct KeychainLocked: Error {}
    func token() throws -> String? { throw KeychainLocked() }
    func refreshToken() throws -> String? { nil }
}

/// An observer that throws on every event.
private final class ThrowingObserver: SyncObserver, @unchecked Sendable {
    struct ViewGone: Error {}
    func onEvent(event: SyncEvent) throws { throw ViewGone() }
}

/// Runs `body` with the process's standard error (file descriptor 2, where the native library
/// writes) sent to a file, and returns what was written.
private func capturingStandardError(_ body: () async throws -> Void) async throws -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("weprotect-stderr-\(UUID().uuidString)").path
    let fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0o600)
    precondition(fd >= 0, "open")
    let saved = dup(2)
    dup2(fd, 2)
    do {
        try await body()
    } catch {
        dup2(saved, 2)
        close(saved)
        close(fd)
        throw error
    }
    dup2(saved, 2)
    close(saved)
    close(fd)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}

final class TrialTests: XCTestCase, @unchecked Sendable {
    private func typed(_ text: String) throws -> FieldValue { try .text(text: PersonalText(text: text)) }

    private func isClosed(_ call: () throws -> Void) -> Bool {
        do {
            try call()
            return false
        } catch WeprotectError.Closed {
            return true
        } catch {
            return false
        }
    }

    func testAfterWipeAnEditorOpenedBeforeThrowsClosedOnEveryCall() throws {
        let (service, _) = try referenceService()
        let (store, _, _) = try openFreshStore(self)
        let editor = try store.newDraft()
        _ = try editor.set(path: "victim.surname", value: typed(canarySurname))
        _ = try store.wipe()
        XCTAssertTrue(isClosed { _ = try editor.set(path: "victim.forename", value: try self.typed("Sam")) }, "set")
        XCTAssertTrue(isClosed { _ = try editor.snapshot() }, "snapshot")
        XCTAssertTrue(isClosed { _ = try editor.toJson() }, "toJson")
        XCTAssertTrue(isClosed { _ = try editor.draftId() }, "draftId")
        XCTAssertTrue(isClosed { _ = try editor.save() }, "save")
        XCTAssertTrue(isClosed { _ = try editor.addItem(groupPath: "children") }, "addItem")
        XCTAssertTrue(isClosed { _ = try editor.removeItem(groupPath: "children", index: 0) }, "removeItem")
        XCTAssertTrue(isClosed { _ = try editor.submit(service: service) }, "submit")
    }

    func testAReopenedDraftShowsWhatWasTyped() throws {
        let (store, folder, vault) = try openFreshStore(self)
        let editor = try store.newDraft()
        let outcome = try editor.set(path: "safe_contact.phone", value: typed("020 7946 0123"))
        XCTAssertEqual(try outcome.normalised?.reveal(), "+442079460123")
        let id = try XCTUnwrap(try editor.draftId())
        // The app is restarted: a new store handle on the same folder.
        let again = try Store.open(folder: folder, vault: vault)
        let reopened = try again.openDraft(draftId: id)
        let phone = try XCTUnwrap(try reopened.snapshot().fields.first { $0.path == "safe_contact.phone" })
        guard case .text(let text)? = phone.value else { return XCTFail("expected text") }
        XCTAssertEqual(try text.reveal(), "020 7946 0123", "what was typed")
        XCTAssertEqual(try phone.normalised?.reveal(), "+442079460123")
    }

    func testNetworkReturnSendsAtOnceInsteadOfAfterTheBackoff() async throws {
        let (service, token) = try referenceService()
        let (store, _, _) = try openFreshStore(self)
        let draft = try store.saveDraftJson(id: nil, json: try exampleWithCanary())
        _ = try store.submit(draftId: draft, service: service)
        // No signal: nothing listens on port 1, so connecting is refused at once. The delay is
        // random (full jitter): fail again until it is long enough to tell apart.
        let offlineService = ServiceConfig(
            endpoint: "http://127.0.0.1:1", keyId: service.keyId, publicKey: service.publicKey,
            spkiPins: [])
        let offline = try SyncEngine(
            store: store, service: offlineService,
            tokens: ClosureTokenProvider(current: { token }), observer: nil)
        var entry = try XCTUnwrap(try store.outbox().first)
        while true {
            let wait = entry.nextAttemptAt.map { $0.timeIntervalSinceNow } ?? 0
            if wait > 1.5 { break }
            if wait > 0 { try await Task.sleep(nanoseconds: UInt64((wait + 0.02) * 1e9)) }
            _ = try await offline.syncNow(deadline: 5)
            entry = try XCTUnwrap(try store.outbox().first)
        }
        XCTAssertEqual(entry.lastErrorCode, "network.connect")
        let engine = try SyncEngine(
            store: store, service: service, tokens: ClosureTokenProvider(current: { token }),
            observer: nil)
        let waited = try await engine.syncNow(deadline: 10)
        XCTAssertEqual(waited.delivered, 0, "the backoff is honoured until the network returns")
        // What the NWPathMonitor handler calls when the path is satisfied again.
        XCTAssertEqual(try engine.networkAvailable(), 1)
        let sent = try await engine.syncNow(deadline: 10)
        XCTAssertEqual(sent.delivered, 1)
        XCTAssertEqual(try store.outbox().first?.state, .delivered)
    }

    /// The reference server behind TLS with a private CA (started by `cargo xtask test swift`).
    private func tlsFront() throws -> (endpoint: String, caDer: Data, pin: String) {
        let env = ProcessInfo.processInfo.environment
        guard let endpoint = env["WEPROTECT_TLS_ENDPOINT"], let ca = env["WEPROTECT_TLS_CA_DER"],
            let pin = env["WEPROTECT_TLS_PIN"]
        else { throw XCTSkip("no TLS front (WEPROTECT_TLS_* are not set)") }
        return (endpoint, try Data(contentsOf: URL(fileURLWithPath: ca)), pin)
    }

    private func queuedBehindTls(pins: [String]) throws -> (Store, ServiceConfig, String) {
        let (service, token) = try referenceService()
        let tls = try tlsFront()
        let (store, _, _) = try openFreshStore(self)
        let draft = try store.saveDraftJson(id: nil, json: try exampleWithCanary())
        _ = try store.submit(draftId: draft, service: service)
        let behind = ServiceConfig(
            endpoint: tls.endpoint, keyId: service.keyId, publicKey: service.publicKey,
            spkiPins: pins)
        return (store, behind, token)
    }

    func testBehindAPrivateCATrustedExplicitlyAndPinnedTheReferralIsDelivered() async throws {
        let tls = try tlsFront()
        let (store, service, token) = try queuedBehindTls(pins: [tls.pin])
        let engine = try SyncEngine.withExtraRoots(
            store: store, service: service, tokens: ClosureTokenProvider(current: { token }),
            observer: nil, extraRootCertificates: [tls.caDer])
        let report = try await engine.syncNow(deadline: 20)
        XCTAssertEqual(report.delivered, 1)
        XCTAssertFalse(report.pinMismatch)
    }

    func testBehindAPrivateCAAKeyThatMatchesNoPinSendsNothing() async throws {
        let tls = try tlsFront()
        let (store, service, token) = try queuedBehindTls(pins: [String(repeating: "ab", count: 32)])
        let engine = try SyncEngine.withExtraRoots(
            store: store, service: service, tokens: ClosureTokenProvider(current: { token }),
            observer: nil, extraRootCertificates: [tls.caDer])
        let report = try await engine.syncNow(deadline: 20)
        XCTAssertTrue(report.pinMismatch)
        XCTAssertEqual(report.delivered, 0)
        let entry = try XCTUnwrap(try store.outbox().first)
        XCTAssertEqual(entry.state, .queued)
        XCTAssertEqual(entry.lastErrorCode, "tls.pin_mismatch")
    }

    func testBehindACATheDeviceDoesNotTrustTheCodeIsUntrustedCertificate() async throws {
        let tls = try tlsFront()
        let (store, service, token) = try queuedBehindTls(pins: [tls.pin])
        let engine = try SyncEngine(
            store: store, service: service, tokens: ClosureTokenProvider(current: { token }),
            observer: nil)
        let report = try await engine.syncNow(deadline: 20)
        XCTAssertEqual(report.delivered, 0)
        XCTAssertEqual(try store.outbox().first?.lastErrorCode, "tls.untrusted_certificate")
    }

    func testACallbackThatThrowsIsAnOrdinaryErrorAndNothingIsPrinted() async throws {
        let (service, token) = try referenceService()
        let (store, _, _) = try openFreshStore(self)
        let draft = try store.saveDraftJson(id: nil, json: try exampleWithCanary())
        _ = try store.submit(draftId: draft, service: service)
        let printed = try await capturingStandardError {
            let engine = try SyncEngine(
                store: store, service: service, tokens: ThrowingTokens(), observer: nil)
            do {
                _ = try await engine.syncNow(deadline: 10)
                XCTFail("a throwing token provider must end the pass with an error")
            } catch WeprotectError.CallbackFailed {
                // The stable code `callback_failed`: nothing was sent.
            }
            XCTAssertEqual(try store.counts().queued, 1, "nothing lost")
            let delivering = try SyncEngine(
                store: store, service: service, tokens: ClosureTokenProvider(current: { token }),
                observer: ThrowingObserver())
            let report = try await delivering.syncNow(deadline: 10)
            XCTAssertEqual(report.delivered, 1, "an observer that throws does not stop the pass")
        }
        XCTAssertFalse(printed.contains("panic"), "printed: \(printed)")
        XCTAssertFalse(printed.contains("internal error"), "printed: \(printed)")
    }
}
