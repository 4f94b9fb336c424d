// The library's two notifications. Neither says anything personal: no name, no incident
// number, no count of referrals, only that something is being sent or that sign-in is needed.
package org.weprotect.android.work

import android.Manifest
import android.app.NotificationChannel
import android.app.NotificationManager
import android.content.Context
import android.content.pm.PackageManager
import android.content.pm.ServiceInfo
import android.os.Build
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import androidx.core.content.ContextCompat
import androidx.work.ForegroundInfo
import org.weprotect.android.R
import org.weprotect.android.WeprotectHost

/** The sync channel, the "sending" foreground notification and the "sign in" notification. */
object SyncNotifications {
    /** The channel id (created on first use). */
    const val CHANNEL = "org.weprotect.sync"
    private const val FOREGROUND_ID = 0x5750_0001
    private const val SIGN_IN_ID = 0x5750_0002

    private fun ensureChannel(context: Context) {
        val manager = context.getSystemService(NotificationManager::class.java)
        if (manager.getNotificationChannel(CHANNEL) == null) {
            val channel = NotificationChannel(
                CHANNEL,
                context.getString(R.string.weprotect_sync_channel),
                // LOW: the "sending" notification is ongoing and silent; no sound, no peek.
                NotificationManager.IMPORTANCE_LOW,
            )
            channel.lockscreenVisibility = android.app.Notification.VISIBILITY_PRIVATE
            manager.createNotificationChannel(channel)
        }
    }

    /** For expedited work before Android 12 (a foreground service of type dataSync). */
    fun foregroundInfo(context: Context): ForegroundInfo {
        ensureChannel(context)
        val notification = NotificationCompat.Builder(context, CHANNEL)
            .setSmallIcon(android.R.drawable.stat_notify_sync)
            .setContentTitle(context.getString(R.string.weprotect_sync_sending))
            .setPriority(NotificationCompat.PRIORITY_LOW)
            .setOngoing(true)
            .setSilent(true)
            .build()
        return if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.Q) {
            ForegroundInfo(FOREGROUND_ID, notification, ServiceInfo.FOREGROUND_SERVICE_TYPE_DATA_SYNC)
        } else {
            ForegroundInfo(FOREGROUND_ID, notification)
        }
    }

    /** "Sign in to send": shown when the service refused the token and none is fresh. */
    fun showSignIn(context: Context, host: WeprotectHost) {
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU &&
            ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) !=
            PackageManager.PERMISSION_GRANTED
        ) {
            return // the app shows its own sign-in prompt when it is next opened
        }
        ensureChannel(context)
        val notification = NotificationCompat.Builder(context, CHANNEL)
            .setSmallIcon(android.R.drawable.stat_notify_error)
            .setContentTitle(context.getString(R.string.weprotect_sign_in_title))
            .setContentText(context.getString(R.string.weprotect_sign_in_text))
            .setContentIntent(host.weprotectSignInIntent(context))
            .setAutoCancel(true)
            .setVisibility(NotificationCompat.VISIBILITY_PUBLIC) // nothing personal in it
            .build()
        NotificationManagerCompat.from(context).notify(SIGN_IN_ID, notification)
    }

    /** Removes the sign-in notification (after sign-in). */
    fun cancelSignIn(context: Context) {
        NotificationManagerCompat.from(context).cancel(SIGN_IN_ID)
    }
}
