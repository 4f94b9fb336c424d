// The app's state for SwiftUI: opens the store with the Keychain-held key, owns the form
// session, the outbox rows and the sync coordinator, and turns iOS events into sync triggers.
// Apple-only glue (ObservableObject, Keychain, bundle resources); the logic it calls lives in
// Model/ and is tested on Linux.
#if canImport(SwiftUI) && canImport(UIKit) && canImport(Security)
import Foundation
import Security
import SwiftUI
import UIKit
import WeProtect
import WeProtectCore

@MainActor
final class AppModel: ObservableObject {
    static let shared = AppModel()

    @Published private(set) var sections: [SectionRows] = []
    @Published private(set) var summary: String?
    @Published private(set) var outbox: [OutboxRow] = []
    @Published private(set) var banner: String?
    @Published private(set) var queuedCount: UInt32 = 0
    @Published private(set) var openFailure: String?
    /// The screen is being recorded or mirrored: the content is covered as when inactive.
    @Published private(set) var screenCaptured = false
    @Published var message: String?
    /// What a follow-up or a withdrawal did, shown on the "Sent" tab.
    @Published var outboxMessage: String?
    @Published var showSignIn = false
    /// Consent refused: the organisation's route, shown with "Delete this draft".
    @Published private(set) var consentRefusedRoute: String?
    /// Warnings the officer is asked to confirm before sending; nil when none is asked.
    @Published var toConfirm: [Problem]?
    /// The referrer's saved details as the "My details" boxes show them.
    @Published private(set) var profile: [ProfileDetail: String] = [:]
    /// Why the last profile save was refused (the core's messages, never the values).
    @Published private(set) var profileProblems: [String] = []
    /// Offer "My details" at start: none saved and the officer has not said "later".
    @Published private(set) var offerProfile = false
    private var profileDeclined = false

    private(set) var coordinator: SyncCoordinator?
    /// The engine, for the BGProcessingTask's expiration handler (cancel() is thread-safe).
    private(set) var engine: SyncEngine?
    private var store: Store?
    private var service: ServiceConfig?
    private var session: FormSession?
    /// The form's labels, for the outbox's "to follow" and follow-up lines.
    private var labels: FieldLabels?
    private let tokens = DeviceTokenKeychain()
    private let events = SyncEventStream()
    private let path = PathWatcher()
    private var isActive = false
    private var pathSatisfied = false

    private init() {
        open()
        Task { [weak self, events] in
            for await _ in events.events { self?.refresh() }
        }
        path.start { [weak self] satisfied in
            guard let self else { return }
            self.pathSatisfied = satisfied
            guard self.isActive else { return }
            Task { await self.sync(.networkSatisfied) }
        }
        // Before the first unlock after a restart the Keychain refuses (-25308) and the files are
        // locked: the open fails, and is tried again once protected data becomes available.
        NotificationCenter.default.addObserver(
            forName: UIApplication.protectedDataDidBecomeAvailableNotification, object: nil,
            queue: .main
        ) { [weak self] _ in
            MainActor.assumeIsolated { self?.openIfNeeded() }
        }
        NotificationCenter.default.addObserver(
            forName: UIScreen.capturedDidChangeNotification, object: nil, queue: .main
        ) { [weak self] _ in
            MainActor.assumeIsolated { self?.screenCaptured = UIScreen.main.isCaptured }
        }
        screenCaptured = UIScreen.main.isCaptured
    }

    /// Opens the store, the engine and the latest draft. A failure (the phone not unlocked since
    /// it started, a missing key) is shown, and tried again when the app comes to the
    /// foreground or protected data becomes available: it never lasts for the whole process.
    private func open() {
        do {
            let folder = try StoreFolder.prepareDefault()
            let store = try Store.open(folder: folder, vault: KeychainKeyVault())
            let service = try Self.bundledService()
            let tokens = self.tokens
            let engine = try SyncEngine(
                store: store, service: service,
                tokens: ClosureTokenProvider(current: { tokens.read() }), observer: events)
            // The organisation's settings, at every start, before any new draft is made.
            try store.setDeployment(settings: Self.bundledOrganisation())
            labels = FieldLabels(try formDefinition())
            let saved = try store.profile()
            profile = ProfileForm.typed(from: saved)
            offerProfile = ProfileForm.offerAtStart(saved: saved, declinedThisRun: profileDeclined)
            self.store = store
            self.service = service
            self.engine = engine
            self.coordinator = SyncCoordinator(store: store, engine: engine, host: UIKitBackgroundHost())
            self.session = try FormSession(store: store, draftId: try store.listDrafts().first?.id)
            openFailure = nil
        } catch let error as OrganisationConfigError {
            openFailure = "This app's organisation settings are wrong (\(error.field)). Tell your IT team."
        } catch WeprotectError.WrongKey {
            openFailure = "The key for this device's referrals is missing. Ask your administrator to reset the app."
        } catch KeyVaultError.keychain(let status) where status == errSecInteractionNotAllowed {
            openFailure = "Unlock the phone to open referrals."
        } catch {
            openFailure = "Referrals could not be opened (\(error))."
        }
        refresh()
    }

    private func openIfNeeded() {
        if store == nil { open() }
    }

    /// The receiving service's description, shipped with the app by its operator.
    private static func bundledService() throws -> ServiceConfig {
        guard let url = Bundle.main.url(forResource: "service", withExtension: "json") else {
            throw WeprotectError.ServiceConfig
        }
        return try serviceConfigFromJson(json: String(contentsOf: url, encoding: .utf8))
    }

    /// The organisation's settings, shipped with the app by the organisation
    /// (`organisation.json`, read by the tested `OrganisationConfig`).
    private static func bundledOrganisation() throws -> DeploymentSettings {
        guard let url = Bundle.main.url(forResource: "organisation", withExtension: "json") else {
            throw OrganisationConfigError(field: "(file)", rule: "organisation.json is not in the app")
        }
        return try OrganisationConfig.settings(json: Data(contentsOf: url))
    }

    func scenePhaseChanged(active: Bool) {
        isActive = active
        if active {
            openIfNeeded()
            Task { await sync(.foregrounded) }
        } else {
            saveDraft()
        }
    }

    /// Makes the open draft durable when the form leaves the screen. Autosave after each change
    /// survives the app being killed but waits only for the operating system, not the disk
    /// (docs/storage.md, "Durability of drafts"); an explicit save waits for the disk.
    private func saveDraft() {
        guard let session else { return }
        do {
            _ = try session.editor.save()
        } catch {
            message = "The draft could not be saved (\(error))."
        }
    }

    // MARK: form

    /// Sets a field; `value` may throw (wrapping typed text calls the core), and then shows
    /// like a refused value.
    func set(_ path: String, _ value: @autoclosure () throws -> FieldValue) {
        guard let session else { return }
        do {
            try session.set(path, value())
        } catch {
            message = "That value cannot be used here (\(error))."
        }
        refreshForm()
    }

    func addItem(group: String) {
        try? session?.addItem(group: group)
        refreshForm()
    }

    func removeItem(group: String, index: UInt32) {
        try? session?.removeItem(group: group, index: index)
        refreshForm()
    }

    /// "Send": warnings are asked first (`toConfirm`), sent with `confirmed`; errors are shown.
    func submit(confirmed: Bool = false) {
        guard let session, let service, let store else { return }
        do {
            if case .confirm(let warnings) = try session.send(service: service, confirmed: confirmed) {
                toConfirm = warnings
                return
            }
            toConfirm = nil
            self.session = try FormSession(store: store, draftId: nil)
            message = "Referral queued. It sends as soon as there is signal."
            refresh()
            Task { await sync(.submitted) }
        } catch WeprotectError.Invalid(let problems) {
            message = "Not ready to send: \(plural(problems.count, "field")) to check."
            refreshForm()
        } catch {
            message = "The referral could not be queued (\(error)). Nothing was lost."
        }
    }

    /// "Delete this draft" (consent refused): the core deletes it and a new draft opens.
    func discardDraft() {
        guard let session, let store else { return }
        do {
            try session.discard()
            self.session = try FormSession(store: store, draftId: nil)
            message = "Draft deleted."
        } catch {
            message = "The draft could not be deleted (\(error))."
        }
        refresh()
    }

    // MARK: my details

    /// Saves the referrer's details (encrypted by the core); a malformed phone, email or
    /// collar number is refused with the core's messages and nothing changes.
    func saveProfile(_ typed: [ProfileDetail: String]) {
        guard let store else { return }
        do {
            try store.setProfile(profile: ProfileForm.profile(from: typed))
            profile = ProfileForm.typed(from: try store.profile())
            profileProblems = []
            offerProfile = false
            message = "Your details are saved (encrypted). New referrals start with them."
        } catch WeprotectError.Invalid(let problems) {
            profileProblems = problems.map(\.message)
        } catch {
            message = "Your details could not be saved (\(error))."
        }
    }

    /// "Forget my details" (a shared phone, a new officer).
    func clearProfile() {
        guard let store else { return }
        do {
            try store.clearProfile()
            profile = [:]
        } catch {
            message = "Your details could not be removed (\(error))."
        }
    }

    /// "Later" on "My details" offered at start: not offered again in this run.
    func declineProfile() {
        profileDeclined = true
        offerProfile = false
    }

    /// Reopens a referral the service refused as a draft, to correct and send again.
    func reopen(referralId: String) {
        guard let store else { return }
        do {
            saveDraft()
            let draftId = try store.reopenRejected(referralId: referralId)
            session = try FormSession(store: store, draftId: draftId)
            message = "Reopened as a draft: correct it and submit again."
            refresh()
        } catch {
            message = "The referral could not be reopened (\(error))."
        }
    }

    // MARK: after sending (issue 23)

    /// Opens "Add information" for a sent referral (off the main actor), or says why not.
    func openFollowUp(referralId: String) async -> Result<FollowUpSession, ScreenMessage> {
        guard let store, let labels else { return .failure(ScreenMessage(text: "Referrals are not open.")) }
        do {
            return .success(try await FollowUpSession.open(store: store, referralId: referralId))
        } catch {
            return .failure(ScreenMessage(text: FollowUpScreen.refusal(error, labels: labels)))
        }
    }

    /// Sends a follow-up's information; when it is queued, the outbox is redrawn and a short
    /// pass sends it (after its referral). False when refused: the session's message says why.
    func send(_ session: FollowUpSession) async -> Bool {
        guard let service, await session.send(service: service) != nil else { return false }
        outboxMessage = "Information queued. It is sent after the referral, as soon as there is signal."
        refresh()
        Task { await sync(.submitted) }
        return true
    }

    /// Records a withdrawal of consent and starts a short pass; nil when recorded, else why not
    /// (nothing was recorded then).
    func withdrawConsent(
        referralId: String, by who: WithdrawnBy, how: RecordedHow, at when: Date
    ) async -> String? {
        guard let store, let service, let labels else { return "Referrals are not open." }
        let (queued, text) = await recordWithdrawal(
            store: store, referralId: referralId, by: who, how: how, at: when, service: service,
            labels: labels)
        guard queued != nil else { return text }
        outboxMessage = text
        refresh()
        Task { await sync(.submitted) }
        return nil
    }

    // MARK: sync and sign-in

    func sync(_ trigger: SyncTrigger) async {
        guard let coordinator else { return }
        await coordinator.handle(trigger, pathSatisfied: pathSatisfied)
        refresh()
    }

    func signIn(token: String) {
        do {
            try tokens.write(token)
        } catch {
            message = "The token could not be kept on this phone (\(error))."
            return
        }
        showSignIn = false
        Task {
            await coordinator?.signedIn()
            refresh()
        }
    }

    private func refresh() {
        refreshForm()
        guard let store else { return }
        let counts = try? store.counts()
        let entries = (try? store.outbox()) ?? []
        let followUps = OutboxScreen.waitingFollowUps(entries)
        // The "Sent" tab's badge: everything still to leave the phone, follow-ups included.
        queuedCount = (counts?.queued ?? 0) + followUps
        outbox = labels.map { OutboxScreen.rows(entries, now: Date(), labels: $0) } ?? []
        banner = counts.flatMap {
            OutboxScreen.banner(
                counts: $0, needsSignIn: coordinator?.needsSignIn ?? false, followUps: followUps)
        }
    }

    private func refreshForm() {
        sections = session?.sections ?? []
        summary = session?.summary
        consentRefusedRoute = session?.consentRefusedRoute
    }
}

/// A sentence for the officer, as an error (why a screen could not open).
struct ScreenMessage: Error {
    let text: String
}

/// The device token from the service's sign-in, in the Keychain (readable in the background
/// after the first unlock, never migrated). A real app gets it from its identity provider.
final class DeviceTokenKeychain: Sendable {
    private var query: [String: Any] {
        var q: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: "org.weprotect.sample",
            kSecAttrAccount as String: "device-token",
        ]
        #if os(macOS)
        q[kSecUseDataProtectionKeychain as String] = true
        #endif
        return q
    }

    func read() -> String? {
        var q = query
        q[kSecReturnData as String] = true
        var result: CFTypeRef?
        guard SecItemCopyMatching(q as CFDictionary, &result) == errSecSuccess,
            let data = result as? Data
        else { return nil }
        return String(data: data, encoding: .utf8)
    }

    func write(_ token: String) throws {
        let deleted = SecItemDelete(query as CFDictionary)
        guard deleted == errSecSuccess || deleted == errSecItemNotFound else {
            throw KeyVaultError.keychain(deleted)
        }
        var q = query
        q[kSecValueData as String] = Data(token.utf8)
        q[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        let added = SecItemAdd(q as CFDictionary, nil)
        guard added == errSecSuccess else { throw KeyVaultError.keychain(added) }
    }
}
#endif
