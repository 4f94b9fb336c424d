// The data key, wrapped: plain Kotlin (java.io, javax.crypto; no android.* import), so the JVM
// tests run the whole protocol against the real store. On a phone the wrapping key comes from
// AndroidKeyStore (`org.weprotect.android.keystore.AndroidKeyStoreVault`); in the tests it is
// an ordinary AES key. Everything else is the same code.
//
// Why wrapped, and why this way:
// - The store's 32-byte data key is random (SecureRandom), never derived from anything the
//   officer types. It is kept only wrapped by a non-exportable AES-256-GCM key that lives in
//   the keystore's hardware, so a copy of the app's files is useless without the phone.
// - The wrapped key lives in no-backup storage (`Context.noBackupFilesDir`): it is never in a
//   cloud backup or a device-to-device transfer, and the keystore key could not follow anyway.
// - No `setUnlockedDeviceRequired`, no user authentication: the background worker must open the
//   store while the phone is locked in a pocket.
// - A new wrapped key is written next to the old one and renamed over it (atomic on one file
//   system), so a crash never leaves half a key.
// - The wrapping key is created only when no wrapped key exists. AndroidKeyStore sometimes
//   answers "no such key" or throws for a key it has (Tink #142, #339, #505, tink-java#23);
//   generating under the same alias then would replace the key that wraps the data key and
//   destroy the store. So a missing or failing keystore key while a wrapped key exists is a
//   retryable [KeystoreUnavailableException] (the worker retries later), and only a failed tag
//   check with the key present means the key is really gone ([VaultKeyUnavailableException]).
//
// The pending-key protocol (rekey): `beginRotation()` writes the new key as *pending*, the store
// is re-encrypted under it in one transaction, `commitRotation()` renames pending over current.
// A crash leaves a pending key and the store under one of the two keys: `openStore` tries the
// current key, then the pending one, and settles the files to match the store.
package org.weprotect.android.vault

import java.io.File
import java.io.FileOutputStream
import java.security.GeneralSecurityException
import java.security.SecureRandom
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.weprotect.core.KeyVault
import org.weprotect.core.Store
import org.weprotect.core.WeprotectException

/**
 * The wrapped data key could not be unwrapped (the keystore key is gone, for example after the
 * app's data was restored onto another phone, or the file is damaged). The store cannot be
 * opened any more: wipe it (`wipeDir`) and start again. Carries no key material.
 */
class VaultKeyUnavailableException(message: String, cause: Throwable? = null) : Exception(message, cause)

/**
 * The keystore did not give the wrapping key just now (it answered "no such key" although a
 * wrapped key exists, or it threw). Nothing was changed: try again later (the worker returns
 * `Result.retry()`). Carries no key material.
 */
class KeystoreUnavailableException(message: String, cause: Throwable? = null) : Exception(message, cause)

/** Where the wrapping key lives: AndroidKeyStore on a phone (`AndroidKeyStoreVault`). */
interface WrappingKeys {
    /** The wrapping key, or null when the keystore has none. May throw when the keystore fails. */
    fun existing(): SecretKey?

    /** Creates the wrapping key. The vault calls it only while no wrapped key exists. */
    fun create(): SecretKey
}

/**
 * A [KeyVault] that keeps the data key wrapped in [dir] (no-backup storage on a phone), with the
 * AES-GCM key from [keys] (looked up for every wrap and unwrap, created only for the first key).
 */
class WrappedKeyVault(
    private val dir: File,
    private val keys: WrappingKeys,
    private val random: SecureRandom = SecureRandom(),
) : KeyVault {
    /** A vault whose wrapping key always exists (desktop tests, tools). */
    constructor(dir: File, wrappingKey: () -> SecretKey) : this(
        dir,
        object : WrappingKeys {
            override fun existing(): SecretKey = wrappingKey()
            override fun create(): SecretKey = wrappingKey()
        },
    )

    private val current = File(dir, CURRENT)
    private val pending = File(dir, PENDING)

    /** True when a data key exists (the store may exist too). */
    val hasKey: Boolean get() = current.exists()

    /** True when a rotation was begun and not settled. */
    val hasPendingKey: Boolean get() = pending.exists()

    /** The current key; the first call creates and stores one. */
    @Synchronized
    override fun dataKey(): ByteArray {
        if (current.exists()) return unwrap(current)
        check(!pending.exists()) { "a pending key without a current one: open with openStore" }
        val key = newKey()
        write(current, key)
        return key
    }

    /** Writes a new key as pending (next to the current one) and returns it. */
    @Synchronized
    override fun beginRotation(): ByteArray {
        check(current.exists()) { "no current key to rotate" }
        val key = newKey()
        write(pending, key)
        return key
    }

    /** The pending key becomes current (after the store was re-encrypted under it). */
    @Synchronized
    override fun commitRotation() {
        check(pending.exists()) { "no pending key" }
        if (!pending.renameTo(current)) throw java.io.IOException("cannot promote the pending key")
        syncDir()
    }

    /** The pending key, if a rotation was begun. */
    @Synchronized
    fun pendingKey(): ByteArray? = if (pending.exists()) unwrap(pending) else null

    /** Forgets a pending key (the store never moved to it). */
    @Synchronized
    fun discardPending() {
        if (pending.exists() && !pending.delete()) throw java.io.IOException("cannot remove the pending key")
        syncDir()
    }

    /** Deletes both wrapped keys (after the store was wiped). */
    @Synchronized
    fun destroy() {
        current.delete()
        pending.delete()
        syncDir()
    }

    private fun newKey(): ByteArray = ByteArray(KEY_BYTES).also(random::nextBytes)

    /**
     * File format: version byte, 12-byte IV, ciphertext with its 128-bit tag. The IV is the one
     * the cipher chose (AndroidKeyStore refuses a caller's IV for a randomized key); the
     * version and purpose are authenticated as associated data.
     */
    private fun write(file: File, key: ByteArray) {
        val wrapping = wrappingKey()
        val cipher = Cipher.getInstance(TRANSFORMATION)
        try {
            cipher.init(Cipher.ENCRYPT_MODE, wrapping)
        } catch (e: GeneralSecurityException) {
            throw KeystoreUnavailableException("the keystore refused to wrap the data key", e)
        }
        cipher.updateAAD(AAD)
        val iv = cipher.iv
        check(iv.size == IV_BYTES) { "unexpected IV length" }
        val sealed = cipher.doFinal(key)
        dir.mkdirs()
        val tmp = File(dir, file.name + ".tmp")
        FileOutputStream(tmp).use { out ->
            out.write(byteArrayOf(FORMAT))
            out.write(iv)
            out.write(sealed)
            out.fd.sync()
        }
        if (!tmp.renameTo(file)) throw java.io.IOException("cannot store the wrapped key")
        syncDir()
    }

    private fun unwrap(file: File): ByteArray {
        val bytes = file.readBytes()
        if (bytes.size != 1 + IV_BYTES + KEY_BYTES + TAG_BYTES || bytes[0] != FORMAT) {
            throw VaultKeyUnavailableException("the wrapped data key is damaged")
        }
        val wrapping = wrappingKey()
        return try {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.DECRYPT_MODE, wrapping, GCMParameterSpec(TAG_BYTES * 8, bytes, 1, IV_BYTES))
            cipher.updateAAD(AAD)
            cipher.doFinal(bytes, 1 + IV_BYTES, bytes.size - 1 - IV_BYTES)
        } catch (e: AEADBadTagException) {
            // The key is there and does not open the file: another key (restored files) or damage.
            throw VaultKeyUnavailableException("the data key cannot be unwrapped", e)
        } catch (e: GeneralSecurityException) {
            throw KeystoreUnavailableException("the keystore refused to unwrap the data key", e)
        } catch (e: RuntimeException) {
            throw KeystoreUnavailableException("the keystore failed while unwrapping the data key", e)
        }
    }

    /**
     * The wrapping key. Created only while no wrapped key exists: with a wrapped key on disk, a
     * keystore that says "no such key" or throws is a [KeystoreUnavailableException], never a
     * reason to replace the key (which would make the wrapped key unreadable for ever).
     */
    private fun wrappingKey(): SecretKey {
        val found = try {
            keys.existing()
        } catch (e: Exception) {
            throw KeystoreUnavailableException("the keystore did not return the wrapping key", e)
        }
        if (found != null) return found
        if (current.exists() || pending.exists()) {
            throw KeystoreUnavailableException("the keystore has no wrapping key although a wrapped data key exists")
        }
        return try {
            keys.create()
        } catch (e: Exception) {
            throw KeystoreUnavailableException("the keystore could not create the wrapping key", e)
        }
    }

    /** Makes a rename durable (best effort: not every platform can open a directory). */
    private fun syncDir() {
        try {
            java.nio.channels.FileChannel.open(dir.toPath(), java.nio.file.StandardOpenOption.READ).use { it.force(true) }
        } catch (_: Exception) {
        }
    }

    companion object {
        /** The current wrapped key's file name. */
        const val CURRENT = "weprotect-data-key"

        /** The pending wrapped key's file name. */
        const val PENDING = "weprotect-data-key.pending"
        private const val TRANSFORMATION = "AES/GCM/NoPadding"
        private const val KEY_BYTES = 32
        private const val IV_BYTES = 12
        private const val TAG_BYTES = 16
        private const val FORMAT: Byte = 1
        private val AAD = "org.weprotect.data-key.v1".toByteArray()
    }
}

/**
 * Opens the store in [storeDir] with [vault]'s key, settling a rotation a crash interrupted:
 * with a pending key, the current key is tried first (the store never moved: the pending key is
 * discarded), then the pending one (the store moved: the pending key is promoted). Throws
 * [WeprotectException.WrongKey] only when neither key opens the store. Every key array is
 * wiped after use.
 */
suspend fun openStore(
    storeDir: File,
    vault: WrappedKeyVault,
    io: CoroutineDispatcher = Dispatchers.IO,
): Store = withContext(io) {
    val key = vault.dataKey()
    val opened = try {
        Store.open(storeDir.path, key)
    } catch (e: WeprotectException.WrongKey) {
        null
    } finally {
        key.fill(0)
    }
    if (opened != null) {
        if (vault.hasPendingKey) vault.discardPending()
        return@withContext opened
    }
    val pendingKey = vault.pendingKey() ?: throw WeprotectException.WrongKey()
    try {
        Store.open(storeDir.path, pendingKey).also { vault.commitRotation() }
    } finally {
        pendingKey.fill(0)
    }
}
