// The draft a screen shows, when the app replaces it (a new draft after a submit, a refused
// referral reopened to correct). Plain Kotlin, tested on the desktop JVM.
//
// Why: a screen remembers what is typed per field (Compose `remember`, a text field's own
// state). If that state outlives the draft, the previous victim's text stays on screen in the
// next form, and the first keystroke writes it there. So every draft gets a number (its
// generation): the screen keys its remembered state by it and passes it with every change, and
// a change made on an earlier draft's screen (a keystroke queued just before a submit) is
// dropped instead of landing in the current draft.
package org.weprotect.core

/** The open draft and its generation; [replace] closes the old editor and starts a new one. */
class DraftSession(first: DraftEditor) {
    private var editor: DraftEditor = first

    /** The current draft's number: 0 for the first, one more after each [replace]. */
    @Volatile
    var generation: Int = 0
        private set

    /** The current editor. */
    val current: DraftEditor
        @Synchronized get() = editor

    /** Makes [next] the open draft (closing the previous editor) and returns its generation. */
    @Synchronized
    fun replace(next: DraftEditor): Int {
        editor.close()
        editor = next
        generation += 1
        return generation
    }

    /**
     * Runs [change] on the current editor if it is still draft [generation]; returns false (and
     * changes nothing) when the change was made for an earlier draft.
     */
    @Synchronized
    fun edit(generation: Int, change: (DraftEditor) -> Unit): Boolean {
        if (generation != this.generation) return false
        change(editor)
        return true
    }

    /** Closes the current editor (the screen is gone). */
    @Synchronized
    fun close() = editor.close()
}
