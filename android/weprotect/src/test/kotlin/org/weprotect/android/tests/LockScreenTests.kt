// Nothing on a lock screen, in a notification or in the recents screen betrays the subject
// (issue 22): the texts the library's notifications show are read from their resources and
// checked for words that name the subject and for format arguments (the only way a name or a
// reference could reach them); the notification builder takes its texts only from those
// resources; and the sample keeps every window FLAG_SECURE (a blank recents thumbnail, no
// screenshots), dialogs included. These read the shells' real source files: the Android
// classes themselves cannot be built here (README).
package org.weprotect.android.tests

import java.io.File
import org.weprotect.testing.*

/**
 * Words that say what a referral is about. Conservative on purpose: a phone on a kitchen table
 * or in a shared car shows notifications to whoever is there, possibly the perpetrator.
 */
val BETRAYING_WORDS = listOf(
    "abuse", "abusive", "abuser", "domestic", "violence", "violent", "victim", "perpetrator",
    "assault", "coercive", "coercion", "stalking", "refuge", "marac", "idva", "safeguarding",
    "survivor", "harassment", "rape", "sexual",
)

/** What in [text] would betray the subject: forbidden words and format arguments (a name, a title). */
fun betrayals(text: String): List<String> {
    val lower = text.lowercase()
    val words = BETRAYING_WORDS.filter { Regex("\\b$it").containsMatchIn(lower) }
    val arguments = Regex("%(\\d+\\$)?[sdf]|\\{\\w*\\}|\\$\\{|\\$[a-z]").findAll(text).map { "argument ${it.value}" }
    return words + arguments.toList()
}

/** The `<string>` values of an Android resource file (enough XML for a flat values file). */
fun stringResources(file: File): Map<String, String> =
    Regex("<string\\s+name=\"([^\"]+)\"[^>]*>(.*?)</string>", RegexOption.DOT_MATCHES_ALL)
        .findAll(file.readText()).associate { it.groupValues[1] to it.groupValues[2] }

private val LIBRARY_STRINGS = File("android/weprotect/src/main/res/values/strings.xml")
private val SAMPLE_STRINGS = File("android/sample/src/main/res/values/strings.xml")
private val NOTIFICATIONS = File("android/weprotect/src/main/kotlin/org/weprotect/android/work/SyncNotifications.kt")
private val SAMPLE_SOURCES = File("android/sample/src/main/kotlin")

fun lockScreenTests(): List<Test> = listOf(
    Test("the check finds the words and the arguments that would betray the subject") {
        checkEquals(setOf("domestic", "abuse"), betrayals("Domestic Abuse referral").toSet(), "words")
        checkEquals(setOf("victim", "argument %1\$s"), betrayals("Referral for victim %1\$s").toSet(), "name argument")
        checkEquals(listOf("argument %s"), betrayals("Sent: %s"), "title argument")
        checkEquals(emptyList<String>(), betrayals("Sign in to send referrals"), "a plain text")
    },
    Test("notification and app texts name neither the subject nor anyone") {
        val texts = stringResources(LIBRARY_STRINGS) + stringResources(SAMPLE_STRINGS)
        check(texts.keys.containsAll(listOf("weprotect_sync_channel", "weprotect_sync_sending", "weprotect_sign_in_title", "weprotect_sign_in_text", "app_name"))) {
            "a notification text moved: ${texts.keys}"
        }
        for ((name, text) in texts) {
            check(betrayals(text).isEmpty()) { "$name betrays the subject: ${betrayals(text)}" }
        }
    },
    Test("the notification builder shows only those resources") {
        val source = NOTIFICATIONS.readText()
        val setters = Regex("\\.set(ContentTitle|ContentText|SubText|Ticker|Style|PublicVersion)\\(([^\\n]*)\\)").findAll(source).toList()
        check(setters.size >= 3) { "the builder's texts moved (${setters.size} setters found)" }
        for (s in setters) {
            check(Regex("context\\.getString\\(R\\.string\\.\\w+\\)").matches(s.groupValues[2])) {
                "set${s.groupValues[1]} takes something other than a fixed resource: ${s.groupValues[2]}"
            }
        }
        check("VISIBILITY_PRIVATE" in source) { "the channel shows notifications in full on a locked screen" }
    },
    Test("the sample's windows are FLAG_SECURE, dialogs included, so recents shows a blank thumbnail") {
        val sources = SAMPLE_SOURCES.walk().filter { it.extension == "kt" }.toList()
        val activities = sources.filter { Regex(":\\s*(Component|AppCompat|Fragment)?Activity\\(\\)").containsMatchIn(it.readText()) }
        check(activities.isNotEmpty()) { "no activity found" }
        for (file in activities) {
            val text = file.readText()
            val secure = text.indexOf("WindowManager.LayoutParams.FLAG_SECURE")
            val content = Regex("\\bsetContent\\s*\\{").find(text)?.range?.first ?: -1
            check(secure >= 0 && secure < content) { "${file.name}: FLAG_SECURE is not set before the content" }
        }
        val all = sources.joinToString("\n") { it.readText() }
        val dialogs = Regex("(?<![\\w.])(AlertDialog|BasicAlertDialog|Dialog|DatePickerDialog|TimePickerDialog)\\(").findAll(all).count()
        val secured = Regex("securePolicy\\s*=\\s*SecureFlagPolicy\\.SecureOn").findAll(all).count()
        check(dialogs > 0 && secured >= dialogs) { "$dialogs dialog(s), $secured with SecureFlagPolicy.SecureOn" }
        for (popup in listOf("DropdownMenu(", "ModalBottomSheet(", "Popup(")) {
            check(popup !in all) { "$popup is a window without FLAG_SECURE" }
        }
    },
)
