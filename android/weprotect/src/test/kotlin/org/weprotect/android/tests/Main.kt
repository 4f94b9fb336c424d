// JVM tests of the Android library's plain-Kotlin parts (scheduling decisions, the wrapped-key
// vault and its pending-key protocol), against the real library through JNA and, for the
// passes, the reference server on loopback. Run by `cargo xtask test android`. A tiny runner
// instead of JUnit (not in the kotlinc distribution); it prints "N passed, M failed".
package org.weprotect.android.tests

import java.io.File
import kotlin.system.exitProcess

class TestFailure(message: String) : Exception(message)

fun check(condition: Boolean, message: () -> String) {
    if (!condition) throw TestFailure(message())
}

fun <T> checkEquals(expected: T, actual: T, what: String) {
    if (expected != actual) throw TestFailure("$what: expected $expected, got $actual")
}

inline fun <reified E : Throwable> expectThrows(block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw TestFailure("expected ${E::class.simpleName}, got $e")
    }
    throw TestFailure("expected ${E::class.simpleName}, nothing was thrown")
}

/** A fresh folder for one test. */
fun freshDir(name: String): File {
    val root = File(System.getenv("WEPROTECT_TEST_DIR") ?: "target/android/tests")
    val dir = File(root, name)
    dir.deleteRecursively()
    dir.mkdirs()
    return dir
}

class Test(val name: String, val body: () -> Unit)

fun main(args: Array<String>) {
    val all = schedulingTests() + vaultTests() + passTests() + readmeTests()
    val selected = if (args.isEmpty()) all else all.filter { t -> args.any { t.name.contains(it) } }
    var passed = 0
    var failed = 0
    for (test in selected) {
        val started = System.nanoTime()
        try {
            test.body()
            passed++
            println("ok    ${test.name} (${(System.nanoTime() - started) / 1_000_000} ms)")
        } catch (e: Throwable) {
            failed++
            println("FAIL  ${test.name}: $e")
            e.printStackTrace(System.out)
        }
    }
    println("$passed passed, $failed failed")
    exitProcess(if (failed == 0) 0 else 1)
}
