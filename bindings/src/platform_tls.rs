//! Android only: initialising the platform TLS verifier with the app's context.
//!
//! On phones the core trusts the platform's certificate store through rustls-platform-verifier
//! (`core/src/sync/transport.rs`). On Android that verifier calls into the JVM, so it needs the
//! application `Context` once, before the first sync: the Android module declares
//! `object PlatformTls { external fun init(context: Context) }` and calls it at start-up (see
//! docs/bindings.md), which lands here. Without it a sync pass fails its TLS handshakes; every
//! referral stays queued. This file is compiled only for Android targets, which these build
//! machines cannot build (no NDK): it is kept to the one documented call.

use jni::EnvUnowned;
use jni::objects::{JClass, JObject};

/// `org.weprotect.core.PlatformTls.init(context)`. A failure or panic is thrown to Kotlin as a
/// `RuntimeException`, never unwound into the JVM.
#[unsafe(no_mangle)]
pub extern "system" fn Java_org_weprotect_core_PlatformTls_init<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    context: JObject<'local>,
) {
    env.with_env(|env| -> jni::errors::Result<()> {
        rustls_platform_verifier::android::init_with_env(env, context)
    })
    .resolve::<jni::errors::ThrowRuntimeExAndDefault>()
}
