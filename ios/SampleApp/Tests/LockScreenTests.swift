// Nothing outside the app betrays the subject (issue 22): the texts iOS shows on the home
// screen, in the app switcher and for background work name neither the subject nor anyone, and
// the privacy cover hides every screen (sheets included) whenever the scene is not active or
// the screen is captured, so the app switcher's snapshot shows no referral. The sample posts no
// user notifications. The SwiftUI files cannot be built here (README), so this reads them.
import Foundation
import XCTest

/// Words that say what a referral is about; conservative on purpose (a phone on a kitchen
/// table shows its app switcher and home screen to whoever is there).
let betrayingWords = [
    "abuse", "abusive", "abuser", "domestic", "violence", "violent", "victim", "perpetrator",
    "assault", "coercive", "coercion", "stalking", "refuge", "marac", "idva", "safeguarding",
    "survivor", "harassment", "rape", "sexual",
]

/// What in `text` would betray the subject: forbidden words, and interpolation (the only way a
/// name or a reference could reach a fixed text).
func betrayals(_ text: String) -> [String] {
    let words = text.lowercased().split(whereSeparator: { !$0.isLetter }).map(String.init)
    let found = betrayingWords.filter { w in words.contains { $0.hasPrefix(w) } }
    return found + (text.contains("\\(") || text.contains("%@") ? ["interpolation"] : [])
}

final class LockScreenTests: XCTestCase, @unchecked Sendable {
    private var sampleApp: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    }

    private func source(_ path: String) throws -> String {
        try String(contentsOf: sampleApp.appendingPathComponent(path), encoding: .utf8)
    }

    /// The string literals of `text`.
    private func literals(in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: #""((?:[^"\\]|\\.)*)""#)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    func testTheCheckFindsWordsAndInterpolation() {
        XCTAssertEqual(Set(betrayals("Domestic Abuse referral")), ["domestic", "abuse"])
        XCTAssertEqual(betrayals("Referral for \\(name)"), ["interpolation"])
        XCTAssertEqual(betrayals("Victims' support"), ["victim"])
        XCTAssertEqual(betrayals("Sign in to send referrals"), [])
    }

    func testTheHomeScreenNameAndUsageTextsNameNeitherTheSubjectNorAnyone() throws {
        let data = try Data(contentsOf: sampleApp.appendingPathComponent("Info.plist"))
        let info = try XCTUnwrap(
            try PropertyListSerialization.propertyList(from: data, format: nil) as? [String: Any])
        let name = try XCTUnwrap(info["CFBundleDisplayName"] as? String)
        XCTAssertEqual(betrayals(name), [], "CFBundleDisplayName")
        for (key, value) in info where key.hasSuffix("UsageDescription") {
            XCTAssertEqual(betrayals(value as? String ?? ""), [], key)
        }
    }

    func testThePrivacyCoverAndBackgroundTaskNamesSayNothingOfTheSubject() throws {
        let app = try source("Sources/App/WeProtectSampleApp.swift")
        let cover = try XCTUnwrap(app.range(of: "struct PrivacyCover"), "the privacy cover moved")
        let coverBody = String(app[cover.lowerBound...]).components(separatedBy: "\nstruct ")[0]
        let texts = literals(in: coverBody)
        XCTAssertFalse(texts.isEmpty, "the cover's texts moved")
        for text in texts { XCTAssertEqual(betrayals(text), [], text) }
        let background = try source("Sources/App/BackgroundSync.swift")
        let names = try NSRegularExpression(pattern: #"withName:\s*"([^"]*)""#)
        let found = names.matches(in: background, range: NSRange(background.startIndex..., in: background))
        XCTAssertFalse(found.isEmpty, "the background task's name moved")
        for m in found {
            let text = String(background[Range(m.range(at: 1), in: background)!])
            XCTAssertEqual(betrayals(text), [], text)
        }
    }

    func testThePrivacyCoverHidesEveryScreenWhenNotActiveOrCaptured() throws {
        let app = try source("Sources/App/WeProtectSampleApp.swift")
        XCTAssertTrue(
            app.contains("covered: scenePhase != .active || model.screenCaptured"),
            "the cover no longer follows the scene phase and screen capture")
        XCTAssertTrue(app.contains(".overlay { if covered { PrivacyCover() } }"), "the root is not covered")
        // Every sheet or full-screen cover is presented above the root's overlay: each needs its own.
        let dir = sampleApp.appendingPathComponent("Sources/App")
        var presentations = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where file.hasSuffix(".swift") {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            for marker in [".sheet(", ".fullScreenCover("] {
                var rest = Substring(text)
                while let r = rest.range(of: marker) {
                    presentations += 1
                    // The presented content: up to the next presentation or 600 characters.
                    let body = rest[r.upperBound...].prefix(600)
                    XCTAssertTrue(body.contains("PrivacyCover()"), "\(file): a \(marker) without the privacy cover")
                    rest = rest[r.upperBound...]
                }
            }
        }
        XCTAssertGreaterThan(presentations, 0, "no sheet found: the check would prove nothing")
    }
}
