// Tells the core when the network comes back, and sends at once (issue 20, part 3).
//
// Why: a referral that could not reach the service waits out a backoff (seconds to 15 minutes)
// before the next pass tries it again. When the officer walks out of the flat with no signal,
// the phone knows the moment a network is back; waiting for the backoff then only delays a
// referral a victim's safety may depend on. So the default network callback, on `onAvailable`,
// tells the core (`SyncEngine.networkAvailable()`: what failed for want of a network becomes
// due now) and enqueues the expedited pass (`SyncScheduler.onNetworkAvailable`). Entries that
// failed because the service answered (a 503, a Retry-After) keep their schedule.
//
// Android-only and thin (not built here: no Android SDK); the decision is
// `SyncScheduling.onNetworkAvailable` and the core's call, both covered by JVM tests.
package org.weprotect.android.work

import android.content.Context
import android.net.ConnectivityManager
import android.net.Network
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import org.weprotect.android.WeprotectAndroid

/** Registers once per process, from `Application.onCreate()`: `NetworkWatcher.start(this)`. */
object NetworkWatcher {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)

    @Volatile
    private var callback: ConnectivityManager.NetworkCallback? = null

    /** Starts watching the default network (needs ACCESS_NETWORK_STATE, which WorkManager declares). */
    @Synchronized
    fun start(context: Context) {
        if (callback != null) return
        val app = context.applicationContext
        val connectivity = app.getSystemService(ConnectivityManager::class.java) ?: return
        val watching = object : ConnectivityManager.NetworkCallback() {
            override fun onAvailable(network: Network) {
                // On ConnectivityManager's thread: the store call and WorkManager go to IO.
                scope.launch {
                    runCatching { WeprotectAndroid.engine(app).networkAvailable() }
                    SyncScheduler.onNetworkAvailable(app)
                }
            }
        }
        connectivity.registerDefaultNetworkCallback(watching)
        callback = watching
    }

    /** Stops watching (before a wipe, or when the officer signs out). */
    @Synchronized
    fun stop(context: Context) {
        val watching = callback ?: return
        context.applicationContext.getSystemService(ConnectivityManager::class.java)
            ?.unregisterNetworkCallback(watching)
        callback = null
    }
}
