//! `cargo xtask test shells`: what a first Gradle sync or a first run of the XCFramework script
//! would catch, checked on Linux, so a broken first step fails CI instead of an app developer.
//!
//! The Android SDK, the NDK and Xcode cannot be installed here, so this layer runs every step of
//! `android/scripts/build-native.sh` and `ios/scripts/build-xcframework.sh` that can run on
//! Linux, by running the scripts themselves with `WEPROTECT_STAND_IN=aarch64-unknown-linux-gnu`:
//! the host build of the library and the bindgen (one cargo call, as the scripts make it), the
//! cargo build of the phone library for the aarch64 Linux target standing in for the Android
//! and Apple targets (with the Android link flags, through rust-lld as `cargo xtask bench size`
//! links), the Kotlin and Swift generation with each platform's uniffi config, and the iOS
//! exports list. Only cargo-ndk and Apple's ld/libtool/lipo/xcodebuild are left out. Cheap on
//! purpose: the dev profile (no second fat-LTO build; `cargo xtask bench size` measures the
//! release-ffi library), the host build shared with the kotlin/android/swift layers.
//!
//! Before any build: `bash -n` and shellcheck (Debian's, installed when missing) on both
//! scripts, and the Gradle files' artifact versions resolved against what Cargo.lock and the
//! crates ship (the A1 blocker: a version catalog that names an artifact the crate no longer
//! ships). After the scripts: the Swift the XCFramework script generated, the `WeProtect`
//! package sources and the sample's plain-Swift model compiled in Swift 6 language mode with
//! complete strict concurrency (the Swift layer's chroot, see `swift.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::{cargo, root, run};

/// The Linux target that stands in for the Android and Apple targets.
const STAND_IN: &str = "aarch64-unknown-linux-gnu";
const SCRIPTS: [&str; 2] = [
    "android/scripts/build-native.sh",
    "ios/scripts/build-xcframework.sh",
];
const CATALOG: &str = "android/gradle/libs.versions.toml";
const GRADLE_FILES: [&str; 4] = [
    "android/settings.gradle.kts",
    "android/build.gradle.kts",
    "android/weprotect/build.gradle.kts",
    "android/sample/build.gradle.kts",
];
/// The crate whose version the rustls-platform-verifier Kotlin artifact must carry.
const VERIFIER_CRATE: &str = "rustls-platform-verifier-android";
const VERIFIER_REPOSITORY: &str = "https://github.com/rustls/rustls-platform-verifier/raw/maven-archive/android-release-support/maven/";
/// The oldest JNA whose `libjnidispatch.so` loads on 16 KB-page devices (5.17.0, #1647).
const JNA_16K: (u32, u32, u32) = (5, 17, 0);
/// The oldest NDK that links 16 KB-aligned by default (r28).
const NDK_16K_MAJOR: u32 = 28;

/// `cargo xtask test shells`.
pub fn test() -> Result<(), String> {
    let started = Instant::now();
    check_scripts()?;
    check_gradle_versions()?;
    check_native_inputs()?;
    let checks = started.elapsed();

    let tc = crate::swift::toolchain()?;
    crate::size::ensure_arm64_tools()?;
    let work = root().join("target/shells");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let builds = Instant::now();
    let jni = work.join("jniLibs");
    let kotlin = work.join("kotlin");
    script(
        SCRIPTS[0],
        &[&jni.to_string_lossy(), &kotlin.to_string_lossy()],
        &[("WEPROTECT_PROFILE", "dev")],
    )?;
    check_android_bindings(&kotlin)?;
    script(SCRIPTS[1], &[], &[("PROFILE", "dev")])?;
    let generated = root().join("ios/build/work/gen");
    let exports = root().join("ios/build/work/exports.txt");
    let listed = std::fs::read_to_string(&exports)
        .map_err(|e| format!("the XCFramework script wrote no exports list: {e}"))?;
    if listed.lines().count() < 10
        || !listed
            .lines()
            .all(|l| l.starts_with("_uniffi_") || l.starts_with("_ffi_"))
    {
        return Err(format!(
            "{} does not list the uniffi entry points",
            exports.display()
        ));
    }
    let builds = builds.elapsed();
    let swift = Instant::now();
    crate::swift::compile_swift6(&tc, &generated, &work.join("swift6"))?;
    eprintln!(
        "==> shells: checks {:.0?}, script builds {:.0?}, Swift 6 compile {:.0?}, total {:.0?}",
        checks,
        builds,
        swift.elapsed(),
        started.elapsed()
    );
    Ok(())
}

/// Runs one of the scripts with the Linux stand-in, from the workspace root.
fn script(path: &str, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let mut c = Command::new("bash");
    c.arg(root().join(path))
        .args(args)
        .current_dir(root())
        .env("WEPROTECT_STAND_IN", STAND_IN)
        .env("CARGO", cargo())
        // The host build then has the feature set of `kotlin::build` (library, bindgen and CLI
        // in one call), which the kotlin, android and swift layers built already: no rebuild.
        .env("WEPROTECT_EXTRA_HOST_PACKAGES", "weprotect-cli")
        .envs(stand_in_link_env()?);
    for (k, v) in env {
        c.env(k, v);
    }
    eprintln!("==> {path} (stand-in {STAND_IN})");
    let status = c
        .status()
        .map_err(|e| format!("cannot start bash {path}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{path} failed ({status})"))
    }
}

/// The cross linker for the stand-in: Debian's aarch64 gcc driving rust-lld (the NDK's linker
/// is lld, so the Android flags --icf and --pack-dyn-relocs are accepted as on a phone build).
/// The same for both scripts, so they share one build of the dependencies. No debug info for
/// the stand-in (`-C debuginfo=0`): nobody debugs it, and it makes the cold build cheaper; the
/// uniffi metadata the bindgen reads is data, not debug info.
fn stand_in_link_env() -> Result<Vec<(String, String)>, String> {
    let lld = crate::size::rust_lld_dir()?;
    Ok(vec![
        (
            "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER".into(),
            "aarch64-linux-gnu-gcc".into(),
        ),
        (
            "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS".into(),
            format!("-C debuginfo=0 -C link-arg=-fuse-ld=lld -C link-arg=-B{lld}"),
        ),
        (
            "CC_aarch64_unknown_linux_gnu".into(),
            "aarch64-linux-gnu-gcc".into(),
        ),
        (
            "AR_aarch64_unknown_linux_gnu".into(),
            "aarch64-linux-gnu-ar".into(),
        ),
    ])
}

/// `bash -n` and shellcheck on both scripts (shellcheck from Debian, installed when missing).
fn check_scripts() -> Result<(), String> {
    for s in SCRIPTS {
        run(&format!("bash -n {s}"), "bash", &["-n", s])?;
    }
    if Command::new("shellcheck")
        .arg("--version")
        .output()
        .is_err()
    {
        let install = ["install", "-y", "--no-install-recommends", "shellcheck"];
        if run("install shellcheck", "apt-get", &install).is_err() {
            run("apt index", "apt-get", &["update"])?;
            run("install shellcheck", "apt-get", &install)?;
        }
    }
    run("shellcheck", "shellcheck", &SCRIPTS)
}

/// The generated Android Kotlin: the bindings, with Android's cleaner (uniffi-android.toml).
fn check_android_bindings(dir: &Path) -> Result<(), String> {
    let files = crate::kotlin::kotlin_sources(dir);
    let text: String = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect();
    if !text.contains("package org.weprotect.core") {
        return Err(format!(
            "build-native.sh generated no org.weprotect.core bindings in {}",
            dir.display()
        ));
    }
    if !text.contains("android.system.SystemCleaner") {
        return Err("the Android bindings do not use SystemCleaner: android/uniffi-android.toml was not applied".into());
    }
    eprintln!(
        "==> Android bindings generated ({} file(s), SystemCleaner)",
        files.len()
    );
    Ok(())
}

/// The version catalog, read as far as this check needs: `[section] key = value` lines.
type Catalog = BTreeMap<String, BTreeMap<String, String>>;

fn parse_catalog(text: &str) -> Catalog {
    let mut out = Catalog::new();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
        } else if let Some((k, v)) = line.split_once('=') {
            out.entry(section.clone())
                .or_default()
                .insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    out
}

/// The value of `key = "..."` inside an inline table such as `{ module = "a:b", version.ref = "x" }`.
fn inline_value<'a>(table: &'a str, key: &str) -> Option<&'a str> {
    let at = table.find(&format!("{key} = \""))? + key.len() + 4;
    table[at..].split('"').next()
}

fn unquote(v: &str) -> &str {
    v.trim_matches('"')
}

fn version_tuple(v: &str) -> Option<(u32, u32, u32)> {
    let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
    Some((
        parts.next()??,
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
    ))
}

/// Every `libs.…` accessor the Gradle files use, as (kind, catalog key).
fn catalog_references(gradle: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    // Code only: comments mention files such as gradle/libs.versions.toml.
    let code: String = gradle
        .lines()
        .map(|l| l.split("//").next().unwrap_or_default().to_string() + "\n")
        .collect();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("libs.") {
        let before = rest[..at].chars().last();
        let tail = &rest[at + 5..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
            .unwrap_or(tail.len());
        let path = tail[..end].trim_end_matches('.');
        rest = &tail[end..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let (kind, name) = if let Some(v) = path.strip_prefix("versions.") {
            ("versions", v.trim_end_matches(".get"))
        } else if let Some(p) = path.strip_prefix("plugins.") {
            ("plugins", p)
        } else {
            ("libraries", path)
        };
        out.push((kind, name.replace('.', "-")));
    }
    out
}

/// Resolves every artifact version the Gradle files name against what Cargo.lock and the crates
/// ship, and keeps the rules the review found broken.
fn check_gradle_versions() -> Result<(), String> {
    let catalog_text =
        std::fs::read_to_string(root().join(CATALOG)).map_err(|e| format!("{CATALOG}: {e}"))?;
    let catalog = parse_catalog(&catalog_text);
    let empty = BTreeMap::new();
    let versions = catalog.get("versions").unwrap_or(&empty);
    let libraries = catalog.get("libraries").unwrap_or(&empty);
    let plugins = catalog.get("plugins").unwrap_or(&empty);
    let gradle: Vec<(String, String)> = GRADLE_FILES
        .iter()
        .map(|f| {
            std::fs::read_to_string(root().join(f))
                .map(|t| (f.to_string(), t))
                .map_err(|e| format!("{f}: {e}"))
        })
        .collect::<Result<_, _>>()?;

    // 1. Every accessor names a catalog entry, every version.ref a version, no dynamic version.
    for (file, text) in &gradle {
        for (kind, key) in catalog_references(text) {
            let table = match kind {
                "versions" => versions,
                "plugins" => plugins,
                _ => libraries,
            };
            if !table.contains_key(&key) {
                return Err(format!(
                    "{file} uses libs.{kind}…{key}, which {CATALOG} does not define"
                ));
            }
        }
        if text.contains("latest.release") || text.contains("latest.integration") {
            return Err(format!("{file} asks for a dynamic version (latest.*)"));
        }
    }
    for (name, entry) in libraries.iter().chain(plugins.iter()) {
        if let Some(r) = inline_value(entry, "version.ref")
            && !versions.contains_key(r)
        {
            return Err(format!(
                "{CATALOG}: {name} refers to version `{r}`, which is not defined"
            ));
        }
        if let Some(v) = inline_value(entry, "version")
            && (v.starts_with("latest.") || v.ends_with('+'))
        {
            return Err(format!("{CATALOG}: {name} has the dynamic version `{v}`"));
        }
    }

    // 2. rustls-platform-verifier: the crate in Cargo.lock, the artifact from the remote
    //    maven-archive repository at that crate's version (the crate ships no maven/ folder).
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let verifier_version = lock_version(&lock, VERIFIER_CRATE)
        .ok_or_else(|| format!("Cargo.lock has no {VERIFIER_CRATE}"))?;
    let entry = libraries
        .get("rustls-platform-verifier")
        .ok_or_else(|| format!("{CATALOG} has no rustls-platform-verifier library"))?;
    let module = inline_value(entry, "module").unwrap_or_default();
    let (group, artifact) = module.split_once(':').unwrap_or_default();
    if (group, artifact) != ("rustls", "rustls-platform-verifier") {
        return Err(format!(
            "{CATALOG}: the verifier's module is `{module}`; the published POM is rustls:rustls-platform-verifier"
        ));
    }
    if inline_value(entry, "version").is_some() || inline_value(entry, "version.ref").is_some() {
        return Err(format!(
            "{CATALOG}: the verifier's version must come from Cargo.lock ({VERIFIER_CRATE} {verifier_version}), not the catalog"
        ));
    }
    let settings = &gradle[0].1;
    if !settings.contains(VERIFIER_REPOSITORY) {
        return Err(format!(
            "{} does not add {VERIFIER_REPOSITORY}",
            GRADLE_FILES[0]
        ));
    }
    let library = &gradle[2].1;
    for needed in [
        format!("\"{VERIFIER_CRATE}\""),
        "requested.group == \"rustls\"".to_string(),
        "requested.name == \"rustls-platform-verifier\"".to_string(),
        "\"Cargo.lock\"".to_string(),
        "useVersion(".to_string(),
    ] {
        if !library.contains(&needed) {
            return Err(format!(
                "{} does not pin the verifier to Cargo.lock (missing `{needed}`)",
                GRADLE_FILES[2]
            ));
        }
    }
    let crate_dir = crate_dir(VERIFIER_CRATE, &verifier_version)?;
    let manifest =
        std::fs::read_to_string(crate_dir.join("Cargo.toml")).map_err(|e| e.to_string())?;
    if package_of(&manifest)
        != (
            Some(VERIFIER_CRATE.to_string()),
            Some(verifier_version.clone()),
        )
    {
        return Err(format!(
            "{} is not {VERIFIER_CRATE} {verifier_version}",
            crate_dir.display()
        ));
    }
    if crate_dir.join("maven").exists() {
        eprintln!(
            "==> note: {VERIFIER_CRATE} {verifier_version} ships a maven/ folder again; the build uses the remote repository"
        );
    }

    // 3. JNA with a 16 KB-page libjnidispatch, an NDK that aligns for 16 KB pages.
    let jna = versions.get("jna").map(|v| unquote(v)).unwrap_or_default();
    if version_tuple(jna).is_none_or(|v| v < JNA_16K) {
        return Err(format!(
            "{CATALOG}: JNA {jna} breaks 16 KB-page devices; use 5.17.0 or later"
        ));
    }
    let ndk = versions.get("ndk").map(|v| unquote(v)).unwrap_or_default();
    if version_tuple(ndk).is_none_or(|v| v.0 < NDK_16K_MAJOR) {
        return Err(format!("{CATALOG}: ndk `{ndk}` is not r{NDK_16K_MAJOR}+"));
    }
    eprintln!(
        "==> Gradle versions: every libs.* entry resolves; {VERIFIER_CRATE} {verifier_version} from Cargo.lock \
         (crate at {}), JNA {jna}, NDK {ndk}",
        crate_dir.display()
    );
    Ok(())
}

/// The version of `name` in Cargo.lock.
fn lock_version(lock: &str, name: &str) -> Option<String> {
    let mut lines = lock
        .lines()
        .skip_while(|l| l.trim() != format!("name = \"{name}\""));
    lines.next()?;
    lines
        .find_map(|l| l.trim().strip_prefix("version = "))
        .map(|v| unquote(v).to_string())
}

/// Where cargo keeps the source of `name` `version` (an Android-only dependency: resolved for
/// aarch64-linux-android, downloaded if needed): the package whose manifest is
/// `<registry>/<name>-<version>/Cargo.toml` in `cargo metadata`.
fn crate_dir(name: &str, version: &str) -> Result<PathBuf, String> {
    let out = Command::new(cargo())
        .args([
            "metadata",
            "--format-version",
            "1",
            "--filter-platform",
            "aarch64-linux-android",
        ])
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err("cargo metadata failed".into());
    }
    let json = String::from_utf8_lossy(&out.stdout);
    let folder = format!("{name}-{version}");
    json.split("\"manifest_path\":\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|manifest| {
            Path::new(manifest)
                .parent()
                .unwrap_or(Path::new(""))
                .to_path_buf()
        })
        .find(|dir| {
            dir.file_name()
                .is_some_and(|f| f.to_string_lossy() == folder)
        })
        .ok_or_else(|| format!("cargo metadata lists no {folder} for aarch64-linux-android"))
}

/// The `[package]` name and version of a Cargo.toml.
fn package_of(manifest: &str) -> (Option<String>, Option<String>) {
    let mut in_package = false;
    let (mut name, mut version) = (None, None);
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package {
            if let Some(v) = line.strip_prefix("name = ") {
                name = Some(unquote(v).to_string());
            } else if let Some(v) = line.strip_prefix("version = ") {
                version = Some(unquote(v).to_string());
            }
        }
    }
    (name, version)
}

/// The Gradle task's inputs (`nativeInputs` in weprotect/build.gradle.kts) must cover every file
/// the core and the bindings compile in with include_str!/include_bytes!, or an edit to it would
/// leave the task UP-TO-DATE with a stale library (review D2).
fn check_native_inputs() -> Result<(), String> {
    let file = GRADLE_FILES[2];
    let text = std::fs::read_to_string(root().join(file)).map_err(|e| format!("{file}: {e}"))?;
    let start = text
        .find("val nativeInputs = listOf(")
        .ok_or_else(|| format!("{file} has no `val nativeInputs = listOf(`"))?;
    let block = &text[start
        ..start
            + text[start..]
                .find("\n)")
                .ok_or("nativeInputs is not closed")?];
    let inputs: Vec<PathBuf> = block
        .lines()
        .skip(1)
        .filter_map(|l| l.trim().strip_prefix('"')?.split('"').next())
        .map(|p| root().join(p))
        .collect();
    for input in &inputs {
        if !input.exists() {
            return Err(format!(
                "{file}: the input {} does not exist",
                input.display()
            ));
        }
    }
    let mut included = 0;
    for dir in ["core/src", "bindings/src"] {
        for source in rust_files(&root().join(dir)) {
            let code = std::fs::read_to_string(&source).unwrap_or_default();
            for macro_name in ["include_str!(\"", "include_bytes!(\""] {
                for (at, _) in code.match_indices(macro_name) {
                    let rel = code[at + macro_name.len()..]
                        .split('"')
                        .next()
                        .unwrap_or_default();
                    let path = source.parent().unwrap_or(Path::new(".")).join(rel);
                    let path = std::fs::canonicalize(&path)
                        .map_err(|e| format!("{} includes {rel}: {e}", source.display()))?;
                    if !inputs
                        .iter()
                        .any(|i| std::fs::canonicalize(i).is_ok_and(|i| path.starts_with(i)))
                    {
                        return Err(format!(
                            "{} compiles in {}, which is not among {file}'s nativeInputs",
                            source.display(),
                            path.display()
                        ));
                    }
                    included += 1;
                }
            }
        }
    }
    eprintln!(
        "==> Gradle task inputs cover all {included} file(s) the core and bindings compile in"
    );
    Ok(())
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_accessor_is_found_with_its_kind() {
        let refs = catalog_references(
            "implementation(libs.androidx.core.ktx)\nminSdk = libs.versions.minSdk.get().toInt()\nalias(libs.plugins.kotlin.android)\nval mylibs.x = 1",
        );
        assert_eq!(
            refs,
            vec![
                ("libraries", "androidx-core-ktx".to_string()),
                ("versions", "minSdk".to_string()),
                ("plugins", "kotlin-android".to_string()),
            ]
        );
    }

    #[test]
    fn the_lock_version_is_read_for_the_named_package_only() {
        let lock = "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n[[package]]\nname = \"rustls-platform-verifier-android\"\nversion = \"0.2.0\"\n";
        assert_eq!(lock_version(lock, VERIFIER_CRATE).as_deref(), Some("0.2.0"));
        assert_eq!(lock_version(lock, "b"), None);
    }

    #[test]
    fn a_manifest_names_its_package_not_its_dependencies() {
        let m = "[package]\nname = \"a\"\nversion = \"0.7.1\"\n\n[dependencies.b]\nversion = \"0.2.0\"\n";
        assert_eq!(package_of(m), (Some("a".into()), Some("0.7.1".into())));
    }

    #[test]
    fn the_committed_gradle_files_pass_the_version_checks() {
        check_gradle_versions().unwrap();
        check_native_inputs().unwrap();
    }

    #[test]
    fn a_dynamic_or_unknown_catalog_entry_is_found() {
        let c = parse_catalog(
            "[versions]\njna = \"5.18.1\"\n[libraries]\nx = { module = \"a:b\", version = \"latest.release\" }\n",
        );
        let x = &c["libraries"]["x"];
        assert_eq!(inline_value(x, "version"), Some("latest.release"));
        assert_eq!(inline_value(x, "module"), Some("a:b"));
        assert_eq!(version_tuple("5.15.0").map(|v| v < JNA_16K), Some(true));
        assert_eq!(version_tuple("5.18.1").map(|v| v < JNA_16K), Some(false));
    }
}
