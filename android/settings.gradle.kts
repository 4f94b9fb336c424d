// The Android build: the library (AAR) in weprotect/ and the sample app in sample/.
// Open this folder (android/) in Android Studio. Rust, cargo-ndk and the NDK build the native
// library (scripts/build-native.sh, run by the library's buildNative task).

pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
        // rustls-platform-verifier (the core's TLS trust on phones) publishes its Kotlin part
        // here, as its README (0.7.1) says; the crate no longer carries a `maven/` folder. Only
        // that one artifact is taken from this repository.
        maven {
            url = uri("https://github.com/rustls/rustls-platform-verifier/raw/maven-archive/android-release-support/maven/")
            content { includeModule("rustls", "rustls-platform-verifier") }
        }
    }
}

rootProject.name = "weprotect-android"
include(":weprotect")
include(":sample")
