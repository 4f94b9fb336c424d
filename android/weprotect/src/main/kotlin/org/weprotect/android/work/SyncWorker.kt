// The worker: one bounded pass, then whatever `SyncScheduling` decides. Stopping the worker
// (constraints lost, quota, the 10-minute limit) cancels its coroutine, and `SyncEngine.sync`
// turns that into `cancel()` in Rust, so the pass ends promptly and nothing in flight is lost.
package org.weprotect.android.work

import android.content.Context
import androidx.work.CoroutineWorker
import androidx.work.ForegroundInfo
import androidx.work.WorkerParameters
import java.time.Instant
import kotlinx.coroutines.CancellationException
import org.weprotect.android.WeprotectAndroid
import org.weprotect.android.WeprotectHost
import org.weprotect.android.scheduling.AfterPass
import org.weprotect.android.scheduling.SyncWork
import org.weprotect.android.scheduling.WorkEnd
import org.weprotect.core.sync

/** Runs `syncNow` for the app's store. The app's `Application` must implement [WeprotectHost]. */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {

    override suspend fun doWork(): Result {
        val host = applicationContext as? WeprotectHost
            ?: error("the Application class must implement org.weprotect.android.WeprotectHost")
        val work = inputData.getString(KEY_WORK)
            ?.let { name -> SyncWork.entries.firstOrNull { it.name == name } }
            ?: SyncWork.Periodic
        val scheduling = SyncScheduler.scheduling
        // A configuration that cannot be read (no service.json in the app, a damaged one) will
        // not mend itself: fail rather than retry with backoff for ever.
        try {
            host.weprotectService
        } catch (e: Exception) {
            return Result.failure()
        }
        val after: AfterPass = try {
            // The process's one engine: passes of the now, later and periodic works queue
            // behind each other instead of sending the same referrals twice.
            val engine = WeprotectAndroid.engine(applicationContext)
            val report = engine.sync(scheduling.passDeadline(work))
            scheduling.afterPass(work, report, Instant.now())
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            scheduling.afterError(e)
        }
        if (after.askToSignIn) {
            WeprotectAndroid.setNeedsSignIn(true)
            SyncNotifications.showSignIn(applicationContext, host)
        }
        after.next?.let { SyncScheduler.enqueue(applicationContext, it) }
        return when (after.end) {
            WorkEnd.Success -> Result.success()
            WorkEnd.Retry -> Result.retry()
            WorkEnd.Failure -> Result.failure()
        }
    }

    /** Expedited work runs as a foreground service before Android 12: its notification. */
    override suspend fun getForegroundInfo(): ForegroundInfo = SyncNotifications.foregroundInfo(applicationContext)

    companion object {
        /** Input data key: which [SyncWork] this run is. */
        const val KEY_WORK = "org.weprotect.sync.work"
    }
}
