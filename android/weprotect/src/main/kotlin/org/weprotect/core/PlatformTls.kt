// The one JNI call of the library (bindings/src/platform_tls.rs): the core trusts the phone's
// certificate store through rustls-platform-verifier, which needs the application Context once,
// before the first sync. Everything else crosses through uniffi and JNA.
package org.weprotect.core

import android.content.Context

/** Gives the core's TLS verifier the application context. [WeprotectAndroid] calls it. */
object PlatformTls {
    init {
        // JNI finds `external` functions only in libraries loaded by System.loadLibrary; JNA has
        // loaded the same file already, so this only registers it with the JVM.
        System.loadLibrary("weprotect_ffi")
    }

    /** Must run once per process, before the first sync pass ([WeprotectAndroid] does it). */
    @JvmStatic
    external fun init(context: Context)
}
