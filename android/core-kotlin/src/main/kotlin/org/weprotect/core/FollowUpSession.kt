// The follow-up screen's plain-Kotlin half (issue 23): a referral sent with items "to follow"
// (the crime reference not issued yet) is completed later from its outbox row. The core's
// `FollowUpEditor` takes the values and seals them as an addendum; this session decides what
// the screen shows, so the Compose screen only draws it and the JVM tests prove it.
//
// Why a session and not the editor alone: the screen must show the to-follow fields with the
// form's own labels and the draft form's field views (labels, hints, messages by kind), refuse
// a bad change with words that name the field by its label (never its path, never the value),
// and say plainly what a submit did. Every field here is optional on its own (an officer may
// have the crime number and not yet the date of birth), so no field is marked required and the
// "to follow" notes the draft form shows are left out: on this screen everything is to follow.
package org.weprotect.core

/** One field of the follow-up screen: its definition, its state as drawn, its messages. */
data class FollowUpField(
    /** The form's definition of the field (label, hint, kind, help, suggestions). */
    val field: Field,
    /** The core's state, as the draft form's field views draw it (never required here). */
    val state: FieldState,
    /** The messages under the field (errors to fix, warnings to check), never a value. */
    val messages: List<FieldMessage>,
)

/** What a change on the follow-up screen did. */
sealed class FollowUpChange {
    /** The value was taken; the screen redraws from [fields]. */
    data class Taken(val fields: List<FollowUpField>) : FollowUpChange()

    /** The value was refused and nothing changed; [message] names the field by its label. */
    data class Refused(val message: String) : FollowUpChange()
}

/** What "Send" on the follow-up screen did. */
sealed class FollowUpSubmit {
    /** Sealed and queued: it is sent after its referral, as soon as there is signal. */
    data class Queued(val addendumId: String, val message: String) : FollowUpSubmit()

    /** Nothing was queued: each line names a field by its label and says what to change. */
    data class Refused(val messages: List<String>) : FollowUpSubmit()

    /** Nothing may be added any more (consent withdrawn, or the referral was refused). */
    data class NotAllowed(val message: String) : FollowUpSubmit()
}

/**
 * The follow-up of one sent referral: open it from an outbox row whose [canFollowUp] is true,
 * [set] values, read [fields], [submit]. Calls are the core's (blocking): run them off the
 * main thread, one at a time. [close] when the screen goes.
 */
class FollowUpSession private constructor(
    private val editor: FollowUpEditor,
    private val definition: FormDefinition,
) : AutoCloseable {
    private var snapshot: FollowUpSnapshot = editor.snapshot()

    /** The referral the information is for. */
    val referralId: String = editor.referralId()

    /** True when something was given and nothing given is wrong: [submit] will queue it. */
    val ready: Boolean
        @Synchronized get() = snapshot.ready

    /** The to-follow fields in form order, as the screen draws them. */
    val fields: List<FollowUpField>
        @Synchronized get() = present(snapshot)

    /** The screen's title line: "To follow: Crime reference number". */
    val heading: String
        @Synchronized get() = "To follow: " + snapshot.items.joinToString(", ") { fieldLabel(definition, it.path) }

    /**
     * Sets one field (an empty text clears it: pass `FieldValue.Clear`). A value the core
     * refuses (a field that was not to follow, the wrong kind, an unknown option) changes
     * nothing and is answered with a message naming the field by its label.
     */
    @Synchronized
    fun set(path: String, value: FieldValue): FollowUpChange = try {
        snapshot = editor.set(path, value)
        FollowUpChange.Taken(present(snapshot))
    } catch (e: WeprotectException) {
        FollowUpChange.Refused(refusal(definition, path, e))
    }

    /**
     * Seals what was given and queues it. Refused (nothing queued) when nothing was given or a
     * value breaks its field's rule, each problem named by its field's label.
     */
    @Synchronized
    fun submit(service: ServiceConfig): FollowUpSubmit = try {
        val queued = editor.submit(service)
        FollowUpSubmit.Queued(queued.addendumId, "Queued: it is sent after the referral, as soon as there is signal")
    } catch (e: WeprotectException.Invalid) {
        FollowUpSubmit.Refused(
            e.problems.map { "${fieldLabel(definition, it.path)}: ${it.message}" }
                .ifEmpty { listOf("Give at least one of the items to follow.") },
        )
    } catch (e: WeprotectException.InvalidState) {
        FollowUpSubmit.NotAllowed("Nothing more can be sent about this referral (consent withdrawn, or refused by the service).")
    }

    /** Ends the session: the values typed are dropped from memory. */
    @Synchronized
    override fun close() = editor.close()

    private fun present(s: FollowUpSnapshot): List<FollowUpField> {
        val byPath = definition.sections.flatMap { it.fields }.associateBy { it.path }
        return s.fields.mapNotNull { state ->
            val field = byPath[state.fieldPath] ?: return@mapNotNull null
            // A group's place is not a field to fill: its items' fields are listed themselves.
            if (field.kind is FieldKind.RepeatableGroup || field.kind is FieldKind.RiskChecklist) return@mapNotNull null
            // The core's follow-up states carry no "required" and no missing notes today; cleared
            // here too, so a later rule cannot draw a to-follow field as required on this screen.
            val shown = state.copy(required = false, missing = emptyList())
            FollowUpField(field, shown, shown.problems.map(::messageFor))
        }
    }

    companion object {
        /**
         * Opens the follow-up of [entry]'s referral. Throws the core's `InvalidState` when
         * nothing is left to follow or consent was withdrawn (check [canFollowUp] first),
         * `NotFound` for a referral no longer in the outbox.
         */
        fun open(store: Store, entry: OutboxEntry, definition: FormDefinition = formDefinition()): FollowUpSession =
            FollowUpSession(store.openFollowUp(entry.referralId), definition)
    }
}

/** Whether [entry]'s row offers "Add what was to follow": items left, consent not withdrawn, not refused. */
fun canFollowUp(entry: OutboxEntry): Boolean =
    entry.toFollow.isNotEmpty() && !entry.consentWithdrawn && entry.state != OutboxState.REJECTED

/**
 * The label of the field at [path] (a concrete path: `children[1].date_of_birth` is "Date of
 * birth (Children 2)"). Never the path: a path is not words for an officer.
 */
fun fieldLabel(definition: FormDefinition, path: String): String {
    val byPath = definition.sections.flatMap { it.fields }.associateBy { it.path }
    val field = byPath[path.replace(Regex("\\[\\d+]"), "[]")] ?: return "An item this version of the form does not have"
    val index = Regex("\\[(\\d+)]").find(path)?.groupValues?.get(1)?.toIntOrNull()
    val group = field.group?.let { byPath[it] }
    return if (index != null && group != null) "${field.label} (${group.label} ${index + 1})" else field.label
}

/** Why a change to [path] was refused, naming the field by its label (never the value). */
internal fun refusal(definition: FormDefinition, path: String, e: WeprotectException): String {
    val label = fieldLabel(definition, path)
    return when (e) {
        is WeprotectException.FieldHidden, is WeprotectException.UnknownField ->
            "$label: this was not left to follow on this referral."
        is WeprotectException.WrongKind -> "$label: this field takes ${kindInWords(e.expected)}."
        is WeprotectException.UnknownOption -> "$label: not one of the options."
        is WeprotectException.OutOfRange -> "$label: out of range."
        else -> "$label: not accepted (${e.code})."
    }
}

/** A field kind's name (`FieldKind` in the core: "yes_no", "date") in words for a message. */
internal fun kindInWords(kind: String): String = when (kind) {
    "text" -> "text"
    "yes_no" -> "a yes or no"
    "choice" -> "one of its options"
    "multi_choice" -> "some of its options"
    "date" -> "a date"
    "date_time" -> "a date and time"
    "time_of_day" -> "a time of day"
    "phone" -> "a phone number"
    "postcode" -> "a postcode"
    "email" -> "an email address"
    "integer" -> "a whole number"
    else -> "another kind of value"
}
