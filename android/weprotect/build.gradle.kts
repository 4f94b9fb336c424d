// The library (AAR): the generated bindings and the org.weprotect.core layer, the Android classes
// of this module, and libweprotect_ffi.so for arm64-v8a, armeabi-v7a and x86_64, built by
// ../scripts/build-native.sh (cargo-ndk, 16 KB pages) through the Variant API, so AGP knows the
// generated Kotlin and jniLibs come from that task (IDE sync, no preBuild ordering).
import javax.inject.Inject
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
    `maven-publish`
}

/** The repository root (the Cargo workspace). */
val workspaceDir: File = rootDir.parentFile

/** The ABIs the native library is built for; the APK/AAR carries no other (JNA's x86 included). */
val nativeAbis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")

/**
 * Everything cargo reads to build libweprotect_ffi.so (paths relative to the workspace). Without
 * one of them the task would stay UP-TO-DATE after an edit and ship a stale library: the core's
 * instruments and example referral are compiled in with include_str!, and .cargo/config.toml sets
 * SQLite's compile options. `cargo xtask test shells` checks that every file the core or the
 * bindings include at compile time is under one of these.
 */
val nativeInputs = listOf(
    "Cargo.toml",
    "Cargo.lock",
    ".cargo/config.toml",
    "core/Cargo.toml",
    "core/src",
    "core/instruments",
    "core/fixtures",
    "bindings/Cargo.toml",
    "bindings/src",
    "bindings/uniffi.toml",
    "bindings/uniffi-bindgen",
    "android/uniffi-android.toml",
    "android/scripts/build-native.sh",
)

/**
 * Runs scripts/build-native.sh for one variant: cargo-ndk builds the library per ABI, then
 * uniffi-bindgen generates the Kotlin from it. Its two outputs are handed to AGP with
 * `addGeneratedSourceDirectory`, which also places them under build/generated.
 */
abstract class BuildNative @Inject constructor(private val exec: ExecOperations) : DefaultTask() {
    /** The cargo profile: `release-ffi` (fat LTO, size-tuned) for release, `dev` for debug. */
    @get:Input
    abstract val profile: Property<String>

    /** The ABIs to build. */
    @get:Input
    abstract val abis: ListProperty<String>

    /** What cargo reads (see `nativeInputs`). */
    @get:InputFiles
    @get:PathSensitive(PathSensitivity.RELATIVE)
    abstract val sources: ConfigurableFileCollection

    /** The workspace root (cargo runs there, so it reads .cargo/config.toml). */
    @get:Internal
    abstract val workspace: DirectoryProperty

    /** The cargo executable (`cargo.path` in local.properties, or `cargo` on PATH). */
    @get:Input
    abstract val cargo: Property<String>

    @get:OutputDirectory
    abstract val jniLibs: DirectoryProperty

    @get:OutputDirectory
    abstract val bindings: DirectoryProperty

    @TaskAction
    fun build() {
        exec.exec {
            workingDir = workspace.get().asFile
            environment("WEPROTECT_PROFILE", profile.get())
            environment("WEPROTECT_ABIS", abis.get().joinToString(" "))
            environment("CARGO", cargo.get())
            commandLine(
                "bash", File(workspace.get().asFile, "android/scripts/build-native.sh").path,
                jniLibs.get().asFile.path,
                bindings.get().asFile.path,
            )
        }
    }
}

/** `cargo.path` from local.properties: Android Studio started from the Dock has no ~/.cargo/bin on PATH. */
val cargoPath: String = rootDir.resolve("local.properties").takeIf { it.exists() }
    ?.let { file -> java.util.Properties().apply { file.inputStream().use { load(it) } }.getProperty("cargo.path") }
    ?: "cargo"

android {
    namespace = "org.weprotect.android"
    compileSdk = libs.versions.compileSdk.get().toInt()
    // The NDK AGP strips the libraries with; build-native.sh hands the same one to cargo-ndk
    // (r28+ links 16 KB-aligned by default).
    ndkVersion = libs.versions.ndk.get()

    defaultConfig {
        minSdk = libs.versions.minSdk.get().toInt()
        consumerProguardFiles("consumer-rules.pro")
        // JNA's AAR also ships x86; without this filter a 32-bit x86 device would install a
        // split without libweprotect_ffi.so and fail with UnsatisfiedLinkError.
        ndk { abiFilters += nativeAbis }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    sourceSets {
        getByName("main") {
            // The Kotlin layer over the bindings, shared with the JVM tests (cargo xtask test kotlin).
            kotlin.srcDir(File(workspaceDir, "android/core-kotlin/src/main/kotlin"))
        }
        getByName("test") {
            // The runner shared by the JVM test layers (cargo xtask test kotlin / android), so the
            // test sources compile in the IDE.
            kotlin.srcDir(File(workspaceDir, "android/test-runner/src/main/kotlin"))
        }
    }

    publishing {
        singleVariant("release") { withSourcesJar() }
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

// This module's JVM tests are run by `cargo xtask test android` (they need the host build of the
// library, JNA and the reference server on loopback). They are not JUnit tests, so Gradle's
// unit-test tasks would find nothing and pass: they are switched off rather than left green.
tasks.withType<Test>().configureEach {
    enabled = false
}

androidComponents {
    onVariants { variant ->
        val name = variant.name.replaceFirstChar { it.uppercase() }
        val debuggable = variant.buildType == "debug"
        // Android Studio passes the ABIs of the device it deploys to; a debug build then builds
        // only that one, without LTO (fat LTO for three ABIs takes minutes per edit).
        val deviceAbi = providers.gradleProperty("android.injected.build.abi").orNull
            ?.split(',')?.map { it.trim() }?.firstOrNull { it in nativeAbis }
        val task = tasks.register<BuildNative>("buildNative$name") {
            group = "build"
            description = "cargo-ndk build of libweprotect_ffi.so and uniffi-bindgen (${variant.name})"
            profile.set(if (debuggable) "dev" else "release-ffi")
            abis.set(if (debuggable && deviceAbi != null) listOf(deviceAbi) else nativeAbis)
            sources.from(nativeInputs.map { File(workspaceDir, it) })
            workspace.set(workspaceDir)
            cargo.set(cargoPath)
        }
        variant.sources.jniLibs?.addGeneratedSourceDirectory(task, BuildNative::jniLibs)
        variant.sources.kotlin?.addGeneratedSourceDirectory(task, BuildNative::bindings)
    }
}

/**
 * rustls-platform-verifier's Kotlin part must be the version of the
 * `rustls-platform-verifier-android` crate in Cargo.lock (its README, 0.7.1): read from the lock
 * file, friendly to the configuration cache.
 */
abstract class RustlsVersion : ValueSource<String, RustlsVersion.Params> {
    interface Params : ValueSourceParameters {
        val lockFile: RegularFileProperty
    }

    override fun obtain(): String {
        val lines = parameters.lockFile.get().asFile.readLines()
        val at = lines.indexOfFirst { it.trim() == "name = \"$CRATE\"" }
        val version = if (at < 0) null else lines.drop(at + 1)
            .firstOrNull { it.trimStart().startsWith("version = ") }
            ?.substringAfter('"', "")?.substringBefore('"', "")?.takeIf { it.isNotEmpty() }
        return version ?: error("$CRATE is not in Cargo.lock")
    }

    companion object {
        const val CRATE = "rustls-platform-verifier-android"
    }
}

val rustlsPlatformVerifierVersion = providers.of(RustlsVersion::class.java) {
    parameters.lockFile.set(File(workspaceDir, "Cargo.lock"))
}

configurations.configureEach {
    resolutionStrategy.eachDependency {
        // The published POM's group is `rustls` (android-release-support/pom-template.xml); the
        // upstream README's snippet matches `org.rustls`, which never matches.
        if (requested.group == "rustls" && requested.name == "rustls-platform-verifier") {
            useVersion(rustlsPlatformVerifierVersion.get())
            because("the Kotlin part must match the ${RustlsVersion.CRATE} crate in Cargo.lock")
        }
    }
}

dependencies {
    // uniffi's Kotlin calls the library through JNA; the @aar carries JNA's own native parts.
    implementation(libs.jna) { artifact { type = "aar" } }
    implementation(libs.kotlinx.coroutines.android)
    implementation(libs.androidx.work.runtime.ktx)
    implementation(libs.androidx.core.ktx)
    // android_cleaner (android/uniffi-android.toml) makes the generated Kotlin use @RequiresApi.
    implementation(libs.androidx.annotation)
    implementation(libs.rustls.platform.verifier)
}

// `gradle :weprotect:publishToMavenLocal` (or a repository of your own): the release AAR with
// its dependencies in the POM. Releasing: see README "Releasing the AAR".
publishing {
    publications {
        register<MavenPublication>("release") {
            groupId = "org.weprotect"
            artifactId = "weprotect-android"
            version = providers.gradleProperty("weprotect.version").getOrElse("0.1.0")
            afterEvaluate { from(components["release"]) }
            // The POM names the versions actually resolved (rustls-platform-verifier's comes
            // from Cargo.lock, not from the catalog).
            versionMapping { allVariants { fromResolutionResult() } }
        }
    }
}
