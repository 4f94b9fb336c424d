// The folder that holds the core's SQLite database. Its contents are already encrypted by the
// core, but iOS adds two protections the core cannot: file protection (the files are unreadable
// until the first unlock after boot) and exclusion from backups (a referral must not outlive the
// phone in iCloud or on a laptop). `completeUntilFirstUserAuthentication`, not `complete`:
// background sync writes receipts while the phone is locked.
import Foundation

/// Prepares the database folder for `Store.open`.
public enum StoreFolder {
    /// Application Support/WeProtect, created with file protection and excluded from backup.
    public static func prepareDefault() throws -> URL {
        let base = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil,
            create: true)
        return try prepare(base.appendingPathComponent("WeProtect", isDirectory: true))
    }

    /// Creates `folder` if needed and applies the protections (again on every launch, so a
    /// folder restored or created by an older version is fixed too).
    @discardableResult
    public static func prepare(_ folder: URL) throws -> URL {
        var attributes: [FileAttributeKey: Any] = [:]
        #if os(iOS) || os(tvOS) || os(watchOS) || os(visionOS)
        attributes[.protectionKey] = FileProtectionType.completeUntilFirstUserAuthentication
        #endif
        try FileManager.default.createDirectory(
            at: folder, withIntermediateDirectories: true, attributes: attributes)
        #if os(iOS) || os(tvOS) || os(watchOS) || os(visionOS)
        try FileManager.default.setAttributes(attributes, ofItemAtPath: folder.path)
        #endif
        #if canImport(Darwin)
        var url = folder
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try url.setResourceValues(values)
        #endif
        return folder
    }
}
