package org.weprotect.core.tests

import java.io.File
import org.weprotect.core.KeyVault
import org.weprotect.core.ServiceConfig
import org.weprotect.core.exampleReferralJson
import org.weprotect.core.serviceConfigFromJson
import org.weprotect.testing.*

/** A name that must never show up in any printed form. */
const val CANARY = "Zebedee Canarywharf"

/** A vault holding fixed test keys, recording the arrays it handed out. */
class TestVault(seed: Byte = 1) : KeyVault {
    private var current = ByteArray(32) { (seed + it).toByte() }
    private var pending: ByteArray? = null
    val handedOut = mutableListOf<ByteArray>()

    override fun dataKey(): ByteArray = current.copyOf().also { handedOut += it }

    override fun beginRotation(): ByteArray {
        val next = ByteArray(32) { (current[it] + 100).toByte() }
        pending = next
        return next.copyOf().also { handedOut += it }
    }

    override fun commitRotation() {
        current = pending ?: error("no rotation in progress")
        pending = null
    }
}

/** The example referral with the victim's forename set to [forename]. */
fun exampleWithForename(forename: String): String =
    exampleReferralJson().replaceFirst("\"forename\": \"Jamie\"", "\"forename\": \"$forename\"")
        .also { check(it.contains(forename)) { "the example's forename moved" } }

/** The reference server's description and a token, from the test runner. */
fun service(): ServiceConfig =
    serviceConfigFromJson(File(System.getenv("WEPROTECT_SERVICE_JSON") ?: error("no service")).readText())

fun token(): String = System.getenv("WEPROTECT_TOKEN") ?: error("no token")
