//! `cargo xtask bench size`: the stripped size of the bindings' library, as an app ships it.
//!
//! Built with the size-tuned `release-ffi` profile (opt-level "z", fat LTO, one codegen unit,
//! panic = "unwind" so panics stay catchable) for x86_64 and for aarch64-unknown-linux-gnu, the
//! stand-in for Android arm64 (no NDK here): the Rust code and C (SQLite, ring) are the same;
//! Android's libc differs. Linked the way android/scripts/build-native.sh links the Android
//! library: lld (the NDK's linker; here Rust's own copy, rust-lld, for both Linux targets),
//! identical-code folding, Android's packed relocations (read by Android's loader from API 23;
//! the app's minimum is 26) and 16 KB pages ([`ANDROID_LINK_ARGS`]). With packed relocations
//! the stand-in is a file to measure, not to load: glibc's loader does not read them. Symbols
//! are stripped from a copy, as packaging does: the unstripped library keeps the metadata
//! uniffi-bindgen reads. SQLite's compile-time options and the C flags come from
//! .cargo/config.toml [env], as for the Android and iOS builds. Not part of `cargo xtask test`:
//! a fat-LTO build takes minutes.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, root, run};

const PROFILE: &str = "release-ffi";
const LIB: &str = "libweprotect_ffi.so";
const ARM64: &str = "aarch64-unknown-linux-gnu";
/// The target for arm64 (issue 8): at most 4.5 MB stripped.
const ARM64_BUDGET_BYTES: u64 = 4_500_000;
/// The link flags of the Android library (keep in step with android/scripts/build-native.sh):
/// fold identical functions (monomorphised copies that compile to the same code), pack the
/// relative relocations (24 bytes each otherwise: 140 KB on arm64), 16 KB pages.
const ANDROID_LINK_ARGS: [&str; 3] = [
    "-Wl,--icf=all",
    "-Wl,--pack-dyn-relocs=android",
    "-Wl,-z,max-page-size=16384",
];

/// Rust's own lld, through the `gcc-ld` directory where `-fuse-ld=lld` finds it.
pub(crate) fn rust_lld_dir() -> Result<String, String> {
    let print = |what: &str| -> Result<String, String> {
        let out = Command::new("rustc")
            .args(["--print", what])
            .output()
            .map_err(|e| format!("rustc: {e}"))?;
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let dir = format!(
        "{}/lib/rustlib/{}/bin/gcc-ld",
        print("sysroot")?,
        print("host-tuple")?
    );
    if !Path::new(&dir).join("ld.lld").exists() {
        return Err(format!("no rust-lld in {dir}"));
    }
    Ok(dir)
}

fn build(target: Option<&str>) -> Result<PathBuf, String> {
    let mut args = vec![
        "rustc".to_string(),
        "-p".into(),
        "weprotect-ffi".into(),
        "--lib".into(),
        "--profile".into(),
        PROFILE.into(),
    ];
    if let Some(t) = target {
        args.extend(["--target".into(), t.into()]);
    }
    // The link flags go to the library's own rustc only (after `--`): they matter for the final
    // link alone, and other builds of the profile (`cargo xtask bench kotlin`, which loads the
    // library with glibc) rebuild only this crate, not its dependencies.
    args.push("--".into());
    if target.is_some() {
        // rustc links the host with rust-lld already; the cross gcc needs to be pointed at it
        // (its own GNU ld has no identical-code folding or Android relocation packing).
        args.extend([
            "-C".into(),
            "link-arg=-fuse-ld=lld".into(),
            "-C".into(),
            format!("link-arg=-B{}", rust_lld_dir()?),
        ]);
    }
    for arg in ANDROID_LINK_ARGS {
        args.extend(["-C".into(), format!("link-arg={arg}")]);
    }
    let mut cmd = Command::new(cargo());
    cmd.args(&args).current_dir(root());
    if target == Some(ARM64) {
        cmd.env(
            "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER",
            "aarch64-linux-gnu-gcc",
        );
        cmd.env("CC_aarch64_unknown_linux_gnu", "aarch64-linux-gnu-gcc");
        cmd.env("AR_aarch64_unknown_linux_gnu", "aarch64-linux-gnu-ar");
    }
    eprintln!(
        "==> build {}: cargo {}",
        target.unwrap_or("host"),
        args.join(" ")
    );
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start cargo: {e}"))?;
    if !status.success() {
        return Err(format!("build for {} failed", target.unwrap_or("host")));
    }
    let mut dir = root().join("target");
    if let Some(t) = target {
        dir = dir.join(t);
    }
    Ok(dir.join(PROFILE).join(LIB))
}

/// Strips a copy of `lib` with `strip` and returns the copy's size.
fn stripped_size(lib: &Path, strip: &str) -> Result<u64, String> {
    let copy = lib.with_extension("stripped.so");
    std::fs::copy(lib, &copy).map_err(|e| format!("{}: {e}", lib.display()))?;
    run("strip", strip, &["--strip-all", &copy.to_string_lossy()])?;
    Ok(std::fs::metadata(&copy).map_err(|e| e.to_string())?.len())
}

pub(crate) fn ensure_arm64_tools() -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup: {e}"))?;
    if !String::from_utf8_lossy(&installed.stdout).contains(ARM64) {
        run("arm64 target", "rustup", &["target", "add", ARM64])?;
    }
    if Command::new("aarch64-linux-gnu-gcc")
        .arg("--version")
        .output()
        .is_err()
    {
        let install = [
            "install",
            "-y",
            "--no-install-recommends",
            "gcc-aarch64-linux-gnu",
            "libc6-dev-arm64-cross",
        ];
        if run("arm64 linker", "apt-get", &install).is_err() {
            run("apt index", "apt-get", &["update"])?;
            run("arm64 linker", "apt-get", &install)?;
        }
    }
    Ok(())
}

fn mb(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1_000_000.0)
}

/// `cargo xtask bench size`.
pub fn bench() -> Result<(), String> {
    let host = build(None)?;
    let host_size = stripped_size(&host, "strip")?;
    ensure_arm64_tools()?;
    let arm = build(Some(ARM64))?;
    let arm_size = stripped_size(&arm, "aarch64-linux-gnu-strip")?;
    println!("libweprotect_ffi.so, profile {PROFILE}, stripped:");
    println!(
        "  x86_64-unknown-linux-gnu   {:>10} ({host_size} bytes)",
        mb(host_size)
    );
    println!(
        "  {ARM64}  {:>10} ({arm_size} bytes; target at most {})",
        mb(arm_size),
        mb(ARM64_BUDGET_BYTES)
    );
    if arm_size > ARM64_BUDGET_BYTES {
        return Err(format!(
            "the arm64 library is over budget: {}",
            mb(arm_size)
        ));
    }
    Ok(())
}
