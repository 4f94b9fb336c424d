package org.weprotect.core.tests

import java.time.Duration
import java.time.Instant
import kotlinx.coroutines.runBlocking
import org.weprotect.core.AddendumKind
import org.weprotect.core.FieldValue
import org.weprotect.core.OutboxState
import org.weprotect.core.RecordedHow
import org.weprotect.core.StaticTokenProvider
import org.weprotect.core.Store
import org.weprotect.core.SyncEngine
import org.weprotect.core.WeprotectException
import org.weprotect.core.Withdrawal
import org.weprotect.core.WithdrawnBy
import org.weprotect.core.exampleReferralJson
import org.weprotect.core.text
import org.weprotect.testing.*

/** A store holding the example referral sent with its crime number to follow. */
private fun sentWithCrimeNumberToFollow(name: String): Pair<Store, String> {
    val store = Store.open(freshDir(name).path, TestVault().dataKey())
    val json = exampleReferralJson().replace("\"CRIS-0000001/26\"", "null")
    val draft = store.saveDraftJson(null, json)
    val queued = store.submit(draft, service())
    return store to queued.referralId
}

fun followUpTests() = listOf(
    Test("a crime number issued later is sent once, after its referral, and leaves the list") {
        val (store, id) = sentWithCrimeNumberToFollow("follow-up")
        val item = store.toFollow(id).single()
        check(item.path == "incident.crime_reference" && item.code == "crime_reference.to_follow") { "$item" }
        val editor = store.openFollowUp(id)
        check(!editor.snapshot().ready) { "ready before anything was typed" }
        val snapshot = editor.set("incident.crime_reference", FieldValue.text("CR/123456/26"))
        check(snapshot.ready) { "not ready: ${snapshot.problems}" }
        val queued = editor.submit(service())
        check(store.toFollow(id).isEmpty()) { "still to follow" }
        val engine = SyncEngine(store, service(), StaticTokenProvider(token()), null)
        val report = runBlocking { engine.syncNow(Duration.ofSeconds(20)) }
        // The referral and then, in the same pass, its addendum.
        check(report.delivered == 2u && report.waiting == 0u) { "$report" }
        val entry = store.outbox().single()
        val addendum = entry.addenda.single()
        check(addendum.addendumId == queued.addendumId) { "another addendum" }
        check(addendum.kind == AddendumKind.INFORMATION && addendum.state == OutboxState.DELIVERED) { "$addendum" }
        check(addendum.receivedAt != null) { "no receipt" }
        engine.close()
        store.close()
    },
    Test("a field that was not to follow is refused and a wrong value names its field only") {
        val (store, id) = sentWithCrimeNumberToFollow("follow-up-refused")
        val editor = store.openFollowUp(id)
        val hidden = expectThrows<WeprotectException.FieldHidden> {
            editor.set("victim.forename", FieldValue.text(CANARY))
        }
        check(!hidden.toString().contains(CANARY)) { "the value was echoed" }
        val snapshot = editor.set("incident.crime_reference", FieldValue.text("X".repeat(300)))
        check(!snapshot.ready && snapshot.problems.single().path == "incident.crime_reference") {
            "${snapshot.problems}"
        }
        val e = expectThrows<WeprotectException.Invalid> { editor.submit(service()) }
        check(e.problems.all { it.path == "incident.crime_reference" }) { "${e.problems}" }
        check(store.outbox().single().addenda.isEmpty()) { "something was queued" }
        store.close()
    },
    Test("a withdrawal of consent is delivered, stops follow-ups and the service says consent_withdrawn") {
        val (store, id) = sentWithCrimeNumberToFollow("withdraw")
        val engine = SyncEngine(store, service(), StaticTokenProvider(token()), null)
        runBlocking { engine.syncNow(Duration.ofSeconds(20)) }
        val withdrawal = Withdrawal(WithdrawnBy.VICTIM, Instant.now(), RecordedHow.BY_PHONE)
        val first = store.withdrawConsent(id, withdrawal, service())
        check(store.withdrawConsent(id, withdrawal, service()).addendumId == first.addendumId) {
            "a second withdrawal was queued"
        }
        check(store.outbox().single().consentWithdrawn) { "not marked withdrawn" }
        expectThrows<WeprotectException.InvalidState> { store.openFollowUp(id) }
        val report = runBlocking { engine.syncNow(Duration.ofSeconds(20)) }
        check(report.delivered == 1u) { "$report" }
        runBlocking { engine.refreshStatuses(Duration.ofSeconds(20)) }
        val entry = store.outbox().single()
        check(entry.addenda.single().state == OutboxState.DELIVERED) { "${entry.addenda}" }
        check(entry.statuses.last().status == "consent_withdrawn") { "${entry.statuses}" }
        engine.close()
        store.close()
    },
)
