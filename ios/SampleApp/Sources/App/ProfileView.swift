// "My details": the referrer's own details, typed once, kept encrypted by the core and filled
// into every new referral (still editable on each); offered at first start. Apple-only
// (SwiftUI): compiled by Xcode. The boxes and how they become a `ReferrerProfile` are
// `ProfileForm`'s (tested on Linux); the core checks and refuses a malformed profile whole.
#if canImport(SwiftUI) && canImport(UIKit)
import SwiftUI

struct ProfileView: View {
    @EnvironmentObject var model: AppModel
    let onDone: () -> Void
    @State private var typed: [ProfileDetail: String] = [:]

    var body: some View {
        Form {
            Section {
                ForEach(ProfileDetail.allCases) { detail in
                    VStack(alignment: .leading) {
                        TextField(detail.label, text: Binding(
                            get: { typed[detail] ?? "" }, set: { typed[detail] = $0 }))
                            .autocorrectionDisabled()
                            .keyboardType(
                                detail == .contactPhone ? .phonePad
                                    : detail == .email ? .emailAddress : .default)
                            .textInputAutocapitalization(detail == .email ? .never : .words)
                        if let hint = detail.hint {
                            Text(hint).font(.caption).foregroundStyle(.secondary)
                        }
                    }
                }
            } footer: {
                Text("Typed once, kept encrypted on this phone, and filled into every new referral. You can still change them on each referral.")
            }
            ForEach(model.profileProblems, id: \.self) { problem in
                Label(problem, systemImage: "exclamationmark.circle").foregroundStyle(.red)
            }
            Section {
                Button("Save my details") { model.saveProfile(typed) }
                if model.offerProfile {
                    Button("Later") {
                        model.declineProfile()
                        onDone()
                    }
                } else if !model.profile.isEmpty {
                    Button("Forget my details", role: .destructive) { model.clearProfile() }
                }
            }
        }
        .navigationTitle("My details")
        .onAppear { typed = model.profile }
        .onChange(of: model.profile) { _, saved in typed = saved }
    }
}
#endif
