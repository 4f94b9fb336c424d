// The plain-Kotlin decisions the sample's screens draw (organisation file, profile screen,
// messages by kind, the send step, collapsed filled fields, the searchable picker), proved
// against the real library and the organisation file the sample ships.
package org.weprotect.core.tests

import java.io.File
import org.weprotect.core.ChoiceOption
import org.weprotect.core.FieldValue
import org.weprotect.core.MessageStyle
import org.weprotect.core.OrganisationConfigException
import org.weprotect.core.OrganisationType
import org.weprotect.core.Problem
import org.weprotect.core.ProblemKind
import org.weprotect.core.ProfileDetail
import org.weprotect.core.SendStep
import org.weprotect.core.WeprotectException
import org.weprotect.core.deploymentSettingsFromJson
import org.weprotect.core.exampleReferralJson
import org.weprotect.core.field
import org.weprotect.core.fieldMessages
import org.weprotect.core.formDefinition
import org.weprotect.core.offerProfileAtStart
import org.weprotect.core.profileFrom
import org.weprotect.core.searchSuggestions
import org.weprotect.core.sendStep
import org.weprotect.core.sendSummary
import org.weprotect.core.startsCollapsed
import org.weprotect.core.text
import org.weprotect.core.typedFrom
import org.weprotect.core.yesNo
import org.weprotect.core.DraftEditor
import org.weprotect.testing.*

private const val SAMPLE_ORGANISATION = "android/sample/src/main/assets/organisation.json"

fun shellModelTests(): List<Test> = listOf(
    Test("the organisation file the sample ships is read into deployment settings") {
        val settings = deploymentSettingsFromJson(File(SAMPLE_ORGANISATION).readText())
        check(settings.organisationType == OrganisationType.POLICE) { "${settings.organisationType}" }
        check(settings.consentScriptVersion == "consent-script-2026-01") { "${settings.consentScriptVersion}" }
        check(settings.consentRefusedRoute?.contains("MARAC") == true) { "no refusal route" }
        // Both samples ship the same organisation file.
        check(File("ios/SampleApp/organisation.json").readText() == File(SAMPLE_ORGANISATION).readText()) {
            "the iOS sample's organisation.json differs from the Android sample's"
        }
    },
    Test("a malformed organisation file is refused naming the key and the rule") {
        fun refused(json: String) = expectThrows<OrganisationConfigException> { deploymentSettingsFromJson(json) }
        checkEquals("consent_script_versoin", refused("""{"consent_script_versoin": "v1"}""").field, "typo'd key")
        checkEquals("organisation_type", refused("""{"organisation_type": "army"}""").field, "unknown type")
        checkEquals("risk_instrument", refused("""{"risk_instrument": 3}""").field, "not a string")
        checkEquals("organisation_id", refused("""{"organisation_id": "  "}""").field, "blank")
        checkEquals("organisation_id", refused("""{"organisation_id": "a", "organisation_id": "b"}""").field, "twice")
        refused("""["police"]""")
        refused("""{"organisation_id": "a"} trailing""")
        val escaped = deploymentSettingsFromJson("""{"consent_refused_route": "MARAC \u2013 \"high\"\nthen tell"}""")
        checkEquals("MARAC \u2013 \"high\"\nthen tell", escaped.consentRefusedRoute, "escapes")
        checkEquals(null, deploymentSettingsFromJson("{}").organisationId, "an empty file sets nothing")
    },
    Test("the profile screen saves the referrer's details once and every new draft shows them collapsed but editable") {
        val store = openStore("shell-profile")
        check(offerProfileAtStart(store.profile(), declinedThisRun = false)) { "not offered on first start" }
        val bad = expectThrows<WeprotectException.Invalid> {
            store.setProfile(profileFrom(mapOf(ProfileDetail.OFFICER_NAME to "PC Alex Example", ProfileDetail.EMAIL to "not an email")))
        }
        check(bad.problems.isNotEmpty()) { "a bad email was accepted" }
        check(store.profile() == null) { "a refused profile was saved" }
        store.setProfile(profileFrom(mapOf(
            ProfileDetail.OFFICER_NAME to "PC Alex Example", ProfileDetail.COLLAR_NUMBER to "4321 SE",
            ProfileDetail.STATION to "Exampleton Response Team", ProfileDetail.RANK to "   ",
        )))
        check(!offerProfileAtStart(store.profile(), declinedThisRun = false)) { "offered again once saved" }
        val typed = typedFrom(store.profile())
        checkEquals("PC Alex Example", typed[ProfileDetail.OFFICER_NAME], "name read back")
        check(ProfileDetail.RANK !in typed) { "a blank box was saved" }
        store.setDeployment(deploymentSettingsFromJson(File(SAMPLE_ORGANISATION).readText()))
        val editor = store.newDraft()
        val definition = formDefinition().sections.flatMap { it.fields }.associateBy { it.path }
        val snap = editor.snapshot()
        val name = snap.field("referrer.officer_name")!!
        check(startsCollapsed(definition.getValue("referrer.officer_name"), name)) { "the filled name is not collapsed" }
        val phone = snap.field("referrer.contact_phone")!!
        check(!startsCollapsed(definition.getValue("referrer.contact_phone"), phone)) { "an empty filled-from field hides" }
        check(!startsCollapsed(definition.getValue("victim.forename"), snap.field("victim.forename")!!)) { "victim collapsed" }
        // Editable on this draft.
        editor.set("referrer.officer_name", FieldValue.text("PC Sam Other"))
        check((editor.snapshot().field("referrer.officer_name")?.value as FieldValue.Text).text.reveal() == "PC Sam Other") { "not editable" }
        editor.discard()
        editor.close()
        store.close()
    },
    Test("refused consent shows the organisation's route and deleting the draft leaves nothing") {
        val store = openStore("shell-refused")
        store.setDeployment(deploymentSettingsFromJson(File(SAMPLE_ORGANISATION).readText()))
        val editor = store.newDraft()
        check(editor.snapshot().consentRefusedRoute == null) { "route shown before consent was answered" }
        editor.set("victim.forename", FieldValue.text("Sam"))
        val out = editor.set("consent.given", FieldValue.yesNo(false))
        check(out.consentRefusedRoute?.contains("MARAC") == true) { "${out.consentRefusedRoute}" }
        check(editor.snapshot().consentRefusedRoute == out.consentRefusedRoute) { "snapshot differs" }
        checkEquals(1, store.listDrafts().size, "autosaved before the delete")
        editor.discard()
        checkEquals(0, store.listDrafts().size, "the draft was kept")
        editor.close()
        store.close()
    },
    Test("messages show their kind: errors, to-follow items from the start, warnings to confirm") {
        val editor = DraftEditor.fromJson(exampleReferralJson(), null)
        editor.set("incident.crime_reference", FieldValue.Clear)
        val reference = editor.snapshot().field("incident.crime_reference")!!
        val shown = fieldMessages(reference, showMissing = false)
        check(shown.single().style == MessageStyle.TO_FOLLOW && shown.single().text.startsWith("To follow: ")) { "$shown" }
        val step = sendStep(editor.snapshot())
        check(step is SendStep.Send && step.toFollow == 1) { "$step" }
        checkEquals("1 to follow", sendSummary(step), "summary")
        editor.set("safe_contact.phone", FieldValue.text("12"))
        val phone = fieldMessages(editor.snapshot().field("safe_contact.phone")!!, showMissing = false)
        check(phone.isNotEmpty() && phone.all { it.style == MessageStyle.ERROR }) { "$phone" }
        check(sendStep(editor.snapshot()) is SendStep.Fix) { "an error did not stop sending" }
        editor.close()
        val warning = Problem("risk.level", "risk.local_band_lower", "A local band graded lower", ProblemKind.WARNING)
        val confirm = sendStep(listOf(warning))
        check(confirm is SendStep.Confirm && confirm.warnings == listOf(warning)) { "a warning sent without confirming" }
        checkEquals("1 to confirm", sendSummary(confirm), "summary")
        check(sendStep(listOf(warning, warning.copy(kind = ProblemKind.ERROR))) is SendStep.Fix) { "errors come first" }
    },
    Test("the searchable picker finds forces and languages by name, BSL included") {
        val fields = formDefinition().sections.flatMap { it.fields }
        val language = fields.single { it.path == "victim.interpreter_language" }
        check(language.suggestions.isNotEmpty()) { "no suggestions for languages" }
        val polish = searchSuggestions(language.suggestions, "pol")
        check(polish.first().label.startsWith("Polish")) { "${polish.map { it.label }}" }
        val sign = searchSuggestions(language.suggestions, "british sign")
        check(sign.any { it.value == "bfi" }) { "${sign.map { it.value }}" }
        val force = fields.single { it.path == "referrer.organisation_id" }
        check(searchSuggestions(force.suggestions, "west yorks").any { it.value == "west-yorkshire" }) { "no force" }
        val all = listOf(ChoiceOption("a", "k", "Alpha"), ChoiceOption("b", "k", "Beta"))
        checkEquals(all, searchSuggestions(all, "  "), "a blank query lists all")
        checkEquals(emptyList<ChoiceOption>(), searchSuggestions(all, "zulu"), "no match")
    },
)
