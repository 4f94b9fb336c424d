// The Android build: the library (AAR) in weprotect/ and the sample app in sample/.
// Open this folder (android/) in Android Studio. Rust, cargo-ndk and the NDK build the native
// library (scripts/build-native.sh, run by the library's buildNative task).
import groovy.json.JsonSlurper

pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

/**
 * rustls-platform-verifier (the core's TLS trust on phones) ships its Android part as a local
 * Maven repository inside the crate; `cargo metadata` says where the crate is.
 */
fun rustlsPlatformVerifierRepository(): File {
    val workspace = settingsDir.parentFile
    val metadata = providers.exec {
        workingDir = workspace
        commandLine(
            "cargo", "metadata", "--format-version", "1",
            "--filter-platform", "aarch64-linux-android",
            "--manifest-path", File(workspace, "Cargo.toml").path,
        )
    }.standardOutput.asText.get()
    @Suppress("UNCHECKED_CAST")
    val packages = (JsonSlurper().parseText(metadata) as Map<String, Any>)["packages"] as List<Map<String, Any>>
    val manifest = packages.first { it["name"] == "rustls-platform-verifier-android" }["manifest_path"] as String
    return File(File(manifest).parentFile, "maven")
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
        maven {
            url = uri(rustlsPlatformVerifierRepository())
            metadataSources.artifact()
        }
    }
}

rootProject.name = "weprotect-android"
include(":weprotect")
include(":sample")
