// Real passes against the reference server on loopback (started by `cargo xtask test android`,
// which passes WEPROTECT_SERVICE_JSON and WEPROTECT_TOKEN), turned into decisions: what the
// worker does after a delivered pass, and after a pass without a token.
package org.weprotect.android.tests

import java.io.File
import java.time.Instant
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import java.util.concurrent.atomic.AtomicInteger
import org.weprotect.android.scheduling.OneEngine
import org.weprotect.android.scheduling.SyncScheduling
import org.weprotect.android.scheduling.SyncWork
import org.weprotect.android.scheduling.WorkEnd
import org.weprotect.android.vault.WrappedKeyVault
import org.weprotect.android.vault.openStore
import org.weprotect.core.OutboxState
import org.weprotect.core.ServiceConfig
import org.weprotect.core.StaticTokenProvider
import org.weprotect.core.SyncEngine
import org.weprotect.core.exampleReferralJson
import org.weprotect.core.serviceConfigFromJson
import org.weprotect.core.sync
import org.weprotect.testing.*

private fun service(): ServiceConfig {
    val path = System.getenv("WEPROTECT_SERVICE_JSON") ?: throw TestFailure("WEPROTECT_SERVICE_JSON is not set")
    return serviceConfigFromJson(File(path).readText())
}

/** One submitted referral in a fresh store; runs [body] with the store and the service. */
private fun withSubmitted(name: String, body: suspend kotlinx.coroutines.CoroutineScope.(org.weprotect.core.Store, ServiceConfig) -> Unit) {
    val root = freshDir("pass-$name")
    val vault = aesKey().let { k -> WrappedKeyVault(File(root, "no_backup"), { k }) }
    val service = service()
    runBlocking {
        val store = openStore(File(root, "store"), vault)
        val draft = store.saveDraftJson(null, exampleReferralJson())
        store.submit(draft, service)
        try {
            body(this, store, service)
        } finally {
            store.close()
        }
    }
}

fun passTests(): List<Test> {
    val scheduling = SyncScheduling()
    return listOf(
        Test("after a pass that delivered everything the worker ends with no follow-up") {
            withSubmitted("delivered") { store, service ->
                val token = System.getenv("WEPROTECT_TOKEN") ?: throw TestFailure("WEPROTECT_TOKEN is not set")
                val engine = SyncEngine(store, service, StaticTokenProvider(token), null)
                val report = engine.sync(scheduling.passDeadline(SyncWork.Now))
                engine.close()
                checkEquals(1u, report.delivered, "delivered")
                val after = scheduling.afterPass(SyncWork.Now, report, Instant.now())
                checkEquals(WorkEnd.Success, after.end, "end")
                checkEquals(null, after.next, "follow-up")
                val entry = store.outbox().single()
                checkEquals(OutboxState.DELIVERED, entry.state, "state")
                check(entry.receipt != null) { "no receipt" }
            }
        },
        Test("three workers at once share one engine: one engine made, the referral delivered once") {
            withSubmitted("one-engine") { store, service ->
                val token = System.getenv("WEPROTECT_TOKEN") ?: throw TestFailure("WEPROTECT_TOKEN is not set")
                val made = AtomicInteger()
                val one = OneEngine { made.incrementAndGet(); SyncEngine(store, service, StaticTokenProvider(token), null) }
                val reports = (SyncWork.entries).map { work ->
                    async(Dispatchers.IO) { one.get().sync(scheduling.passDeadline(work)) }
                }.awaitAll()
                checkEquals(1, made.get(), "engines made")
                checkEquals(1u, reports.sumOf { it.delivered }, "delivered over all passes")
                val entry = store.outbox().single()
                checkEquals(OutboxState.DELIVERED, entry.state, "state")
                one.close()
            }
        },
        Test("after a pass without a token the worker asks to sign in, does not retry, loses nothing") {
            withSubmitted("no-token") { store, service ->
                val engine = SyncEngine(store, service, StaticTokenProvider(null), null)
                val report = engine.sync(scheduling.passDeadline(SyncWork.Now))
                engine.close()
                check(report.needsSignIn) { "report does not say needs sign-in: $report" }
                val after = scheduling.afterPass(SyncWork.Now, report, Instant.now())
                check(after.askToSignIn && after.end == WorkEnd.Success && after.next == null) { "$after" }
                checkEquals(OutboxState.QUEUED, store.outbox().single().state, "state")
            }
        },
    )
}
