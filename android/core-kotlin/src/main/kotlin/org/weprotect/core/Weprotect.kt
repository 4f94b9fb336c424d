// The idiomatic Kotlin layer over the generated bindings (same package, org.weprotect.core).
//
// Thin on purpose: the rules, the form and the outbox policy live in the Rust core. This file
// adds what Kotlin callers expect: suspend functions that keep blocking calls off the caller's
// thread, coroutine cancellation that reaches the Rust sync pass, a Flow of sync events, and a
// KeyVault seam for the data key (the Android Keystore implementation lives in the Android
// module). Plain Kotlin/JVM: it runs in the desktop tests exactly as on a phone.
package org.weprotect.core

import java.io.File
import java.time.Duration
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.BufferOverflow
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.asSharedFlow
import kotlinx.coroutines.withContext

/**
 * Where the 32-byte data key lives (Android Keystore, iOS Keychain). The core never stores it.
 *
 * Every array a vault returns is wiped (filled with zeros) by this layer once the core has
 * copied it.
 */
interface KeyVault {
    /** The current data key (32 bytes). */
    fun dataKey(): ByteArray

    /** Creates a new key and keeps it as "pending" next to the current one; returns it. */
    fun beginRotation(): ByteArray

    /** Makes the pending key current (called after the store was re-encrypted under it). */
    fun commitRotation()
}

/** Entry points of the core for Kotlin callers. */
object Weprotect {
    /**
     * Opens (or creates) the encrypted store in [dir] with the vault's key, off the caller's
     * thread. Throws [WeprotectException.WrongKey] (nothing changed) and the other store errors.
     */
    suspend fun openStore(
        dir: File,
        vault: KeyVault,
        io: CoroutineDispatcher = Dispatchers.IO,
    ): Store = withContext(io) {
        val key = vault.dataKey()
        try {
            Store.open(dir.path, key)
        } finally {
            key.fill(0)
        }
    }

    /**
     * Re-encrypts the store under a new key: the vault keeps it as pending first, so a crash in
     * between leaves both keys available; it becomes current only after the store says so.
     */
    suspend fun rotateKey(
        store: Store,
        vault: KeyVault,
        io: CoroutineDispatcher = Dispatchers.IO,
    ) = withContext(io) {
        val key = vault.beginRotation()
        try {
            store.rekey(key)
        } finally {
            key.fill(0)
        }
        vault.commitRotation()
    }
}

/**
 * Runs blocking calls of the store (SQLite commits wait for the disk) off the caller's thread:
 * `store.io { listDrafts() }`.
 */
suspend fun <T> Store.io(
    dispatcher: CoroutineDispatcher = Dispatchers.IO,
    block: Store.() -> T,
): T = withContext(dispatcher) { block() }

/**
 * One sync pass whose coroutine cancellation reaches Rust: cancelling the caller (WorkManager
 * stopping the worker, a timeout) calls [SyncEngine.cancel], so the pass ends promptly and
 * what was in flight stays queued under the same idempotency key.
 */
suspend fun SyncEngine.sync(deadline: Duration): SyncReport =
    try {
        syncNow(deadline)
    } catch (e: CancellationException) {
        cancel()
        throw e
    }

/** Fetches status updates; cancellation reaches Rust as for [sync]. */
suspend fun SyncEngine.refresh(deadline: Duration): UInt =
    try {
        refreshStatuses(deadline)
    } catch (e: CancellationException) {
        cancel()
        throw e
    }

/**
 * Sync events as a [SharedFlow], for a notification or a "sending..." badge. Pass it as the
 * engine's observer. Events are ids and codes only. It never blocks the sync task: when
 * nobody collects fast enough, the oldest events are dropped.
 */
class SyncEvents(capacity: Int = 64) : SyncObserver {
    private val events = MutableSharedFlow<SyncEvent>(
        extraBufferCapacity = capacity,
        onBufferOverflow = BufferOverflow.DROP_OLDEST,
    )

    /** The events, as they happen. */
    val flow: SharedFlow<SyncEvent> = events.asSharedFlow()

    override fun onEvent(event: SyncEvent) {
        events.tryEmit(event)
    }
}

/** A token provider for a fixed token (tests, desktop tools). */
class StaticTokenProvider(private val token: String?) : TokenProvider {
    override fun token(): String? = token
    override fun refreshToken(): String? = null
    override fun toString(): String = "StaticTokenProvider(<redacted>)"
}

/** The stable machine-readable code of an error (the same codes as the Rust core). */
val WeprotectException.code: String
    get() = when (this) {
        is WeprotectException.WrongKey -> "wrong_key"
        is WeprotectException.NotAWeprotectStore -> "not_a_weprotect_store"
        is WeprotectException.CorruptStore -> "corrupt_store"
        is WeprotectException.TooNew -> "too_new"
        is WeprotectException.NotFound -> "not_found"
        is WeprotectException.Invalid -> "invalid"
        is WeprotectException.InvalidDocument -> "invalid_document"
        is WeprotectException.InvalidState -> "invalid_state"
        is WeprotectException.InvalidArgument -> "invalid_argument"
        is WeprotectException.ServiceConfig -> "service_config"
        is WeprotectException.Closed -> "closed"
        is WeprotectException.NeedsSignIn -> "needs_sign_in"
        is WeprotectException.Storage -> "storage"
        is WeprotectException.CallbackFailed -> "callback_failed"
        is WeprotectException.Internal -> "internal"
        is WeprotectException.UnknownField -> "unknown_field"
        is WeprotectException.WrongKind -> "wrong_kind"
        is WeprotectException.UnknownOption -> "unknown_option"
        is WeprotectException.OutOfRange -> "out_of_range"
        is WeprotectException.FieldHidden -> "field_hidden"
        is WeprotectException.GroupFull -> "group_full"
    }

/**
 * A short text for every error, also the variants whose generated `message` is empty (uniffi
 * builds `message` from a variant's fields, and ten variants have none). Never personal data:
 * paths and counts only. Show it to the officer or log it beside [code].
 */
val WeprotectException.text: String
    get() = when (this) {
        is WeprotectException.WrongKey -> "The data key does not open this store."
        is WeprotectException.NotAWeprotectStore -> "This folder holds a file that is not a WEPROTECT store."
        is WeprotectException.CorruptStore -> "The store is damaged."
        is WeprotectException.TooNew -> "The store was written by a newer version of the app."
        is WeprotectException.NotFound -> "Not found: it may have been sent, deleted or purged."
        is WeprotectException.Invalid -> "The referral cannot be sent yet: ${problems.size} thing(s) to put right."
        is WeprotectException.InvalidDocument -> "The referral document cannot be read."
        is WeprotectException.InvalidState -> "Not allowed in the current state."
        is WeprotectException.InvalidArgument -> "A value passed to the library is out of range."
        is WeprotectException.ServiceConfig -> "The service description is unusable."
        is WeprotectException.Closed -> "The store was closed or wiped."
        is WeprotectException.NeedsSignIn -> "Sign in again to send."
        is WeprotectException.Storage -> "The phone's storage failed (full, or read-only)."
        is WeprotectException.CallbackFailed -> "The app's sign-in could not give a token."
        is WeprotectException.Internal -> "An internal error; nothing was lost."
        is WeprotectException.UnknownField -> "No field $path in the form."
        is WeprotectException.WrongKind -> "$path takes a $expected value."
        is WeprotectException.UnknownOption -> "$path: not one of the options."
        is WeprotectException.OutOfRange -> "$path: out of range."
        is WeprotectException.FieldHidden -> "$path is not shown now."
        is WeprotectException.GroupFull -> "$path already has $max items."
    }

/**
 * Text as typed, for [DraftEditor.set]: `editor.set("victim.forename", FieldValue.text(typed))`.
 * Wrapping calls the core, which (like every export) reports a failure as a [WeprotectException].
 */
@Throws(WeprotectException::class)
fun FieldValue.Companion.text(typed: String): FieldValue = FieldValue.Text(PersonalText(typed))

/** A yes/no answer. */
fun FieldValue.Companion.yesNo(yes: Boolean): FieldValue = FieldValue.YesNo(yes)

/** One option of a choice field (its `value` in the definition). */
fun FieldValue.Companion.choice(option: String): FieldValue = FieldValue.Choice(option)

/** The state of the field at [path] in this snapshot, if the form has it. */
fun FormSnapshot.field(path: String): FieldState? = fields.firstOrNull { it.path == path }

/** Runs editor calls (which autosave into SQLite) off the caller's thread. */
suspend fun <T> DraftEditor.io(
    dispatcher: CoroutineDispatcher = Dispatchers.IO,
    block: DraftEditor.() -> T,
): T = withContext(dispatcher) { block() }
