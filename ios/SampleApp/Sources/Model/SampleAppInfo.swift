// Identifiers the app and its Info.plist must agree on (a test checks the plist).
enum SampleAppInfo {
    /// The BGProcessingTask; listed in Info.plist's BGTaskSchedulerPermittedIdentifiers.
    static let syncTaskIdentifier = "org.weprotect.sample.sync"
}
