// JVM tests of the generated bindings and the Kotlin layer, against the real library (JNA) and,
// for sync, the real reference server on loopback (started by `cargo xtask test kotlin`, which
// passes WEPROTECT_SERVICE_JSON and WEPROTECT_TOKEN). A tiny runner instead of JUnit: JUnit is
// not in the kotlinc distribution, and the output we need is "N passed, M failed".
package org.weprotect.core.tests

import java.io.File
import kotlin.system.exitProcess

class TestFailure(message: String) : Exception(message)

fun check(condition: Boolean, message: () -> String) {
    if (!condition) throw TestFailure(message())
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

/** A fresh folder for one test's store. */
fun freshDir(name: String): File {
    val root = File(System.getenv("WEPROTECT_TEST_DIR") ?: "target/kotlin/stores")
    val dir = File(root, name)
    dir.deleteRecursively()
    dir.mkdirs()
    return dir
}

class Test(val name: String, val body: () -> Unit)

fun main(args: Array<String>) {
    val all = storeTests() + syncTests() + safetyTests() + formTests()
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
