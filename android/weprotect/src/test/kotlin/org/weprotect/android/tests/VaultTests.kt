// The wrapped-key vault and its pending-key protocol, against the real encrypted store. The
// wrapping key is an ordinary AES key here; on a phone it is AndroidKeyStore's, through the
// same javax.crypto calls.
package org.weprotect.android.tests

import java.io.File
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import kotlinx.coroutines.runBlocking
import org.weprotect.android.vault.KeystoreUnavailableException
import org.weprotect.android.vault.VaultKeyUnavailableException
import org.weprotect.android.vault.WrappingKeys
import org.weprotect.android.vault.WrappedKeyVault
import org.weprotect.android.vault.openStore
import org.weprotect.core.Store
import org.weprotect.core.WeprotectException
import org.weprotect.core.exampleReferralJson
import org.weprotect.testing.*

fun aesKey(): SecretKey = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()

/**
 * AndroidKeyStore as it misbehaves in the field: `getKey` answers null for a key it has
 * ([nullAnswers] times), or throws a RuntimeException such as `ProviderException`
 * ([failures] times). [create] generates under the same alias, replacing the key, as
 * `KeyGenerator` does.
 */
private class FlakyKeystore(var nullAnswers: Int = 0, var failures: Int = 0) : WrappingKeys {
    var key: SecretKey? = null
    var created = 0
    override fun existing(): SecretKey? {
        if (failures > 0) {
            failures--
            throw java.security.ProviderException("Keystore operation failed")
        }
        if (nullAnswers > 0) {
            nullAnswers--
            return null
        }
        return key
    }
    override fun create(): SecretKey = aesKey().also { key = it; created++ }
}

private class Fixture(name: String) {
    val root = freshDir("vault-$name")
    val keys = File(root, "no_backup")
    val storeDir = File(root, "store")
    val wrapping = aesKey()
    fun vault() = WrappedKeyVault(keys, { wrapping })
}

fun vaultTests(): List<Test> = listOf(
    Test("the first open creates a random 32-byte key, kept only wrapped") {
        val f = Fixture("first")
        val vault = f.vault()
        val key = vault.dataKey()
        checkEquals(32, key.size, "key length")
        val file = File(f.keys, WrappedKeyVault.CURRENT)
        val stored = file.readBytes()
        checkEquals(1 + 12 + 32 + 16, stored.size, "wrapped file size")
        check(!stored.toList().windowed(32).any { it == key.toList() }) { "the key is on disk in clear" }
        check(f.vault().dataKey().contentEquals(key)) { "a second vault reads another key" }
    },
    Test("a wrong wrapping key or a damaged file is a clear error, never a new key") {
        val f = Fixture("wrong-wrapping")
        f.vault().dataKey()
        expectThrows<VaultKeyUnavailableException> { WrappedKeyVault(f.keys, { aesKey() }).dataKey() }
        val file = File(f.keys, WrappedKeyVault.CURRENT)
        val bytes = file.readBytes()
        bytes[20] = (bytes[20].toInt() xor 1).toByte()
        file.writeBytes(bytes)
        expectThrows<VaultKeyUnavailableException> { f.vault().dataKey() }
        file.writeBytes(bytes.copyOf(10))
        expectThrows<VaultKeyUnavailableException> { f.vault().dataKey() }
    },
    Test("a keystore that says 'no such key' while a wrapped key exists gets no new key: retry, and the store still opens") {
        val f = Fixture("keystore-null")
        val keystore = FlakyKeystore()
        val vault = WrappedKeyVault(f.keys, keystore)
        val draft = runBlocking {
            val store = openStore(f.storeDir, vault)
            store.saveDraftJson(null, exampleReferralJson()).also { store.close() }
        }
        checkEquals(1, keystore.created, "wrapping keys created for the first data key")
        keystore.nullAnswers = 1
        expectThrows<KeystoreUnavailableException> { runBlocking { openStore(f.storeDir, WrappedKeyVault(f.keys, keystore)) } }
        checkEquals(1, keystore.created, "a wrapping key was generated over the existing one")
        runBlocking {
            val store = openStore(f.storeDir, WrappedKeyVault(f.keys, keystore))
            check(store.listDrafts().any { it.id == draft }) { "draft lost after the keystore hiccup" }
            store.close()
        }
    },
    Test("a keystore that throws (ProviderException) is retryable, during a rotation too, and changes nothing") {
        val f = Fixture("keystore-throws")
        val keystore = FlakyKeystore()
        val vault = WrappedKeyVault(f.keys, keystore)
        val key = vault.dataKey()
        keystore.failures = 1
        expectThrows<KeystoreUnavailableException> { vault.dataKey() }
        keystore.failures = 1
        expectThrows<KeystoreUnavailableException> { vault.beginRotation() }
        check(!vault.hasPendingKey) { "a pending key was written without the keystore" }
        check(vault.dataKey().contentEquals(key)) { "the data key changed" }
        checkEquals(1, keystore.created, "wrapping keys created")
    },
    Test("rotation: the store moves to the new key and the old key no longer opens it") {
        val f = Fixture("rotate")
        val vault = f.vault()
        val old = vault.dataKey()
        val draft = runBlocking {
            val store = openStore(f.storeDir, vault)
            val id = store.saveDraftJson(null, exampleReferralJson())
            org.weprotect.core.Weprotect.rotateKey(store, vault)
            store.close()
            id
        }
        check(!vault.hasPendingKey) { "pending key left after a completed rotation" }
        expectThrows<WeprotectException.WrongKey> { Store.open(f.storeDir.path, old) }
        runBlocking {
            val store = openStore(f.storeDir, f.vault())
            check(store.listDrafts().any { it.id == draft }) { "draft lost in rotation" }
            store.close()
        }
    },
    Test("a crash after the rekey: open finds the store under the pending key and promotes it") {
        val f = Fixture("crash-after")
        val vault = f.vault()
        val draft = runBlocking {
            val store = openStore(f.storeDir, vault)
            val id = store.saveDraftJson(null, exampleReferralJson())
            val next = vault.beginRotation()
            store.rekey(next) // the process dies before commitRotation
            store.close()
            id
        }
        val reopened = f.vault()
        check(reopened.hasPendingKey) { "the crash left no pending key" }
        runBlocking {
            val store = openStore(f.storeDir, reopened)
            check(store.listDrafts().any { it.id == draft }) { "draft lost" }
            store.close()
        }
        check(!reopened.hasPendingKey) { "pending key not promoted" }
        runBlocking { openStore(f.storeDir, f.vault()).close() }
    },
    Test("a crash before the rekey: open keeps the current key and drops the pending one") {
        val f = Fixture("crash-before")
        val vault = f.vault()
        runBlocking { openStore(f.storeDir, vault).close() }
        val before = vault.dataKey()
        vault.beginRotation() // the process dies before the store is rekeyed
        runBlocking { openStore(f.storeDir, f.vault()).close() }
        check(!vault.hasPendingKey) { "pending key kept" }
        check(vault.dataKey().contentEquals(before)) { "current key changed" }
    },
    Test("a store neither key opens stays WrongKey and nothing is changed") {
        val f = Fixture("neither")
        runBlocking { openStore(f.storeDir, f.vault()).close() }
        val other = File(f.root, "other-keys")
        val stranger = WrappedKeyVault(other, { f.wrapping })
        stranger.dataKey()
        stranger.beginRotation()
        expectThrows<WeprotectException.WrongKey> { runBlocking { openStore(f.storeDir, stranger) } }
        check(stranger.hasPendingKey) { "pending key dropped although nothing opened" }
        runBlocking { openStore(f.storeDir, f.vault()).close() }
    },
)
