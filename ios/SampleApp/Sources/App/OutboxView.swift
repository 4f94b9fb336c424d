// The outbox: what waits to send, what was delivered (the service's reference) and what the
// service did since. Apple-only (SwiftUI): compiled by Xcode; rows come from `OutboxScreen`.
#if canImport(SwiftUI) && canImport(UIKit)
import SwiftUI
import WeProtectCore

struct OutboxView: View {
    @EnvironmentObject var model: AppModel

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
                    ForEach(row.statuses, id: \.self) { status in
                        Text(status).font(.caption).foregroundStyle(.secondary)
                    }
                    if row.state == .rejected {
                        Button("Reopen to correct") { model.reopen(referralId: row.id) }
                    }
                }
            }
        }
        .navigationTitle("Sent")
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
