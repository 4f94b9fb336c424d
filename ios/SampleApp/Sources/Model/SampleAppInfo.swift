// Identifiers the app and its Info.plist must agree on (a test checks the plist).
enum SampleAppInfo {
    /// The BGProcessingTask; listed in Info.plist's BGTaskSchedulerPermittedIdentifiers.
    static let syncTaskIdentifier = "org.weprotect.sample.sync"
    /// The BGAppRefreshTask; listed there too (mode `fetch`).
    static let refreshTaskIdentifier = "org.weprotect.sample.refresh"
}
