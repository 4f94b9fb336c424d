// The sample app's entry point (iOS 17+, SwiftUI). Apple-only: compiled by Xcode, not on Linux.
// Two things must happen here and nowhere later: the background task handlers are registered
// before launch finishes (BGTaskScheduler refuses later registrations), and the app's content,
// sheets included, is covered whenever the scene is not active or the screen is recorded or
// mirrored, so neither the app switcher's snapshot nor a recording shows a referral.
#if canImport(SwiftUI) && canImport(UIKit) && canImport(BackgroundTasks)
import SwiftUI
import UIKit

final class AppDelegate: NSObject, UIApplicationDelegate {
    func application(
        _ application: UIApplication,
        didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil
    ) -> Bool {
        BackgroundSync.register()
        return true
    }

    /// No third-party keyboards: they may send what is typed off the phone, and victims'
    /// details are typed here.
    func application(
        _ application: UIApplication,
        shouldAllowExtensionPointIdentifier extensionPointIdentifier: UIApplication.ExtensionPointIdentifier
    ) -> Bool {
        extensionPointIdentifier != .keyboard
    }
}

@main
struct WeProtectSampleApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var delegate
    @StateObject private var model = AppModel.shared
    @Environment(\.scenePhase) private var scenePhase

    var body: some Scene {
        WindowGroup {
            RootView(covered: scenePhase != .active || model.screenCaptured)
                .environmentObject(model)
        }
        .onChange(of: scenePhase) { _, phase in
            model.scenePhaseChanged(active: phase == .active)
        }
    }
}

/// Drawn over everything while the app is inactive or in the background.
struct PrivacyCover: View {
    var body: some View {
        ZStack {
            Color(.systemBackground).ignoresSafeArea()
            VStack(spacing: 12) {
                Image(systemName: "lock.shield").font(.system(size: 56))
                Text("WEPROTECT").font(.title2.bold())
            }
        }
        .accessibilityHidden(true)
    }
}

struct RootView: View {
    @EnvironmentObject var model: AppModel
    /// Draw the privacy cover over the content and over the sign-in sheet.
    let covered: Bool
    @State private var tab = RootTab.referral

    enum RootTab: Hashable { case referral, sent, myDetails }

    var body: some View {
        Group {
            if let failure = model.openFailure {
                ContentUnavailableView(
                    "Cannot open referrals", systemImage: "exclamationmark.lock",
                    description: Text(failure))
            } else {
                TabView(selection: $tab) {
                    NavigationStack { FormView() }
                        .tabItem { Label("Referral", systemImage: "square.and.pencil") }
                        .tag(RootTab.referral)
                    NavigationStack { OutboxView() }
                        .tabItem { Label("Sent", systemImage: "tray.full") }
                        .badge(Int(model.queuedCount))
                        .tag(RootTab.sent)
                    NavigationStack { ProfileView(onDone: { tab = .referral }) }
                        .tabItem { Label("My details", systemImage: "person.text.rectangle") }
                        .tag(RootTab.myDetails)
                }
                // First start (no details saved): open on "My details"; a save or "Later"
                // goes to the form.
                .onChange(of: model.offerProfile, initial: true) { _, offer in
                    if offer { tab = .myDetails } else if tab == .myDetails { tab = .referral }
                }
            }
        }
        .overlay { if covered { PrivacyCover() } }
        .sheet(isPresented: $model.showSignIn) {
            // A sheet is presented above the root's overlay: it needs its own cover.
            SignInView().overlay { if covered { PrivacyCover() } }
        }
    }
}
#endif
