// How a screen presents what the core found, decided once in plain Kotlin so that the Compose
// sample only draws it (and the JVM tests prove it). The core gives every finding a kind
// (docs/validation.md): an error stops sending, a "to follow" item is sent on a list the service
// sees and the referrer completes later, a warning asks the officer to confirm and then sends.
// Fields the profile or the organisation filled are shown collapsed (one line, "tap to change")
// so the officer reads what matters at the scene; fields with suggestions get a searchable
// picker; a field's help (statute references, what a code means) appears only when asked for.
package org.weprotect.core

/** How a message under a field is drawn. */
enum class MessageStyle {
    /** Must be fixed before sending: drawn as an error. */
    ERROR,

    /** Unknown at the scene: sent on the to-follow list, drawn as a neutral "to follow" note. */
    TO_FOLLOW,

    /** Unusual: the officer is asked to confirm it before sending. */
    CONFIRM,
}

/** One message under a field: its style and its words (the core's message, never a value). */
data class FieldMessage(val style: MessageStyle, val text: String)

/** The style a finding of [kind] is drawn in. */
fun styleOf(kind: ProblemKind): MessageStyle = when (kind) {
    ProblemKind.ERROR -> MessageStyle.ERROR
    ProblemKind.TO_FOLLOW -> MessageStyle.TO_FOLLOW
    ProblemKind.WARNING -> MessageStyle.CONFIRM
}

/** The words under a field for [problem], prefixed by what the officer is asked to do. */
fun messageFor(problem: Problem): FieldMessage = when (problem.kind) {
    ProblemKind.ERROR -> FieldMessage(MessageStyle.ERROR, problem.message)
    ProblemKind.TO_FOLLOW -> FieldMessage(MessageStyle.TO_FOLLOW, "To follow: ${problem.message}")
    ProblemKind.WARNING -> FieldMessage(MessageStyle.CONFIRM, "Please check: ${problem.message}")
}

/**
 * The messages under one field: its problems always; what is missing only once the officer has
 * tried to send ([showMissing]: an empty new form must not open covered in red), except
 * to-follow items, which are shown from the start so nobody hunts for what the scene cannot know.
 */
fun fieldMessages(state: FieldState, showMissing: Boolean): List<FieldMessage> {
    val missing = if (showMissing) state.missing else state.missing.filter { it.kind == ProblemKind.TO_FOLLOW }
    return (state.problems + missing).map(::messageFor)
}

/** What pressing "Send" does, decided from the snapshot. */
sealed class SendStep {
    /** Errors stop sending; the count for the bar ("3 to fix"). */
    data class Fix(val errors: Int) : SendStep()

    /** Warnings only: ask the officer to confirm these, then send. */
    data class Confirm(val warnings: List<Problem>, val toFollow: Int) : SendStep()

    /** Send; [toFollow] items go on the to-follow list. */
    data class Send(val toFollow: Int) : SendStep()
}

/** What "Send" does for [snapshot]: fix errors first, then confirm warnings, then send. */
fun sendStep(snapshot: FormSnapshot): SendStep = sendStep(snapshot.problems + snapshot.missing)

/** The same decision from a list of findings (a refused submit's list, a snapshot's). */
fun sendStep(findings: List<Problem>): SendStep {
    val errors = findings.count { it.kind == ProblemKind.ERROR }
    val toFollow = findings.count { it.kind == ProblemKind.TO_FOLLOW }
    val warnings = findings.filter { it.kind == ProblemKind.WARNING }
    return when {
        errors > 0 -> SendStep.Fix(errors)
        warnings.isNotEmpty() -> SendStep.Confirm(warnings, toFollow)
        else -> SendStep.Send(toFollow)
    }
}

/** The line of the send bar: "2 to fix, 1 to follow", or null when there is nothing to say. */
fun sendSummary(step: SendStep): String? = when (step) {
    is SendStep.Fix -> "${step.errors} to fix"
    is SendStep.Confirm -> listOfNotNull(
        "${step.warnings.size} to confirm",
        step.toFollow.takeIf { it > 0 }?.let { "$it to follow" },
    ).joinToString(", ")
    is SendStep.Send -> step.toFollow.takeIf { it > 0 }?.let { "$it to follow" }
}

/**
 * A field filled from the profile or the organisation is drawn collapsed while it holds a
 * value and nothing is wrong with it; it opens (and stays editable) on a tap, and opens by
 * itself when it is empty or has a finding, so nothing the officer must see is hidden.
 */
fun startsCollapsed(field: Field, state: FieldState): Boolean =
    field.filledFrom != null && state.value != null && state.problems.isEmpty() && state.missing.isEmpty()

/** "From your profile" / "From your organisation" under a collapsed field. */
fun filledFromLabel(field: Field): String? = when (field.filledFrom) {
    null -> null
    "profile" -> "From your profile"
    "organisation" -> "From your organisation"
    else -> "Filled in for you"
}

/**
 * The suggestions matching [query], for the searchable picker: every word of the query must
 * start a word of the label, or the query must equal the option's value (a code someone
 * knows, e.g. "bfi"); labels starting with the query come first. A blank query lists all.
 */
fun searchSuggestions(options: List<ChoiceOption>, query: String): List<ChoiceOption> {
    val words = query.lowercase().split(Regex("[^\\p{L}\\p{N}]+")).filter { it.isNotEmpty() }
    if (words.isEmpty()) return options
    val q = query.trim().lowercase()
    fun labelWords(o: ChoiceOption) = o.label.lowercase().split(Regex("[^\\p{L}\\p{N}]+")).filter { it.isNotEmpty() }
    val hits = options.filter { o ->
        o.value.lowercase() == q || words.all { w -> labelWords(o).any { it.startsWith(w) } }
    }
    return hits.sortedBy { if (it.label.lowercase().startsWith(q) || it.value.lowercase() == q) 0 else 1 }
}

/** The label of the suggestion a field holds (its value is the option's `value`), or null. */
fun suggestionLabel(field: Field, value: String?): String? =
    field.suggestions.firstOrNull { it.value == value }?.label
