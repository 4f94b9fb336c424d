// Runs the README's quickstart functions (compiled from ios/README.md by `cargo xtask test
// swift` into this test module; Linux only, since the Mac package does not compile the README).
import Foundation
import XCTest

@testable import WeProtect
@testable import WeProtectCore

final class QuickstartTests: XCTestCase {
    func testTheQuickstartOpensRendersSubmitsAndSends() async throws {
        let store = try quickstartOpenStore(folder: temporaryFolder(self))
        let lines = try quickstartRenderForm(store: store)
        XCTAssertTrue(lines.contains { $0.contains("+447700900123") }, "normalised phone shown")

        let (service, token) = try referenceService()
        let editor = try DraftEditor.openJson(json: try exampleReferralJson(), store: store)
        let report = try await quickstartSubmitAndSend(
            store: store, editor: editor, service: service, token: { token })
        XCTAssertEqual(report.delivered, 1)
        XCTAssertFalse(report.needsSignIn)
    }
}
