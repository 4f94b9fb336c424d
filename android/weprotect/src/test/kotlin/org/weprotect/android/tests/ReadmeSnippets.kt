// The code android/README.md quotes, compiled with the JVM tests (`cargo xtask test android`
// checks that every ```kotlin block of the README is a verbatim excerpt of this file) and run by
// the test below. Code that needs Android classes cannot compile here; the README fences it
// ```kotlin android.
package org.weprotect.android.tests

import java.io.File
import java.time.Instant
import javax.crypto.SecretKey
import kotlinx.coroutines.runBlocking
import org.weprotect.android.scheduling.SyncScheduling
import org.weprotect.android.scheduling.SyncWork
import org.weprotect.android.vault.WrappedKeyVault
import org.weprotect.android.vault.WrappingKeys
import org.weprotect.android.vault.openStore
import org.weprotect.core.Store
import org.weprotect.core.SyncReport
import org.weprotect.testing.*

// README: opening the store
/**
 * What `WeprotectAndroid.store(context)` does on a phone, with `noBackupDir` =
 * `context.noBackupFilesDir` and `keys` = `AndroidKeyStoreVault` (the keystore key is created
 * only while no wrapped key exists; a keystore hiccup is a retryable error, never a new key).
 */
suspend fun openTheStore(noBackupDir: File, keys: WrappingKeys): Store {
    val vault = WrappedKeyVault(File(noBackupDir, "weprotect-keys"), keys)
    return openStore(File(noBackupDir, "weprotect-store"), vault) // settles an interrupted rekey
}
// README: end

// README: after a pass
/** What `SyncWorker` decides after one pass; the worker only translates the answer. */
fun afterOnePass(report: SyncReport, now: Instant = Instant.now()): String {
    val after = SyncScheduling().afterPass(SyncWork.Now, report, now)
    val next = after.next
    return when {
        after.askToSignIn -> "end successfully, notify: sign in to send"
        next != null -> "end successfully, run again in ${next.delay.seconds} s (${next.policy})"
        else -> "end successfully, nothing waiting"
    }
}
// README: end

fun readmeTests(): List<Test> = listOf(
    Test("the README's snippets open a store and read a report") {
        val root = freshDir("readme")
        val key = aesKey()
        val keys = object : WrappingKeys {
            override fun existing(): SecretKey = key
            override fun create(): SecretKey = key
        }
        runBlocking { openTheStore(File(root, "no_backup"), keys).close() }
        check(File(root, "no_backup/weprotect-keys/${WrappedKeyVault.CURRENT}").exists()) { "no wrapped key" }
        val now = Instant.parse("2026-11-20T21:40:00Z")
        checkEquals(
            "end successfully, run again in 30 s (Replace)",
            afterOnePass(report(waiting = 1, nextRunAt = now.plusSeconds(30)), now),
            "decision",
        )
    },
)
