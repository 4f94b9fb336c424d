// JVM tests of the generated bindings and the Kotlin layer, against the real library (JNA) and,
// for sync, the real reference server on loopback (started by `cargo xtask test kotlin`, which
// passes WEPROTECT_SERVICE_JSON and WEPROTECT_TOKEN). The runner is shared with the Android
// layer's tests (android/test-runner); this file only lists the tests.
package org.weprotect.core.tests

import org.weprotect.testing.runTests

fun main(args: Array<String>) {
    runTests(storeTests() + syncTests() + safetyTests() + formTests() + trialTests() + shellModelTests() + followUpTests() + followUpScreenTests(), args)
}
