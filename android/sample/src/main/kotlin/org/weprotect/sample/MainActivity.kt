// One activity for every screen, with FLAG_SECURE set before any content: no screenshots, no
// screen recording, a blank thumbnail in Recents. Dialogs are windows of their own, so the
// sample's dialogs set SecureFlagPolicy.SecureOn too (ui/SignInPrompt.kt), and it uses no
// popups (choices are inline radio buttons, not dropdown menus).
package org.weprotect.sample

import android.Manifest
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Build
import android.os.Bundle
import android.view.WindowManager
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.activity.result.contract.ActivityResultContracts
import androidx.activity.viewModels
import androidx.core.content.ContextCompat
import org.weprotect.sample.ui.SampleScreens

class MainActivity : ComponentActivity() {
    private val model: SampleViewModel by viewModels()

    /** Android 13+: the "sign in to send" notification needs the permission (a refusal is fine). */
    private val notifications = registerForActivityResult(ActivityResultContracts.RequestPermission()) {}

    override fun onCreate(savedInstanceState: Bundle?) {
        window.setFlags(WindowManager.LayoutParams.FLAG_SECURE, WindowManager.LayoutParams.FLAG_SECURE)
        // Edge to edge, as targetSdk 35 enforces; the screens pad for bars and IME (safeDrawing).
        enableEdgeToEdge()
        super.onCreate(savedInstanceState)
        if (intent.getBooleanExtra(EXTRA_SIGN_IN, false)) model.askToSignIn()
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU &&
            ContextCompat.checkSelfPermission(this, Manifest.permission.POST_NOTIFICATIONS) !=
            PackageManager.PERMISSION_GRANTED
        ) {
            notifications.launch(Manifest.permission.POST_NOTIFICATIONS)
        }
        setContent { SampleScreens(model) }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        setIntent(intent) // so a later getIntent() sees the notification's intent, not the launch one
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
