// What an app embeds: the store in no-backup storage opened with the keystore-wrapped key, one
// per process, shared by the screens and the sync worker; and the host interface the app's
// Application implements so the worker can reach the service configuration and the sign-in.
package org.weprotect.android

import android.app.PendingIntent
import android.content.Context
import java.io.File
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import org.weprotect.android.keystore.AndroidKeyStoreVault
import org.weprotect.android.scheduling.OneEngine
import org.weprotect.android.vault.openStore
import org.weprotect.core.PlatformTls
import org.weprotect.core.ServiceConfig
import org.weprotect.core.Store
import org.weprotect.core.SyncEngine
import org.weprotect.core.SyncEvents
import org.weprotect.core.TokenProvider
import org.weprotect.core.wipeDir

/**
 * Implemented by the app's `Application` class: what the sync worker needs from the app. The
 * worker runs in the app's process, possibly with no activity, possibly while the phone is
 * locked.
 */
interface WeprotectHost {
    /** The receiving service (endpoint, key, pins), from the app's configuration. */
    val weprotectService: ServiceConfig

    /** The officer's sign-in. Its `token()` is called off the main thread. */
    val weprotectTokens: TokenProvider

    /** Where the "sign in to send" notification leads (the app's sign-in screen). */
    fun weprotectSignInIntent(context: Context): PendingIntent
}

/** The process-wide store, sync engine and sync events. */
object WeprotectAndroid {
    private val mutex = Mutex()

    @Volatile
    private var store: Store? = null

    @Volatile
    private var oneEngine: OneEngine? = null

    /** Guarded by [mutex]: the TLS verifier is given the context once per process. */
    private var tlsReady = false

    /** Sync events (ids and codes only) from every pass of this process, for a badge or a list. */
    val events: SyncEvents = SyncEvents()

    private val signInNeeded = MutableStateFlow(false)

    /**
     * True once a pass found the token refused (the worker also raised the notification); false
     * again after `SyncScheduler.onSignedIn`. Screens show their sign-in prompt from it.
     */
    val needsSignIn: StateFlow<Boolean> = signInNeeded.asStateFlow()

    internal fun setNeedsSignIn(needed: Boolean) {
        signInNeeded.value = needed
    }

    /** The store's folder: in no-backup storage, like the wrapped key. */
    fun storeDir(context: Context): File = File(context.noBackupFilesDir, "weprotect-store")

    /**
     * The store, opened once per process with the keystore-wrapped key (a rotation a crash
     * interrupted is settled here); the first call also gives the core's TLS verifier the
     * application context. Call it from a coroutine: it opens SQLite off the main
     * thread.
     */
    suspend fun store(context: Context): Store {
        store?.let { return it }
        return mutex.withLock {
            if (!tlsReady) {
                PlatformTls.init(context.applicationContext)
                tlsReady = true
            }
            store ?: openStore(storeDir(context), AndroidKeyStoreVault.create(context.applicationContext))
                .also { store = it }
        }
    }

    /**
     * The process's one sync engine over [store], with the host's service and token provider
     * and [events] as observer. Every worker and screen uses this one: the core runs one pass at
     * a time per engine, so two engines would send the same referrals concurrently.
     * [context]'s application must implement [WeprotectHost].
     */
    suspend fun engine(context: Context): SyncEngine {
        val app = context.applicationContext
        val host = app as? WeprotectHost
            ?: error("the Application class must implement org.weprotect.android.WeprotectHost")
        val one = oneEngine ?: mutex.withLock {
            oneEngine ?: OneEngine {
                SyncEngine(store(app), host.weprotectService, host.weprotectTokens, events)
            }.also { oneEngine = it }
        }
        return one.get()
    }

    /**
     * Wipes the store and forgets both keys (a force's remote wipe, a sign-out that must leave
     * nothing behind). Cancel running sync work first (`SyncScheduler.cancelAll`).
     */
    suspend fun wipe(context: Context) = withContext(Dispatchers.IO) {
        oneEngine?.close() // cancels a running pass before the store goes
        mutex.withLock {
            oneEngine = null
            val open = store
            if (open != null) {
                open.wipe()
                open.close()
            } else {
                wipeDir(storeDir(context).path)
            }
            store = null
            AndroidKeyStoreVault.create(context.applicationContext).destroy()
            AndroidKeyStoreVault.deleteWrappingKey()
        }
    }
}
