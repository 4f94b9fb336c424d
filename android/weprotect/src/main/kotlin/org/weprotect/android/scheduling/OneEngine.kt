// One sync engine per process, shared by every worker and screen. Plain Kotlin, so the JVM
// tests run it against the real library and the reference server.
//
// Why: the core runs one pass at a time per engine (its guard is a field of the engine, "use it
// behind an Arc"), and the store has no lease on outbox rows. WorkManager may run the `now`,
// `later` and `periodic` works at the same time (they are different unique works), so if each
// built its own engine, two passes would send the same due referrals: the service's idempotency
// keeps delivery exactly-once, but the traffic and the attempt counts double and the outcomes
// race. With one engine, a second pass waits for the first and finds nothing due.
package org.weprotect.android.scheduling

import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import org.weprotect.core.SyncEngine

/** The process's one [SyncEngine], made by [create] on first use. */
class OneEngine(private val create: suspend () -> SyncEngine) {
    private val mutex = Mutex()

    @Volatile
    private var engine: SyncEngine? = null

    /** The engine, created once (concurrent first callers get the same one). */
    suspend fun get(): SyncEngine = engine ?: mutex.withLock { engine ?: create().also { engine = it } }

    /** Cancels a running pass and closes the engine (before a wipe); the next [get] makes a new one. */
    suspend fun close() = mutex.withLock {
        engine?.let {
            it.cancel()
            it.close()
        }
        engine = null
    }
}
