// Item 1 of issue 25: stable codes and a short, personal-data-free localizedDescription.
import Foundation
import XCTest

@testable import WeProtect
@testable import WeProtectCore

final class ErrorCodeTests: XCTestCase, @unchecked Sendable {
    /// One value of every case (a new case is a compile error in `code`, and must be added here).
    static let everyCase: [WeprotectError] = [
        .WrongKey, .NotAWeprotectStore, .CorruptStore, .TooNew, .NotFound,
        .Invalid(problems: []), .InvalidDocument(reason: "r"), .InvalidState, .InvalidArgument,
        .ServiceConfig, .Closed, .NeedsSignIn, .Storage, .UnknownField(path: "victim.x"),
        .WrongKind(path: "victim.x", expected: "text"), .UnknownOption(path: "victim.x"),
        .OutOfRange(path: "victim.x"), .FieldHidden(path: "victim.x"),
        .GroupFull(path: "children", max: 10), .CallbackFailed, .Internal,
    ]

    func testAWrongKeyIsCodeWrongKeyWithAShortText() throws {
        let (store, folder, _) = try openFreshStore(self)
        _ = store
        let stranger = try InMemoryKeyVault().dataKey()
        XCTAssertThrowsError(try Store.open(dir: folder.path, dataKey: stranger)) { error in
            let e = error as? WeprotectError
            XCTAssertEqual(e?.code, "wrong_key")
            XCTAssertEqual(error.localizedDescription, "The data key does not open this store.")
        }
    }

    func testEveryCodeIsDistinctAndListedInTheBindingsDoc() throws {
        let codes = Self.everyCase.map(\.code)
        XCTAssertEqual(Set(codes).count, codes.count, "codes are distinct")
        let doc = try String(contentsOf: repositoryRoot().appendingPathComponent("docs/bindings.md"), encoding: .utf8)
        for code in codes {
            XCTAssertTrue(doc.contains("`\(code)`"), "\(code) is not in docs/bindings.md")
        }
    }

    func testLocalizedDescriptionIsTheShortTextNotADumpAndHoldsNoValue() {
        for error in Self.everyCase {
            let shown = (error as Error).localizedDescription
            XCTAssertEqual(shown, error.text)
            XCTAssertFalse(shown.contains("WeprotectError"), shown)
            XCTAssertLessThan(shown.count, 80, shown)
        }
        let problem = Problem(
            path: "victim.surname", code: "too_long", message: "too long", kind: .error)
        let invalid = WeprotectError.Invalid(problems: [problem, problem])
        XCTAssertEqual(invalid.localizedDescription, "The referral cannot be sent yet: 2 thing(s) to put right.")
    }
}

/// The repository's root, from this file's path (the Linux chroot mounts it at the same path).
func repositoryRoot(file: String = #filePath) -> URL {
    URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
}
