import Foundation
import XCTest

@testable import WeProtect

final class BackgroundSyncPlannerTests: XCTestCase, @unchecked Sendable {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func testForegroundPassGetsTheShortDeadline() {
        let planner = BackgroundSyncPlanner()
        let deadline = planner.passDeadline(trigger: .submitted, now: now)
        XCTAssertEqual(deadline, now.addingTimeInterval(25))
    }

    func testForegroundReportsAnUnlimitedRemainingTimeAndStillGetsTheShortDeadline() {
        let planner = BackgroundSyncPlanner()
        let deadline = planner.passDeadline(
            trigger: .submitted, now: now, backgroundTimeRemaining: .greatestFiniteMagnitude)
        XCTAssertEqual(deadline, now.addingTimeInterval(25))
    }

    func testBackgroundTimeLeavesASafetyMarginBeforeSuspension() {
        let planner = BackgroundSyncPlanner()
        let deadline = planner.passDeadline(
            trigger: .submitted, now: now, backgroundTimeRemaining: 12)
        XCTAssertEqual(deadline, now.addingTimeInterval(7))
    }

    func testTooLittleBackgroundTimeStartsNoPass() {
        let planner = BackgroundSyncPlanner()
        XCTAssertNil(
            planner.passDeadline(trigger: .submitted, now: now, backgroundTimeRemaining: 6))
    }

    func testProcessingTaskGetsTheLongerPass() {
        let planner = BackgroundSyncPlanner()
        XCTAssertEqual(
            planner.passDeadline(trigger: .processingTask, now: now),
            now.addingTimeInterval(120))
    }

    func testARefreshTaskGetsTheShortPassAndRunsOnlyWhenSomethingWaits() {
        var planner = BackgroundSyncPlanner()
        XCTAssertEqual(
            planner.passDeadline(trigger: .refreshTask, now: now, backgroundTimeRemaining: 29),
            now.addingTimeInterval(24))
        XCTAssertFalse(
            planner.shouldRun(.refreshTask, pathSatisfied: true, passRunning: false, waiting: 0, needsSignIn: false))
        XCTAssertTrue(
            planner.shouldRun(.refreshTask, pathSatisfied: true, passRunning: false, waiting: 1, needsSignIn: false))
    }

    func testNetworkRunsAPassOnlyWhenThePathBecomesSatisfied() {
        var planner = BackgroundSyncPlanner()
        func network(_ satisfied: Bool) -> Bool {
            planner.shouldRun(
                .networkSatisfied, pathSatisfied: satisfied, passRunning: false, waiting: 2,
                needsSignIn: false)
        }
        XCTAssertFalse(network(false), "no signal: nothing to do")
        XCTAssertTrue(network(true), "signal returned with referrals waiting")
        XCTAssertFalse(network(true), "still satisfied: no second pass per path update")
        XCTAssertFalse(network(false))
        XCTAssertTrue(network(true), "signal returned again")
    }

    func testNothingWaitingOrARunningPassOrNoSignInMeansNoPass() {
        var planner = BackgroundSyncPlanner()
        XCTAssertFalse(
            planner.shouldRun(
                .networkSatisfied, pathSatisfied: true, passRunning: false, waiting: 0,
                needsSignIn: false))
        XCTAssertFalse(
            planner.shouldRun(
                .foregrounded, pathSatisfied: true, passRunning: true, waiting: 3,
                needsSignIn: false))
        XCTAssertFalse(
            planner.shouldRun(
                .processingTask, pathSatisfied: true, passRunning: false, waiting: 3,
                needsSignIn: true))
        XCTAssertTrue(
            planner.shouldRun(
                .manual, pathSatisfied: false, passRunning: false, waiting: 0, needsSignIn: true),
            "the officer asked: try, and show what happened")
    }

    func testNextBackgroundRequestFollowsTheCoreButNotSoonerThanTheFloor() {
        let planner = BackgroundSyncPlanner()
        let soon = PassOutcome(waiting: 1, needsSignIn: false, nextRunAt: now.addingTimeInterval(30))
        XCTAssertEqual(planner.nextBackgroundRequest(after: soon, now: now), now.addingTimeInterval(900))
        let later = PassOutcome(waiting: 1, needsSignIn: false, nextRunAt: now.addingTimeInterval(3600))
        XCTAssertEqual(planner.nextBackgroundRequest(after: later, now: now), now.addingTimeInterval(3600))
    }

    func testNoBackgroundRequestWhenNothingWaitsOrSignInIsNeeded() {
        let planner = BackgroundSyncPlanner()
        XCTAssertNil(
            planner.nextBackgroundRequest(
                after: PassOutcome(waiting: 0, needsSignIn: false, nextRunAt: nil), now: now))
        XCTAssertNil(
            planner.nextBackgroundRequest(
                after: PassOutcome(waiting: 4, needsSignIn: true, nextRunAt: now), now: now))
    }
}
