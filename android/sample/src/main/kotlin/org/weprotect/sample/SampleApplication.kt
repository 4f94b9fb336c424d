// The app's side of the library: the host the sync worker asks for the service configuration,
// the token and the sign-in screen; the periodic safety net scheduled at start.
package org.weprotect.sample

import android.app.Application
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import org.weprotect.android.WeprotectHost
import org.weprotect.android.work.NetworkWatcher
import org.weprotect.android.work.SyncScheduler
import org.weprotect.core.DeploymentSettings
import org.weprotect.core.ServiceConfig
import org.weprotect.core.TokenProvider
import org.weprotect.core.deploymentSettingsFromJson
import org.weprotect.core.serviceConfigFromJson

class SampleApplication : Application(), WeprotectHost {

    override val weprotectService: ServiceConfig by lazy {
        serviceConfigFromJson(assets.open("service.json").bufferedReader().use { it.readText() })
    }

    /**
     * The organisation's settings (consent script version, risk instrument, the route when
     * consent is refused), shipped by the organisation as `assets/organisation.json` and read
     * by core-kotlin's `deploymentSettingsFromJson` (tested on the JVM); never typed by an
     * officer. Passed to `Store.setDeployment` at every start. A managed configuration
     * (`RestrictionsManager`) would be read the same way.
     */
    val deployment: DeploymentSettings by lazy {
        deploymentSettingsFromJson(assets.open("organisation.json").bufferedReader().use { it.readText() })
    }

    override val weprotectTokens: SampleTokens = SampleTokens()

    override fun weprotectSignInIntent(context: Context): PendingIntent {
        val intent = Intent(context, MainActivity::class.java)
            .putExtra(MainActivity.EXTRA_SIGN_IN, true)
            .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TOP)
        return PendingIntent.getActivity(
            context,
            0,
            intent,
            PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
        )
    }

    override fun onCreate() {
        super.onCreate()
        SyncScheduler.schedulePeriodic(this)
        // Signal back: end the backoff of what could not be sent and send it now.
        NetworkWatcher.start(this)
    }
}

/**
 * The sample's sign-in: a device token typed or pasted by the officer, held in memory only. A
 * real app takes it from its own sign-in (for example an OAuth flow with AppAuth) and refreshes
 * it in [refreshToken]; the core never stores it.
 */
class SampleTokens : TokenProvider {
    @Volatile
    private var current: String? = null

    fun signIn(token: String) {
        current = token.trim().ifEmpty { null }
    }

    override fun token(): String? = current

    override fun refreshToken(): String? {
        current = null // refused: the officer must sign in again
        return null
    }

    override fun toString(): String = "SampleTokens(<redacted>)"
}
