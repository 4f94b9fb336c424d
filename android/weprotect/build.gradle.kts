// The library (AAR): the generated bindings and the org.weprotect.core layer, used in place as
// source sets (never copied), the Android classes of this module, and libweprotect_ffi.so for
// arm64-v8a, armeabi-v7a and x86_64 built by ../scripts/build-native.sh (cargo-ndk, 16 KB pages).
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

val workspace: File = rootDir.parentFile
val generatedBindings: Provider<Directory> = layout.buildDirectory.dir("generated/uniffi/kotlin")
val nativeLibs: Provider<Directory> = layout.buildDirectory.dir("generated/jniLibs")

android {
    namespace = "org.weprotect.android"
    compileSdk = libs.versions.compileSdk.get().toInt()

    defaultConfig {
        minSdk = libs.versions.minSdk.get().toInt()
        consumerProguardFiles("consumer-rules.pro")
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    sourceSets {
        getByName("main") {
            // The Kotlin layer over the bindings, shared with the JVM tests (cargo xtask test kotlin).
            kotlin.srcDir(File(workspace, "android/core-kotlin/src/main/kotlin"))
            // The bindings uniffi-bindgen generates from the built library (not committed).
            kotlin.srcDir(generatedBindings.get().asFile)
            jniLibs.srcDir(nativeLibs.get().asFile)
        }
        getByName("test") {
            // The runner shared by the JVM test layers (cargo xtask test kotlin / android).
            kotlin.srcDir(File(workspace, "android/test-runner/src/main/kotlin"))
        }
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

/** Builds the native library per ABI and generates the Kotlin bindings from it. */
val buildNative by tasks.registering(Exec::class) {
    group = "build"
    description = "cargo-ndk build of libweprotect_ffi.so (3 ABIs, 16 KB pages) and uniffi-bindgen"
    workingDir = workspace
    commandLine(
        "bash", File(workspace, "android/scripts/build-native.sh").path,
        nativeLibs.get().asFile.path,
        generatedBindings.get().asFile.path,
    )
    inputs.dir(File(workspace, "core/src"))
    inputs.dir(File(workspace, "bindings/src"))
    inputs.files(File(workspace, "Cargo.lock"), File(workspace, "Cargo.toml"), File(workspace, "bindings/uniffi.toml"))
    outputs.dir(nativeLibs)
    outputs.dir(generatedBindings)
}

tasks.named("preBuild") { dependsOn(buildNative) }

dependencies {
    // uniffi's Kotlin calls the library through JNA; the @aar carries JNA's own native parts.
    implementation(libs.jna) { artifact { type = "aar" } }
    implementation(libs.kotlinx.coroutines.android)
    implementation(libs.androidx.work.runtime.ktx)
    implementation(libs.androidx.core.ktx)
    implementation(libs.rustls.platform.verifier)
}
