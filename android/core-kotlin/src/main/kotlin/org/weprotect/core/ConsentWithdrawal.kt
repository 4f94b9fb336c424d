// Recording that consent was withdrawn after a referral was sent (issue 23): the dialog's
// plain-Kotlin half. The core (`Store.withdrawConsent`) seals the withdrawal to the service and
// queues it, drops information still waiting to send and, for a referral not delivered yet, the
// copy kept on the phone; the service then stops and deletes what it holds.
//
// Why a confirmation that says all of that: it cannot be undone, and it deletes. The officer
// must read what will happen before choosing, and the record must say who withdrew, how it
// reached the officer (in person, by phone, in writing: the service's audit asks) and when. A
// choice left out or a time that cannot be read is refused naming the question, and nothing is
// queued.
package org.weprotect.core

import java.time.Instant
import java.time.LocalDateTime
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.time.format.DateTimeParseException

/** The dialog's words for who withdrew consent. */
val WithdrawnBy.label: String
    get() = when (this) {
        WithdrawnBy.VICTIM -> "The person referred"
        WithdrawnBy.ON_THE_VICTIMS_BEHALF -> "Someone on their behalf"
    }

/** The dialog's words for how the withdrawal was recorded. */
val RecordedHow.label: String
    get() = when (this) {
        RecordedHow.IN_PERSON -> "In person"
        RecordedHow.BY_PHONE -> "By phone"
        RecordedHow.IN_WRITING -> "In writing"
    }

/** The dialog's title. */
const val WITHDRAWAL_TITLE = "Record that consent was withdrawn?"

/** The dialog's questions, named in its messages. */
const val WITHDRAWN_BY_QUESTION = "Who withdrew consent"
const val RECORDED_HOW_QUESTION = "How it was recorded"
const val WITHDRAWN_AT_QUESTION = "When"

/** How "When" is typed, as UK officers write it (`06/12/2026 14:30`); empty means now. */
const val WITHDRAWN_AT_EXAMPLE = "06/12/2026 14:30, or empty for now"

/** What will happen, for [entry] as it is now (delivered or still waiting to send). */
fun withdrawalConfirmation(entry: OutboxEntry): String {
    val waiting = entry.addenda.count { it.kind == AddendumKind.INFORMATION && it.state == OutboxState.QUEUED }
    return buildList {
        add("The service is told that consent was withdrawn. It stops work on this referral and deletes what it holds.")
        if (entry.state == OutboxState.QUEUED) {
            add("This referral has not been sent yet: the copy kept on this phone is deleted now. It is still delivered, then the withdrawal, so the service deletes it.")
        }
        if (waiting > 0) add("Information waiting to send about it ($waiting) is dropped.")
        if (entry.toFollow.isNotEmpty()) add("Nothing more can be added to it.")
        add("This cannot be undone.")
    }.joinToString("\n\n")
}

/** The dialog's answers checked: a withdrawal to record, or what to answer first. */
sealed class WithdrawalChoice {
    /** Everything answered. */
    data class Ready(val withdrawal: Withdrawal) : WithdrawalChoice()

    /** Something to answer or correct; [message] names the question. Nothing is recorded. */
    data class Incomplete(val message: String) : WithdrawalChoice()
}

/**
 * Checks the dialog's answers. [typedWhen] is empty for [now], or a local date and time
 * (`2026-12-06 14:30`, in [zone]); it may not be in the future.
 */
fun withdrawalChoice(
    by: WithdrawnBy?,
    how: RecordedHow?,
    typedWhen: String,
    now: Instant = Instant.now(),
    zone: ZoneId = ZoneId.systemDefault(),
): WithdrawalChoice {
    if (by == null) return WithdrawalChoice.Incomplete("$WITHDRAWN_BY_QUESTION: choose one.")
    if (how == null) return WithdrawalChoice.Incomplete("$RECORDED_HOW_QUESTION: choose in person, by phone or in writing.")
    val at = if (typedWhen.isBlank()) now else {
        val local = TYPED_WHEN.firstNotNullOfOrNull { format ->
            try {
                LocalDateTime.parse(typedWhen.trim(), format)
            } catch (e: DateTimeParseException) {
                null
            }
        } ?: return WithdrawalChoice.Incomplete("$WITHDRAWN_AT_QUESTION: write it as 06/12/2026 14:30, or leave it empty for now.")
        local.atZone(zone).toInstant()
    }
    if (at.isAfter(now)) return WithdrawalChoice.Incomplete("$WITHDRAWN_AT_QUESTION: that time is in the future.")
    return WithdrawalChoice.Ready(Withdrawal(by, at, how))
}

// Day first, as dates are written in the UK (`6/12/2026 9:05` too), or ISO (`2026-12-06 14:30`).
// Strict resolution, so 31/02 is refused rather than moved to March.
private val TYPED_WHEN: List<DateTimeFormatter> = listOf("d/M/uuuu H:mm", "uuuu-MM-dd HH:mm").map {
    DateTimeFormatter.ofPattern(it).withResolverStyle(java.time.format.ResolverStyle.STRICT)
}

/** What recording the withdrawal did. */
sealed class WithdrawalOutcome {
    /** Recorded and queued (or recorded before: the same withdrawal). */
    data class Recorded(val addendumId: String, val message: String) : WithdrawalOutcome()

    /** Not recorded; [message] says why (no value, no path). */
    data class NotRecorded(val message: String) : WithdrawalOutcome()
}

/**
 * Records [withdrawal] for [entry]'s referral (the core call: run it off the main thread).
 * A refused referral cannot be withdrawn (the service does not hold it: delete it instead).
 */
fun recordWithdrawal(store: Store, entry: OutboxEntry, withdrawal: Withdrawal, service: ServiceConfig): WithdrawalOutcome =
    try {
        val queued = store.withdrawConsent(entry.referralId, withdrawal, service)
        WithdrawalOutcome.Recorded(queued.addendumId, "Consent withdrawal recorded: the service is told as soon as there is signal")
    } catch (e: WeprotectException.InvalidState) {
        WithdrawalOutcome.NotRecorded("The service refused this referral, so it holds nothing to delete.")
    } catch (e: WeprotectException.InvalidArgument) {
        WithdrawalOutcome.NotRecorded("$WITHDRAWN_AT_QUESTION: that time is in the future.")
    } catch (e: WeprotectException.NotFound) {
        WithdrawalOutcome.NotRecorded("This referral is no longer on this phone.")
    }
