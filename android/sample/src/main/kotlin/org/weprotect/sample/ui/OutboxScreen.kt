// The outbox: what waits to send (with the core's next attempt and last error code), what was
// delivered (the service's reference and status updates), what the service refused (reopen as
// a draft to correct), and what followed (issue 23: the items still to follow, by label; each
// addendum's state; "Consent withdrawn"), with "Add what was to follow" (the follow-up screen)
// and "Consent withdrawn..." (the withdrawal dialog). Those lines come from core-kotlin's
// `followUpRow` (labels and states, never values). Titles are personal text, revealed only
// here, on a FLAG_SECURE screen.
package org.weprotect.sample.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import org.weprotect.core.FormDefinition
import org.weprotect.core.OutboxEntry
import org.weprotect.core.OutboxState
import org.weprotect.core.followUpRow
import org.weprotect.sample.SampleViewModel

private val TIME: DateTimeFormatter = DateTimeFormatter.ofPattern("d MMM HH:mm").withZone(ZoneId.of("Europe/London"))

@Composable
fun OutboxScreen(model: SampleViewModel) {
    val entries by model.outbox.collectAsStateWithLifecycle()
    val definition by model.definition.collectAsStateWithLifecycle()
    val followUp by model.followUpView.collectAsStateWithLifecycle()
    val withdrawal by model.withdrawal.collectAsStateWithLifecycle()
    followUp?.let {
        FollowUpScreen(model, it)
        return
    }
    withdrawal?.let { WithdrawalDialogView(it, model) }
    LazyColumn(
        modifier = Modifier.fillMaxSize(),
        contentPadding = PaddingValues(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        item(key = "actions") {
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedButton(onClick = model::sendNow) { Text("Send now") }
                OutlinedButton(onClick = model::refreshStatuses) { Text("Check for updates") }
            }
        }
        if (entries.isEmpty()) item(key = "empty") { Text("Nothing sent from this phone yet.") }
        items(entries, key = { it.referralId }) { entry -> OutboxCard(entry, definition, model) }
    }
}

@Composable
private fun OutboxCard(entry: OutboxEntry, definition: FormDefinition?, model: SampleViewModel) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(entry.title?.reveal() ?: "Referral", style = MaterialTheme.typography.titleMedium)
            Text("Submitted ${TIME.format(entry.queuedAt)}", style = MaterialTheme.typography.bodySmall)
            when (entry.state) {
                OutboxState.QUEUED -> {
                    Text("Waiting to send")
                    entry.nextAttemptAt?.let { Text("Next try ${TIME.format(it)}", style = MaterialTheme.typography.bodySmall) }
                    entry.lastErrorCode?.let { Text("Last attempt: $it (${entry.attempts} so far)", style = MaterialTheme.typography.bodySmall) }
                }
                OutboxState.DELIVERED -> {
                    val receipt = entry.receipt
                    Text(if (receipt != null) "Delivered: reference ${receipt.serviceReference}" else "Delivered")
                    receipt?.let { Text("Received ${TIME.format(it.receivedAt)}", style = MaterialTheme.typography.bodySmall) }
                    entry.statuses.forEach { update ->
                        Text("${TIME.format(update.at)}: ${update.status}", style = MaterialTheme.typography.bodySmall)
                    }
                }
                OutboxState.REJECTED -> {
                    Text("Refused by the service (${entry.rejectionCode ?: "no reason given"})", color = MaterialTheme.colorScheme.error)
                    TextButton(onClick = { model.reopenRejected(entry.referralId) }) { Text("Reopen to correct") }
                }
            }
            if (definition != null) FollowUpLines(entry, definition, model)
        }
    }
}

/** What followed the referral (labels and states only) and the actions it allows. */
@Composable
private fun FollowUpLines(entry: OutboxEntry, definition: FormDefinition, model: SampleViewModel) {
    val row = followUpRow(entry, definition)
    row.consent?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
    row.toFollow?.let { Text(it) }
    row.addenda.forEach { Text(it, style = MaterialTheme.typography.bodySmall) }
    if (row.canFollowUp || row.canWithdraw) {
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            if (row.canFollowUp) {
                TextButton(onClick = { model.openFollowUp(entry.referralId) }) { Text("Add what was to follow") }
            }
            if (row.canWithdraw) {
                TextButton(onClick = { model.askWithdrawal(entry.referralId) }) { Text("Consent withdrawn...") }
            }
        }
    }
}
