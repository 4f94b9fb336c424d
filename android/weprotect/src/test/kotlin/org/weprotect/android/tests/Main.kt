// JVM tests of the Android library's plain-Kotlin parts (scheduling decisions, the wrapped-key
// vault and its pending-key protocol), against the real library through JNA and, for the
// passes, the reference server on loopback. Run by `cargo xtask test android`. The runner is
// shared with the Kotlin layer's tests (android/test-runner); this file only lists the tests.
package org.weprotect.android.tests

import org.weprotect.testing.runTests

fun main(args: Array<String>) {
    runTests(schedulingTests() + vaultTests() + passTests() + readmeTests() + lockScreenTests(), args)
}
