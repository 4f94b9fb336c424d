#!/usr/bin/env bash
# Builds libweprotect_ffi.so for the Android ABIs and generates the Kotlin bindings from it.
#
#   android/scripts/build-native.sh [JNI_LIBS_DIR] [BINDINGS_DIR]
#
# Run by the library's Gradle task `buildNative<Variant>` (before every build; cargo makes it
# quick when nothing changed), or by hand. Needs: rustup, cargo-ndk (`cargo install cargo-ndk`)
# and the NDK that gradle/libs.versions.toml pins (`ndk`, r28+): ANDROID_NDK_HOME, or
# $ANDROID_HOME/ndk/<that version> (Android Studio's SDK Manager installs it there).
#
# Environment (all optional):
#   WEPROTECT_PROFILE  cargo profile: release-ffi (default; opt-level "z", fat LTO, one codegen
#                      unit, panic=unwind) or dev (Gradle's debug variants: no LTO, seconds
#                      instead of minutes per edit).
#   WEPROTECT_ABIS     the ABIs, space-separated (default: arm64-v8a armeabi-v7a x86_64; a debug
#                      build from Android Studio passes only the device's).
#   CARGO              the cargo executable (Gradle passes `cargo.path` from local.properties).
#   WEPROTECT_STAND_IN a Linux target triple (aarch64-unknown-linux-gnu) that stands in for the
#                      Android targets where no NDK exists: `cargo xtask test shells` runs every
#                      other step of this script with it. Not for app builds.
#   WEPROTECT_EXTRA_HOST_PACKAGES  more workspace packages for the host build below (space-
#                      separated). `cargo xtask test shells` adds weprotect-cli, so the host
#                      build has the feature set the other test layers built and costs nothing.
#
# - API level 26 (minSdk). Linked for 16 KB pages (-Wl,-z,max-page-size=16384), which Google
#   Play requires for apps targeting Android 15+; NDK r28+ does it by default and cargo-ndk 4
#   adds it for older NDKs, so the flag only makes it explicit.
# - Linked small (docs/bindings.md, "Size and speed"): identical-code folding (-Wl,--icf=all,
#   lld, the NDK's linker) and Android's packed relocations (-Wl,--pack-dyn-relocs=android,
#   read by Android's loader from API 23; minSdk is 26).
#   `cargo xtask bench size` links its stand-in with the same flags (xtask/src/size.rs).
# - Symbols stay in the library so uniffi-bindgen can read the metadata; the Android Gradle
#   plugin strips them (with the pinned NDK) when it packages the app.
# - The Kotlin is generated with android/uniffi-android.toml: Android's SystemCleaner
#   (android_cleaner) instead of java.lang.ref.Cleaner, which is API 33 while minSdk is 26.
# - SQLite's compile-time options (LIBSQLITE3_FLAGS: no FTS, R*Tree, JSON, ...) and the C flags
#   come from the repository's .cargo/config.toml [env], which cargo reads because this script
#   runs it from the repository root.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
JNI_LIBS="${1:-$ROOT/android/weprotect/build/generated/jniLibs}"
BINDINGS="${2:-$ROOT/android/weprotect/build/generated/uniffi/kotlin}"
PROFILE="${WEPROTECT_PROFILE:-release-ffi}"
read -r -a ABIS <<< "${WEPROTECT_ABIS:-arm64-v8a armeabi-v7a x86_64}"
CARGO="${CARGO:-cargo}"
STAND_IN="${WEPROTECT_STAND_IN:-}"
LINK_FLAGS=(-C "link-arg=-Wl,-z,max-page-size=16384" -C "link-arg=-Wl,--icf=all" -C "link-arg=-Wl,--pack-dyn-relocs=android")
LINK_ARGS="${LINK_FLAGS[*]}"
# cargo's output folder for a profile (`dev` writes to debug/).
if [ "$PROFILE" = dev ]; then PROFILE_DIR=debug; else PROFILE_DIR="$PROFILE"; fi

triple_of() { # ABI -> Rust target
    case "$1" in
        arm64-v8a) echo aarch64-linux-android ;;
        armeabi-v7a) echo armv7-linux-androideabi ;;
        x86_64) echo x86_64-linux-android ;;
        *) echo "build-native: unknown ABI $1" >&2; return 1 ;;
    esac
}

cd "$ROOT"
if [ -n "$STAND_IN" ]; then
    # The Linux check: the same library, profile and link flags, for the stand-in target.
    "$CARGO" rustc --profile "$PROFILE" -p weprotect-ffi --lib --target "$STAND_IN" -- "${LINK_FLAGS[@]}"
    LIBRARY="$ROOT/target/$STAND_IN/$PROFILE_DIR/libweprotect_ffi.so"
else
    if ! command -v cargo-ndk >/dev/null 2>&1; then
        echo "build-native: cargo-ndk is missing: cargo install cargo-ndk" >&2
        exit 1
    fi
    NDK_VERSION="$(sed -n 's/^ndk = "\(.*\)"/\1/p' "$ROOT/android/gradle/libs.versions.toml")"
    if [ -z "${ANDROID_NDK_HOME:-}" ] && [ -n "${ANDROID_HOME:-}" ] && [ -d "$ANDROID_HOME/ndk/$NDK_VERSION" ]; then
        export ANDROID_NDK_HOME="$ANDROID_HOME/ndk/$NDK_VERSION"
    fi
    TRIPLES=()
    TARGET_ARGS=()
    for abi in "${ABIS[@]}"; do
        triple="$(triple_of "$abi")"
        TRIPLES+=("$triple")
        TARGET_ARGS+=(-t "$abi")
        var="CARGO_TARGET_$(echo "$triple" | tr '[:lower:]-' '[:upper:]_')_RUSTFLAGS"
        export "$var=${!var:-} $LINK_ARGS"
    done
    rustup target add "${TRIPLES[@]}" >/dev/null
    "$CARGO" ndk "${TARGET_ARGS[@]}" --platform 26 -o "$JNI_LIBS" \
        build --profile "$PROFILE" -p weprotect-ffi
    LIBRARY="$ROOT/target/${TRIPLES[0]}/$PROFILE_DIR/libweprotect_ffi.so"
fi

# The bindings come from the built library's metadata (uniffi proc-macros), so they always
# match the library that ships. The bindgen is a host tool of the workspace (package
# weprotect-uniffi-bindgen), built in one cargo call with the host library, as
# ios/scripts/build-xcframework.sh and `cargo xtask` build it, so they share one feature set and
# one build. A debug build: the bindgen's speed does not matter, and it reads the metadata
# from the Android library above, whose profile it does not depend on.
HOST_PACKAGES=(-p weprotect-ffi -p weprotect-uniffi-bindgen)
for package in ${WEPROTECT_EXTRA_HOST_PACKAGES:-}; do HOST_PACKAGES+=(-p "$package"); done
"$CARGO" build "${HOST_PACKAGES[@]}"
rm -rf "$BINDINGS"
"$ROOT/target/debug/uniffi-bindgen" generate \
    --library "$LIBRARY" \
    --language kotlin --no-format \
    --config "$ROOT/android/uniffi-android.toml" \
    --out-dir "$BINDINGS"

echo "native libraries in $JNI_LIBS, bindings in $BINDINGS ($PROFILE)"
