// What the Apple-only shell relies on, checked here: Info.plist lists the background task and
// mode.
import Foundation
import XCTest

@testable import WeProtectSample

final class ShellTests: XCTestCase {
    func testInfoPlistPermitsTheSyncTaskAndProcessingMode() throws {
        let plist = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Info.plist")
        let data = try Data(contentsOf: plist)
        let info = try XCTUnwrap(
            try PropertyListSerialization.propertyList(from: data, format: nil) as? [String: Any])
        let ids = try XCTUnwrap(info["BGTaskSchedulerPermittedIdentifiers"] as? [String])
        XCTAssertEqual(ids, [SampleAppInfo.syncTaskIdentifier])
        let modes = try XCTUnwrap(info["UIBackgroundModes"] as? [String])
        XCTAssertTrue(modes.contains("processing"))
    }
}
