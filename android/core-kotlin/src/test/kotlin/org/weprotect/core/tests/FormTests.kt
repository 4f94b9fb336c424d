package org.weprotect.core.tests

import org.weprotect.core.DraftEditor
import org.weprotect.core.DraftSession
import org.weprotect.core.FieldKind
import org.weprotect.core.FieldValue
import org.weprotect.core.PersonalText
import org.weprotect.core.ProblemKind
import org.weprotect.core.ReferrerProfile
import org.weprotect.core.DeploymentSettings
import org.weprotect.core.OrganisationType
import org.weprotect.core.Store
import org.weprotect.core.WeprotectException
import org.weprotect.core.choice
import org.weprotect.core.code
import org.weprotect.core.field
import org.weprotect.core.formDefinition
import org.weprotect.core.text
import org.weprotect.core.yesNo
import org.weprotect.testing.*

fun openStore(name: String): Store = Store.open(freshDir(name).path, TestVault().dataKey())

fun formTests(): List<Test> = listOf(
    Test("the form definition lists sections and fields with their kinds") {
        val form = formDefinition()
        val fields = form.sections.flatMap { it.fields }
        check(form.sections.size >= 5) { "${form.sections.size} sections" }
        check(fields.any { it.path == "victim.forename" && it.kind is FieldKind.Text }) { "no forename" }
        check(fields.any { it.path == "safe_contact.phone" && it.kind is FieldKind.Phone }) { "no phone" }
        check(fields.any { it.kind is FieldKind.RepeatableGroup }) { "no group" }
        check(fields.all { it.label.isNotBlank() }) { "a field without a label" }
    },
    Test("typed text is kept and a half-typed phone is flagged") {
        val store = openStore("typed")
        val editor = store.newDraft()
        editor.set("victim.forename", FieldValue.text("  jamie "))
        val half = editor.set("safe_contact.phone", FieldValue.text("07700 90"))
        val phone = half.changed.single { it.path == "safe_contact.phone" }
        check(phone.problems.isNotEmpty()) { "a half-typed phone was not flagged" }
        check(half.normalised == null) { "a half-typed phone was normalised" }
        val snap = editor.snapshot()
        val forename = snap.field("victim.forename")?.value as FieldValue.Text
        check(forename.text.reveal() == "  jamie ") { "the typed text was changed" }
        val typedPhone = snap.field("safe_contact.phone")?.value as FieldValue.Text
        check(typedPhone.text.reveal() == "07700 90") { "the typed phone was changed" }
        val whole = editor.set("safe_contact.phone", FieldValue.text("07700 900123"))
        check(whole.normalised?.reveal() == "+447700900123") { "not normalised to E.164" }
        check(whole.changed.single { it.path == "safe_contact.phone" }.problems.isEmpty()) { "still flagged" }
        editor.close()
        store.close()
    },
    Test("every error has its code and a short text, also those without fields") {
        val all = listOf(
            WeprotectException.WrongKey(), WeprotectException.NotAWeprotectStore(),
            WeprotectException.CorruptStore(), WeprotectException.TooNew(), WeprotectException.NotFound(),
            WeprotectException.InvalidState(), WeprotectException.InvalidArgument(),
            WeprotectException.ServiceConfig(), WeprotectException.Closed(), WeprotectException.NeedsSignIn(),
            WeprotectException.Storage(), WeprotectException.CallbackFailed(), WeprotectException.Internal(),
        )
        for (e in all) {
            check(e.code.isNotBlank() && e.text.isNotBlank() && e.text.endsWith(".")) { e.code }
        }
        check(all.map { it.text }.toSet().size == all.size) { "two errors read the same" }
    },
    Test("a value of the wrong kind is refused and changes nothing") {
        val editor = DraftEditor.detached()
        editor.set("incident.crime_recorded", FieldValue.yesNo(true))
        val e = expectThrows<WeprotectException.WrongKind> {
            editor.set("incident.crime_recorded", FieldValue.text("yes"))
        }
        check(e.path == "incident.crime_recorded" && e.code == "wrong_kind") { "${e.path} ${e.code}" }
        check(editor.snapshot().field("incident.crime_recorded")?.value == FieldValue.YesNo(true)) { "changed" }
        expectThrows<WeprotectException.UnknownField> { editor.set("victim.shoe_size", FieldValue.text("9")) }
        expectThrows<WeprotectException.UnknownOption> { editor.set("consent.method", FieldValue.choice("banana")) }
        editor.close()
    },
    Test("a draft is saved as typed, listed and reopened in the editor") {
        val store = openStore("editor-drafts")
        val editor = store.newDraft()
        editor.set("victim.forename", FieldValue.text("Jamie"))
        editor.set("victim.surname", FieldValue.text("Testperson"))
        val id = editor.draftId() ?: throw TestFailure("not autosaved")
        check(editor.snapshot().saved) { "not saved" }
        editor.close()
        val listed = store.listDrafts().single()
        // A list shows no name, not even initials: the reference only, or "Untitled draft".
        check(listed.id == id && listed.title.reveal() == "Untitled draft") { listed.title.reveal() }
        val reopened = store.openDraft(id)
        val surname = reopened.snapshot().field("victim.surname")?.value as FieldValue.Text
        check(surname.text.reveal() == "Testperson") { "lost" }
        reopened.close()
        store.close()
    },
    Test("a change made on the previous draft's screen is dropped, never written into the next draft") {
        val store = openStore("draft-session")
        val session = DraftSession(store.newDraft())
        val shown = session.generation // what the screen was drawn for
        check(session.edit(shown) { it.set("victim.forename", FieldValue.text("Jamie")) }) { "the open draft refused a change" }
        val first = session.current.draftId() ?: throw TestFailure("not autosaved")
        checkEquals(shown + 1, session.replace(store.newDraft()), "generation after a submit")
        // A keystroke queued on the old screen arrives after the new draft opened.
        check(!session.edit(shown) { it.set("victim.forename", FieldValue.text("Jamiex")) }) { "a stale change was applied" }
        checkEquals(null, session.current.snapshot().field("victim.forename")?.value, "the new draft's forename")
        check(session.edit(session.generation) { it.set("victim.forename", FieldValue.text("Alex")) }) { "the new draft refused a change" }
        val reopened = store.openDraft(first)
        val kept = reopened.snapshot().field("victim.forename")?.value as FieldValue.Text
        checkEquals("Jamie", kept.text.reveal(), "the first draft's forename")
        reopened.close()
        session.close()
        store.close()
    },
    Test("conditional fields appear and disappear") {
        val editor = DraftEditor.detached()
        check(editor.snapshot().field("victim.interpreter_language")?.visible == false) { "shown too early" }
        val yes = editor.set("victim.interpreter_required", FieldValue.yesNo(true))
        check(yes.changed.any { it.path == "victim.interpreter_language" && it.visible }) { "did not appear" }
        check(editor.snapshot().field("victim.interpreter_language")?.required == true) { "not required" }
        val no = editor.set("victim.interpreter_required", FieldValue.yesNo(false))
        check(no.changed.any { it.path == "victim.interpreter_language" && !it.visible }) { "did not disappear" }
        editor.close()
    },
    Test("a crime number not issued yet is to follow: the referral can be sent") {
        val editor = DraftEditor.fromJson(org.weprotect.core.exampleReferralJson(), null)
        val out = editor.set("incident.crime_reference", FieldValue.Clear)
        val reference = out.changed.single { it.path == "incident.crime_reference" }
        val finding = reference.missing.single()
        check(finding.code == "crime_reference.to_follow" && finding.kind == ProblemKind.TO_FOLLOW) { "$finding" }
        check(out.complete && editor.snapshot().complete) { "a to-follow item stopped sending" }
        // An error is an error: the officer cannot send without the victim's consent.
        val refused = editor.set("consent.given", FieldValue.yesNo(false))
        check(!refused.complete) { "sendable without consent" }
        val consent = refused.changed.single { it.path == "consent.given" }
        check(consent.problems.single().kind == ProblemKind.ERROR) { "${consent.problems}" }
        editor.close()
    },
    Test("submitting an incomplete draft from the editor lists its problems") {
        val store = openStore("editor-incomplete")
        val editor = store.newDraft()
        editor.set("victim.forename", FieldValue.text("Sam"))
        editor.set("safe_contact.phone", FieldValue.text("12"))
        val e = expectThrows<WeprotectException.Invalid> { editor.submit(service()) }
        val paths = e.problems.map { it.path }
        check("safe_contact.phone" in paths && "victim.date_of_birth" in paths) { "$paths" }
        check(e.problems.all { it.kind == ProblemKind.ERROR }) { "a refusal lists errors only" }
        check(store.listDrafts().size == 1 && store.counts().queued == 0u) { "changed" }
        editor.close()
        store.close()
    },
    Test("the referrer's details are typed once and fill every new draft, with the organisation's settings") {
        val store = openStore("profile")
        fun profile(phone: String) = ReferrerProfile(
            officerName = PersonalText("PC Alex Example"), collarNumber = PersonalText("4321 SE"),
            rank = null, role = null, station = PersonalText("Exampleton Response Team"),
            contactPhone = PersonalText(phone), email = PersonalText("alex.example@police.example"),
        )
        store.setProfile(profile("020 7946 0123"))
        val bad = expectThrows<WeprotectException.Invalid> { store.setProfile(profile("0207 CANARY")) }
        check(bad.problems.single().code == "phone.letters") { "${bad.problems}" }
        check(store.profile()?.contactPhone?.reveal() == "020 7946 0123") { "a refused profile changed the saved one" }
        store.setDeployment(DeploymentSettings(
            organisationType = OrganisationType.POLICE, organisationId = "West Yorkshire Police",
            consentScriptVersion = "consent-script-2026-01", riskInstrument = "dash:2009",
            consentRefusedRoute = "Refer to MARAC if the risk is high.",
        ))
        val editor = store.newDraft()
        val snap = editor.snapshot()
        check((snap.field("referrer.officer_name")?.value as FieldValue.Text).text.reveal() == "PC Alex Example") { "no name" }
        check((snap.field("referrer.organisation_id")?.value as FieldValue.Text).text.reveal() == "west-yorkshire") { "no force" }
        check(snap.field("consent.script_version")?.value != null) { "no consent wording version" }
        val refused = editor.set("consent.given", FieldValue.yesNo(false))
        check(refused.consentRefusedRoute == "Refer to MARAC if the risk is high.") { "${refused.consentRefusedRoute}" }
        check(store.listDrafts().size == 1) { "not autosaved" }
        editor.discard()
        check(store.listDrafts().isEmpty()) { "the refused draft was kept" }
        store.clearProfile()
        check(store.profile() == null) { "profile kept" }
        editor.close()
        store.close()
    },
    Test("a complete draft from the editor is submitted") {
        val store = openStore("editor-complete")
        val editor = DraftEditor.fromJson(org.weprotect.core.exampleReferralJson(), store)
        check(editor.snapshot().complete) { "the example is not complete" }
        val queued = editor.submit(service())
        check(store.outbox().single().referralId == queued.referralId) { "not queued" }
        editor.close()
        store.close()
    },
)

/** Printed forms of the editor's values for the canary test. */
fun formPrintedForms(store: Store): List<String> {
    val editor = store.newDraft()
    val printed = mutableListOf<String>()
    printed += editor.set("victim.forename", FieldValue.text(CANARY)).toString()
    printed += editor.set("victim.surname", FieldValue.text(CANARY)).toString()
    printed += editor.snapshot().toString()
    printed += editor.toJson().toString()
    printed += FieldValue.text(CANARY).toString()
    printed += PersonalText(CANARY).toString()
    printed += store.listDrafts().toString()
    editor.close()
    return printed
}
