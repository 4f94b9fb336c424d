// Translates the plain-Kotlin decisions (`org.weprotect.android.scheduling`) into WorkManager
// calls. No decision is made here: what to enqueue, with which delay, deadline and policy comes
// from `SyncScheduling`, which the JVM tests cover.
package org.weprotect.android.work

import android.content.Context
import androidx.work.Constraints
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.OutOfQuotaPolicy
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.workDataOf
import org.weprotect.android.WeprotectAndroid
import org.weprotect.android.scheduling.ExistingPolicy
import org.weprotect.android.scheduling.SyncRequest
import org.weprotect.android.scheduling.SyncScheduling
import org.weprotect.android.scheduling.SyncWork

/** Enqueues sync work. Call [onSubmitted] after every submit, [schedulePeriodic] at app start. */
object SyncScheduler {
    /** The decisions (their limits are `SchedulingPolicy`'s defaults). */
    val scheduling = SyncScheduling()

    private val connected: Constraints =
        Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build()

    /** A referral was submitted: send it as soon as there is a network. */
    fun onSubmitted(context: Context) = enqueue(context, scheduling.onSubmitted())

    /** The network came back (see [NetworkWatcher]): send what waited for it, now. */
    fun onNetworkAvailable(context: Context) = enqueue(context, scheduling.onNetworkAvailable())

    /** The officer signed in again: remove the sign-in notification and send what waits. */
    fun onSignedIn(context: Context) {
        WeprotectAndroid.setNeedsSignIn(false)
        SyncNotifications.cancelSignIn(context)
        enqueue(context, scheduling.onSignedIn())
    }

    /**
     * The periodic safety net. UPDATE (WorkManager 2.8+): calling it at every start keeps the
     * running schedule, and a changed interval takes effect (KEEP would ignore it for ever).
     */
    fun schedulePeriodic(context: Context) {
        val periodic = scheduling.periodic()
        val request = PeriodicWorkRequestBuilder<SyncWorker>(periodic.interval)
            .setConstraints(connected)
            .setInputData(workDataOf(SyncWorker.KEY_WORK to periodic.work.name))
            .build()
        WorkManager.getInstance(context)
            .enqueueUniquePeriodicWork(periodic.work.uniqueName, ExistingPeriodicWorkPolicy.UPDATE, request)
    }

    /** Cancels every sync work (before a wipe). A running pass is cancelled in Rust too. */
    fun cancelAll(context: Context) {
        val workManager = WorkManager.getInstance(context)
        SyncWork.entries.forEach { workManager.cancelUniqueWork(it.uniqueName) }
    }

    /** Enqueues one request exactly as decided. */
    internal fun enqueue(context: Context, request: SyncRequest) {
        val builder = OneTimeWorkRequestBuilder<SyncWorker>()
            .setConstraints(connected)
            .setInputData(workDataOf(SyncWorker.KEY_WORK to request.work.name))
        if (request.expedited) {
            builder.setExpedited(OutOfQuotaPolicy.RUN_AS_NON_EXPEDITED_WORK_REQUEST)
        } else {
            builder.setInitialDelay(request.delay)
        }
        WorkManager.getInstance(context)
            .enqueueUniqueWork(request.work.uniqueName, request.policy.toWorkManager(), builder.build())
    }

    private fun ExistingPolicy.toWorkManager(): ExistingWorkPolicy = when (this) {
        ExistingPolicy.Keep -> ExistingWorkPolicy.KEEP
        ExistingPolicy.Replace -> ExistingWorkPolicy.REPLACE
        ExistingPolicy.AppendOrReplace -> ExistingWorkPolicy.APPEND_OR_REPLACE
    }
}
