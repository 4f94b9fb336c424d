// The scheduling decisions of the Android library, in plain Kotlin (no android.* import), so the
// JVM tests cover them (`cargo xtask test android`). The WorkManager classes in
// `org.weprotect.android.work` only translate these values into WorkManager calls.
//
// The shape follows Glean's upload worker: a submit enqueues unique, expedited, one-time work
// that needs a network (policy KEEP, so ten quick submits start one pass, not ten); the worker
// runs one bounded pass and then enqueues itself again for the time the core asked for
// (`SyncReport.nextRunAt`); a periodic job is the safety net when everything else was lost (a
// force-stop clears WorkManager's queue, a reboot with no network, a refused token). The core
// owns the delivery policy (what is due, backoff, permanent failure); this file only turns its
// answer into "run again in N seconds", "ask the officer to sign in", or "nothing to do".
package org.weprotect.android.scheduling

import java.time.Duration
import java.time.Instant
import org.weprotect.core.SyncReport
import org.weprotect.core.WeprotectException
import org.weprotect.android.vault.KeystoreUnavailableException
import org.weprotect.android.vault.VaultKeyUnavailableException
import org.weprotect.core.code

/** The unique works the library enqueues; each has its own name. */
enum class SyncWork(val uniqueName: String) {
    /** Right after a submit or a sign-in: expedited, policy KEEP. */
    Now("org.weprotect.sync.now"),

    /** A follow-up at the time the core asked for (not expedited: it has a delay). */
    Later("org.weprotect.sync.later"),

    /** The periodic safety net. */
    Periodic("org.weprotect.sync.periodic"),
}

/** WorkManager's `ExistingWorkPolicy`, the values this library uses. */
enum class ExistingPolicy { Keep, Replace, AppendOrReplace }

/**
 * One one-time work to enqueue. Every request needs a connected network; an expedited request
 * never has a delay (WorkManager refuses the combination).
 */
data class SyncRequest(
    val work: SyncWork,
    val delay: Duration,
    val expedited: Boolean,
    val policy: ExistingPolicy,
    /** The deadline the worker gives the core's pass. */
    val passDeadline: Duration,
) {
    init {
        require(!delay.isNegative) { "a delay is never negative" }
        require(!(expedited && !delay.isZero)) { "expedited work cannot be delayed" }
    }
}

/** How the worker ends: WorkManager's `Result.success()`, `retry()` or `failure()`. */
enum class WorkEnd { Success, Retry, Failure }

/** What to do once a pass is over (or could not run). */
data class AfterPass(
    /** The worker's result. */
    val end: WorkEnd,
    /** The follow-up to enqueue, if any. */
    val next: SyncRequest?,
    /** Raise the "sign in to send" notification (no personal data in it). */
    val askToSignIn: Boolean,
)

/** The periodic safety net: every [interval], on any connected network (policy KEEP). */
data class PeriodicRequest(val work: SyncWork, val interval: Duration, val passDeadline: Duration)

/**
 * The limits the decisions use, as named values (tests override them). The deadlines sit well
 * inside what Android gives a worker: an expedited job may be stopped after a few minutes, any
 * worker after ten, and a stopped worker's pass is cancelled in Rust (`SyncEngine.sync`).
 */
data class SchedulingPolicy(
    /** The pass deadline of expedited work. */
    val expeditedDeadline: Duration = Duration.ofSeconds(60),
    /** The pass deadline of follow-up and periodic work (a worker may run for 10 minutes). */
    val deadline: Duration = Duration.ofMinutes(5),
    /** How often the safety net runs (WorkManager's minimum is 15 minutes). */
    val periodicInterval: Duration = Duration.ofHours(1),
) {
    init {
        require(periodicInterval >= Duration.ofMinutes(15)) { "WorkManager's minimum is 15 minutes" }
        require(expeditedDeadline < Duration.ofMinutes(3)) { "expedited work may be stopped after a few minutes" }
        require(deadline < Duration.ofMinutes(9)) { "a worker is stopped after 10 minutes" }
    }
}

/** The decisions. Pure: the same inputs always give the same answer. */
class SyncScheduling(val policy: SchedulingPolicy = SchedulingPolicy()) {

    /** After a referral was submitted (or the officer signed in again): send now. */
    fun onSubmitted(): SyncRequest =
        SyncRequest(SyncWork.Now, Duration.ZERO, expedited = true, ExistingPolicy.Keep, policy.expeditedDeadline)

    /** After the officer signed in again: the same as a submit. */
    fun onSignedIn(): SyncRequest = onSubmitted()

    /**
     * The network came back (ConnectivityManager's `onAvailable`), after the core was told
     * (`SyncEngine.networkAvailable()`, which ended the backoff of what could not be sent): send
     * now, as after a submit. KEEP: work already waiting for the network runs once.
     */
    fun onNetworkAvailable(): SyncRequest = onSubmitted()

    /** At app start: the safety net. */
    fun periodic(): PeriodicRequest = PeriodicRequest(SyncWork.Periodic, policy.periodicInterval, policy.deadline)

    /** The deadline a worker running as [work] gives its pass. */
    fun passDeadline(work: SyncWork): Duration =
        if (work == SyncWork.Now) policy.expeditedDeadline else policy.deadline

    /**
     * After a pass that ran as [ranAs] returned [report] at [now]:
     * - "needs sign-in": end successfully (retrying cannot help until the officer signs in) and
     *   ask for sign-in; the sign-in enqueues [onSignedIn], and the periodic job remains.
     * - otherwise follow the core: nothing more when it wants nothing (`nextRunAt` null), else
     *   run again at `nextRunAt` (at once when it is already due, as after a deadline).
     */
    fun afterPass(ranAs: SyncWork, report: SyncReport, now: Instant): AfterPass {
        if (report.needsSignIn) return AfterPass(WorkEnd.Success, next = null, askToSignIn = true)
        val at = report.nextRunAt ?: return AfterPass(WorkEnd.Success, next = null, askToSignIn = false)
        val delay = Duration.between(now, at).let { if (it.isNegative) Duration.ZERO else it }
        return AfterPass(WorkEnd.Success, followUp(ranAs, delay), askToSignIn = false)
    }

    /**
     * When the pass could not run or ended in an error: "needs sign-in" as above; errors that
     * retrying cannot mend (wrong key, a store from a newer app, a damaged store, a bad service
     * configuration, a data key the keystore can no longer unwrap) fail the work, so it is not
     * retried for ever; transient ones (storage, internal, closed, a keystore that did not give
     * the wrapping key just now) let WorkManager retry with its backoff. Anything else not from
     * the core is retried too.
     */
    fun afterError(error: Throwable): AfterPass {
        if (error is VaultKeyUnavailableException) return AfterPass(WorkEnd.Failure, null, askToSignIn = false)
        if (error is KeystoreUnavailableException) return AfterPass(WorkEnd.Retry, null, askToSignIn = false)
        val code = (error as? WeprotectException)?.code
        return when (code) {
            "needs_sign_in" -> AfterPass(WorkEnd.Success, null, askToSignIn = true)
            "wrong_key", "not_a_weprotect_store", "corrupt_store", "too_new", "service_config",
            "invalid_argument" -> AfterPass(WorkEnd.Failure, null, askToSignIn = false)
            else -> AfterPass(WorkEnd.Retry, null, askToSignIn = false)
        }
    }

    /**
     * The follow-up. From a `Later` worker, `AppendOrReplace` chains it after the running work
     * (KEEP or REPLACE on the running work's own name would drop it or cancel the running
     * worker); from any other worker, `Replace` moves a pending follow-up to the new time.
     */
    private fun followUp(ranAs: SyncWork, delay: Duration): SyncRequest {
        val policy = if (ranAs == SyncWork.Later) ExistingPolicy.AppendOrReplace else ExistingPolicy.Replace
        return SyncRequest(SyncWork.Later, delay, expedited = false, policy, this.policy.deadline)
    }
}
