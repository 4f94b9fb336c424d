#!/usr/bin/env bash
# Builds ios/build/WeProtectCoreFFI.xcframework and ios/Sources/WeProtectCore/WeProtectCore.swift
# from one build of the Rust bindings crate (weprotect-ffi). Runs on a Mac with Xcode and rustup.
#
#   ios/scripts/build-xcframework.sh            # release-ffi, the size-tuned profile
#   PROFILE=dev ios/scripts/build-xcframework.sh
#
# Environment (optional): PROFILE (cargo profile of the slices: release-ffi, the default, is
# opt-level "z" with fat LTO; dev for a quick debug build), CARGO (the cargo executable), and
# WEPROTECT_STAND_IN: a Linux target triple (aarch64-unknown-linux-gnu) that stands in for the
# Apple targets where there is no Xcode. `cargo xtask test shells` runs the script that way on
# Linux: the host build, the bindgen, the exports list and the cargo build of a slice run for
# real; Apple's ld/libtool/lipo/xcodebuild steps are skipped (xtask/src/swift.rs does their GNU
# twin for the Linux Swift tests). Not for app builds. WEPROTECT_EXTRA_HOST_PACKAGES adds
# workspace packages to the host build (the xtask adds weprotect-cli, so the host build has the
# feature set the other test layers built).
#
# Slices: ios-arm64 (aarch64-apple-ios), ios-arm64_x86_64-simulator (aarch64-apple-ios-sim and
# x86_64-apple-ios combined with lipo), and macos-arm64_x86_64 (so `swift test` runs the package's
# tests on the Mac itself).
#
# The bundled SQLite must not clash with the system SQLite that an app also links (Core Data,
# GRDB, SQLite.swift all bring /usr/lib/libsqlite3.dylib). A plain Rust staticlib exports every
# `sqlite3_*` symbol and leaves rusqlite's calls as ordinary undefined references, so the app's
# linker may bind them to whichever library it meets first: the core would then run on Apple's
# SQLite (an older version, other compile options), or the app's own SQLite calls would land in
# ours. Prefixing the C symbols (`-DSQLITE_API=`/`LIBSQLITE3_FLAGS`) cannot fix it: rusqlite's Rust
# declarations still call `sqlite3_open_v2` by name, and hidden visibility does not stop an archive
# member from being skipped when a dylib already satisfies the reference. So, as matrix-rust-sdk
# does for its FFI library (PR 7041), each slice is pre-linked: `ld -r` pulls from the archive
# exactly the objects the uniffi entry points need (`-u` for each), binding every internal
# reference inside the one object, and `-exported_symbols_list` keeps only the uniffi symbols
# global. Everything else (SQLite, the Rust standard library, ring, ...) becomes private to the
# slice, which also avoids duplicate-symbol errors with another Rust static library in the app.
# The script then checks with nm that no `sqlite3_` symbol is exported or left undefined.
#
# SQLite's compile-time options (LIBSQLITE3_FLAGS: no FTS, R*Tree, JSON, ...) and the C flags come
# from the repository's .cargo/config.toml [env], which cargo reads because cargo runs from the root.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"    # ios/
root="$(cd "$here/.." && pwd)"              # the workspace
profile="${PROFILE:-release-ffi}"
profile_dir="$([ "$profile" = dev ] && echo debug || echo "$profile")"
cargo="${CARGO:-cargo}"
stand_in="${WEPROTECT_STAND_IN:-}"
crate=weprotect-ffi
lib=libweprotect_ffi
module=WeProtectCore
ffi_module=WeProtectCoreFFI
min_ios=15.0
min_macos=12.0

if [ -n "$stand_in" ]; then
    tools=("$cargo")
    host_lib_ext=so
else
    tools=("$cargo" rustup xcodebuild lipo ld nm libtool xcrun)
    host_lib_ext=dylib
fi
for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null || { echo "build-xcframework: needs $tool (a Mac with Xcode and rustup)" >&2; exit 2; }
done

targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
[ -n "$stand_in" ] || rustup target add "${targets[@]}"

build="$here/build"
work="$build/work"
rm -rf "$work" "$build/$ffi_module.xcframework"
mkdir -p "$work"

# 1. The host library and the bindgen, from one cargo call (the bindgen is another package,
#    weprotect-uniffi-bindgen; one call gives both one feature set). The generated Swift and
#    every slice come from the same source, so a stale copy cannot ship. The host build is a
#    debug build whatever PROFILE says: the bindgen reads the library's uniffi metadata, which
#    does not depend on the profile, and a second fat-LTO build of the host would cost minutes.
host_packages=(-p "$crate" -p weprotect-uniffi-bindgen)
for package in ${WEPROTECT_EXTRA_HOST_PACKAGES:-}; do host_packages+=(-p "$package"); done
(cd "$root" && "$cargo" build "${host_packages[@]}")
"$root/target/debug/uniffi-bindgen" generate \
    --library "$root/target/debug/$lib.$host_lib_ext" \
    --language swift --no-format \
    --config "$here/uniffi.toml" \
    --out-dir "$work/gen"
mkdir -p "$here/Sources/$module" "$work/headers/$ffi_module"
cp "$work/gen/$module.swift" "$here/Sources/$module/$module.swift"
cp "$work/gen/$ffi_module.h" "$work/headers/$ffi_module/"
# In its own subfolder, so two XCFrameworks' module maps never overwrite each other in an app's
# include folder.
cp "$work/gen/$ffi_module.modulemap" "$work/headers/$ffi_module/module.modulemap"

# 2. The uniffi entry points are the only symbols the slice keeps: every function the generated
#    header declares.
grep -oE '\b(uniffi|ffi)_[A-Za-z0-9_]+[[:space:]]*\(' "$work/gen/$ffi_module.h" \
    | sed -E 's/[[:space:]]*\($//; s/^/_/' | sort -u > "$work/exports.txt"
[ -s "$work/exports.txt" ] || { echo "build-xcframework: no uniffi symbols in the header" >&2; exit 1; }

# 3. One pre-linked, symbol-private static library per target.
slice() { # target arch platform min_version
    local target=$1 arch=$2 platform=$3 min=$4
    local out="$work/$target"
    mkdir -p "$out"
    (cd "$root" && IPHONEOS_DEPLOYMENT_TARGET=$min_ios MACOSX_DEPLOYMENT_TARGET=$min_macos \
        "$cargo" build --profile "$profile" -p "$crate" --lib --target "$target")
    local archive="$root/target/$target/$profile_dir/$lib.a"
    [ -f "$archive" ] || { echo "build-xcframework: $archive was not built" >&2; exit 1; }
    [ -z "$stand_in" ] || return 0 # Apple's ld, libtool and nm from here on
    local undefined=()
    while read -r sym; do undefined+=(-u "$sym"); done < "$work/exports.txt"
    xcrun ld -r -arch "$arch" -platform_version "$platform" "$min" "$min" \
        "${undefined[@]}" \
        -exported_symbols_list "$work/exports.txt" \
        "$archive" -o "$out/$ffi_module.o"
    xcrun libtool -static -o "$out/$lib.a" "$out/$ffi_module.o"
    # The guarantees, checked rather than assumed.
    if nm -gU "$out/$lib.a" | awk '{print $NF}' | grep -E '^_sqlite3' >/dev/null; then
        echo "build-xcframework: $target still exports sqlite3 symbols" >&2; exit 1
    fi
    if nm -u "$out/$lib.a" | grep -E '^_sqlite3' >/dev/null; then
        echo "build-xcframework: $target leaves sqlite3 references unbound" >&2; exit 1
    fi
    local missing
    missing=$(comm -23 "$work/exports.txt" <(nm -gU "$out/$lib.a" | awk '{print $NF}' | sort -u) || true)
    if [ -n "$missing" ]; then
        echo "build-xcframework: $target lacks uniffi symbols:" >&2; echo "$missing" >&2; exit 1
    fi
}
if [ -n "$stand_in" ]; then
    # The Linux check: one slice's cargo build, for the stand-in target; no Apple tools.
    slice "$stand_in" arm64 linux "$min_ios"
    echo "build-xcframework: stand-in $stand_in built; generated Swift in Sources/$module (the Apple steps need a Mac)"
    exit 0
fi
slice aarch64-apple-ios     arm64  ios           "$min_ios"
slice aarch64-apple-ios-sim arm64  ios-simulator "$min_ios"
slice x86_64-apple-ios      x86_64 ios-simulator "$min_ios"
slice aarch64-apple-darwin  arm64  macos         "$min_macos"
slice x86_64-apple-darwin   x86_64 macos         "$min_macos"

# 4. Simulator and macOS slices combined per platform (an XCFramework holds one library per
#    platform variant, so the two architectures of each must be one fat archive).
mkdir -p "$work/ios-simulator" "$work/macos"
lipo -create "$work/aarch64-apple-ios-sim/$lib.a" "$work/x86_64-apple-ios/$lib.a" \
    -output "$work/ios-simulator/$lib.a"
lipo -create "$work/aarch64-apple-darwin/$lib.a" "$work/x86_64-apple-darwin/$lib.a" \
    -output "$work/macos/$lib.a"

xcodebuild -create-xcframework \
    -library "$work/aarch64-apple-ios/$lib.a" -headers "$work/headers" \
    -library "$work/ios-simulator/$lib.a" -headers "$work/headers" \
    -library "$work/macos/$lib.a" -headers "$work/headers" \
    -output "$build/$ffi_module.xcframework"

echo "built $build/$ffi_module.xcframework and Sources/$module/$module.swift ($profile)"
du -sh "$build/$ffi_module.xcframework"/*/ 2>/dev/null || true
