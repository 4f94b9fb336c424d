// needs: form-editor (compiled once the bindings export the DraftEditor; see xtask/src/swift.rs)
// One referral being filled in: the core's editor, its latest snapshot and the rows the screen
// draws. Every change goes to the core, which keeps exactly what was typed, autosaves, and
// answers with the problems of every field the change touched; the screen then redraws from
// one snapshot. Plain Swift: tested on Linux against the real library.
import Foundation
import WeProtectCore

final class FormSession {
    let definition: FormDefinition
    let editor: DraftEditor
    private(set) var snapshot: FormSnapshot
    /// Set after a refused submit, so "missing" messages appear under the empty fields.
    private(set) var showMissing = false

    /// A new draft (`draftId` nil) or a saved one, reopened.
    init(store: Store, draftId: String?) throws {
        definition = try formDefinition()
        editor = try draftId.map { try store.openDraft(draftId: $0) } ?? store.newDraft()
        snapshot = try editor.snapshot()
    }

    var sections: [SectionRows] {
        FormScreen.sections(definition: definition, snapshot: snapshot, showMissing: showMissing)
    }

    /// What "Send" does now (fix, confirm warnings, or send).
    var sendStep: SendStep { FormScreen.sendStep(snapshot.problems + snapshot.missing) }

    var summary: String? { FormScreen.summary(sendStep) }

    /// When consent is refused: the organisation's route (from its deployment settings, or
    /// the core's default); the screen shows it with "Delete this draft".
    var consentRefusedRoute: String? { snapshot.consentRefusedRoute }

    /// "Delete this draft": the core deletes it; the session takes no more changes.
    func discard() throws {
        try editor.discard()
    }

    /// Sets a field to what the officer entered. A value the field cannot take (a letter in a
    /// number field) throws with the path and rule, and changes nothing.
    @discardableResult
    func set(_ path: String, _ value: FieldValue) throws -> SetOutcome {
        let outcome = try editor.set(path: path, value: value)
        snapshot = try editor.snapshot()
        return outcome
    }

    func addItem(group: String) throws {
        _ = try editor.addItem(groupPath: group)
        snapshot = try editor.snapshot()
    }

    func removeItem(group: String, index: UInt32) throws {
        _ = try editor.removeItem(groupPath: group, index: index)
        snapshot = try editor.snapshot()
    }

    /// What `send` did: queued, or the warnings the officer must confirm first.
    enum Sent {
        case queued(QueuedReferral)
        case confirm([Problem])
    }

    /// "Send": warnings are put to the officer first and sent only when `confirmed`; errors
    /// throw as `submit` does; to-follow items go with the referral.
    func send(service: ServiceConfig, confirmed: Bool) throws -> Sent {
        if case .confirm(let warnings, _) = sendStep, !confirmed { return .confirm(warnings) }
        return .queued(try submit(service: service))
    }

    /// Seals and queues the referral. When it is not ready the core lists every problem; the
    /// screen then shows the missing fields too.
    func submit(service: ServiceConfig) throws -> QueuedReferral {
        do {
            return try editor.submit(service: service)
        } catch WeprotectError.Invalid(let problems) {
            showMissing = true
            snapshot = try editor.snapshot()
            throw WeprotectError.Invalid(problems: problems)
        }
    }
}
