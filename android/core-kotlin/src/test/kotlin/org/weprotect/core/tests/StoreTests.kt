package org.weprotect.core.tests

import kotlinx.coroutines.runBlocking
import org.weprotect.core.Store
import org.weprotect.core.WeprotectException
import org.weprotect.core.Weprotect
import org.weprotect.core.code
import org.weprotect.core.exampleReferralJson
import org.weprotect.core.io
import org.weprotect.core.validateJson
import org.weprotect.core.wipeDir
import org.weprotect.testing.*

fun storeTests() = listOf(
    Test("the wrong key is refused and changes nothing") {
        val dir = freshDir("wrong-key")
        runBlocking {
            val store = Weprotect.openStore(dir, TestVault(seed = 1))
            store.io { saveDraftJson(null, exampleReferralJson()) }
            store.close()
            val e = expectThrows<WeprotectException.WrongKey> {
                runBlocking { Weprotect.openStore(dir, TestVault(seed = 9)) }
            }
            check(e.code == "wrong_key") { e.code }
            val again = Weprotect.openStore(dir, TestVault(seed = 1))
            check(again.listDrafts().size == 1) { "the draft is gone" }
            again.close()
        }
    },
    Test("a key of the wrong length is an invalid argument") {
        expectThrows<WeprotectException.InvalidArgument> {
            Store.open(freshDir("short-key").path, ByteArray(16))
        }
    },
    Test("the vault's key arrays are wiped after open and rekey") {
        val vault = TestVault()
        val dir = freshDir("wiped-key")
        runBlocking {
            val store = Weprotect.openStore(dir, vault)
            store.io { saveDraftJson(null, exampleReferralJson()) }
            Weprotect.rotateKey(store, vault)
            store.close()
            // Opens with the rotated key: the store was re-encrypted under it.
            val reopened = Weprotect.openStore(dir, vault)
            check(reopened.listDrafts().size == 1) { "the draft did not survive the rekey" }
            reopened.close()
        }
        check(vault.handedOut.size == 3) { "${vault.handedOut.size} arrays" }
        check(vault.handedOut.all { key -> key.all { it == 0.toByte() } }) { "a key array was not wiped" }
    },
    Test("a draft is saved, listed and reopened") {
        val store = Store.open(freshDir("drafts").path, TestVault().dataKey())
        val id = store.saveDraftJson(null, exampleReferralJson())
        val listed = store.listDrafts()
        check(listed.map { it.id } == listOf(id)) { "listed $listed" }
        check(listed[0].title.reveal() == "CAD-2026-000123") { "title" }
        check(listed[0].missingFields == 0u && listed[0].problems == 0u) { "counts" }
        val reopened = store.loadDraftJson(id).reveal()
        check(reopened.contains("CAD-2026-000123")) { "the reopened draft lost its text" }
        check(store.saveDraftJson(id, reopened) == id) { "autosave made a new draft" }
        check(store.counts().drafts == 1u) { "counts" }
        store.close()
    },
    Test("submitting an incomplete draft lists its problems and keeps the draft") {
        val store = Store.open(freshDir("incomplete").path, TestVault().dataKey())
        val id = store.saveDraftJson(null, """{"schema_version": 1, "victim": {"forename": "Sam"}}""")
        val e = expectThrows<WeprotectException.Invalid> { store.submit(id, service()) }
        val paths = e.problems.map { it.path }
        check(paths.contains("victim.date_of_birth")) { "paths $paths" }
        check(paths.contains("consent.given") || paths.any { it.startsWith("consent") }) { "paths $paths" }
        check(store.listDrafts().map { it.id } == listOf(id)) { "the draft was lost" }
        check(store.counts().queued == 0u) { "something was queued" }
        store.close()
    },
    Test("a value of the wrong kind is refused with its path") {
        val e = expectThrows<WeprotectException.Invalid> {
            validateJson("""{"schema_version": 1, "victim": {"date_of_birth": 19900412}}""")
        }
        check(e.problems.single().path.startsWith("victim.date_of_birth")) { "${e.problems}" }
    },
    Test("wipe removes the store, also without the key") {
        val dir = freshDir("wipe")
        val store = Store.open(dir.path, TestVault().dataKey())
        store.saveDraftJson(null, exampleReferralJson())
        val report = store.wipe()
        check(report.draftsDestroyed == 1u) { "$report" }
        expectThrows<WeprotectException.Closed> { store.listDrafts() }
        val again = Store.open(dir.path, TestVault().dataKey())
        again.saveDraftJson(null, exampleReferralJson())
        again.close()
        check(wipeDir(dir.path).draftsDestroyed == 1u) { "wipe without key" }
    },
)
