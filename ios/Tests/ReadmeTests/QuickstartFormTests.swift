// needs: form-editor (compiled once the bindings export the DraftEditor; see xtask/src/swift.rs)
// The README's form quickstart, run.
import Foundation
import XCTest

@testable import WeProtect
@testable import WeProtectCore

final class QuickstartFormTests: XCTestCase, @unchecked Sendable {
    func testTheQuickstartRendersTheFormWithTheNormalisedPhone() async throws {
        let store = try await quickstartOpenStore(folder: temporaryFolder(self))
        let lines = try await quickstartRenderForm(store: store)
        XCTAssertTrue(lines.contains { $0.contains("+447700900123") }, "normalised phone shown")
    }
}
