// `cargo xtask bench kotlin`: the draft editor's `set` (with its problems) and a snapshot of the
// example referral, called from Kotlin through the generated bindings (JNA), against the same
// calls made in Rust inside the library (benchmarkEditorInRust), in interleaved rounds in one
// process. Prints per-call medians and ranges, and the ratio Kotlin / Rust. The `set` is timed
// twice: on a detached editor (the editor's own work) and on an editor that autosaves every
// change into an encrypted store in a temporary folder, as an app's editor does.
package org.weprotect.core.bench

import org.weprotect.core.DraftEditor
import org.weprotect.core.FieldValue
import org.weprotect.core.Store
import org.weprotect.core.benchmarkEditorInRust
import org.weprotect.core.exampleReferralJson
import org.weprotect.core.text

const val ROUNDS = 15
const val PER_ROUND = 200
val PHONES = listOf("07700 900123", "07700 900124")

var sink = 0L

fun kotlinSets(editor: DraftEditor, n: Int): Long {
    val started = System.nanoTime()
    for (i in 0 until n) {
        val outcome = editor.set("safe_contact.phone", FieldValue.text(PHONES[i % 2]))
        sink += outcome.changed.sumOf { it.problems.size }
    }
    return System.nanoTime() - started
}

fun kotlinSnapshots(editor: DraftEditor, n: Int): Long {
    val started = System.nanoTime()
    for (i in 0 until n) sink += editor.snapshot().fields.size
    return System.nanoTime() - started
}

fun median(xs: List<Double>): Double = xs.sorted().let { s ->
    if (s.size % 2 == 1) s[s.size / 2] else (s[s.size / 2 - 1] + s[s.size / 2]) / 2
}

fun report(name: String, kotlin: List<Double>, rust: List<Double>) {
    fun f(x: Double) = "%.1f".format(x)
    println(
        "%-34s Kotlin %8s us (%s..%s)   Rust %8s us (%s..%s)   ratio %.2f".format(
            name, f(median(kotlin)), f(kotlin.min()), f(kotlin.max()),
            f(median(rust)), f(rust.min()), f(rust.max()), median(kotlin) / median(rust),
        ),
    )
}

fun main() {
    val dir = java.nio.file.Files.createTempDirectory("weprotect-bench")
    val key = ByteArray(32).also { java.security.SecureRandom().nextBytes(it) }
    val store = Store.open(dir.toString(), key)
    val editor = DraftEditor.fromJson(exampleReferralJson(), null)
    val saving = DraftEditor.fromJson(exampleReferralJson(), store)
    // Warm up the JIT and every path.
    kotlinSets(editor, 1000)
    kotlinSnapshots(editor, 100)
    kotlinSets(saving, 200)
    benchmarkEditorInRust(1000u, null)
    benchmarkEditorInRust(200u, store)
    val setK = mutableListOf<Double>()
    val setR = mutableListOf<Double>()
    val snapK = mutableListOf<Double>()
    val snapR = mutableListOf<Double>()
    val saveK = mutableListOf<Double>()
    val saveR = mutableListOf<Double>()
    fun perCall(nanos: Long) = nanos.toDouble() / PER_ROUND / 1000.0
    repeat(ROUNDS) {
        setK += perCall(kotlinSets(editor, PER_ROUND))
        snapK += perCall(kotlinSnapshots(editor, PER_ROUND))
        val rust = benchmarkEditorInRust(PER_ROUND.toUInt(), null)
        setR += perCall(rust.setNanos.toLong())
        snapR += perCall(rust.snapshotNanos.toLong())
        saveK += perCall(kotlinSets(saving, PER_ROUND))
        saveR += perCall(benchmarkEditorInRust(PER_ROUND.toUInt(), store).setNanos.toLong())
    }
    val fields = editor.snapshot().fields.size
    println("draft editor, example referral ($fields fields), $ROUNDS interleaved rounds of $PER_ROUND calls, per call:")
    report("set(phone) + problems", setK, setR)
    report("set(phone) + problems, autosaved", saveK, saveR)
    report("snapshot()", snapK, snapR)
    val target = 500.0
    fun met(xs: List<Double>) = if (median(xs) < target) "met" else "NOT met"
    println("target: a set under ${target.toInt()} us from Kotlin: ${met(setK)} (detached), ${met(saveK)} (autosaved)")
    if (sink == 42L) println()
    saving.close()
    editor.close()
    store.close()
    dir.toFile().deleteRecursively()
}
