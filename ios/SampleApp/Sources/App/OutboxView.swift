// The outbox: what waits to send, what was delivered (the service's reference) and what the
// service did since; what is still to follow and what was added after sending, with "Add
// information" and "Consent withdrawn…" (pushed, so they stay under the privacy cover).
// Apple-only (SwiftUI): compiled by Xcode; rows come from `OutboxScreen`.
#if canImport(SwiftUI) && canImport(UIKit)
import SwiftUI
import WeProtectCore

struct OutboxView: View {
    @EnvironmentObject var model: AppModel
    @State private var destination: Destination?

    /// The screens a row opens.
    enum Destination: Hashable {
        case followUp(referralId: String)
        case withdraw(referralId: String, state: OutboxState)
    }

    var body: some View {
        List {
            if let banner = model.banner {
                Section {
                    Button {
                        model.showSignIn = true
                    } label: {
                        Label(banner, systemImage: "person.badge.key")
                    }
                }
            }
            ForEach(model.outbox) { row in
                VStack(alignment: .leading, spacing: 4) {
                    // The only place the title is revealed: on screen, to the officer.
                    Text((try? row.title?.reveal()) ?? "Referral \(row.id.prefix(8))")
                        .font(.headline)
                    Text(row.stateLabel).foregroundStyle(color(row.state))
                    if let detail = row.detail { Text(detail).font(.caption) }
                    if let consent = row.consent {
                        Text(consent).font(.caption.bold())
                    }
                    ForEach(row.statuses, id: \.self) { status in
                        Text(status).font(.caption).foregroundStyle(.secondary)
                    }
                    if let toFollow = row.toFollow {
                        Label(toFollow, systemImage: "clock").font(.caption)
                    }
                    // By position: two addenda may read the same.
                    ForEach(Array(row.addenda.enumerated()), id: \.offset) { _, line in
                        Text(line).font(.caption).foregroundStyle(.secondary)
                    }
                    // Borderless: each button takes its own taps, not the whole row's.
                    HStack {
                        if row.state == .rejected {
                            Button("Reopen to correct") { model.reopen(referralId: row.id) }
                        }
                        if row.canFollowUp {
                            Button("Add information") { destination = .followUp(referralId: row.id) }
                        }
                        Spacer()
                        if row.canWithdraw {
                            Button("Consent withdrawn…", role: .destructive) {
                                destination = .withdraw(referralId: row.id, state: row.state)
                            }
                        }
                    }
                    .buttonStyle(.borderless)
                    .font(.callout)
                }
            }
        }
        .navigationTitle("Sent")
        .navigationDestination(item: $destination) { destination in
            switch destination {
            case .followUp(let id): FollowUpView(referralId: id)
            case .withdraw(let id, let state): WithdrawalView(referralId: id, state: state)
            }
        }
        .alert(
            model.outboxMessage ?? "", isPresented: .constant(model.outboxMessage != nil),
            actions: { Button("OK") { model.outboxMessage = nil } })
        .refreshable { await model.sync(.manual) }
    }

    private func color(_ state: OutboxState) -> Color {
        switch state {
        case .queued: return .orange
        case .delivered: return .green
        case .rejected: return .red
        }
    }
}

/// Sign-in for the sample: paste the device token the service issued
/// (`weprotect admin token-issue`). A real app uses its identity provider here.
struct SignInView: View {
    @EnvironmentObject var model: AppModel
    @State private var token = ""

    var body: some View {
        NavigationStack {
            Form {
                SecureField("Device token", text: $token).autocorrectionDisabled()
                Button("Sign in and send") { model.signIn(token: token) }
                    .disabled(token.isEmpty)
            }
            .navigationTitle("Sign in")
        }
    }
}
#endif
