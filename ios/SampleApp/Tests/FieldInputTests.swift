// needs: form-editor (compiled once the bindings export the DraftEditor; see xtask/src/swift.rs)
// How the sample app turns controls into the values the core parses.
import Foundation
import XCTest

@testable import WeProtectSample

final class FieldInputTests: XCTestCase, @unchecked Sendable {
    func testDatesAreWrittenInLondonTimeWithTheOffset() {
        // 2026-07-01 20:40 UTC is 21:40 BST; 2026-11-20 21:40 UTC is 21:40 GMT.
        let summer = Date(timeIntervalSince1970: 1_782_938_400)
        XCTAssertEqual(FieldInput.dateTimeText(summer), "2026-07-01T21:40:00+01:00")
        XCTAssertEqual(FieldInput.timeOfDayText(summer), "21:40")
        let winter = Date(timeIntervalSince1970: 1_795_210_800)
        XCTAssertEqual(FieldInput.dateTimeText(winter), "2026-11-20T21:40:00+00:00")
        XCTAssertEqual(FieldInput.dateText(winter), "2026-11-20")
    }

    func testADateFieldShowsItsOwnValueAndNothingWhenEmpty() throws {
        // B9: the picker starts from the field's value, never from "now".
        let winter = Date(timeIntervalSince1970: 1_795_210_800)
        let day = try XCTUnwrap(FieldInput.date(fromDateText: "2026-11-20"))
        XCTAssertEqual(FieldInput.dateText(day), "2026-11-20")
        XCTAssertEqual(FieldInput.date(fromDateTimeText: "2026-11-20T21:40:00+00:00"), winter)
        XCTAssertEqual(FieldInput.date(fromDateTimeText: "2026-11-20T21:40+00:00"), winter)
        XCTAssertEqual(FieldInput.date(fromDateTimeText: FieldInput.dateTimeText(winter)), winter)
        let time = try XCTUnwrap(FieldInput.date(fromTimeOfDayText: "21:40"))
        XCTAssertEqual(FieldInput.timeOfDayText(time), "21:40")
        XCTAssertNil(FieldInput.date(fromDateText: ""))
        XCTAssertNil(FieldInput.date(fromTimeOfDayText: ""))
        XCTAssertNil(FieldInput.date(fromDateText: "20/11/2026"), "typed otherwise: shown as text, not as a date")
    }

    func testAnEmptiedFieldClearsInsteadOfStoringEmptyText() throws {
        if case .clear = try FieldInput.text("") {} else { XCTFail("expected .clear") }
        XCTAssertNil(FieldInput.integer("12a"))
        XCTAssertEqual(FieldInput.integer(" 3 "), 3)
    }

    func testItemIndexIsReadFromTheConcretePath() {
        XCTAssertEqual(FormScreen.itemIndex(in: "children[1].name"), 1)
        XCTAssertNil(FormScreen.itemIndex(in: "victim.surname"))
    }
}
