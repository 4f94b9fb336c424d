// `cargo xtask bench kotlin`: the draft editor's `set` (with its problems) and a snapshot of the
// example referral, called from Kotlin through the generated bindings (JNA), against the same
// calls made in Rust inside the library (benchmarkEditorInRust), in interleaved rounds in one
// process. Prints per-call medians and ranges, and the ratio Kotlin / Rust.
package org.weprotect.core.bench

import org.weprotect.core.DraftEditor
import org.weprotect.core.FieldValue
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
    val editor = DraftEditor.fromJson(exampleReferralJson(), null)
    // Warm up the JIT and both paths.
    kotlinSets(editor, 1000)
    kotlinSnapshots(editor, 100)
    benchmarkEditorInRust(1000u)
    val setK = mutableListOf<Double>()
    val setR = mutableListOf<Double>()
    val snapK = mutableListOf<Double>()
    val snapR = mutableListOf<Double>()
    repeat(ROUNDS) {
        setK += kotlinSets(editor, PER_ROUND) / PER_ROUND / 1000.0
        snapK += kotlinSnapshots(editor, PER_ROUND) / PER_ROUND / 1000.0
        val rust = benchmarkEditorInRust(PER_ROUND.toUInt())
        setR += rust.setNanos.toDouble() / PER_ROUND / 1000.0
        snapR += rust.snapshotNanos.toDouble() / PER_ROUND / 1000.0
    }
    val fields = editor.snapshot().fields.size
    println("draft editor, example referral ($fields fields), $ROUNDS interleaved rounds of $PER_ROUND calls, per call:")
    report("set(phone) + problems", setK, setR)
    report("snapshot()", snapK, snapR)
    val target = 500.0
    println("target: a set under ${target.toInt()} us from Kotlin: " + if (median(setK) < target) "met" else "NOT met")
    if (sink == 42L) println()
    editor.close()
}
