// Issue 20, part 3: what an app developer trying the Kotlin API on the desktop JVM found.
// Against the real library and the real reference server on loopback, as the other tests.
package org.weprotect.core.tests

import java.io.File
import java.net.ServerSocket
import java.time.Duration
import java.time.Instant
import kotlinx.coroutines.runBlocking
import org.weprotect.core.CallbackException
import org.weprotect.core.FieldValue
import org.weprotect.core.OutboxState
import org.weprotect.core.StaticTokenProvider
import org.weprotect.core.Store
import org.weprotect.core.SyncEngine
import org.weprotect.core.SyncEvent
import org.weprotect.core.SyncObserver
import org.weprotect.core.TokenProvider
import org.weprotect.core.WeprotectException
import org.weprotect.core.code
import org.weprotect.core.exampleReferralJson
import org.weprotect.core.field
import org.weprotect.core.text
import org.weprotect.testing.*

/** A loopback port nothing listens on: connecting is refused at once, like no signal. */
fun deadEndpoint(): String {
    val port = ServerSocket(0).use { it.localPort }
    return "http://127.0.0.1:$port"
}

/** The reference server behind TLS with a private CA (`cargo xtask test kotlin` starts it). */
class TlsFrontInfo(val endpoint: String, val caDer: ByteArray, val pin: String)

fun tlsFront(): TlsFrontInfo = TlsFrontInfo(
    System.getenv("WEPROTECT_TLS_ENDPOINT") ?: throw TestFailure("WEPROTECT_TLS_ENDPOINT is not set"),
    File(System.getenv("WEPROTECT_TLS_CA_DER") ?: throw TestFailure("WEPROTECT_TLS_CA_DER is not set")).readBytes(),
    System.getenv("WEPROTECT_TLS_PIN") ?: throw TestFailure("WEPROTECT_TLS_PIN is not set"),
)

fun trialTests() = listOf(
    Test("after wipe, an editor opened before it throws Closed on every call") {
        val store = openStore("wipe-then-edit")
        val editor = store.newDraft()
        editor.set("victim.forename", FieldValue.text(CANARY))
        store.wipe()
        val calls = listOf<Pair<String, () -> Unit>>(
            "set" to { editor.set("victim.surname", FieldValue.text("Smith")) },
            "snapshot" to { editor.snapshot() },
            "toJson" to { editor.toJson() },
            "draftId" to { editor.draftId() },
            "save" to { editor.save() },
            "addItem" to { editor.addItem("children") },
            "removeItem" to { editor.removeItem("children", 0u) },
            "submit" to { editor.submit(service()) },
            "pinClock" to { editor.pinClock(null) },
        )
        for ((name, call) in calls) {
            val e = expectThrows<WeprotectException> { call() }
            check(e is WeprotectException.Closed) { "$name threw $e, not Closed" }
        }
        // An editor opened on the wiped store afterwards is closed too.
        expectThrows<WeprotectException.Closed> { store.newDraft().set("victim.forename", FieldValue.text("x")) }
        editor.close()
        store.close()
    },
    Test("a reopened draft shows what was typed, not the normalised value") {
        val dir = freshDir("reopen-typed")
        val vault = TestVault()
        val store = Store.open(dir.path, vault.dataKey())
        val editor = store.newDraft()
        val out = editor.set("safe_contact.phone", FieldValue.text("020 7946 0123"))
        checkEquals("+442079460123", out.normalised?.reveal(), "normalised when set")
        editor.set("victim.date_of_birth", FieldValue.text("12/04/1990"))
        val id = editor.draftId() ?: throw TestFailure("not autosaved")
        editor.close()
        store.close()
        // The app is restarted: a new store handle, the draft reopened from the list.
        val again = Store.open(dir.path, vault.dataKey())
        val reopened = again.openDraft(id)
        val snap = reopened.snapshot()
        val phone = snap.field("safe_contact.phone") ?: throw TestFailure("no phone field")
        checkEquals("020 7946 0123", (phone.value as FieldValue.Text).text.reveal(), "phone as typed")
        checkEquals("+442079460123", phone.normalised?.reveal(), "phone normalised")
        val born = snap.field("victim.date_of_birth")?.value as FieldValue.Text
        checkEquals("12/04/1990", born.text.reveal(), "date of birth as typed")
        reopened.close()
        again.close()
    },
    Test("network return: the next pass sends at once instead of waiting out the backoff") {
        val store = storeWithOneQueued("network-return")
        // No signal: the first attempt cannot connect and is put off (full jitter, so the delay
        // is random: fail again until it is at least a few seconds).
        val offline = SyncEngine(store, service().copy(endpoint = deadEndpoint()), StaticTokenProvider(token()), null)
        var entry = store.outbox().single()
        while (true) {
            val wait = entry.nextAttemptAt?.let { Duration.between(Instant.now(), it) } ?: Duration.ZERO
            if (wait > Duration.ofMillis(1500)) break
            if (!wait.isNegative) Thread.sleep(wait.toMillis() + 20)
            runBlocking { offline.syncNow(Duration.ofSeconds(5)) }
            entry = store.outbox().single()
        }
        checkEquals("network.connect", entry.lastErrorCode, "why it waits")
        val engine = SyncEngine(store, service(), StaticTokenProvider(token()), null)
        // Signal is back, but nobody said so: the pass honours the backoff and sends nothing.
        val waited = runBlocking { engine.syncNow(Duration.ofSeconds(10)) }
        check(waited.delivered == 0u && waited.waiting == 1u) { "$waited" }
        // The ConnectivityManager / NWPathMonitor callback says so: the next pass sends now.
        checkEquals(1u, engine.networkAvailable(), "entries made due")
        val sent = runBlocking { engine.syncNow(Duration.ofSeconds(10)) }
        check(sent.delivered == 1u && sent.waiting == 0u) { "$sent" }
        checkEquals(OutboxState.DELIVERED, store.outbox().single().state, "state")
        offline.close()
        engine.close()
        store.close()
    },
    Test("behind a private CA: trusted explicitly and pinned, the referral is delivered") {
        val tls = tlsFront()
        val store = storeWithOneQueued("private-ca")
        val service = service().copy(endpoint = tls.endpoint, spkiPins = listOf(tls.pin))
        val engine = SyncEngine.withExtraRoots(store, service, StaticTokenProvider(token()), null, listOf(tls.caDer))
        val report = runBlocking { engine.syncNow(Duration.ofSeconds(20)) }
        check(report.delivered == 1u && !report.pinMismatch) { "$report" }
        engine.close()
        store.close()
    },
    Test("behind a private CA: a key that matches no pin sends nothing (tls.pin_mismatch)") {
        val tls = tlsFront()
        val store = storeWithOneQueued("private-ca-wrong-pin")
        val service = service().copy(endpoint = tls.endpoint, spkiPins = listOf("ab".repeat(32)))
        val engine = SyncEngine.withExtraRoots(store, service, StaticTokenProvider(token()), null, listOf(tls.caDer))
        val report = runBlocking { engine.syncNow(Duration.ofSeconds(20)) }
        check(report.pinMismatch && report.delivered == 0u && report.waiting == 1u) { "$report" }
        val entry = store.outbox().single()
        checkEquals(OutboxState.QUEUED, entry.state, "state")
        checkEquals("tls.pin_mismatch", entry.lastErrorCode, "code")
        engine.close()
        store.close()
    },
    Test("behind a CA the device does not trust: tls.untrusted_certificate, not network.connect") {
        val tls = tlsFront()
        val store = storeWithOneQueued("private-ca-untrusted")
        val service = service().copy(endpoint = tls.endpoint, spkiPins = listOf(tls.pin))
        val engine = SyncEngine(store, service, StaticTokenProvider(token()), null)
        val report = runBlocking { engine.syncNow(Duration.ofSeconds(20)) }
        check(report.delivered == 0u && report.waiting == 1u && !report.pinMismatch) { "$report" }
        checkEquals("tls.untrusted_certificate", store.outbox().single().lastErrorCode, "code")
        engine.close()
        store.close()
    },
    Test("a TokenProvider or observer that throws is an ordinary error, nothing printed") {
        // In a child JVM, so what the native library writes to standard error can be read.
        val java = File(System.getProperty("java.home"), "bin/java").path
        val child = ProcessBuilder(
            java,
            "-Djna.library.path=${System.getProperty("jna.library.path")}",
            "-cp", System.getProperty("java.class.path"),
            "org.weprotect.core.tests.ThrowingCallbacks",
        ).start()
        val out = child.inputStream.bufferedReader().readText()
        val err = child.errorStream.bufferedReader().readText()
        val status = child.waitFor()
        check(status == 0) { "the scenario failed ($status): $out $err" }
        check("token: callback_failed" in out) { out }
        check("observer: delivered 1" in out) { out }
        check("refresh: needs sign-in" in out) { out }
        check(!err.contains("panic") && !err.contains("internal error")) { "printed: $err" }
    },
)

/** The scenario of the test above, run in a child JVM by it. */
object ThrowingCallbacks {
    @JvmStatic
    fun main(args: Array<String>) {
        // token() throws an exception the app did not declare.
        val store = storeWithOneQueued("throwing-token")
        val failing = object : TokenProvider {
            override fun token(): String? = throw IllegalStateException("keystore locked")
            override fun refreshToken(): String? = null
        }
        val engine = SyncEngine(store, service(), failing, null)
        val e = expectThrows<WeprotectException> { runBlocking { engine.syncNow(Duration.ofSeconds(10)) } }
        check(e is WeprotectException.CallbackFailed) { "$e" }
        checkEquals(OutboxState.QUEUED, store.outbox().single().state, "nothing lost")
        println("token: ${e.code}")
        engine.close()
        // The observer throws on every event: the pass goes on and delivers.
        val observer = object : SyncObserver {
            override fun onEvent(event: SyncEvent) {
                throw RuntimeException("UI gone")
            }
        }
        val delivering = SyncEngine(store, service(), StaticTokenProvider(token()), observer)
        val report = runBlocking { delivering.syncNow(Duration.ofSeconds(10)) }
        println("observer: delivered ${report.delivered}")
        delivering.close()
        store.close()
        // refreshToken() throws the declared exception after the service refused the token.
        val refused = storeWithOneQueued("throwing-refresh")
        val refreshing = object : TokenProvider {
            override fun token(): String? = "not-a-real-token"
            override fun refreshToken(): String? = throw CallbackException.Failed()
        }
        val third = SyncEngine(refused, service(), refreshing, null)
        val signIn = runBlocking { third.syncNow(Duration.ofSeconds(10)) }
        check(signIn.needsSignIn && signIn.waiting == 1u) { "$signIn" }
        println("refresh: needs sign-in")
        third.close()
        refused.close()
    }
}
