// The sample's state: the open draft (the core's editor, autosaving on every change), its
// snapshot, the outbox, the follow-up of a sent referral and the withdrawal dialog (issue 23),
// and whether to ask for sign-in. Every core call runs off the main
// thread, editor calls one at a time in the order they were made. Every failure becomes a
// message or the "cannot open" state with a reset; none escapes to crash the app (a lost key
// would otherwise crash-loop it).
package org.weprotect.sample

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import java.time.Duration
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.flow.stateIn
import kotlinx.coroutines.launch
import org.weprotect.android.WeprotectAndroid
import org.weprotect.android.work.SyncScheduler
import org.weprotect.core.DraftEditor
import org.weprotect.core.DraftSession
import org.weprotect.core.FieldValue
import org.weprotect.core.FollowUpChange
import org.weprotect.core.FollowUpField
import org.weprotect.core.FollowUpSession
import org.weprotect.core.FollowUpSubmit
import org.weprotect.core.RecordedHow
import org.weprotect.core.WithdrawalChoice
import org.weprotect.core.WithdrawalOutcome
import org.weprotect.core.WithdrawnBy
import org.weprotect.core.canFollowUp
import org.weprotect.core.recordWithdrawal
import org.weprotect.core.withdrawalChoice
import org.weprotect.core.withdrawalConfirmation
import org.weprotect.core.FormDefinition
import org.weprotect.core.FormSnapshot
import org.weprotect.core.OrganisationConfigException
import org.weprotect.core.OutboxEntry
import org.weprotect.core.Problem
import org.weprotect.core.ProfileDetail
import org.weprotect.core.SendStep
import org.weprotect.core.offerProfileAtStart
import org.weprotect.core.profileFrom
import org.weprotect.core.sendStep
import org.weprotect.core.typedFrom
import org.weprotect.core.Store
import org.weprotect.android.vault.KeystoreUnavailableException
import org.weprotect.android.vault.VaultKeyUnavailableException
import org.weprotect.core.WeprotectException
import org.weprotect.core.code
import org.weprotect.core.formDefinition
import org.weprotect.core.refresh

class SampleViewModel(app: Application) : AndroidViewModel(app) {
    private val host = app as SampleApplication

    /** Editor calls run one at a time, in order (typing fast must not reorder changes). */
    @OptIn(ExperimentalCoroutinesApi::class)
    private val serial = Dispatchers.IO.limitedParallelism(1)

    private var store: Store? = null

    /** The open draft and its generation (core-kotlin's DraftSession, tested on the JVM). */
    private var session: DraftSession? = null
    private val editor: DraftEditor? get() = session?.current

    /**
     * Which draft the form shows: increased whenever the draft is replaced (submit, reopen,
     * reset). The form's state is keyed by it, so no text typed into one draft stays on screen
     * (or is written) into the next.
     */
    private val _draftGeneration = MutableStateFlow(0)
    val draftGeneration: StateFlow<Int> = _draftGeneration.asStateFlow()

    /** Why the store could not be opened (codes only), with [reset] offered; null when open. */
    private val _openFailure = MutableStateFlow<String?>(null)
    val openFailure: StateFlow<String?> = _openFailure.asStateFlow()

    /** Anything unexpected from a core call: a short message with its code, never a crash. */
    private val failures = CoroutineExceptionHandler { _, e -> _message.value = "Something went wrong (${codeOf(e)})" }

    private fun launchSafely(context: kotlin.coroutines.CoroutineContext, block: suspend CoroutineScope.() -> Unit) =
        viewModelScope.launch(context + failures, block = block)

    private val _definition = MutableStateFlow<FormDefinition?>(null)
    val definition: StateFlow<FormDefinition?> = _definition.asStateFlow()

    private val _snapshot = MutableStateFlow<FormSnapshot?>(null)
    val snapshot: StateFlow<FormSnapshot?> = _snapshot.asStateFlow()

    private val _outbox = MutableStateFlow<List<OutboxEntry>>(emptyList())
    val outbox: StateFlow<List<OutboxEntry>> = _outbox.asStateFlow()

    /** A short, non-personal line for the snackbar ("Saved", "3 problems to fix"). */
    private val _message = MutableStateFlow<String?>(null)
    val message: StateFlow<String?> = _message.asStateFlow()

    private val askedHere = MutableStateFlow(false)

    /** Set after a refused submit: "missing" notes then show under the empty fields. */
    private val _showMissing = MutableStateFlow(false)
    val showMissing: StateFlow<Boolean> = _showMissing.asStateFlow()

    /** Warnings the officer is asked to confirm before the referral is sent; null when none asked. */
    private val _toConfirm = MutableStateFlow<List<Problem>?>(null)
    val toConfirm: StateFlow<List<Problem>?> = _toConfirm.asStateFlow()

    /** The referrer's saved details, as the profile screen's boxes show them (empty: none saved). */
    private val _profile = MutableStateFlow<Map<ProfileDetail, String>>(emptyMap())
    val profile: StateFlow<Map<ProfileDetail, String>> = _profile.asStateFlow()

    /** Why the last save of the profile was refused (the core's messages, never the values). */
    private val _profileProblems = MutableStateFlow<List<String>>(emptyList())
    val profileProblems: StateFlow<List<String>> = _profileProblems.asStateFlow()

    /** Offer the profile screen: no profile saved yet and the officer has not said "later". */
    private val _offerProfile = MutableStateFlow(false)
    val offerProfile: StateFlow<Boolean> = _offerProfile.asStateFlow()
    private var profileDeclined = false

    /** The follow-up being filled in (core-kotlin's FollowUpSession, tested on the JVM), or null. */
    private var followUp: FollowUpSession? = null
    private var followUpCount = 0

    /** What the follow-up screen draws; null while it is not open. */
    private val _followUpView = MutableStateFlow<FollowUpView?>(null)
    val followUpView: StateFlow<FollowUpView?> = _followUpView.asStateFlow()

    /** The withdrawal dialog, or null while it is not open. */
    private val _withdrawal = MutableStateFlow<WithdrawalDialog?>(null)
    val withdrawal: StateFlow<WithdrawalDialog?> = _withdrawal.asStateFlow()

    /** Show the sign-in prompt: a pass found the token refused, or there is no token yet. */
    val signInPrompt: StateFlow<Boolean> =
        combine(WeprotectAndroid.needsSignIn, askedHere) { worker, here -> worker || here }
            .stateIn(viewModelScope, SharingStarted.Eagerly, false)

    init {
        open()
        // Each sync event (ids and codes only) refreshes the outbox list.
        viewModelScope.launch {
            WeprotectAndroid.events.flow.collect { refreshOutbox() }
        }
    }

    /** Opens the store and the latest draft; a failure shows the "cannot open" state. */
    private fun open() = launchSafely(serial) {
        try {
            _definition.value = formDefinition()
            val opened = WeprotectAndroid.store(getApplication())
            store = opened
            // The organisation's settings, at every start, before any new draft is made.
            opened.setDeployment(host.deployment)
            val saved = opened.profile()
            _profile.value = typedFrom(saved)
            _offerProfile.value = offerProfileAtStart(saved, profileDeclined)
            val latest = opened.listDrafts().maxByOrNull { it.updatedAt }
            replaceEditor(if (latest != null) opened.openDraft(latest.id) else opened.newDraft())
            _outbox.value = opened.outbox()
            _openFailure.value = null
            if (host.weprotectTokens.token() == null) askedHere.value = true
        } catch (e: OrganisationConfigException) {
            _openFailure.value = "This app's organisation settings are wrong (${e.field}). Tell your IT team."
        } catch (e: KeystoreUnavailableException) {
            _openFailure.value = "The phone's keystore did not answer. Try again in a moment."
        } catch (e: Exception) {
            _openFailure.value = "Referrals on this phone cannot be opened (${codeOf(e)})."
        }
    }

    /** "Try again" on the cannot-open screen. */
    fun retryOpen() = open()

    /**
     * "Reset": wipes the store and its keys (what cannot be opened cannot be read by anyone)
     * and starts empty. Referrals already delivered are safe at the service.
     */
    fun reset() = launchSafely(serial) {
        session?.close() // the session stays, so generations keep counting up across the reset
        closeFollowUpNow()
        _withdrawal.value = null
        store = null
        SyncScheduler.cancelAll(getApplication())
        WeprotectAndroid.wipe(getApplication())
        _snapshot.value = null
        _outbox.value = emptyList()
        open()
    }

    /** Makes [next] the open draft: closes the old editor, moves the form to a new generation. */
    private fun replaceEditor(next: DraftEditor) {
        val open = session
        _draftGeneration.value = if (open == null) {
            DraftSession(next).also { session = it }.generation
        } else {
            open.replace(next)
        }
        _snapshot.value = next.snapshot()
        _showMissing.value = false
        _toConfirm.value = null
    }

    /**
     * One change, autosaved by the core; the screen re-renders from the new snapshot. The
     * screen passes the [draftGeneration] it was drawn for: a change made on the previous
     * draft's screen (a keystroke just before a submit) is dropped, never written into the next.
     */
    fun set(generation: Int, path: String, value: FieldValue) = edit(generation) { it.set(path, value) }

    fun addItem(generation: Int, groupPath: String) = edit(generation) { it.addItem(groupPath) }

    fun removeItem(generation: Int, groupPath: String, index: UInt) =
        edit(generation) { it.removeItem(groupPath, index) }

    private fun edit(generation: Int, change: (DraftEditor) -> Unit) {
        launchSafely(serial) {
            val open = session ?: return@launchSafely
            try {
                // Dropped when made on an earlier draft's screen (DraftSession).
                if (!open.edit(generation, change)) return@launchSafely
            } catch (e: WeprotectException) {
                _message.value = "Not accepted (${e.code})" // a code, never the value
            }
            _snapshot.value = open.current.snapshot()
        }
    }

    /**
     * Makes the open draft durable now. Autosave after each change survives the app being
     * killed but waits only for the operating system, not the disk (docs/storage.md,
     * "Durability of drafts"); an explicit save waits for the disk. Called when the form leaves
     * the screen.
     */
    fun saveDraft() {
        launchSafely(serial) {
            try {
                editor?.save()
            } catch (e: WeprotectException) {
                _message.value = "Draft not saved (${e.code})" // a code, never the value
            }
        }
    }

    /**
     * "Send": errors are shown to fix; warnings are put to the officer first ([toConfirm]) and
     * sent only with [confirmed]; to-follow items go with the referral (core-kotlin's
     * `sendStep`, tested on the JVM). On success it is sent as soon as there is a network.
     */
    fun submit(confirmed: Boolean = false) {
        launchSafely(serial) {
            val open = editor ?: return@launchSafely
            val opened = store ?: return@launchSafely
            val step = sendStep(open.snapshot())
            if (step is SendStep.Confirm && !confirmed) {
                _toConfirm.value = step.warnings
                return@launchSafely
            }
            _toConfirm.value = null
            try {
                open.submit(host.weprotectService)
                SyncScheduler.onSubmitted(getApplication())
                replaceEditor(opened.newDraft())
                _message.value = "Queued: it will be sent as soon as there is signal"
            } catch (e: WeprotectException.Invalid) {
                _message.value = "${e.problems.size} thing(s) to fix before sending"
                _showMissing.value = true
                _snapshot.value = open.snapshot()
            } catch (e: Exception) {
                // The service configuration (a missing service.json: IOException), storage...
                _message.value = "Not queued (${codeOf(e)}). The draft is kept."
            }
            _outbox.value = opened.outbox()
        }
    }

    /** The officer chose not to send what a warning questioned: back to the form. */
    fun cancelConfirm() {
        _toConfirm.value = null
    }

    /**
     * "Delete this draft" (offered when consent is refused): the core deletes the draft
     * (`DraftEditor.discard`) and a new, empty one opens.
     */
    fun discardDraft() {
        launchSafely(serial) {
            val open = editor ?: return@launchSafely
            val opened = store ?: return@launchSafely
            try {
                open.discard()
                replaceEditor(opened.newDraft())
                _message.value = "Draft deleted"
            } catch (e: WeprotectException) {
                _message.value = "Not deleted (${e.code})"
            }
        }
    }

    /**
     * Saves the referrer's details (encrypted by the core); new drafts are filled from them. A
     * malformed phone, email or collar number is refused with the core's messages and nothing
     * changes. Returns through [profileProblems]: empty when saved.
     */
    fun saveProfile(typed: Map<ProfileDetail, String>) {
        launchSafely(serial) {
            val opened = store ?: return@launchSafely
            try {
                opened.setProfile(profileFrom(typed))
                _profile.value = typedFrom(opened.profile())
                _profileProblems.value = emptyList()
                _offerProfile.value = false
                _message.value = "Your details are saved (encrypted). New referrals start with them."
            } catch (e: WeprotectException.Invalid) {
                _profileProblems.value = e.problems.map { it.message }
            }
        }
    }

    /** "Forget my details" (a shared phone, a new officer). Drafts already started keep theirs. */
    fun clearProfile() {
        launchSafely(serial) {
            val opened = store ?: return@launchSafely
            opened.clearProfile()
            _profile.value = emptyMap()
            _message.value = "Your details are removed from this phone"
        }
    }

    /** "Later" on the profile screen offered at start: not offered again in this run. */
    fun declineProfile() {
        profileDeclined = true
        _offerProfile.value = false
    }

    /** Reopens a referral the service refused as a draft, to correct and send again. */
    fun reopenRejected(referralId: String) {
        launchSafely(serial) {
            val opened = store ?: return@launchSafely
            try {
                val draftId = opened.reopenRejected(referralId)
                replaceEditor(opened.openDraft(draftId))
            } catch (e: WeprotectException) {
                _message.value = "Could not reopen it (${e.code})"
            }
            _outbox.value = opened.outbox()
        }
    }

    /**
     * "Add what was to follow" on an outbox row: opens the follow-up of that referral (its
     * to-follow fields only). Each opening is a new [FollowUpView.session]: the screen keys its
     * remembered text by it, and a change from an earlier screen is dropped.
     */
    fun openFollowUp(referralId: String) {
        launchSafely(serial) {
            val opened = store ?: return@launchSafely
            val entry = opened.outbox().firstOrNull { it.referralId == referralId }
            if (entry == null || !canFollowUp(entry)) {
                _message.value = "Nothing is left to follow for this referral"
                return@launchSafely
            }
            closeFollowUpNow()
            try {
                val session = FollowUpSession.open(opened, entry)
                followUp = session
                followUpCount += 1
                _followUpView.value = FollowUpView(followUpCount, session.heading, session.fields, emptyList())
            } catch (e: WeprotectException) {
                _message.value = "Could not open it (${e.code})"
            }
        }
    }

    /** One change on the follow-up screen [session]; a refused value changes nothing and is named by its label. */
    fun setFollowUp(session: Int, path: String, value: FieldValue) {
        launchSafely(serial) {
            val open = followUp ?: return@launchSafely
            val view = _followUpView.value ?: return@launchSafely
            if (view.session != session) return@launchSafely // from a screen already closed
            when (val change = open.set(path, value)) {
                is FollowUpChange.Taken -> _followUpView.value = view.copy(fields = change.fields, problems = emptyList())
                is FollowUpChange.Refused -> _message.value = change.message
            }
        }
    }

    /** "Send" on the follow-up screen: seals and queues what was given, then schedules a sync. */
    fun submitFollowUp(session: Int) {
        launchSafely(serial) {
            val open = followUp ?: return@launchSafely
            val view = _followUpView.value ?: return@launchSafely
            val opened = store ?: return@launchSafely
            if (view.session != session) return@launchSafely
            try {
                when (val result = open.submit(host.weprotectService)) {
                    is FollowUpSubmit.Queued -> {
                        closeFollowUpNow()
                        SyncScheduler.onSubmitted(getApplication())
                        _message.value = result.message
                    }
                    is FollowUpSubmit.Refused -> _followUpView.value = view.copy(fields = open.fields, problems = result.messages)
                    is FollowUpSubmit.NotAllowed -> {
                        closeFollowUpNow()
                        _message.value = result.message
                    }
                }
            } catch (e: Exception) {
                // The service configuration (a missing service.json: IOException), storage...
                _message.value = "Not queued (${codeOf(e)}). What you typed is still on the screen."
            }
            _outbox.value = opened.outbox()
        }
    }

    /** "Cancel" or back on the follow-up screen: what was typed is dropped (it was never saved). */
    fun closeFollowUp() {
        launchSafely(serial) { closeFollowUpNow() }
    }

    private fun closeFollowUpNow() {
        followUp?.close()
        followUp = null
        _followUpView.value = null
    }

    /** "Consent withdrawn" on an outbox row: the dialog, with what recording it will do. */
    fun askWithdrawal(referralId: String) {
        val entry = _outbox.value.firstOrNull { it.referralId == referralId } ?: return
        _withdrawal.value = WithdrawalDialog(referralId, withdrawalConfirmation(entry), problem = null)
    }

    /**
     * "Record withdrawal" in the dialog: an unanswered question (or a time that cannot be read)
     * is named in the dialog and nothing is recorded; otherwise the core records and queues it.
     */
    fun withdraw(referralId: String, by: WithdrawnBy?, how: RecordedHow?, typedWhen: String) {
        val dialog = _withdrawal.value ?: return
        val withdrawal = when (val choice = withdrawalChoice(by, how, typedWhen)) {
            is WithdrawalChoice.Incomplete -> {
                _withdrawal.value = dialog.copy(problem = choice.message)
                return
            }
            is WithdrawalChoice.Ready -> choice.withdrawal
        }
        launchSafely(serial) {
            val opened = store ?: return@launchSafely
            val entry = opened.outbox().firstOrNull { it.referralId == referralId } ?: return@launchSafely
            try {
                when (val outcome = recordWithdrawal(opened, entry, withdrawal, host.weprotectService)) {
                    is WithdrawalOutcome.Recorded -> {
                        _withdrawal.value = null
                        if (followUp?.referralId == referralId) closeFollowUpNow()
                        SyncScheduler.onSubmitted(getApplication())
                        _message.value = outcome.message
                    }
                    is WithdrawalOutcome.NotRecorded -> _withdrawal.value = dialog.copy(problem = outcome.message)
                }
            } catch (e: Exception) {
                _withdrawal.value = dialog.copy(problem = "Not recorded (${codeOf(e)}). Try again.")
            }
            _outbox.value = opened.outbox()
        }
    }

    /** "Cancel" in the withdrawal dialog. */
    fun cancelWithdrawal() {
        _withdrawal.value = null
    }

    /** Sends now (the same work a submit enqueues). */
    fun sendNow() = SyncScheduler.onSubmitted(getApplication())

    /** Fetches status updates for delivered referrals. */
    fun refreshStatuses() {
        launchSafely(Dispatchers.IO) {
            val opened = store ?: return@launchSafely
            try {
                // The process's one engine, shared with the sync worker (one pass at a time).
                WeprotectAndroid.engine(getApplication()).refresh(Duration.ofSeconds(20))
            } catch (e: WeprotectException.NeedsSignIn) {
                askedHere.value = true
            } catch (e: Exception) {
                _message.value = "Could not fetch updates now (${codeOf(e)})"
            }
            _outbox.value = opened.outbox()
        }
    }

    fun refreshOutbox() {
        launchSafely(Dispatchers.IO) {
            store?.let { _outbox.value = it.outbox() }
        }
    }

    fun askToSignIn() {
        askedHere.value = true
    }

    /** The officer signed in: remember the token (memory only) and send what is waiting. */
    fun signIn(token: String) {
        host.weprotectTokens.signIn(token)
        askedHere.value = false
        SyncScheduler.onSignedIn(getApplication())
    }

    fun messageShown() {
        _message.value = null
    }

    private fun codeOf(e: Throwable): String = when (e) {
        is WeprotectException -> e.code
        is VaultKeyUnavailableException -> "key_unavailable"
        is KeystoreUnavailableException -> "keystore_unavailable"
        is java.io.IOException -> "io"
        else -> e.javaClass.simpleName // a class name, never a message (messages may carry values)
    }

    override fun onCleared() {
        session?.close() // the store stays open: it is the process's, shared with the worker
        followUp?.close()
    }
}

/** What the follow-up screen draws: the session's number (its key), heading, fields and refusals. */
data class FollowUpView(
    val session: Int,
    val heading: String,
    val fields: List<FollowUpField>,
    /** Why the last "Send" queued nothing, each naming a field by its label. */
    val problems: List<String>,
)

/** The withdrawal dialog: for which referral, what will happen, and what to answer first. */
data class WithdrawalDialog(val referralId: String, val confirmation: String, val problem: String?)
