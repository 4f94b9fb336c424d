// Reading the core's values for display. The only place the sample reveals personal text, so a
// reader (or a grep for reveal) finds every spot where it reaches the screen.
package org.weprotect.sample.ui

import org.weprotect.core.FieldState
import org.weprotect.core.FieldValue

/** The text as typed, for a text-like field ("" when empty or of another kind). */
fun typedText(value: FieldValue?): String = when (value) {
    is FieldValue.Text -> value.text.reveal()
    is FieldValue.Integer -> value.value.toString()
    else -> ""
}

/** The yes/no answer, or null when not answered. */
fun yesNo(value: FieldValue?): Boolean? = (value as? FieldValue.YesNo)?.yes

/** The chosen option's value, or null. */
fun chosen(value: FieldValue?): String? = (value as? FieldValue.Choice)?.option

/** The chosen options of a multi-choice field. */
fun chosenAll(value: FieldValue?): List<String> = (value as? FieldValue.Choices)?.options.orEmpty()

/** The normalised form the core answered (E.164, a tidy postcode), when it differs from the text. */
fun normalisedShown(state: FieldState): String? =
    state.normalised?.reveal()?.takeIf { it != typedText(state.value) }
