// The Android side of the data key: the wrapping key in AndroidKeyStore, the wrapped key in
// no-backup storage. Only this file touches the keystore; the protocol (wrap, unwrap, pending
// key) is plain Kotlin in `org.weprotect.android.vault` and covered by the JVM tests.
package org.weprotect.android.keystore

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.io.File
import java.security.KeyStore
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import org.weprotect.android.vault.WrappedKeyVault
import org.weprotect.android.vault.WrappingKeys

/**
 * The app's [WrappedKeyVault]: an AES-256-GCM key that never leaves AndroidKeyStore (it is
 * generated there, so it is not exportable) wraps the store's random 32-byte data key, kept in
 * `noBackupFilesDir` (never backed up, never moved to another phone).
 *
 * Deliberately absent: `setUnlockedDeviceRequired(true)` and user authentication, because the
 * sync worker must open the store while the phone is locked; the deprecated
 * androidx.security:security-crypto library.
 */
object AndroidKeyStoreVault : WrappingKeys {
    /** The keystore alias of the wrapping key. */
    const val KEY_ALIAS = "org.weprotect.data-key-wrapping"
    private const val PROVIDER = "AndroidKeyStore"

    /** The vault, with its files under `noBackupFilesDir/weprotect-keys`. */
    fun create(context: Context): WrappedKeyVault =
        WrappedKeyVault(File(context.noBackupFilesDir, "weprotect-keys"), this)

    /**
     * The wrapping key, or null when the keystore has none under the alias. The vault decides
     * whether a missing key may be created (only while no wrapped key exists); this object
     * never generates on its own, because generating over an alias replaces the key.
     */
    @Synchronized
    override fun existing(): SecretKey? {
        val keyStore = KeyStore.getInstance(PROVIDER).apply { load(null) }
        return keyStore.getKey(KEY_ALIAS, null) as? SecretKey
    }

    /** Generates the wrapping key inside AndroidKeyStore (not exportable). */
    @Synchronized
    override fun create(): SecretKey {
        val spec = KeyGenParameterSpec.Builder(
            KEY_ALIAS,
            KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT,
        )
            .setKeySize(256)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            // The keystore picks each 12-byte IV itself; the vault stores the one it chose.
            .setRandomizedEncryptionRequired(true)
            .build()
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, PROVIDER)
        generator.init(spec)
        return generator.generateKey()
    }

    /** Deletes the wrapping key (after a wipe: the wrapped key is useless from then on). */
    @Synchronized
    fun deleteWrappingKey() {
        val keyStore = KeyStore.getInstance(PROVIDER).apply { load(null) }
        if (keyStore.containsAlias(KEY_ALIAS)) keyStore.deleteEntry(KEY_ALIAS)
    }
}
