#!/usr/bin/env bash
# Builds libweprotect_ffi.so for the three Android ABIs and generates the Kotlin bindings from it.
#
#   android/scripts/build-native.sh [JNI_LIBS_DIR] [BINDINGS_DIR]
#
# Run by the library's Gradle task `buildNative` (before every build; cargo makes it quick when
# nothing changed), or by hand. Needs: rustup, cargo-ndk (`cargo install cargo-ndk`) and an
# Android NDK (ANDROID_NDK_HOME, or the newest under $ANDROID_HOME/ndk, which cargo-ndk finds).
#
# - ABIs: arm64-v8a, armeabi-v7a, x86_64 (x86_64 for the emulator), API level 26 (minSdk).
# - Linked for 16 KB pages (-Wl,-z,max-page-size=16384), which Google Play requires for apps
#   targeting Android 15+ on 16 KB devices; NDK r28+ does it by default, older NDKs need the flag.
# - Linked small (docs/bindings.md, "Size and speed"): identical-code folding (-Wl,--icf=all,
#   lld, the NDK's linker) and Android's packed relocations (-Wl,--pack-dyn-relocs=android,
#   read by Android's loader from API 23; minSdk is 26).
#   `cargo xtask bench size` links its stand-in with the same flags (xtask/src/size.rs).
# - Profile release-ffi (opt-level "z", fat LTO, one codegen unit, panic=unwind). Symbols stay
#   in the library so uniffi-bindgen can read the metadata; the Android Gradle plugin strips
#   them when it packages the app.
# - SQLite's compile-time options (LIBSQLITE3_FLAGS: no FTS, R*Tree, JSON, ...) and the C flags
#   come from the repository's .cargo/config.toml [env], which cargo reads because this script
#   runs it from the repository root.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
JNI_LIBS="${1:-$ROOT/android/weprotect/build/generated/jniLibs}"
BINDINGS="${2:-$ROOT/android/weprotect/build/generated/uniffi/kotlin}"
PROFILE="${WEPROTECT_PROFILE:-release-ffi}"
LINK_ARGS="-C link-arg=-Wl,-z,max-page-size=16384 -C link-arg=-Wl,--icf=all -C link-arg=-Wl,--pack-dyn-relocs=android"

if ! command -v cargo-ndk >/dev/null 2>&1; then
    echo "cargo-ndk is missing: cargo install cargo-ndk" >&2
    exit 1
fi
rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android >/dev/null

cd "$ROOT"
export CARGO_TARGET_AARCH64_LINUX_ANDROID_RUSTFLAGS="${CARGO_TARGET_AARCH64_LINUX_ANDROID_RUSTFLAGS:-} $LINK_ARGS"
export CARGO_TARGET_ARMV7_LINUX_ANDROIDEABI_RUSTFLAGS="${CARGO_TARGET_ARMV7_LINUX_ANDROIDEABI_RUSTFLAGS:-} $LINK_ARGS"
export CARGO_TARGET_X86_64_LINUX_ANDROID_RUSTFLAGS="${CARGO_TARGET_X86_64_LINUX_ANDROID_RUSTFLAGS:-} $LINK_ARGS"
cargo ndk \
    -t arm64-v8a -t armeabi-v7a -t x86_64 \
    --platform 26 \
    -o "$JNI_LIBS" \
    build --profile "$PROFILE" -p weprotect-ffi

# The bindings come from the built library's metadata (uniffi proc-macros), so they always
# match the library that ships. The bindgen is a host tool of the workspace.
cargo build --release -p weprotect-uniffi-bindgen
rm -rf "$BINDINGS"
"$ROOT/target/release/uniffi-bindgen" generate \
    --library "$ROOT/target/aarch64-linux-android/$PROFILE/libweprotect_ffi.so" \
    --language kotlin --no-format \
    --out-dir "$BINDINGS"

echo "native libraries in $JNI_LIBS, bindings in $BINDINGS"
