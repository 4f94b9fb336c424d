// The three screens (the referral form, the outbox, the referrer's own details) under tabs,
// "My details" offered first while no profile is saved, the snackbar for short
// non-personal messages, and the sign-in prompt over both; or, when the store cannot be opened,
// why and a way out. Edge to edge (enforced from targetSdk 35): the content pads for the system
// bars and the keyboard (safeDrawing), so a focused field is never under the IME.
package org.weprotect.sample.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.WindowInsets
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawing
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.TextButton
import androidx.compose.runtime.mutableStateOf
import androidx.compose.ui.unit.dp
import androidx.compose.ui.window.DialogProperties
import androidx.compose.ui.window.SecureFlagPolicy
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.SnackbarHost
import androidx.compose.material3.SnackbarHostState
import androidx.compose.material3.Tab
import androidx.compose.material3.TabRow
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.weprotect.sample.SampleViewModel

@Composable
fun SampleScreens(model: SampleViewModel) {
    var tab by remember { mutableIntStateOf(0) }
    val snackbar = remember { SnackbarHostState() }
    val message by model.message.collectAsStateWithLifecycle()
    val signIn by model.signInPrompt.collectAsStateWithLifecycle()
    val openFailure by model.openFailure.collectAsStateWithLifecycle()
    val offerProfile by model.offerProfile.collectAsStateWithLifecycle()

    // First start (no profile saved): open on "My details"; "Later" or a save goes to the form.
    LaunchedEffect(offerProfile) {
        if (offerProfile) tab = 2 else if (tab == 2) tab = 0
    }

    LaunchedEffect(message) {
        message?.let {
            snackbar.showSnackbar(it)
            model.messageShown()
        }
    }

    MaterialTheme {
        NoPersonalizedLearning {
            Scaffold(
                snackbarHost = { SnackbarHost(snackbar) },
                contentWindowInsets = WindowInsets.safeDrawing,
            ) { padding ->
                Column(Modifier.fillMaxSize().padding(padding)) {
                    val failure = openFailure
                    if (failure != null) {
                        CannotOpen(failure, onRetry = model::retryOpen, onReset = model::reset)
                        return@Column
                    }
                    TabRow(selectedTabIndex = tab) {
                        Tab(selected = tab == 0, onClick = { tab = 0 }, text = { Text("Referral") })
                        Tab(selected = tab == 1, onClick = { tab = 1 }, text = { Text("Outbox") })
                        Tab(selected = tab == 2, onClick = { tab = 2 }, text = { Text("My details") })
                    }
                    when (tab) {
                        0 -> FormScreen(model)
                        1 -> OutboxScreen(model)
                        else -> ProfileScreen(model, offeredAtStart = offerProfile, onDone = { tab = 0 })
                    }
                }
            }
            if (signIn && openFailure == null) SignInPrompt(onSignIn = model::signIn)
        }
    }
}

/** The store could not be opened: why (codes only), try again, or reset after a confirmation. */
@Composable
private fun CannotOpen(failure: String, onRetry: () -> Unit, onReset: () -> Unit) {
    var confirm by remember { mutableStateOf(false) }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text("Cannot open referrals", style = MaterialTheme.typography.titleLarge)
        Text(failure)
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Button(onClick = onRetry) { Text("Try again") }
            OutlinedButton(onClick = { confirm = true }) { Text("Reset this phone's referrals") }
        }
    }
    if (confirm) {
        AlertDialog(
            onDismissRequest = { confirm = false },
            properties = DialogProperties(securePolicy = SecureFlagPolicy.SecureOn),
            title = { Text("Reset?") },
            text = { Text("Drafts and unsent referrals on this phone are deleted. Referrals already delivered are safe at the service.") },
            confirmButton = { TextButton(onClick = { confirm = false; onReset() }) { Text("Reset") } },
            dismissButton = { TextButton(onClick = { confirm = false }) { Text("Cancel") } },
        )
    }
}
