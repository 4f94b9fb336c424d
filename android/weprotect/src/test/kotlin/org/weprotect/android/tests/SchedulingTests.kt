// The scheduling decisions, one behaviour per test.
package org.weprotect.android.tests

import java.time.Duration
import java.time.Instant
import org.weprotect.android.scheduling.ExistingPolicy
import org.weprotect.android.scheduling.SchedulingPolicy
import org.weprotect.android.scheduling.SyncRequest
import org.weprotect.android.scheduling.SyncScheduling
import org.weprotect.android.scheduling.SyncWork
import org.weprotect.android.scheduling.WorkEnd
import org.weprotect.android.vault.KeystoreUnavailableException
import org.weprotect.android.vault.VaultKeyUnavailableException
import org.weprotect.core.SyncReport
import org.weprotect.core.WeprotectException
import org.weprotect.testing.*

private val NOW: Instant = Instant.parse("2026-11-20T21:40:00Z")

fun report(
    waiting: Int = 0,
    needsSignIn: Boolean = false,
    deadlineReached: Boolean = false,
    cancelled: Boolean = false,
    nextRunAt: Instant? = null,
) = SyncReport(
    delivered = 0u,
    rejected = 0u,
    retried = 0u,
    waiting = waiting.toUInt(),
    needsSignIn = needsSignIn,
    pinMismatch = false,
    deadlineReached = deadlineReached,
    cancelled = cancelled,
    nextRunAt = nextRunAt,
)

fun schedulingTests(): List<Test> {
    val s = SyncScheduling()
    return listOf(
        Test("a submit enqueues unique expedited work with policy KEEP and no delay") {
            val r = s.onSubmitted()
            checkEquals(SyncWork.Now, r.work, "work")
            check(r.expedited) { "not expedited" }
            checkEquals(ExistingPolicy.Keep, r.policy, "policy")
            checkEquals(Duration.ZERO, r.delay, "delay")
        },
        Test("the expedited pass deadline fits inside an expedited job's few minutes") {
            check(s.onSubmitted().passDeadline <= Duration.ofMinutes(2)) { "deadline too long" }
            check(s.passDeadline(SyncWork.Later) < Duration.ofMinutes(10)) { "over the 10-minute limit" }
        },
        Test("nothing waiting after a pass ends the work with no follow-up") {
            val after = s.afterPass(SyncWork.Now, report(), NOW)
            checkEquals(WorkEnd.Success, after.end, "end")
            checkEquals(null, after.next, "follow-up")
            check(!after.askToSignIn) { "asked to sign in" }
        },
        Test("a pass re-enqueues itself at the core's next run time") {
            val after = s.afterPass(SyncWork.Now, report(waiting = 1, nextRunAt = NOW.plusSeconds(90)), NOW)
            val next = after.next ?: throw TestFailure("no follow-up")
            checkEquals(SyncWork.Later, next.work, "work")
            checkEquals(Duration.ofSeconds(90), next.delay, "delay")
            check(!next.expedited) { "a delayed request cannot be expedited" }
            checkEquals(ExistingPolicy.Replace, next.policy, "policy from a Now worker")
            checkEquals(WorkEnd.Success, after.end, "end")
        },
        Test("a follow-up enqueued from a follow-up worker is chained after it, not dropped or cancelled") {
            val next = s.afterPass(SyncWork.Later, report(waiting = 1, nextRunAt = NOW.plusSeconds(5)), NOW).next
            checkEquals(ExistingPolicy.AppendOrReplace, next?.policy, "policy from a Later worker")
        },
        Test("a pass that hit its deadline with referrals due runs again at once") {
            val next = s.afterPass(SyncWork.Now, report(waiting = 3, deadlineReached = true, nextRunAt = NOW.minusSeconds(2)), NOW).next
            checkEquals(Duration.ZERO, next?.delay, "delay")
        },
        Test("needs sign-in ends the work successfully, asks to sign in and does not retry") {
            val after = s.afterPass(SyncWork.Now, report(waiting = 2, needsSignIn = true, nextRunAt = NOW), NOW)
            checkEquals(WorkEnd.Success, after.end, "end")
            checkEquals(null, after.next, "follow-up")
            check(after.askToSignIn) { "did not ask to sign in" }
            checkEquals(s.onSubmitted(), s.onSignedIn(), "signing in sends at once")
            checkEquals(s.onSubmitted(), s.onNetworkAvailable(), "a network that returns sends at once")
        },
        Test("errors retrying cannot mend fail the work; transient ones retry; needs sign-in asks") {
            checkEquals(WorkEnd.Failure, s.afterError(WeprotectException.WrongKey()).end, "wrong key")
            checkEquals(WorkEnd.Failure, s.afterError(WeprotectException.TooNew()).end, "too new")
            checkEquals(WorkEnd.Retry, s.afterError(WeprotectException.Storage()).end, "storage")
            checkEquals(WorkEnd.Retry, s.afterError(java.io.IOException("disk")).end, "io")
            checkEquals(WorkEnd.Failure, s.afterError(VaultKeyUnavailableException("gone")).end, "key gone")
            checkEquals(WorkEnd.Retry, s.afterError(KeystoreUnavailableException("hiccup")).end, "keystore hiccup")
            val signIn = s.afterError(WeprotectException.NeedsSignIn())
            check(signIn.end == WorkEnd.Success && signIn.askToSignIn) { "needs sign-in: $signIn" }
        },
        Test("an expedited request with a delay cannot be built") {
            expectThrows<IllegalArgumentException> {
                SyncRequest(SyncWork.Now, Duration.ofSeconds(1), expedited = true, ExistingPolicy.Keep, Duration.ofSeconds(1))
            }
        },
        Test("the safety net is periodic and never below WorkManager's 15 minutes") {
            checkEquals(SyncWork.Periodic, s.periodic().work, "work")
            expectThrows<IllegalArgumentException> { SchedulingPolicy(periodicInterval = Duration.ofMinutes(5)) }
        },
    )
}
