// The sample app's entry point (iOS 17+, SwiftUI). Apple-only: compiled by Xcode, not on Linux.
// Two things must happen here and nowhere later: the BGProcessingTask handler is registered
// before launch finishes (BGTaskScheduler refuses later registrations), and the app's content
// is covered whenever the scene is not active, so the app switcher's snapshot shows no referral.
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
}

@main
struct WeProtectSampleApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var delegate
    @StateObject private var model = AppModel.shared
    @Environment(\.scenePhase) private var scenePhase

    var body: some Scene {
        WindowGroup {
            RootView()
                .environmentObject(model)
                .overlay {
                    if scenePhase != .active { PrivacyCover() }
                }
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

    var body: some View {
        Group {
            if let failure = model.openFailure {
                ContentUnavailableView(
                    "Cannot open referrals", systemImage: "exclamationmark.lock",
                    description: Text(failure))
            } else {
                TabView {
                    NavigationStack { FormView() }
                        .tabItem { Label("Referral", systemImage: "square.and.pencil") }
                    NavigationStack { OutboxView() }
                        .tabItem { Label("Sent", systemImage: "tray.full") }
                        .badge(Int(model.queuedCount))
                }
            }
        }
        .sheet(isPresented: $model.showSignIn) { SignInView() }
    }
}
#endif
