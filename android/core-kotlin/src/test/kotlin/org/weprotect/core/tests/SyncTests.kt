package org.weprotect.core.tests

import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.time.Duration
import kotlin.concurrent.thread
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import org.weprotect.core.OutboxState
import org.weprotect.core.StaticTokenProvider
import org.weprotect.core.Store
import org.weprotect.core.SyncEngine
import org.weprotect.core.SyncEvent
import org.weprotect.core.SyncEvents
import org.weprotect.core.exampleReferralJson
import org.weprotect.core.sync
import org.weprotect.testing.*

/** A store with one queued referral (the example) for the reference server. */
fun storeWithOneQueued(name: String): Store {
    val store = Store.open(freshDir(name).path, TestVault().dataKey())
    val draft = store.saveDraftJson(null, exampleReferralJson())
    store.submit(draft, service())
    return store
}

/** A loopback service that accepts connections and never answers. */
class SilentService : AutoCloseable {
    private val socket = ServerSocket(0, 50, InetAddress.getLoopbackAddress())
    private val held = mutableListOf<Socket>()
    private val acceptor = thread(isDaemon = true) {
        try {
            while (true) held += socket.accept()
        } catch (_: Exception) {
        }
    }
    val endpoint = "http://127.0.0.1:${socket.localPort}"
    override fun close() {
        socket.close()
        held.forEach { it.close() }
    }
}

fun syncTests() = listOf(
    Test("two concurrent syncNow calls deliver exactly once with a receipt") {
        val store = storeWithOneQueued("concurrent")
        val events = SyncEvents()
        val engine = SyncEngine(store, service(), StaticTokenProvider(token()), events)
        runBlocking {
            val seen = mutableListOf<SyncEvent>()
            val collector = launch { events.flow.collect { seen += it } }
            val reports = listOf(
                async { engine.syncNow(Duration.ofSeconds(20)) },
                async { engine.syncNow(Duration.ofSeconds(20)) },
            ).awaitAll()
            check(reports.sumOf { it.delivered.toInt() } == 1) { "reports $reports" }
            val entry = store.outbox().single()
            check(entry.state == OutboxState.DELIVERED) { "state ${entry.state}" }
            val receipt = entry.receipt ?: throw TestFailure("no receipt")
            check(receipt.serviceReference.isNotBlank()) { "empty reference" }
            delay(100)
            collector.cancel()
            check(seen.count { it is SyncEvent.Sending } == 1) { "sent ${seen.count { it is SyncEvent.Sending }} times" }
            check(seen.any { it is SyncEvent.Delivered }) { "no Delivered event in $seen" }
        }
        engine.close()
        store.close()
    },
    Test("no token means needs sign-in and nothing is lost") {
        val store = storeWithOneQueued("no-token")
        val engine = SyncEngine(store, service(), StaticTokenProvider(null), null)
        val report = runBlocking { engine.syncNow(Duration.ofSeconds(10)) }
        check(report.needsSignIn && report.delivered == 0u) { "$report" }
        check(report.waiting == 1u) { "$report" }
        check(store.outbox().single().state == OutboxState.QUEUED) { "the referral left the queue" }
        engine.close()
        store.close()
    },
    Test("cancel ends a pass to an unreachable service within a second") {
        SilentService().use { silent ->
            val store = storeWithOneQueued("cancel")
            val engine = SyncEngine(store, service().copy(endpoint = silent.endpoint), StaticTokenProvider(token()), null)
            runBlocking {
                val pass = async { engine.syncNow(Duration.ofSeconds(60)) }
                delay(300)
                val cancelledAt = System.nanoTime()
                engine.cancel()
                val report = pass.await()
                val ms = (System.nanoTime() - cancelledAt) / 1_000_000
                check(ms < 1000) { "the pass took $ms ms to end" }
                check(report.cancelled && report.waiting == 1u) { "$report" }
            }
            check(store.outbox().single().state == OutboxState.QUEUED) { "the referral left the queue" }
            engine.close()
            store.close()
        }
    },
    Test("cancelling the coroutine reaches the Rust pass") {
        SilentService().use { silent ->
            val store = storeWithOneQueued("coroutine-cancel")
            val engine = SyncEngine(store, service().copy(endpoint = silent.endpoint), StaticTokenProvider(token()), null)
            runBlocking {
                check(withTimeoutOrNull(300) { engine.sync(Duration.ofSeconds(60)) } == null) { "finished?" }
                // The pass ended in Rust: a new pass does not wait behind it (it would for 60 s).
                val at = System.nanoTime()
                val next = engine.syncNow(Duration.ofMillis(200))
                val ms = (System.nanoTime() - at) / 1_000_000
                check(ms < 1500) { "the next pass waited $ms ms" }
                check(!next.cancelled && next.waiting == 1u) { "$next" }
            }
            engine.close()
            store.close()
        }
    },
    Test("the docs quickstart runs against the reference server") {
        val report = runBlocking {
            org.weprotect.quickstart.quickstart(freshDir("quickstart"), TestVault(), service(), StaticTokenProvider(token()))
        }
        check(report.delivered == 1u && report.waiting == 0u) { "$report" }
    },
)
