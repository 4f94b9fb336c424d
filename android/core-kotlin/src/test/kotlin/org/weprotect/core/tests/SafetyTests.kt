package org.weprotect.core.tests

import kotlinx.coroutines.runBlocking
import org.weprotect.core.PersonalText
import org.weprotect.core.Store
import org.weprotect.core.WeprotectException
import org.weprotect.core.code
import org.weprotect.core.debugPanic
import org.weprotect.core.debugPanicAsync
import org.weprotect.core.version
import org.weprotect.testing.*

fun safetyTests() = listOf(
    Test("a deliberate panic arrives as an exception and the library keeps working") {
        val e = expectThrows<WeprotectException.Internal> { debugPanic() }
        check(e.code == "internal") { e.code }
        check(!(e.message ?: "").contains("deliberate")) { "the panic message leaked: ${e.message}" }
        expectThrows<WeprotectException.Internal> { runBlocking { debugPanicAsync() } }
        check(version().isNotBlank()) { "the library is unusable after a panic" }
    },
    Test("a canary name in a draft never appears in any toString") {
        val store = Store.open(freshDir("canary").path, TestVault().dataKey())
        val id = store.saveDraftJson(null, exampleWithForename(CANARY))
        store.saveDraftJson(null, """{"schema_version": 1, "victim": {"surname": "$CANARY"}}""")
        val printed = mutableListOf<String>()
        printed += store.listDrafts().map { it.toString() }
        printed += store.loadDraftJson(id).toString()
        val problems = expectThrows<WeprotectException.Invalid> {
            store.submit(store.listDrafts().first { it.id != id }.id, service())
        }
        printed += problems.toString()
        printed += problems.message ?: ""
        store.submit(id, service())
        printed += store.outbox().map { it.toString() }
        printed += PersonalText(CANARY).toString()
        printed += formPrintedForms(store)
        check(printed.size > 5) { "too little printed" }
        for (text in printed) {
            check(!text.contains("Zebedee") && !text.contains("Canarywharf")) { "the canary leaked: $text" }
        }
        // The text is there for whoever asks for it on purpose.
        check(store.outbox().single().title?.reveal() == "CAD-2026-000123") { "title" }
        store.close()
    },
)
