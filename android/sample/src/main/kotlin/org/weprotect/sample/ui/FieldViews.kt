// One composable per field kind. Each shows the label (with * when the snapshot says it is
// required now), the hint, and under it the core's findings for its path, drawn by kind
// (core-kotlin's `fieldMessages`: errors in red, "To follow" neutral, "Please check" to
// confirm). Help text opens inline on request; fields with suggestions get a searchable picker
// (a dialog kept FLAG_SECURE). Text is kept in memory only (remember, not rememberSaveable: saved instance state
// would put personal text outside the encrypted store); after process death the autosaved
// draft is the source.
package org.weprotect.sample.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Checkbox
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedCard
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.AlertDialog
import androidx.compose.runtime.Composable
import androidx.compose.runtime.compositionLocalOf
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.text.input.KeyboardCapitalization
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.compose.ui.window.DialogProperties
import androidx.compose.ui.window.SecureFlagPolicy
import org.weprotect.core.MessageStyle
import org.weprotect.core.fieldMessages
import org.weprotect.core.searchSuggestions
import org.weprotect.core.suggestionLabel
import org.weprotect.core.ChoiceOption
import org.weprotect.core.Field
import org.weprotect.core.FieldKind
import org.weprotect.core.FieldState
import org.weprotect.core.FieldValue
import org.weprotect.core.text

/** How a text-like kind is typed. */
enum class TypedAs(val keyboard: KeyboardType, val caps: KeyboardCapitalization, val example: String?) {
    Plain(KeyboardType.Text, KeyboardCapitalization.Sentences, null),
    Date(KeyboardType.Number, KeyboardCapitalization.None, "YYYY-MM-DD"),
    DateTime(KeyboardType.Text, KeyboardCapitalization.None, "2026-11-20T21:40+00:00"),
    Time(KeyboardType.Number, KeyboardCapitalization.None, "HH:MM"),
    Phone(KeyboardType.Phone, KeyboardCapitalization.None, null),
    Postcode(KeyboardType.Text, KeyboardCapitalization.Characters, null),
    Email(KeyboardType.Email, KeyboardCapitalization.None, null),
}

private fun labelOf(field: Field, state: FieldState) = field.label + if (state.required) " *" else ""

/** Whether "missing" notes show (after a refused submit); set by the form screen. */
val LocalShowMissing = compositionLocalOf { false }

/** The core's findings for this path, under the field, each drawn as its kind asks. */
@Composable
fun ProblemsUnder(state: FieldState) {
    val lines = fieldMessages(state, LocalShowMissing.current)
    if (lines.isEmpty()) return
    Column {
        lines.forEach {
            val color = when (it.style) {
                MessageStyle.ERROR -> MaterialTheme.colorScheme.error
                MessageStyle.TO_FOLLOW -> MaterialTheme.colorScheme.onSurfaceVariant
                MessageStyle.CONFIRM -> MaterialTheme.colorScheme.tertiary
            }
            Text(it.text, color = color, style = MaterialTheme.typography.bodySmall)
        }
    }
}

/** "What does this mean?": the field's help (references, what a word means), shown on request. */
@Composable
fun HelpOnRequest(field: Field) {
    val help = field.help ?: return
    var open by remember(field.path) { mutableStateOf(false) }
    TextButton(onClick = { open = !open }) { Text(if (open) "Hide help" else "What does this mean?") }
    if (open) Text(help, style = MaterialTheme.typography.bodySmall)
}

/**
 * A text field with suggestions (a force, a language, a country): the chosen name and a
 * "Choose" button opening a searchable list; typing into the box still works.
 */
@Composable
fun SuggestionInput(field: Field, state: FieldState, set: (String, FieldValue) -> Unit) {
    var picking by remember(state.path) { mutableStateOf(false) }
    Column(Modifier.fillMaxWidth()) {
        val typed = typedText(state.value)
        val shown = suggestionLabel(field, typed) ?: typed.ifEmpty { "Not chosen" }
        Text(labelOf(field, state), style = MaterialTheme.typography.bodyLarge)
        Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Text(shown, Modifier.weight(1f))
            OutlinedButton(onClick = { picking = true }) { Text("Choose") }
        }
        field.hint?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
        ProblemsUnder(state)
    }
    if (picking) {
        var query by remember { mutableStateOf("") }
        AlertDialog(
            onDismissRequest = { picking = false },
            properties = DialogProperties(securePolicy = SecureFlagPolicy.SecureOn),
            title = { Text(field.label) },
            text = {
                Column {
                    OutlinedTextField(
                        value = query,
                        onValueChange = { query = it },
                        label = { Text("Search by name") },
                        singleLine = true,
                        keyboardOptions = KeyboardOptions(autoCorrectEnabled = false),
                        modifier = Modifier.fillMaxWidth(),
                    )
                    LazyColumn(Modifier.heightIn(max = 320.dp)) {
                        items(searchSuggestions(field.suggestions, query), key = { it.value }) { option ->
                            Text(
                                option.label,
                                Modifier.fillMaxWidth().clickable {
                                    set(state.path, FieldValue.text(option.value))
                                    picking = false
                                }.padding(vertical = 12.dp),
                            )
                        }
                    }
                }
            },
            confirmButton = { TextButton(onClick = { picking = false }) { Text("Close") } },
        )
    }
}

@Composable
fun TextInput(
    field: Field,
    state: FieldState,
    style: TypedAs,
    multiline: Boolean,
    set: (String, FieldValue) -> Unit,
) {
    var text by remember(state.path) { mutableStateOf(typedText(state.value)) }
    val example = style.example
    val support = field.hint ?: normalisedShown(state)
    Column(Modifier.fillMaxWidth()) {
        OutlinedTextField(
            value = text,
            onValueChange = {
                text = it
                set(state.path, if (it.isEmpty()) FieldValue.Clear else FieldValue.text(it))
            },
            label = { Text(labelOf(field, state)) },
            placeholder = if (example != null) { { Text(example) } } else null,
            supportingText = if (support != null) { { Text(support) } } else null,
            isError = state.problems.isNotEmpty(),
            singleLine = !multiline,
            minLines = if (multiline) 3 else 1,
            // No autocorrect on victims' details: the keyboard would learn and suggest them.
            keyboardOptions = KeyboardOptions(
                capitalization = style.caps,
                autoCorrectEnabled = false,
                keyboardType = style.keyboard,
            ),
            modifier = Modifier.fillMaxWidth(),
        )
        ProblemsUnder(state)
    }
}

@Composable
fun IntegerInput(field: Field, state: FieldState, min: Long, max: Long, set: (String, FieldValue) -> Unit) {
    var text by remember(state.path) { mutableStateOf(typedText(state.value)) }
    val number = text.trim().toLongOrNull()
    Column(Modifier.fillMaxWidth()) {
        OutlinedTextField(
            value = text,
            onValueChange = {
                text = it
                val parsed = it.trim().toLongOrNull()
                when {
                    it.isBlank() -> set(state.path, FieldValue.Clear)
                    parsed != null -> set(state.path, FieldValue.Integer(parsed))
                }
            },
            label = { Text(labelOf(field, state)) },
            supportingText = { Text(if (text.isNotBlank() && number == null) "A whole number, $min to $max" else field.hint ?: "") },
            isError = state.problems.isNotEmpty() || (text.isNotBlank() && number == null),
            singleLine = true,
            keyboardOptions = KeyboardOptions(autoCorrectEnabled = false, keyboardType = KeyboardType.Number),
            modifier = Modifier.fillMaxWidth(),
        )
        ProblemsUnder(state)
    }
}

@Composable
fun YesNoInput(field: Field, state: FieldState, set: (String, FieldValue) -> Unit) {
    val answer = yesNo(state.value)
    Column(Modifier.fillMaxWidth()) {
        Text(labelOf(field, state), style = MaterialTheme.typography.bodyLarge)
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            FilterChip(selected = answer == true, onClick = { set(state.path, FieldValue.YesNo(true)) }, label = { Text("Yes") })
            FilterChip(selected = answer == false, onClick = { set(state.path, FieldValue.YesNo(false)) }, label = { Text("No") })
        }
        field.hint?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
        ProblemsUnder(state)
    }
}

/** Inline radio buttons (no dropdown: a popup is a window FLAG_SECURE does not cover). */
@Composable
fun ChoiceInput(field: Field, state: FieldState, options: List<ChoiceOption>, set: (String, FieldValue) -> Unit) {
    val selected = chosen(state.value)
    Column(Modifier.fillMaxWidth()) {
        Text(labelOf(field, state), style = MaterialTheme.typography.bodyLarge)
        options.forEach { option ->
            Row(
                Modifier.fillMaxWidth().selectable(
                    selected = option.value == selected,
                    onClick = { set(state.path, FieldValue.Choice(option.value)) },
                    role = Role.RadioButton,
                ),
                verticalAlignment = Alignment.CenterVertically,
            ) {
                RadioButton(selected = option.value == selected, onClick = null)
                Text(option.label, Modifier.padding(start = 8.dp))
            }
        }
        ProblemsUnder(state)
    }
}

@Composable
fun MultiChoiceInput(field: Field, state: FieldState, options: List<ChoiceOption>, set: (String, FieldValue) -> Unit) {
    val selected = chosenAll(state.value)
    Column(Modifier.fillMaxWidth()) {
        Text(labelOf(field, state), style = MaterialTheme.typography.bodyLarge)
        options.forEach { option ->
            val on = option.value in selected
            Row(
                Modifier.fillMaxWidth().toggleable(
                    value = on,
                    onValueChange = { now ->
                        val next = if (now) selected + option.value else selected - option.value
                        set(state.path, if (next.isEmpty()) FieldValue.Clear else FieldValue.Choices(next))
                    },
                    role = Role.Checkbox,
                ),
                verticalAlignment = Alignment.CenterVertically,
            ) {
                Checkbox(checked = on, onCheckedChange = null)
                Text(option.label, Modifier.padding(start = 8.dp))
            }
        }
        ProblemsUnder(state)
    }
}

/**
 * A repeatable group: its items (the item fields at their concrete paths, `children[0].name`),
 * a remove button per item, and an add button up to the group's maximum.
 */
@Composable
fun GroupInput(
    field: Field,
    state: FieldState,
    kind: FieldKind.RepeatableGroup,
    byPath: Map<String, FieldState>,
    byDefinition: Map<String, Field>,
    model: FieldEdits,
) {
    Column(Modifier.fillMaxWidth(), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(labelOf(field, state), style = MaterialTheme.typography.titleMedium)
        for (index in 0 until state.itemCount.toInt()) {
            OutlinedCard(Modifier.fillMaxWidth()) {
                Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    for (template in kind.itemFields) {
                        val itemField = byDefinition[template] ?: continue
                        val itemState = byPath[template.replaceFirst("[]", "[$index]")] ?: continue
                        if (itemState.visible) FieldView(itemField, itemState, byPath, byDefinition, model)
                    }
                    TextButton(onClick = { model.removeItem(field.path, index.toUInt()) }) { Text("Remove") }
                }
            }
        }
        OutlinedButton(
            onClick = { model.addItem(field.path) },
            enabled = state.itemCount < kind.maxItems,
        ) { Text("Add") }
        ProblemsUnder(state)
    }
}

/**
 * The risk checklist of the instrument chosen in `risk.instrument`: one answer per question
 * (`risk.answers.<id>`) and an optional comment (`risk.answers.<id>.comment`). Labels are our
 * own neutral ones; a deploying organisation maps `labelKey` to its licensed wording.
 */
@Composable
fun ChecklistInput(
    field: Field,
    kind: FieldKind.RiskChecklist,
    byPath: Map<String, FieldState>,
    set: (String, FieldValue) -> Unit,
) {
    val instrumentValue = chosen(byPath["risk.instrument"]?.value)
    val instrument = kind.instruments.firstOrNull { it.value == instrumentValue }
    Column(Modifier.fillMaxWidth(), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(field.label, style = MaterialTheme.typography.titleMedium)
        if (instrument == null) {
            Text("Choose the risk instrument first.", style = MaterialTheme.typography.bodySmall)
            return@Column
        }
        for (question in instrument.questions) {
            val answerState = byPath["risk.answers.${question.id}"] ?: continue
            val answer = chosen(answerState.value)
            Text(question.label)
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                kind.answerOptions.forEach { option ->
                    FilterChip(
                        selected = option.value == answer,
                        onClick = { set(answerState.path, FieldValue.Choice(option.value)) },
                        label = { Text(option.label) },
                    )
                }
            }
            ProblemsUnder(answerState)
            byPath["risk.answers.${question.id}.comment"]?.takeIf { it.visible }?.let { comment ->
                var text by remember(comment.path) { mutableStateOf(typedText(comment.value)) }
                OutlinedTextField(
                    value = text,
                    onValueChange = {
                        text = it
                        set(comment.path, if (it.isEmpty()) FieldValue.Clear else FieldValue.text(it))
                    },
                    label = { Text("Comment") },
                    keyboardOptions = KeyboardOptions(autoCorrectEnabled = false),
                    modifier = Modifier.fillMaxWidth(),
                )
                ProblemsUnder(comment)
            }
        }
    }
}
