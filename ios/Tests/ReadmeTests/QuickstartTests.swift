// Runs the README's quickstart functions (compiled from ios/README.md by `cargo xtask test
// swift` into this test module; Linux only, since the Mac package does not compile the README).
import Foundation
import XCTest

@testable import WeProtect
@testable import WeProtectCore

final class QuickstartTests: XCTestCase, @unchecked Sendable {
    func testTheQuickstartOpensSubmitsAndSends() async throws {
        let store = try await quickstartOpenStore(folder: temporaryFolder(self))
        let (service, token) = try referenceService()
        let draft = try store.saveDraftJson(id: nil, json: try exampleReferralJson())
        let report = try await quickstartSubmitAndSend(
            store: store, draftId: draft, service: service, token: { token })
        XCTAssertEqual(report.delivered, 1)
        XCTAssertFalse(report.needsSignIn)
    }
}
