// The sample's state: the open draft (the core's editor, autosaving on every change), its
// snapshot, the outbox, and whether to ask for sign-in. Every core call runs off the main
// thread, editor calls one at a time in the order they were made.
package org.weprotect.sample

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import java.time.Duration
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
import org.weprotect.core.FieldValue
import org.weprotect.core.FormDefinition
import org.weprotect.core.FormSnapshot
import org.weprotect.core.OutboxEntry
import org.weprotect.core.Store
import org.weprotect.core.SyncEngine
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
    private var editor: DraftEditor? = null

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

    /** Show the sign-in prompt: a pass found the token refused, or there is no token yet. */
    val signInPrompt: StateFlow<Boolean> =
        combine(WeprotectAndroid.needsSignIn, askedHere) { worker, here -> worker || here }
            .stateIn(viewModelScope, SharingStarted.Eagerly, false)

    init {
        viewModelScope.launch(serial) {
            _definition.value = formDefinition()
            val opened = WeprotectAndroid.store(getApplication())
            store = opened
            val latest = opened.listDrafts().maxByOrNull { it.updatedAt }
            editor = if (latest != null) opened.openDraft(latest.id) else opened.newDraft()
            _snapshot.value = editor?.snapshot()
            _outbox.value = opened.outbox()
            if (host.weprotectTokens.token() == null) askedHere.value = true
        }
        // Each sync event (ids and codes only) refreshes the outbox list.
        viewModelScope.launch {
            WeprotectAndroid.events.flow.collect { refreshOutbox() }
        }
    }

    /** One change, autosaved by the core; the screen re-renders from the new snapshot. */
    fun set(path: String, value: FieldValue) = edit { it.set(path, value) }

    fun addItem(groupPath: String) = edit { it.addItem(groupPath) }

    fun removeItem(groupPath: String, index: UInt) = edit { it.removeItem(groupPath, index) }

    private fun edit(change: (DraftEditor) -> Unit) {
        viewModelScope.launch(serial) {
            val open = editor ?: return@launch
            try {
                change(open)
            } catch (e: WeprotectException) {
                _message.value = "Not accepted (${e.code})" // a code, never the value
            }
            _snapshot.value = open.snapshot()
        }
    }

    /**
     * Makes the open draft durable now. Autosave after each change survives the app being
     * killed but waits only for the operating system, not the disk (docs/storage.md,
     * "Durability of drafts"); an explicit save waits for the disk. Called when the form leaves
     * the screen.
     */
    fun saveDraft() {
        viewModelScope.launch(serial) {
            try {
                editor?.save()
            } catch (e: WeprotectException) {
                _message.value = "Draft not saved (${e.code})" // a code, never the value
            }
        }
    }

    /** Submits the open draft; on success sends it as soon as there is a network. */
    fun submit() {
        viewModelScope.launch(serial) {
            val open = editor ?: return@launch
            val opened = store ?: return@launch
            try {
                open.submit(host.weprotectService)
                SyncScheduler.onSubmitted(getApplication())
                open.close()
                editor = opened.newDraft()
                _message.value = "Queued: it will be sent as soon as there is signal"
            } catch (e: WeprotectException.Invalid) {
                _message.value = "${e.problems.size} thing(s) to fix before sending"
            }
            _snapshot.value = editor?.snapshot()
            _outbox.value = opened.outbox()
        }
    }

    /** Reopens a referral the service refused as a draft, to correct and send again. */
    fun reopenRejected(referralId: String) {
        viewModelScope.launch(serial) {
            val opened = store ?: return@launch
            val draftId = opened.reopenRejected(referralId)
            editor?.close()
            editor = opened.openDraft(draftId)
            _snapshot.value = editor?.snapshot()
            _outbox.value = opened.outbox()
        }
    }

    /** Sends now (the same work a submit enqueues). */
    fun sendNow() = SyncScheduler.onSubmitted(getApplication())

    /** Fetches status updates for delivered referrals. */
    fun refreshStatuses() {
        viewModelScope.launch(Dispatchers.IO) {
            val opened = store ?: return@launch
            val engine = SyncEngine(opened, host.weprotectService, host.weprotectTokens, null)
            try {
                engine.refresh(Duration.ofSeconds(20))
            } catch (e: WeprotectException.NeedsSignIn) {
                askedHere.value = true
            } catch (e: WeprotectException) {
                _message.value = "Could not fetch updates now"
            } finally {
                engine.close()
            }
            _outbox.value = opened.outbox()
        }
    }

    fun refreshOutbox() {
        viewModelScope.launch(Dispatchers.IO) {
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

    override fun onCleared() {
        editor?.close() // the store stays open: it is the process's, shared with the worker
    }
}
