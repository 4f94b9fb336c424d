// What the officer does about a referral after it was sent (issue 23): give the items it had to
// follow (the crime number issued the next day, a date of birth, the refuge's address for post),
// or record that consent was withdrawn. Both go to the service as sealed addenda through the
// same outbox and engine as the referral; the core decides which fields are offered, checks
// every value by the form's own rules and keeps no value on the phone once it is sealed.
//
// This file is the screens' plain half, tested on Linux against the real library and server:
// the fields offered, drawn with the draft form's rows (`FormScreen`) and set through the same
// `FieldInput` conversions; a refused value or send as a sentence naming the field by its
// label (never its path, never the value); the withdrawal's choices and the confirmation that
// says what it does; and the outbox row's lines for follow-ups. The SwiftUI view
// (`App/FollowUpView.swift`) only draws this.
import Foundation
import WeProtect
import WeProtectCore

/// The form's labels for paths, as an officer reads them: "Crime reference", "Children in the
/// household 2: Date of birth". Built once from the core's form definition.
struct FieldLabels: Sendable {
    private let fields: [String: Field]
    private let ordered: [Field]
    /// Labels used by more than one field ("Name", "Date of birth"): these get their section.
    private let shared: Set<String>
    private let sectionOf: [String: String]

    init(_ definition: FormDefinition) {
        var fields: [String: Field] = [:]
        var ordered: [Field] = []
        var sectionOf: [String: String] = [:]
        var seen: [String: Int] = [:]
        for section in definition.sections {
            for field in section.fields {
                fields[field.path] = field
                ordered.append(field)
                sectionOf[field.path] = section.label
                seen[field.label, default: 0] += 1
            }
        }
        self.fields = fields
        self.ordered = ordered
        self.sectionOf = sectionOf
        shared = Set(seen.filter { $0.value > 1 }.keys)
    }

    /// The label of a concrete path (`children[1].date_of_birth`) or of a group of fields
    /// (`victim.care_of_address`). A path the form does not know is shown readable, never hidden.
    func label(of path: String) -> String {
        let definitionPath = path.replacingOccurrences(
            of: #"\[[0-9]+\]"#, with: "[]", options: .regularExpression)
        let base: String
        if let field = fields[definitionPath] {
            base = shared.contains(field.label) ? qualified(field) : field.label
        } else if let first = ordered.first(where: { $0.path.hasPrefix(definitionPath + ".") }) {
            // A group of fields (an address): the words its fields' labels start with.
            let stem = first.label.split(separator: ":", maxSplits: 1).first.map(String.init)
            base = first.label.contains(":") ? (stem ?? first.label) : (sectionOf[first.path] ?? first.label)
        } else {
            let last = definitionPath.split(separator: ".").last.map(String.init) ?? path
            base = last.replacingOccurrences(of: "_", with: " ").capitalizedFirst
        }
        // An item of a repeatable group: which one, counted from 1.
        guard let index = FormScreen.itemIndex(in: path),
            let open = definitionPath.firstIndex(of: "[")
        else { return base }
        let group = fields[String(definitionPath[..<open])]?.label ?? "Item"
        return "\(group) \(index + 1): \(base)"
    }

    private func qualified(_ field: Field) -> String {
        // Inside a group the group's item number says enough; elsewhere the section does.
        guard field.group == nil, !field.path.contains("[]"), let section = sectionOf[field.path]
        else { return field.label }
        return "\(section): \(field.label)"
    }
}

/// One option of a picker: the value the core takes and the words the officer reads.
struct Choice<Value: Hashable & Sendable>: Identifiable, Sendable {
    let value: Value
    let label: String
    var id: Value { value }
}

/// Who withdrew consent, and how the officer heard it: the choices the withdrawal screen offers.
enum WithdrawalChoices {
    static let withdrawnBy: [Choice<WithdrawnBy>] = [
        Choice(value: .victim, label: "The person themselves"),
        Choice(value: .onTheVictimsBehalf, label: "Someone on their behalf"),
    ]

    static let recordedHow: [Choice<RecordedHow>] = [
        Choice(value: .inPerson, label: "In person"),
        Choice(value: .byPhone, label: "By phone"),
        Choice(value: .inWriting, label: "In writing"),
    ]

    static func label(_ how: RecordedHow) -> String {
        recordedHow.first { $0.value == how }?.label ?? "Recorded"
    }
}

enum FollowUpScreen {
    /// "2 to follow: Crime reference, Date of birth"; nil when nothing is to follow.
    static func toFollowLine(_ items: [ToFollowItem], labels: FieldLabels) -> String? {
        guard !items.isEmpty else { return nil }
        return "\(items.count) to follow: " + items.map { labels.label(of: $0.path) }.joined(separator: ", ")
    }

    /// One line per addendum under its referral's row: what it was and where it is.
    static func addendumLine(_ addendum: AddendumEntry, labels: FieldLabels) -> String {
        let what: String
        switch addendum.kind {
        case .information:
            let given = addendum.items.map { labels.label(of: $0.path) }.joined(separator: ", ")
            what = given.isEmpty ? "Information added" : "Information added (\(given))"
        case .consentWithdrawn:
            what = "Withdrawal of consent"
        }
        switch addendum.state {
        case .queued:
            return addendum.attempts == 0
                ? "\(what): waiting to send"
                : "\(what): waiting to send (\(plural(Int(addendum.attempts), "attempt")) so far)"
        case .delivered:
            guard let at = addendum.receivedAt else { return "\(what): received by the service" }
            return "\(what): received by the service \(OutboxScreen.timestamp(at))"
        case .rejected:
            switch addendum.rejectionCode {
            case "consent.withdrawn"?, "referral.withdrawn"?: return "\(what): not sent, consent was withdrawn"
            case "referral.content_deleted"?:
                return "\(what): not sent, the service has closed this referral and deleted it"
            case "referral.rejected"?: return "\(what): not sent, the referral was refused"
            default:
                return "\(what): refused by the service (\(OutboxScreen.reasonLabel(addendum.rejectionCode)))"
            }
        }
    }

    /// The service recorded a withdrawal itself (the victim told its advisor): the phone learns
    /// it as the status `consent_withdrawn`, with no withdrawal of its own.
    static func withdrawnAtService(_ entry: OutboxEntry) -> Bool {
        entry.statuses.contains { $0.status == "consent_withdrawn" }
    }

    /// "Consent withdrawn" once recorded here or by the service; nil before.
    static func consentLine(_ entry: OutboxEntry) -> String? {
        if entry.consentWithdrawn { return "Consent withdrawn" }
        if withdrawnAtService(entry) { return "Consent withdrawn (recorded by the service)" }
        return nil
    }

    /// The "N to follow" line, while anything can still be added.
    static func toFollowLine(_ entry: OutboxEntry, labels: FieldLabels) -> String? {
        consentLine(entry) == nil ? toFollowLine(entry.toFollow, labels: labels) : nil
    }

    /// Whether the row offers "Add information": items are to follow and nothing stops it.
    static func canFollowUp(_ entry: OutboxEntry) -> Bool {
        !entry.toFollow.isEmpty && entry.state != .rejected && consentLine(entry) == nil
    }

    /// Whether the row offers "Consent withdrawn…": the service holds it or may soon, and no
    /// withdrawal is recorded. A refused referral is not at the service: it is reopened or
    /// deleted instead.
    static func canWithdraw(_ entry: OutboxEntry) -> Bool {
        entry.state != .rejected && consentLine(entry) == nil
    }

    /// The confirmation's title. Like every text of the dialog it names neither the subject nor
    /// anyone: an alert is drawn above the app's privacy cover.
    static let withdrawalTitle = "Record that consent was withdrawn?"

    /// What recording a withdrawal does, said before the officer confirms it.
    static func withdrawalConfirmation(state: OutboxState) -> String {
        var lines = [
            "The service is told to stop work on this referral and to delete what it holds.",
            "Information waiting to send about it is dropped, and nothing more can be added.",
        ]
        if state == .queued {
            lines.append(
                "It has not been sent yet: this phone's copy is deleted now. The sealed referral "
                    + "still goes first, in case an earlier attempt reached the service, and the "
                    + "service deletes it.")
        }
        lines.append("This cannot be undone.")
        return lines.joined(separator: " ")
    }

    /// A field kind's code (`yes_no`, `date`) in words for a message.
    static func kindInWords(_ kind: String) -> String {
        switch kind {
        case "text": "text"
        case "yes_no": "a yes or no"
        case "choice": "one of its options"
        case "multi_choice": "some of its options"
        case "date": "a date"
        case "date_time": "a date and time"
        case "time_of_day": "a time of day"
        case "phone": "a phone number"
        case "postcode": "a postcode"
        case "email": "an email address"
        case "integer": "a whole number"
        default: "another kind of value"
        }
    }

    /// Why an entry or a send was refused, naming each field by its label and saying the rule
    /// (the core's words), never the value. Nothing was changed when this is shown.
    static func refusal(_ error: Error, labels: FieldLabels) -> String {
        guard let error = error as? WeprotectError else {
            return "This could not be done (\(error.localizedDescription)). Nothing was changed."
        }
        switch error {
        case .WrongKind(let path, let expected):
            return "\(labels.label(of: path)): this field takes \(kindInWords(expected)). Nothing was changed."
        case .UnknownOption(let path):
            return "\(labels.label(of: path)): not one of the options. Nothing was changed."
        case .OutOfRange(let path):
            return "\(labels.label(of: path)): too long or out of range. Nothing was changed."
        case .FieldHidden(let path), .UnknownField(let path):
            return "\(labels.label(of: path)) was not sent to follow: it cannot be added here."
        case .Invalid(let problems):
            let named = problems.map { problem in
                problem.path.isEmpty || problem.path == "information"
                    ? problem.message : "\(labels.label(of: problem.path)): \(problem.message)"
            }
            return "Not sent. " + named.joined(separator: " ")
        case .InvalidState:
            return "Nothing more can be added to this referral (it was refused, or consent was withdrawn)."
        case .InvalidArgument:
            return "The time consent was withdrawn cannot be in the future. Nothing was recorded."
        default:
            return "\(error.text) Nothing was changed."
        }
    }
}

/// The follow-up screen of one sent referral: its to-follow fields, what was typed, and the
/// send. On the main actor like the rest of the screens' state; setting a value only touches
/// the editor's memory (its values are never saved on the phone), while opening and sending,
/// which read the store and seal and commit, run off the main actor through `store.io`.
@MainActor
final class FollowUpSession {
    let referralId: String
    let labels: FieldLabels
    private let definition: FormDefinition
    private let store: Store
    private let editor: FollowUpEditor
    private(set) var snapshot: FollowUpSnapshot
    /// The last refusal, naming the field; nil after a value or a send was taken.
    private(set) var message: String?
    /// Set once the information was queued: the screen closes and a sync pass sends it.
    private(set) var queued: QueuedAddendum?

    private init(store: Store, editor: FollowUpEditor, snapshot: FollowUpSnapshot) throws {
        self.store = store
        self.editor = editor
        self.snapshot = snapshot
        referralId = snapshot.referralId
        definition = try formDefinition()
        labels = FieldLabels(definition)
    }

    /// Opens the follow-up of a sent referral. Throws `InvalidState` when nothing is left to
    /// follow or consent was withdrawn, `NotFound` for a referral no longer in the outbox.
    static func open(store: Store, referralId: String) async throws -> FollowUpSession {
        let (editor, snapshot) = try await store.io { store in
            let editor = try store.openFollowUp(referralId: referralId)
            return (editor, try editor.snapshot())
        }
        return try FollowUpSession(store: store, editor: editor, snapshot: snapshot)
    }

    /// "3 to follow: ..." over the fields.
    var heading: String? { FollowUpScreen.toFollowLine(snapshot.items, labels: labels) }

    /// The offered fields, drawn as the draft form draws them: with their labels, kinds, hints
    /// and options, and each field's problems under it. None is required on its own (give what
    /// is known now; the rest can follow later), and none is collapsed.
    var sections: [SectionRows] {
        FormScreen.sections(definition: definition, states: snapshot.fields) { field, state in
            FormScreen.row(
                field, state, messages: state.problems.map(FieldMessage.init(problem:)),
                required: false, collapsed: false)
        }
    }

    /// Whether "Send" can queue now: something was given and nothing given is wrong.
    var ready: Bool { snapshot.ready }

    /// Sets a field to what the officer entered (through `FieldInput`, as the draft form does).
    /// A value the field cannot take is refused with `message` naming the field, and nothing
    /// changes.
    @discardableResult
    func set(_ path: String, _ value: @autoclosure () throws -> FieldValue) -> Bool {
        do {
            snapshot = try editor.set(path: path, value: value())
            message = nil
            return true
        } catch {
            message = FollowUpScreen.refusal(error, labels: labels)
            return false
        }
    }

    /// Seals what was given to the service and queues it (sent after its referral). Returns nil
    /// when refused (nothing given, a value its field's rule refuses, consent withdrawn meanwhile):
    /// `message` then names each field and nothing is queued.
    func send(service: ServiceConfig) async -> QueuedAddendum? {
        let editor = self.editor
        do {
            let queued = try await store.io { _ in try editor.submit(service: service) }
            self.queued = queued
            message = nil
            return queued
        } catch {
            message = FollowUpScreen.refusal(error, labels: labels)
            if let latest = try? editor.snapshot() { snapshot = latest }
            return nil
        }
    }
}

/// Records a withdrawal of consent off the main actor. Returns the sentence to show: what was
/// recorded, or why nothing was.
func recordWithdrawal(
    store: Store, referralId: String, by who: WithdrawnBy, how: RecordedHow, at when: Date,
    service: ServiceConfig, labels: FieldLabels
) async -> (queued: QueuedAddendum?, message: String) {
    let withdrawal = Withdrawal(withdrawnBy: who, withdrawnAt: when, recordedHow: how)
    do {
        let queued = try await store.io { store in
            try store.withdrawConsent(referralId: referralId, withdrawal: withdrawal, service: service)
        }
        return (queued, "Withdrawal recorded (\(WithdrawalChoices.label(how).lowercased())). It is sent to the service with the next sync.")
    } catch {
        return (nil, FollowUpScreen.refusal(error, labels: labels))
    }
}
