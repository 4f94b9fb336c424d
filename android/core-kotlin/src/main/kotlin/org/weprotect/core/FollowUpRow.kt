// What an outbox row says about what happened after its referral was sent (issue 23): the items
// still to follow, each addendum's state, and a withdrawal of consent. Decided here in plain
// Kotlin so the Compose row only draws it and the JVM tests prove it.
//
// Why labels and states only: the outbox keeps paths and codes, never the values that followed
// (they are sealed to the service), and a row must not turn a path into words an officer cannot
// read. These lines are for the outbox screen (FLAG_SECURE); nothing here is ever put in a
// notification, which says only "Sending referrals" (see the lock-screen tests).
package org.weprotect.core

/** The follow-up part of one outbox row, and the actions the row offers. */
data class FollowUpRow(
    /** "Consent withdrawn: ..." once a withdrawal is recorded; null otherwise. */
    val consent: String?,
    /** "2 to follow: Crime reference number, Date of birth (Children 2)"; null when nothing is. */
    val toFollow: String?,
    /** One line per information addendum: "Added: Crime reference number (delivered)". */
    val addenda: List<String>,
    /** Offer "Add what was to follow" ([canFollowUp]). */
    val canFollowUp: Boolean,
    /** Offer "Consent withdrawn...": not yet recorded, and the referral was not refused. */
    val canWithdraw: Boolean,
)

/** The follow-up lines and actions of [entry]'s row; [definition] gives the labels. */
fun followUpRow(entry: OutboxEntry, definition: FormDefinition): FollowUpRow {
    val withdrawal = entry.addenda.lastOrNull { it.kind == AddendumKind.CONSENT_WITHDRAWN }
    // The service's advisor may record the withdrawal (the victim told the service): the device
    // learns it as a status, and the core has emptied the to-follow list.
    val byService = entry.statuses.any { it.status == "consent_withdrawn" }
    val consent = when {
        !entry.consentWithdrawn && withdrawal == null && byService ->
            "Consent withdrawn: the service recorded it, it stops and deletes"
        !entry.consentWithdrawn && withdrawal == null -> null
        withdrawal == null || withdrawal.state == OutboxState.QUEUED ->
            "Consent withdrawn: the service is told as soon as there is signal"
        withdrawal.state == OutboxState.DELIVERED -> "Consent withdrawn: the service was told, it stops and deletes"
        else -> "Consent withdrawn: the service refused the notice (${withdrawal.rejectionCode ?: "no reason given"})"
    }
    val toFollow = entry.toFollow.takeIf { it.isNotEmpty() && !entry.consentWithdrawn }?.let { items ->
        "${items.size} to follow: " + items.joinToString(", ") { fieldLabel(definition, it.path) }
    }
    val addenda = entry.addenda.filter { it.kind == AddendumKind.INFORMATION }.map { a ->
        val what = a.items.joinToString(", ") { fieldLabel(definition, it.path) }.ifEmpty { "information" }
        "Added: $what (${addendumState(a)})"
    }
    return FollowUpRow(
        consent = consent,
        toFollow = toFollow,
        addenda = addenda,
        canFollowUp = canFollowUp(entry),
        canWithdraw = !entry.consentWithdrawn && !byService && entry.state != OutboxState.REJECTED,
    )
}

/** An addendum's state in words: waiting (with the last error's code), delivered, refused, dropped. */
fun addendumState(a: AddendumEntry): String = when (a.state) {
    OutboxState.QUEUED -> if (a.lastErrorCode != null) "waiting to send, last attempt: ${a.lastErrorCode}" else "waiting to send"
    OutboxState.DELIVERED -> "delivered"
    OutboxState.REJECTED ->
        when (a.rejectionCode) {
            "consent.withdrawn", "referral.withdrawn" -> "not sent: consent was withdrawn"
            "referral.content_deleted" -> "not sent: the service has closed this referral and deleted it"
            else -> "refused by the service (${a.rejectionCode ?: "no reason given"})"
        }
}
