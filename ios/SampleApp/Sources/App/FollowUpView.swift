// After sending (issue 23): "Add information" for the items a referral had to follow, and
// "Consent withdrawn…" to record a withdrawal. Both are pushed from the outbox's row (not
// sheets: they stay under the root's privacy cover). The fields are the draft form's own
// `FieldView`s, pointed at the follow-up through `\.fieldSink`; the rows, the refusals naming
// the field, the withdrawal's choices and the confirmation's words are `FollowUpSession`'s and
// `FollowUpScreen`'s (Model/, tested on Linux). Opening, sending and recording the withdrawal
// read or commit to the store and run off the main actor (`store.io` inside the model).
// Apple-only (SwiftUI): compiled by Xcode, not on Linux.
#if canImport(SwiftUI) && canImport(UIKit)
import SwiftUI
import WeProtectCore

/// What the follow-up screen draws, published from a `FollowUpSession`.
@MainActor
final class FollowUpModel: ObservableObject {
    @Published private(set) var sections: [SectionRows] = []
    @Published private(set) var heading: String?
    @Published private(set) var ready = false
    @Published private(set) var sending = false
    /// Why it cannot be opened (sent meanwhile, consent withdrawn); shown instead of the form.
    @Published private(set) var failure: String?
    /// A refused value or send, naming the field.
    @Published var message: String?
    private(set) var session: FollowUpSession?

    func open(_ app: AppModel, referralId: String) async {
        guard session == nil else { return }
        switch await app.openFollowUp(referralId: referralId) {
        case .success(let opened): session = opened
        case .failure(let why): failure = why.text
        }
        publish()
    }

    func set(_ path: String, _ value: () throws -> FieldValue) {
        session?.set(path, try value())
        publish()
    }

    /// Sends; true when queued (the screen then closes).
    func send(_ app: AppModel) async -> Bool {
        guard let session, !sending else { return false }
        sending = true
        defer { sending = false }
        let sent = await app.send(session)
        publish()
        return sent
    }

    private func publish() {
        sections = session?.sections ?? []
        heading = session?.heading
        ready = session?.ready ?? false
        message = session?.message
    }
}

/// "Add information": the referral's to-follow fields, as the form draws them.
struct FollowUpView: View {
    @EnvironmentObject var model: AppModel
    @Environment(\.dismiss) private var dismiss
    let referralId: String
    @StateObject private var followUp = FollowUpModel()

    var body: some View {
        Form {
            if let failure = followUp.failure {
                Text(failure)
            } else {
                if let heading = followUp.heading {
                    Section {
                        Text(heading)
                        Text("Give what you know now; the rest can be added later.")
                            .font(.footnote).foregroundStyle(.secondary)
                    }
                }
                ForEach(followUp.sections) { section in
                    Section(section.title) {
                        ForEach(section.rows) { row in
                            FieldView(row: row)
                        }
                    }
                }
            }
        }
        .environment(\.fieldSink, FieldSink { [followUp] path, value in followUp.set(path, value) })
        .navigationTitle("Add information")
        .safeAreaInset(edge: .bottom) {
            if followUp.failure == nil {
                Button("Send to the service") {
                    Task {
                        if await followUp.send(model) { dismiss() }
                    }
                }
                .buttonStyle(.borderedProminent)
                .disabled(!followUp.ready || followUp.sending)
                .padding()
                .frame(maxWidth: .infinity)
                .background(.bar)
            }
        }
        .alert(
            followUp.message ?? "", isPresented: .constant(followUp.message != nil),
            actions: { Button("OK") { followUp.message = nil } })
        .task { await followUp.open(model, referralId: referralId) }
    }
}

/// "Consent withdrawn…": who withdrew it, how the officer heard it and when, then a
/// confirmation that says what it does.
struct WithdrawalView: View {
    @EnvironmentObject var model: AppModel
    @Environment(\.dismiss) private var dismiss
    let referralId: String
    let state: OutboxState
    @State private var who = WithdrawnBy.victim
    @State private var how = RecordedHow.inPerson
    @State private var when = Date()
    @State private var confirming = false
    @State private var recording = false
    /// Why nothing was recorded (a time in the future, the referral refused meanwhile).
    @State private var refusal: String?

    var body: some View {
        Form {
            Section("Who withdrew consent") {
                Picker("Who", selection: $who) {
                    ForEach(WithdrawalChoices.withdrawnBy) { Text($0.label).tag($0.value) }
                }
                .pickerStyle(.inline)
                .labelsHidden()
            }
            Section("How you heard it") {
                Picker("How", selection: $how) {
                    ForEach(WithdrawalChoices.recordedHow) { Text($0.label).tag($0.value) }
                }
                .pickerStyle(.segmented)
            }
            Section {
                DatePicker("When", selection: $when, in: ...Date(), displayedComponents: [.date, .hourAndMinute])
            }
            Section {
                Text(FollowUpScreen.withdrawalConfirmation(state: state)).font(.footnote)
            }
        }
        .navigationTitle("Consent withdrawn")
        .safeAreaInset(edge: .bottom) {
            Button("Record withdrawal", role: .destructive) { confirming = true }
                .buttonStyle(.borderedProminent)
                .disabled(recording)
                .padding()
                .frame(maxWidth: .infinity)
                .background(.bar)
        }
        // An alert is drawn above the privacy cover: its words name neither the subject nor
        // anyone (LockScreen and FollowUpScreen tests check them).
        .confirmationDialog(
            FollowUpScreen.withdrawalTitle, isPresented: $confirming, titleVisibility: .visible
        ) {
            Button("Record withdrawal", role: .destructive) {
                recording = true
                Task {
                    refusal = await model.withdrawConsent(
                        referralId: referralId, by: who, how: how, at: when)
                    recording = false
                    if refusal == nil { dismiss() }
                }
            }
        } message: {
            Text(FollowUpScreen.withdrawalConfirmation(state: state))
        }
        .alert(
            refusal ?? "", isPresented: .constant(refusal != nil),
            actions: { Button("OK") { refusal = nil } })
    }
}

/// Where a field view sends what the officer entered: the draft form (`AppModel.set`, the
/// default) or, when a screen sets `\.fieldSink`, that screen (the follow-up).
struct FieldSink: Sendable {
    let set: @MainActor @Sendable (String, () throws -> FieldValue) -> Void
}

private struct FieldSinkKey: EnvironmentKey {
    static let defaultValue: FieldSink? = nil
}

extension EnvironmentValues {
    var fieldSink: FieldSink? {
        get { self[FieldSinkKey.self] }
        set { self[FieldSinkKey.self] = newValue }
    }
}

/// The field views' one way to set a value: to the screen's sink if it has one, else the draft.
@MainActor
struct FieldTarget {
    let sink: FieldSink?
    let model: AppModel

    func set(_ path: String, _ value: @autoclosure () throws -> FieldValue) {
        if let sink {
            sink.set(path, value)
        } else {
            model.set(path, try value())
        }
    }
}
#endif
