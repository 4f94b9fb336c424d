// The referral form, rendered from the core's definition and the editor's snapshot: sections
// and fields in the core's order, only the fields the snapshot says are visible now, each
// field's findings under it by kind. When consent is refused, the organisation's route and
// "Delete this draft"; warnings are confirmed before sending. Fields the profile or the
// organisation filled are collapsed but editable. The app repeats no field list and no rule:
// the decisions are core-kotlin's (FormPresentation.kt, tested on the JVM).
package org.weprotect.sample.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.OutlinedCard
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.getValue
import androidx.compose.runtime.key
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.window.DialogProperties
import androidx.compose.ui.window.SecureFlagPolicy
import org.weprotect.core.Problem
import org.weprotect.core.filledFromLabel
import org.weprotect.core.sendStep
import org.weprotect.core.sendSummary
import org.weprotect.core.startsCollapsed
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.weprotect.core.Field
import org.weprotect.core.FieldKind
import org.weprotect.core.FieldState
import org.weprotect.core.FieldValue
import org.weprotect.core.FormSnapshot
import org.weprotect.sample.SampleViewModel

@Composable
fun FormScreen(model: SampleViewModel) {
    val definition by model.definition.collectAsStateWithLifecycle()
    val snapshot by model.snapshot.collectAsStateWithLifecycle()
    val generation by model.draftGeneration.collectAsStateWithLifecycle()
    val showMissing by model.showMissing.collectAsStateWithLifecycle()
    val toConfirm by model.toConfirm.collectAsStateWithLifecycle()
    val form = definition
    val snap = snapshot
    if (form == null || snap == null) {
        Text("Opening the encrypted store…", Modifier.padding(16.dp))
        return
    }
    val byPath = snap.fields.associateBy { it.path }
    val byDefinition = form.sections.flatMap { it.fields }.associateBy { it.path }
    val edits = DraftEdits(model, generation)
    // Keyed by the draft: after a submit or a reopen every field's remembered text is dropped,
    // so the previous victim's text never shows (or is written) in the next draft.
    key(generation) {
        CompositionLocalProvider(LocalShowMissing provides showMissing) {
            LazyColumn(
                modifier = Modifier.fillMaxSize(),
                contentPadding = PaddingValues(16.dp),
                verticalArrangement = Arrangement.spacedBy(12.dp),
            ) {
                item(key = "status") { StatusLine(snap) }
                snap.consentRefusedRoute?.let { route ->
                    item(key = "refused") { ConsentRefused(route, onDelete = model::discardDraft) }
                }
                for (section in form.sections) {
                    item(key = "section:${section.id}") {
                        Text(section.label, style = MaterialTheme.typography.titleLarge)
                    }
                    for (field in section.fields.filter { it.group == null }) {
                        val kind = field.kind
                        if (kind is FieldKind.RiskChecklist) {
                            // One checklist for all its answers (risk.answers.<id>, ...).
                            item(key = "checklist:${field.path}") { ChecklistInput(field, kind, byPath, edits::set) }
                            continue
                        }
                        // Concrete states of this field that are visible now (items of a repeatable
                        // group are rendered inside their group, not here).
                        val states = snap.fields.filter { it.fieldPath == field.path && it.visible }
                        items(states, key = { "$generation:${it.path}" }) { state ->
                            FilledFromCollapsible(field, state) {
                                FieldView(field, state, byPath, byDefinition, edits)
                            }
                        }
                    }
                }
                item(key = "submit") {
                    Button(onClick = { model.submit() }, modifier = Modifier.fillMaxWidth()) {
                        Text(if (snap.complete) "Send referral" else "Check and send")
                    }
                }
            }
        }
    }
    toConfirm?.let { warnings ->
        ConfirmWarnings(warnings, onSend = { model.submit(confirmed = true) }, onBack = model::cancelConfirm)
    }
}

/** Consent refused: the organisation's route, and deleting the draft (after a confirmation). */
@Composable
private fun ConsentRefused(route: String, onDelete: () -> Unit) {
    var confirm by remember { mutableStateOf(false) }
    OutlinedCard(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Text("Consent refused: what to do instead", style = MaterialTheme.typography.titleMedium)
            Text(route)
            Button(onClick = { confirm = true }) { Text("Delete this draft") }
        }
    }
    if (confirm) {
        AlertDialog(
            onDismissRequest = { confirm = false },
            properties = DialogProperties(securePolicy = SecureFlagPolicy.SecureOn),
            title = { Text("Delete this draft?") },
            text = { Text("Everything typed in it is deleted from this phone.") },
            confirmButton = { TextButton(onClick = { confirm = false; onDelete() }) { Text("Delete") } },
            dismissButton = { TextButton(onClick = { confirm = false }) { Text("Keep") } },
        )
    }
}

/** Warnings are asked before sending: send anyway, or go back and change. */
@Composable
private fun ConfirmWarnings(warnings: List<Problem>, onSend: () -> Unit, onBack: () -> Unit) {
    AlertDialog(
        onDismissRequest = onBack,
        properties = DialogProperties(securePolicy = SecureFlagPolicy.SecureOn),
        title = { Text("Please check before sending") },
        text = {
            Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                warnings.forEach { Text("• ${it.message}") }
            }
        },
        confirmButton = { TextButton(onClick = onSend) { Text("It is right, send") } },
        dismissButton = { TextButton(onClick = onBack) { Text("Go back") } },
    )
}

/**
 * A field the profile or the organisation filled: one line with its value and where it came
 * from, and "Change" to open it (it stays editable). Open from the start when empty or flagged.
 */
@Composable
private fun FilledFromCollapsible(field: Field, state: FieldState, content: @Composable () -> Unit) {
    var open by remember(state.path) { mutableStateOf(!startsCollapsed(field, state)) }
    if (open) {
        content()
        return
    }
    Row(Modifier.fillMaxWidth(), verticalAlignment = Alignment.CenterVertically) {
        Column(Modifier.weight(1f)) {
            Text(field.label, style = MaterialTheme.typography.bodySmall)
            Text(typedText(state.value).ifEmpty { chosen(state.value) ?: "" })
            filledFromLabel(field)?.let { Text(it, style = MaterialTheme.typography.labelSmall) }
        }
        TextButton(onClick = { open = true }) { Text("Change") }
    }
}

/** Where a field view's changes go: the open draft, or the follow-up being filled in. */
interface FieldEdits {
    fun set(path: String, value: FieldValue)
    fun addItem(groupPath: String)
    fun removeItem(groupPath: String, index: UInt)
}

/** The edits of one draft generation (see `SampleViewModel.draftGeneration`). */
class DraftEdits(private val model: SampleViewModel, private val generation: Int) : FieldEdits {
    override fun set(path: String, value: FieldValue) = model.set(generation, path, value)
    override fun addItem(groupPath: String) = model.addItem(generation, groupPath)
    override fun removeItem(groupPath: String, index: UInt) = model.removeItem(generation, groupPath, index)
}

@Composable
private fun StatusLine(snap: FormSnapshot) {
    val saved = if (snap.saved) "Saved on this phone (encrypted)" else "Not saved yet"
    val left = sendSummary(sendStep(snap)) ?: "ready to send"
    Text("$saved · $left", style = MaterialTheme.typography.bodySmall)
}

/** One field, by kind. Group and checklist fields render their concrete item states. */
@Composable
fun FieldView(
    field: Field,
    state: FieldState,
    byPath: Map<String, FieldState>,
    byDefinition: Map<String, Field>,
    model: FieldEdits,
) {
    Column(Modifier.fillMaxWidth()) {
        when (val kind = field.kind) {
            is FieldKind.Text -> if (field.suggestions.isNotEmpty()) {
                SuggestionInput(field, state, model::set)
            } else {
                TextInput(field, state, TypedAs.Plain, kind.multiline, model::set)
            }
            is FieldKind.Date -> TextInput(field, state, TypedAs.Date, false, model::set)
            is FieldKind.DateTime -> TextInput(field, state, TypedAs.DateTime, false, model::set)
            is FieldKind.TimeOfDay -> TextInput(field, state, TypedAs.Time, false, model::set)
            is FieldKind.Phone -> TextInput(field, state, TypedAs.Phone, false, model::set)
            is FieldKind.Postcode -> TextInput(field, state, TypedAs.Postcode, false, model::set)
            is FieldKind.Email -> TextInput(field, state, TypedAs.Email, false, model::set)
            is FieldKind.Integer -> IntegerInput(field, state, kind.min, kind.max, model::set)
            is FieldKind.YesNo -> YesNoInput(field, state, model::set)
            is FieldKind.Choice -> ChoiceInput(field, state, kind.options, model::set)
            is FieldKind.MultiChoice -> MultiChoiceInput(field, state, kind.options, model::set)
            is FieldKind.RepeatableGroup -> GroupInput(field, state, kind, byPath, byDefinition, model)
            is FieldKind.RiskChecklist -> ChecklistInput(field, kind, byPath, model::set)
        }
        HelpOnRequest(field)
    }
}
