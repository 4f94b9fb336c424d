// "My details": the referrer's own details, typed once and kept by the core, encrypted like
// every personal value; every new referral starts with them (still editable on each). Offered
// at first start. Which boxes, in what order, and how they become a `ReferrerProfile` are
// core-kotlin's (ProfileForm.kt, tested on the JVM); the core checks phone, email and collar
// number and refuses the whole profile, changing nothing, with messages that carry no value.
package org.weprotect.sample.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateMapOf
import androidx.compose.runtime.remember
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.weprotect.core.ProfileDetail
import org.weprotect.sample.SampleViewModel

@Composable
fun ProfileScreen(model: SampleViewModel, offeredAtStart: Boolean, onDone: () -> Unit) {
    val saved by model.profile.collectAsStateWithLifecycle()
    val problems by model.profileProblems.collectAsStateWithLifecycle()
    // Keyed by what is saved: after a save or "forget" the boxes show the store's answer.
    val typed = remember(saved) { mutableStateMapOf<ProfileDetail, String>().apply { putAll(saved) } }
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Text("My details", style = MaterialTheme.typography.titleLarge)
        Text(
            "Typed once, kept encrypted on this phone, and filled into every new referral. " +
                "You can still change them on each referral.",
            style = MaterialTheme.typography.bodySmall,
        )
        for (detail in ProfileDetail.entries) {
            val hint = detail.hint
            OutlinedTextField(
                value = typed[detail].orEmpty(),
                onValueChange = { typed[detail] = it },
                label = { Text(detail.label) },
                supportingText = if (hint != null) { { Text(hint) } } else null,
                singleLine = true,
                keyboardOptions = KeyboardOptions(
                    autoCorrectEnabled = false,
                    keyboardType = when (detail) {
                        ProfileDetail.CONTACT_PHONE -> KeyboardType.Phone
                        ProfileDetail.EMAIL -> KeyboardType.Email
                        else -> KeyboardType.Text
                    },
                ),
                modifier = Modifier.fillMaxWidth(),
            )
        }
        problems.forEach { Text(it, color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodySmall) }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Button(onClick = { model.saveProfile(typed.toMap()) }) { Text("Save my details") }
            if (offeredAtStart) {
                TextButton(onClick = { model.declineProfile(); onDone() }) { Text("Later") }
            } else if (saved.isNotEmpty()) {
                OutlinedButton(onClick = model::clearProfile) { Text("Forget my details") }
            }
        }
    }
}
