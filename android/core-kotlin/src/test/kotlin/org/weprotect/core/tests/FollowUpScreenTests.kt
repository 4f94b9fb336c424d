// The sample's follow-up screen, withdrawal dialog and outbox row (issue 23), proved through
// their plain-Kotlin halves (FollowUpSession, ConsentWithdrawal, FollowUpRow) against the real
// library and the reference server on loopback.
package org.weprotect.core.tests

import java.time.Duration
import java.time.Instant
import java.time.ZoneOffset
import kotlinx.coroutines.runBlocking
import org.weprotect.core.FieldValue
import org.weprotect.core.FollowUpChange
import org.weprotect.core.FollowUpRow
import org.weprotect.core.FollowUpSession
import org.weprotect.core.FollowUpSubmit
import org.weprotect.core.FormDefinition
import org.weprotect.core.MessageStyle
import org.weprotect.core.OutboxState
import org.weprotect.core.RecordedHow
import org.weprotect.core.StaticTokenProvider
import org.weprotect.core.StatusUpdate
import org.weprotect.core.Store
import org.weprotect.core.SyncEngine
import org.weprotect.core.WithdrawalChoice
import org.weprotect.core.WithdrawalOutcome
import org.weprotect.core.WithdrawnBy
import org.weprotect.core.canFollowUp
import org.weprotect.core.fieldLabel
import org.weprotect.core.followUpRow
import org.weprotect.core.formDefinition
import org.weprotect.core.recordWithdrawal
import org.weprotect.core.text
import org.weprotect.core.withdrawalChoice
import org.weprotect.core.withdrawalConfirmation
import org.weprotect.core.yesNo
import org.weprotect.testing.*

private const val CRIME_REFERENCE = "incident.crime_reference"

/** A store holding the example referral (the canary as forename) sent with its crime number to follow. */
private fun sentWithCrimeNumberToFollow(name: String): Pair<Store, String> {
    val store = Store.open(freshDir(name).path, TestVault().dataKey())
    val json = exampleWithForename(CANARY).replace("\"CRIS-0000001/26\"", "null")
    val queued = store.submit(store.saveDraftJson(null, json), service())
    return store to queued.referralId
}

private fun row(store: Store, definition: FormDefinition): FollowUpRow = followUpRow(store.outbox().single(), definition)

private fun FollowUpRow.lines(): List<String> = listOfNotNull(consent, toFollow) + addenda

private fun sync(store: Store) = SyncEngine(store, service(), StaticTokenProvider(token()), null).use { engine ->
    runBlocking { engine.syncNow(Duration.ofSeconds(20)) }
}

fun followUpScreenTests() = listOf(
    Test("the follow-up screen shows the to-follow field by its label, queues the crime number and the row follows it to delivered") {
        val definition = formDefinition()
        val label = fieldLabel(definition, CRIME_REFERENCE)
        check(label != CRIME_REFERENCE && label.isNotBlank()) { "no label: $label" }
        val (store, id) = sentWithCrimeNumberToFollow("screen-follow-up")
        val before = row(store, definition)
        checkEquals("1 to follow: $label", before.toFollow, "row before")
        check(before.canFollowUp && before.canWithdraw && before.consent == null) { "$before" }
        val session = FollowUpSession.open(store, store.outbox().single(), definition)
        checkEquals(id, session.referralId, "referral")
        checkEquals("To follow: $label", session.heading, "heading")
        val field = session.fields.single()
        check(field.field.path == CRIME_REFERENCE && field.field.label == label) { "${field.field.path}" }
        check(!field.state.required && field.state.missing.isEmpty() && field.messages.isEmpty()) {
            "the empty field is drawn as required or with notes: ${field.messages}"
        }
        check(!session.ready) { "ready before anything was typed" }
        val taken = session.set(CRIME_REFERENCE, FieldValue.text("CR/123456/26"))
        check(taken is FollowUpChange.Taken && taken.fields.single().messages.isEmpty()) { "$taken" }
        check(session.ready) { "not ready after a good value" }
        val submitted = session.submit(service())
        check(submitted is FollowUpSubmit.Queued) { "$submitted" }
        session.close()
        val queued = row(store, definition)
        checkEquals(null, queued.toFollow, "still to follow after the submit")
        checkEquals(listOf("Added: $label (waiting to send)"), queued.addenda, "row after the submit")
        check(!queued.canFollowUp && !canFollowUp(store.outbox().single())) { "follow-up still offered" }
        val report = sync(store)
        check(report.delivered == 2u && report.waiting == 0u) { "$report" }
        val delivered = row(store, definition)
        checkEquals(listOf("Added: $label (delivered)"), delivered.addenda, "row after the sync")
        for (line in before.lines() + queued.lines() + delivered.lines()) {
            check("CR/123456/26" !in line && CANARY !in line && CRIME_REFERENCE !in line) { "a value or a path in the row: $line" }
        }
        store.close()
    },
    Test("a bad value on the follow-up screen is refused naming the field by its label and changes nothing") {
        val definition = formDefinition()
        val (store, _) = sentWithCrimeNumberToFollow("screen-follow-up-bad")
        val session = FollowUpSession.open(store, store.outbox().single(), definition)
        val empty = session.submit(service())
        check(empty is FollowUpSubmit.Refused && empty.messages.isNotEmpty()) { "nothing given was queued: $empty" }
        val fields = session.fields
        val hidden = session.set("victim.forename", FieldValue.text(CANARY))
        check(hidden is FollowUpChange.Refused) { "$hidden" }
        hidden as FollowUpChange.Refused
        check(hidden.message.startsWith(fieldLabel(definition, "victim.forename") + ":")) { hidden.message }
        check(CANARY !in hidden.message && "victim.forename" !in hidden.message) { "value or path echoed: ${hidden.message}" }
        val wrongKind = session.set(CRIME_REFERENCE, FieldValue.yesNo(true))
        checkEquals(
            FollowUpChange.Refused("${fieldLabel(definition, CRIME_REFERENCE)}: this field takes text."),
            wrongKind,
            "a yes/no for the crime reference",
        )
        checkEquals(fields, session.fields, "the fields after two refused changes")
        // Taken, but wrong by the field's rule: the error is under the field and submit refuses.
        val tooLong = session.set(CRIME_REFERENCE, FieldValue.text("X".repeat(300)))
        check(tooLong is FollowUpChange.Taken) { "$tooLong" }
        val messages = session.fields.single().messages
        check(messages.isNotEmpty() && messages.all { it.style == MessageStyle.ERROR }) { "$messages" }
        check(!session.ready) { "ready with an error" }
        val refused = session.submit(service())
        check(refused is FollowUpSubmit.Refused && refused.messages.all { it.startsWith(fieldLabel(definition, CRIME_REFERENCE) + ": ") }) {
            "$refused"
        }
        check(store.outbox().single().addenda.isEmpty()) { "something was queued" }
        checkEquals(1, store.outbox().single().toFollow.size, "the to-follow list")
        session.close()
        store.close()
    },
    Test("withdrawing consent before delivery says what is dropped, refuses unanswered questions, and is delivered after the referral") {
        val definition = formDefinition()
        val (store, id) = sentWithCrimeNumberToFollow("screen-withdraw")
        // Information waiting to send, then the withdrawal: it is dropped.
        FollowUpSession.open(store, store.outbox().single(), definition).use { session ->
            session.set(CRIME_REFERENCE, FieldValue.text("CR/123456/26"))
            check(session.submit(service()) is FollowUpSubmit.Queued) { "not queued" }
        }
        val entry = store.outbox().single()
        check(entry.state == OutboxState.QUEUED && entry.title != null) { "${entry.state}" }
        val confirmation = withdrawalConfirmation(entry)
        for (says in listOf("stops work on this referral and deletes", "copy kept on this phone is deleted", "waiting to send about it (1) is dropped", "cannot be undone")) {
            check(says in confirmation) { "the confirmation does not say '$says': $confirmation" }
        }
        val now = Instant.parse("2026-12-06T15:00:00Z")
        fun incomplete(c: WithdrawalChoice) = (c as? WithdrawalChoice.Incomplete)?.message ?: throw TestFailure("accepted: $c")
        check(incomplete(withdrawalChoice(null, RecordedHow.BY_PHONE, "", now)).startsWith("Who withdrew consent:")) { "who" }
        check(incomplete(withdrawalChoice(WithdrawnBy.VICTIM, null, "", now)).startsWith("How it was recorded:")) { "how" }
        check(incomplete(withdrawalChoice(WithdrawnBy.VICTIM, RecordedHow.BY_PHONE, "yesterday", now, ZoneOffset.UTC)).startsWith("When:")) { "unreadable time" }
        check("future" in incomplete(withdrawalChoice(WithdrawnBy.VICTIM, RecordedHow.BY_PHONE, "2026-12-06 15:30", now, ZoneOffset.UTC))) { "future" }
        val earlier = withdrawalChoice(WithdrawnBy.VICTIM, RecordedHow.IN_WRITING, "2026-12-06 14:30", now, ZoneOffset.UTC)
        checkEquals(Instant.parse("2026-12-06T14:30:00Z"), (earlier as WithdrawalChoice.Ready).withdrawal.withdrawnAt, "typed time")
        // As UK officers write it, day first, with or without leading zeros.
        for (typed in listOf("06/12/2026 14:30", "6/12/2026 14:30")) {
            val uk = withdrawalChoice(WithdrawnBy.VICTIM, RecordedHow.IN_WRITING, typed, now, ZoneOffset.UTC)
            checkEquals(Instant.parse("2026-12-06T14:30:00Z"), (uk as WithdrawalChoice.Ready).withdrawal.withdrawnAt, typed)
        }
        check(incomplete(withdrawalChoice(WithdrawnBy.VICTIM, RecordedHow.BY_PHONE, "31/02/2026 10:00", now, ZoneOffset.UTC)).startsWith("When:")) { "no 31 February" }
        check(!store.outbox().single().consentWithdrawn) { "recorded by an unanswered dialog" }
        // A time the phone's clock says is ahead is refused by the core, named, and not recorded.
        val ahead = org.weprotect.core.Withdrawal(WithdrawnBy.VICTIM, Instant.now().plus(Duration.ofDays(1)), RecordedHow.BY_PHONE)
        val refused = recordWithdrawal(store, entry, ahead, service())
        check(refused is WithdrawalOutcome.NotRecorded && refused.message.startsWith("When:")) { "$refused" }
        check(!store.outbox().single().consentWithdrawn) { "a future withdrawal was recorded" }
        val now2 = withdrawalChoice(WithdrawnBy.VICTIM, RecordedHow.BY_PHONE, "") as WithdrawalChoice.Ready
        val recorded = recordWithdrawal(store, entry, now2.withdrawal, service())
        check(recorded is WithdrawalOutcome.Recorded) { "$recorded" }
        val after = store.outbox().single()
        check(after.consentWithdrawn && after.title == null) { "the local copy's title is still there" }
        val label = fieldLabel(definition, CRIME_REFERENCE)
        val withdrawn = followUpRow(after, definition)
        check(withdrawn.consent?.startsWith("Consent withdrawn") == true && withdrawn.toFollow == null) { "$withdrawn" }
        check(!withdrawn.canFollowUp && !withdrawn.canWithdraw) { "$withdrawn" }
        checkEquals(listOf("Added: $label (not sent: consent was withdrawn)"), withdrawn.addenda, "the dropped information")
        val report = sync(store)
        check(report.delivered == 2u && report.waiting == 0u) { "the referral and its withdrawal: $report" }
        checkEquals("Consent withdrawn: the service was told, it stops and deletes", row(store, definition).consent, "after the sync")
        check(store.outbox().single().referralId == id) { "another referral" }
        store.close()
    },
    Test("a withdrawal the service's advisor recorded shows on the row and offers nothing more") {
        val definition = formDefinition()
        val (store, _) = sentWithCrimeNumberToFollow("screen-withdrawn-by-service")
        check(sync(store).delivered == 1u) { "not delivered" }
        // As the device holds it once the status arrives: the core has emptied the to-follow list.
        val entry = store.outbox().single().copy(
            statuses = listOf(StatusUpdate("consent_withdrawn", Instant.now())),
            toFollow = emptyList(),
        )
        val withdrawn = followUpRow(entry, definition)
        checkEquals("Consent withdrawn: the service recorded it, it stops and deletes", withdrawn.consent, "the row")
        check(withdrawn.toFollow == null && !withdrawn.canFollowUp && !withdrawn.canWithdraw) { "$withdrawn" }
        store.close()
    },
    Test("an item inside a repeatable group is named by its label and its group's, never its path") {
        val definition = formDefinition()
        val fields = definition.sections.flatMap { it.fields }
        val item = fields.first { it.group != null }
        val group = fields.single { it.path == item.group }
        val concrete = item.path.replaceFirst("[]", "[1]")
        checkEquals("${item.label} (${group.label} 2)", fieldLabel(definition, concrete), "item label")
        check(!fieldLabel(definition, "no.such_field").contains("no.such_field")) { "a path shown" }
    },
)
