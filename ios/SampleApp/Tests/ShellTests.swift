// What the Apple-only shell relies on, checked here: Info.plist lists the background tasks and
// modes; the privacy manifests declare the required-reason APIs the bundled SQLite calls.
import Foundation
import XCTest

@testable import WeProtectSample

final class ShellTests: XCTestCase, @unchecked Sendable {
    func testInfoPlistPermitsTheSyncTaskAndProcessingMode() throws {
        let plist = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Info.plist")
        let data = try Data(contentsOf: plist)
        let info = try XCTUnwrap(
            try PropertyListSerialization.propertyList(from: data, format: nil) as? [String: Any])
        let ids = try XCTUnwrap(info["BGTaskSchedulerPermittedIdentifiers"] as? [String])
        XCTAssertEqual(ids, [SampleAppInfo.syncTaskIdentifier, SampleAppInfo.refreshTaskIdentifier])
        let modes = try XCTUnwrap(info["UIBackgroundModes"] as? [String])
        XCTAssertTrue(modes.contains("processing"))
        XCTAssertTrue(modes.contains("fetch"), "BGAppRefreshTask needs the fetch mode")
    }

    func testBothPrivacyManifestsDeclareFileTimestampAndDiskSpaceWithoutTracking() throws {
        let ios = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for path in ["Sources/WeProtect/PrivacyInfo.xcprivacy", "SampleApp/PrivacyInfo.xcprivacy"] {
            let data = try Data(contentsOf: ios.appendingPathComponent(path))
            let manifest = try XCTUnwrap(
                try PropertyListSerialization.propertyList(from: data, format: nil) as? [String: Any], path)
            XCTAssertEqual(manifest["NSPrivacyTracking"] as? Bool, false, path)
            let apis = try XCTUnwrap(manifest["NSPrivacyAccessedAPITypes"] as? [[String: Any]], path)
            var reasons: [String: [String]] = [:]
            for api in apis {
                let type = try XCTUnwrap(api["NSPrivacyAccessedAPIType"] as? String, path)
                reasons[type] = api["NSPrivacyAccessedAPITypeReasons"] as? [String]
            }
            XCTAssertEqual(reasons["NSPrivacyAccessedAPICategoryFileTimestamp"], ["C617.1"], path)
            XCTAssertEqual(reasons["NSPrivacyAccessedAPICategoryDiskSpace"], ["E174.1"], path)
        }
    }
}
