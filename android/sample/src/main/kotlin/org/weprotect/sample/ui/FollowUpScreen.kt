// After sending (issue 23): the follow-up screen, reached from an outbox row with items to
// follow, and the dialog that records a withdrawal of consent. Both only draw what core-kotlin
// decided (`FollowUpSession`, `withdrawalConfirmation`, `withdrawalChoice`, tested on the JVM);
// every core call runs in the view model, off the main thread. The follow-up's fields are the
// draft form's own views (FieldView), so labels, keyboards, pickers and messages look the same.
// What is typed is held in memory only and sealed to the service on "Send".
package org.weprotect.sample.ui

import androidx.activity.compose.BackHandler
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.key
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.unit.dp
import androidx.compose.ui.window.DialogProperties
import androidx.compose.ui.window.SecureFlagPolicy
import org.weprotect.core.FieldValue
import org.weprotect.core.RECORDED_HOW_QUESTION
import org.weprotect.core.RecordedHow
import org.weprotect.core.WITHDRAWAL_TITLE
import org.weprotect.core.WITHDRAWN_AT_EXAMPLE
import org.weprotect.core.WITHDRAWN_AT_QUESTION
import org.weprotect.core.WITHDRAWN_BY_QUESTION
import org.weprotect.core.WithdrawnBy
import org.weprotect.core.label
import org.weprotect.sample.FollowUpView
import org.weprotect.sample.SampleViewModel
import org.weprotect.sample.WithdrawalDialog

/** The edits of one follow-up screen (see `FollowUpView.session`). It offers no groups. */
class FollowUpEdits(private val model: SampleViewModel, private val session: Int) : FieldEdits {
    override fun set(path: String, value: FieldValue) = model.setFollowUp(session, path, value)
    override fun addItem(groupPath: String) = Unit
    override fun removeItem(groupPath: String, index: UInt) = Unit
}

/** The to-follow fields of one sent referral, "Send" and "Cancel". */
@Composable
fun FollowUpScreen(model: SampleViewModel, view: FollowUpView) {
    BackHandler(onBack = model::closeFollowUp)
    val byPath = view.fields.associate { it.state.path to it.state }
    val byDefinition = view.fields.associate { it.field.path to it.field }
    val edits = FollowUpEdits(model, view.session)
    // Keyed by the session: text typed for one follow-up never shows in the next.
    key(view.session) {
        LazyColumn(
            modifier = Modifier.fillMaxSize(),
            contentPadding = PaddingValues(16.dp),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            item(key = "heading") {
                Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    Text(view.heading, style = MaterialTheme.typography.titleLarge)
                    Text(
                        "Fill in what you have now. It is sealed so only the service can read it, and not kept on this phone.",
                        style = MaterialTheme.typography.bodySmall,
                    )
                }
            }
            items(view.fields, key = { "${view.session}:${it.state.path}" }) { f ->
                FieldView(f.field, f.state, byPath, byDefinition, edits)
            }
            if (view.problems.isNotEmpty()) {
                item(key = "problems") {
                    Column {
                        view.problems.forEach { Text(it, color = MaterialTheme.colorScheme.error) }
                    }
                }
            }
            item(key = "actions") {
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    Button(onClick = { model.submitFollowUp(view.session) }) { Text("Send") }
                    OutlinedButton(onClick = model::closeFollowUp) { Text("Cancel") }
                }
            }
        }
    }
}

/**
 * Records a withdrawal of consent: what will happen first, then who, how it was recorded and
 * when (empty: now). Nothing is recorded until "Record withdrawal", and then only with every
 * question answered (the model names the one left).
 */
@Composable
fun WithdrawalDialogView(dialog: WithdrawalDialog, model: SampleViewModel) {
    var who by remember(dialog.referralId) { mutableStateOf<WithdrawnBy?>(null) }
    var how by remember(dialog.referralId) { mutableStateOf<RecordedHow?>(null) }
    var typedWhen by remember(dialog.referralId) { mutableStateOf("") }
    AlertDialog(
        onDismissRequest = model::cancelWithdrawal,
        properties = DialogProperties(securePolicy = SecureFlagPolicy.SecureOn),
        title = { Text(WITHDRAWAL_TITLE) },
        text = {
            Column(Modifier.verticalScroll(rememberScrollState()), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                Text(dialog.confirmation)
                Text(WITHDRAWN_BY_QUESTION, style = MaterialTheme.typography.titleSmall)
                WithdrawnBy.entries.forEach { option ->
                    RadioLine(option.label, selected = who == option) { who = option }
                }
                Text(RECORDED_HOW_QUESTION, style = MaterialTheme.typography.titleSmall)
                RecordedHow.entries.forEach { option ->
                    RadioLine(option.label, selected = how == option) { how = option }
                }
                OutlinedTextField(
                    value = typedWhen,
                    onValueChange = { typedWhen = it },
                    label = { Text(WITHDRAWN_AT_QUESTION) },
                    placeholder = { Text(WITHDRAWN_AT_EXAMPLE) },
                    singleLine = true,
                    keyboardOptions = KeyboardOptions(autoCorrectEnabled = false),
                    modifier = Modifier.fillMaxWidth(),
                )
                dialog.problem?.let { Text(it, color = MaterialTheme.colorScheme.error) }
            }
        },
        confirmButton = {
            TextButton(onClick = { model.withdraw(dialog.referralId, who, how, typedWhen) }) { Text("Record withdrawal") }
        },
        dismissButton = { TextButton(onClick = model::cancelWithdrawal) { Text("Cancel") } },
    )
}

/** One radio option on a whole-row touch target (no dropdown: a popup is not FLAG_SECURE). */
@Composable
private fun RadioLine(label: String, selected: Boolean, onSelect: () -> Unit) {
    Row(
        Modifier.fillMaxWidth().selectable(selected = selected, onClick = onSelect, role = Role.RadioButton),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        RadioButton(selected = selected, onClick = null)
        Text(label, Modifier.padding(start = 8.dp))
    }
}
