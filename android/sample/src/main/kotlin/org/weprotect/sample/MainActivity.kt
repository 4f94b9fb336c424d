// One activity for every screen, with FLAG_SECURE set before any content: no screenshots, no
// screen recording, a blank thumbnail in Recents. Dialogs are windows of their own, so the
// sample's dialogs set SecureFlagPolicy.SecureOn too (ui/SignInPrompt.kt), and it uses no
// popups (choices are inline radio buttons, not dropdown menus).
package org.weprotect.sample

import android.content.Intent
import android.os.Bundle
import android.view.WindowManager
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.viewModels
import org.weprotect.sample.ui.SampleScreens

class MainActivity : ComponentActivity() {
    private val model: SampleViewModel by viewModels()

    override fun onCreate(savedInstanceState: Bundle?) {
        window.setFlags(WindowManager.LayoutParams.FLAG_SECURE, WindowManager.LayoutParams.FLAG_SECURE)
        super.onCreate(savedInstanceState)
        if (intent.getBooleanExtra(EXTRA_SIGN_IN, false)) model.askToSignIn()
        setContent { SampleScreens(model) }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        if (intent.getBooleanExtra(EXTRA_SIGN_IN, false)) model.askToSignIn()
    }

    override fun onStop() {
        super.onStop()
        model.saveDraft() // the officer has left the form: wait for the disk, not just the OS
    }

    companion object {
        /** Set by the "sign in to send" notification. */
        const val EXTRA_SIGN_IN = "org.weprotect.sample.SIGN_IN"
    }
}
