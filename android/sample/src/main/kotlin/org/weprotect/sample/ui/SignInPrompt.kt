// Shown when the service refused the token (or there is none): nothing waiting is lost, it is
// sent after sign-in. A dialog is a window of its own, so it sets FLAG_SECURE itself.
package org.weprotect.sample.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.window.DialogProperties
import androidx.compose.ui.window.SecureFlagPolicy

@Composable
fun SignInPrompt(onSignIn: (String) -> Unit) {
    var token by remember { mutableStateOf("") }
    AlertDialog(
        onDismissRequest = {}, // signing in is the way out: without it nothing can be sent
        properties = DialogProperties(
            dismissOnBackPress = false,
            dismissOnClickOutside = false,
            securePolicy = SecureFlagPolicy.SecureOn,
        ),
        title = { Text("Sign in to send referrals") },
        text = {
            Column {
                Text("Referrals waiting on this phone are safe and will be sent after you sign in.")
                OutlinedTextField(
                    value = token,
                    onValueChange = { token = it },
                    label = { Text("Device token") },
                    singleLine = true,
                    visualTransformation = PasswordVisualTransformation(),
                    keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Password),
                )
            }
        },
        confirmButton = {
            TextButton(onClick = { onSignIn(token) }, enabled = token.isNotBlank()) { Text("Sign in") }
        },
    )
}
