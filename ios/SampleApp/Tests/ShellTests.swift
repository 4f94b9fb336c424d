// What the Apple-only shell relies on, checked here: Info.plist lists the background task and
// mode; dates are written in London time as the core parses them.
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

    func testDatesAreWrittenInLondonTimeWithTheOffset() {
        // 2026-07-01 20:40 UTC is 21:40 BST; 2026-11-20 21:40 UTC is 21:40 GMT.
        let summer = Date(timeIntervalSince1970: 1_782_938_400)
        XCTAssertEqual(FieldInput.dateTimeText(summer), "2026-07-01T21:40:00+01:00")
        XCTAssertEqual(FieldInput.timeOfDayText(summer), "21:40")
        let winter = Date(timeIntervalSince1970: 1_795_210_800)
        XCTAssertEqual(FieldInput.dateTimeText(winter), "2026-11-20T21:40:00+00:00")
        XCTAssertEqual(FieldInput.dateText(winter), "2026-11-20")
    }

    func testAnEmptiedFieldClearsInsteadOfStoringEmptyText() {
        if case .clear = FieldInput.text("") {} else { XCTFail("expected .clear") }
        XCTAssertNil(FieldInput.integer("12a"))
        XCTAssertEqual(FieldInput.integer(" 3 "), 3)
    }

    func testItemIndexIsReadFromTheConcretePath() {
        XCTAssertEqual(FormScreen.itemIndex(in: "children[1].name"), 1)
        XCTAssertNil(FormScreen.itemIndex(in: "victim.surname"))
    }
}

