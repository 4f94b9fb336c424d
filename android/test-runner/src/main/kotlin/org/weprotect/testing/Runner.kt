// The one test runner of the JVM test layers (`cargo xtask test kotlin`: the Kotlin layer over
// the bindings; `cargo xtask test android`: the Android library's plain-Kotlin parts). Each
// layer's Main.kt only lists its tests and calls [runTests], so the two cannot drift. A tiny
// runner instead of JUnit: JUnit is not in the kotlinc distribution, and the output we need is
// one line per test and "N passed, M failed" for the layer.
package org.weprotect.testing

import java.io.File
import kotlin.system.exitProcess

class TestFailure(message: String) : Exception(message)

class Test(val name: String, val body: () -> Unit)

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

/** A fresh folder for one test, under WEPROTECT_TEST_DIR (set by xtask for each layer). */
fun freshDir(name: String): File {
    val root = File(System.getenv("WEPROTECT_TEST_DIR") ?: "target/jvm-tests")
    val dir = File(root, name)
    dir.deleteRecursively()
    dir.mkdirs()
    return dir
}

/**
 * Runs [all] (or those whose name contains one of [args]), prints one line per test and
 * "N passed, M failed", and exits with 1 when a test failed.
 */
fun runTests(all: List<Test>, args: Array<String>): Nothing {
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
