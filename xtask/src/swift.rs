//! `cargo xtask test swift`: the generated Swift bindings and the Swift package's own code,
//! compiled and run against the real library on Linux.
//!
//! Where `swift` is on PATH (macOS, or a Linux machine with a toolchain) it is used directly.
//! Otherwise Swift 6.0.3 runs from Debian 13's `swiftlang` inside a minbase chroot that this module
//! builds once into a cache folder outside the repository (`/var/cache/weprotect/swift-chroot`,
//! or `WEPROTECT_SWIFT_CHROOT`). A stamp file marks a finished chroot, so a half-built one (an
//! interrupted download) is removed and rebuilt instead of being trusted. While the tests run, proc
//! and the worktree are mounted into the chroot at the same absolute paths as on the host (so every
//! path means the same inside and out); a guard unmounts them however the run ends, and a stale
//! mount left by a killed run is cleared before the next one.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Bump when the recipe changes, so cached chroots built by an older recipe are rebuilt.
const RECIPE: &str = "debian-stable minbase + swiftlang libc6-dev libstdc++-14-dev (v1)";
const STAMP: &str = ".weprotect-swift-ready";
const PACKAGES: &[&str] = &["swiftlang", "libc6-dev", "libstdc++-14-dev"];

/// Where the chroot lives: outside the repository, so CI and later runs reuse it.
fn chroot_dir() -> PathBuf {
    std::env::var_os("WEPROTECT_SWIFT_CHROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/weprotect/swift-chroot"))
}

/// How Swift commands are run: natively, or inside the chroot.
pub enum Toolchain {
    /// `swift`/`swiftc` found on PATH.
    Native,
    /// The cached Debian chroot; commands run through `chroot DIR`.
    Chroot(PathBuf),
}

impl Toolchain {
    /// A command that runs `program` with this toolchain, in `cwd` (same path inside the chroot).
    pub fn command(&self, program: &str, cwd: &Path) -> Command {
        match self {
            Toolchain::Native => {
                let mut c = Command::new(program);
                c.current_dir(cwd);
                c
            }
            Toolchain::Chroot(dir) => {
                let mut c = Command::new("chroot");
                // `env -C` changes into the folder inside the chroot; HOME keeps swift's caches
                // (module cache) inside the chroot rather than in a host path that is not mounted.
                c.arg(dir)
                    .arg("env")
                    .arg("-C")
                    .arg(cwd)
                    .arg("HOME=/root")
                    .arg("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
                    .arg(program);
                c
            }
        }
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Finds `swiftc` on PATH, or makes sure the cached chroot exists (building it when missing).
pub fn toolchain() -> Result<Toolchain, String> {
    if std::env::var_os("WEPROTECT_SWIFT_FORCE_CHROOT").is_none()
        && on_path("swift")
        && on_path("swiftc")
    {
        eprintln!("==> swift: using swift found on PATH");
        return Ok(Toolchain::Native);
    }
    let dir = chroot_dir();
    ensure_chroot(&dir)?;
    Ok(Toolchain::Chroot(dir))
}

fn stamp_is_current(dir: &Path) -> bool {
    fs::read_to_string(dir.join(STAMP)).is_ok_and(|s| s.trim() == RECIPE)
}

fn ensure_chroot(dir: &Path) -> Result<(), String> {
    if stamp_is_current(dir) {
        eprintln!("==> swift: reusing chroot {}", dir.display());
        return Ok(());
    }
    if !is_root() {
        return Err(format!(
            "swift is not on PATH and building the Swift chroot at {} needs root \
             (debootstrap, chroot, mount); run as root or install Swift 6",
            dir.display()
        ));
    }
    // One run at a time builds or mounts the chroot (CI and a developer, or two worktrees, may
    // share it); the one that waited finds it built.
    let lock = lock_chroot(dir)?;
    if stamp_is_current(dir) {
        return Ok(());
    }
    // A chroot without the stamp is half-built (or from an older recipe): start again. Any mounts
    // a killed run left inside it must go first, or removing it would reach into them.
    if dir.exists() {
        eprintln!(
            "==> swift: {} is incomplete or stale; rebuilding",
            dir.display()
        );
        unmount_everything_under(dir);
        fs::remove_dir_all(dir).map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
    }
    if !on_path("debootstrap") {
        sh("install debootstrap", "apt-get", &["update"])?;
        sh(
            "install debootstrap",
            "apt-get",
            &["install", "-y", "--no-install-recommends", "debootstrap"],
        )?;
    }
    let mirror = host_mirror()?;
    let parent = dir.parent().ok_or("chroot folder has no parent")?;
    fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let dir_s = dir.to_str().ok_or("chroot path is not UTF-8")?;
    sh(
        "debootstrap",
        "debootstrap",
        &["--variant=minbase", "stable", dir_s, &mirror],
    )?;
    // Name resolution inside the chroot for apt.
    if let Ok(resolv) = fs::read("/etc/resolv.conf") {
        let _ = fs::write(dir.join("etc/resolv.conf"), resolv);
    }
    {
        let _mounts = Mounts::with_lock(dir, &[], lock)?;
        let chroot = Toolchain::Chroot(dir.to_path_buf());
        let root = Path::new("/");
        let mut update = chroot.command("apt-get", root);
        update.arg("update");
        status("chroot apt-get update", update)?;
        let mut install = chroot.command("apt-get", root);
        install
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "--no-install-recommends"])
            .args(PACKAGES);
        status("chroot apt-get install swiftlang", install)?;
        let mut clean = chroot.command("apt-get", root);
        clean.arg("clean");
        status("chroot apt-get clean", clean)?;
    }
    fs::write(dir.join(STAMP), format!("{RECIPE}\n"))
        .map_err(|e| format!("cannot write the chroot stamp: {e}"))?;
    eprintln!("==> swift: chroot ready at {}", dir.display());
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The first `URIs:` value of the host's deb822 sources (the mirror this machine is allowed to
/// reach), falling back to the one-line sources.list format.
fn host_mirror() -> Result<String, String> {
    if let Ok(text) = fs::read_to_string("/etc/apt/sources.list.d/debian.sources") {
        for line in text.lines() {
            if let Some(rest) = line.trim().strip_prefix("URIs:")
                && let Some(uri) = rest.split_whitespace().next()
            {
                return Ok(uri.to_string());
            }
        }
    }
    if let Ok(text) = fs::read_to_string("/etc/apt/sources.list") {
        for line in text.lines() {
            let mut words = line.split_whitespace();
            if words.next() == Some("deb")
                && let Some(uri) = words.find(|w| !w.starts_with('['))
            {
                return Ok(uri.to_string());
            }
        }
    }
    Err("no Debian mirror found in /etc/apt/sources.list.d/debian.sources".into())
}

/// An exclusive lock on the chroot (a sibling lock file), held while it is built or mounted.
fn lock_chroot(dir: &Path) -> Result<fs::File, String> {
    let parent = dir.parent().ok_or("chroot folder has no parent")?;
    fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let path = dir.with_extension("lock");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    if file.try_lock().is_err() {
        eprintln!(
            "==> swift: waiting for another run to release {}",
            path.display()
        );
        file.lock()
            .map_err(|e| format!("cannot lock {}: {e}", path.display()))?;
    }
    Ok(file)
}

/// Mounts that live exactly as long as this value: proc and bind mounts of host folders at the
/// same absolute path inside the chroot. Dropped in reverse order, also on error and panic; the
/// chroot's lock is released only after the last unmount.
pub struct Mounts {
    points: Vec<PathBuf>,
    _lock: fs::File,
}

impl Mounts {
    /// Locks the chroot, mounts proc into `dir`, then bind-mounts each of `binds` at its own
    /// path inside `dir`.
    pub fn new(dir: &Path, binds: &[&Path]) -> Result<Self, String> {
        Mounts::with_lock(dir, binds, lock_chroot(dir)?)
    }

    fn with_lock(dir: &Path, binds: &[&Path], lock: fs::File) -> Result<Self, String> {
        // A run that was killed (SIGKILL, a CI timeout) never ran its Drop: clear what it left.
        // Safe: holding the lock, no other run has anything mounted.
        unmount_everything_under(dir);
        let mut mounts = Mounts {
            points: Vec::new(),
            _lock: lock,
        };
        let proc_point = dir.join("proc");
        fs::create_dir_all(&proc_point).map_err(|e| format!("mkdir proc: {e}"))?;
        mount(&["-t", "proc", "proc"], &proc_point)?;
        mounts.points.push(proc_point);
        for host in binds {
            let inside = dir.join(host.strip_prefix("/").unwrap_or(host));
            fs::create_dir_all(&inside)
                .map_err(|e| format!("cannot create {}: {e}", inside.display()))?;
            let host_s = host.to_str().ok_or("bind path is not UTF-8")?;
            mount(&["--bind", host_s], &inside)?;
            mounts.points.push(inside);
        }
        Ok(mounts)
    }
}

impl Drop for Mounts {
    fn drop(&mut self) {
        for point in self.points.iter().rev() {
            let ok = Command::new("umount")
                .arg(point)
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                // Busy (a process still inside): detach lazily rather than leave it mounted.
                let _ = Command::new("umount").arg("-l").arg(point).status();
            }
        }
    }
}

fn mount(args: &[&str], point: &Path) -> Result<(), String> {
    let s = Command::new("mount")
        .args(args)
        .arg(point)
        .status()
        .map_err(|e| format!("cannot run mount: {e}"))?;
    if s.success() {
        Ok(())
    } else {
        Err(format!(
            "mount {} {} failed",
            args.join(" "),
            point.display()
        ))
    }
}

/// Lazily unmounts every mount point at or below `dir`, deepest first.
fn unmount_everything_under(dir: &Path) {
    let Ok(table) = fs::read_to_string("/proc/self/mounts") else {
        return;
    };
    let mut points: Vec<PathBuf> = table
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(|p| PathBuf::from(p.replace("\\040", " ")))
        .filter(|p| p.starts_with(dir) && p != dir)
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    for p in points {
        eprintln!("==> swift: clearing stale mount {}", p.display());
        let _ = Command::new("umount").arg("-l").arg(&p).status();
    }
}

fn sh(step: &str, program: &str, args: &[&str]) -> Result<(), String> {
    let mut c = Command::new(program);
    c.args(args);
    status(step, c)
}

fn status(step: &str, mut c: Command) -> Result<(), String> {
    eprintln!("==> {step}");
    let s = c
        .status()
        .map_err(|e| format!("{step}: cannot start: {e}"))?;
    if s.success() {
        Ok(())
    } else {
        Err(format!("{step} failed ({s})"))
    }
}

/// One Swift library module to compile: its name, its sources, and the libraries it links.
struct Module {
    name: &'static str,
    sources: Vec<PathBuf>,
    /// Objects handed to the linker directly (swiftc's autolink scan cannot read an object with
    /// more than 65535 sections, which the pre-linked Rust library has).
    objects: Vec<PathBuf>,
    links: Vec<String>,
}

/// Every `*.swift` file under `dir`, sorted (a missing folder has none).
fn swift_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "swift") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Test classes and their test methods, read from XCTest sources (Linux XCTest has no runtime
/// discovery when compiled with swiftc, so the runner lists them). Returns (class, [(method,
/// is_async)]).
fn discover_tests(sources: &[PathBuf]) -> Vec<(String, Vec<(String, bool)>)> {
    let mut classes: Vec<(String, Vec<(String, bool)>)> = Vec::new();
    for file in sources {
        let Ok(text) = fs::read_to_string(file) else {
            continue;
        };
        for line in text.lines() {
            let t = line.trim_start();
            if let Some(rest) = t
                .strip_prefix("final class ")
                .or_else(|| t.strip_prefix("class "))
                && let Some((name, parent)) = rest.split_once(':')
                && parent.trim_start().starts_with("XCTestCase")
            {
                classes.push((name.trim().to_string(), Vec::new()));
            } else if let Some(rest) = t.strip_prefix("func test")
                && let Some((name, after)) = rest.split_once("()")
                && name.chars().all(|c| c.is_alphanumeric() || c == '_')
                && let Some((_, methods)) = classes.last_mut()
            {
                let is_async = after.trim_start().starts_with("async");
                methods.push((format!("test{name}"), is_async));
            }
        }
    }
    classes.retain(|(_, m)| !m.is_empty());
    classes
}

/// The Linux test runner: `XCTMain` over every discovered test. In Swift 6 language mode its
/// method references (`ATests.testX`) capture the test instance in Sendable closures, so the
/// test classes are declared `XCTestCase, @unchecked Sendable` (XCTest runs one test method of
/// an instance at a time). With `WEPROTECT_SWIFT_CHILD` set, the executable is a child process a
/// test started (ios/Tests/WeProtectTests/RotationCrashTests.swift, killed with SIGKILL) and
/// runs the test module's `runChildScenario` instead of the tests.
fn runner_source(classes: &[(String, Vec<(String, bool)>)]) -> String {
    let mut s = String::from(
        "// Generated by `cargo xtask test swift`: lists the XCTest tests for Linux.\nimport Foundation\nimport XCTest\n\n\
         // A child process a test starts (WEPROTECT_SWIFT_CHILD names what it does) runs that and exits.\n\
         if let scenario = ProcessInfo.processInfo.environment[\"WEPROTECT_SWIFT_CHILD\"] {\n    runChildScenario(scenario)\n}\n\n\
         XCTMain([\n",
    );
    for (class, methods) in classes {
        s.push_str("    testCase([\n");
        for (m, is_async) in methods {
            if *is_async {
                s.push_str(&format!("        (\"{m}\", asyncTest({class}.{m})),\n"));
            } else {
                s.push_str(&format!("        (\"{m}\", {class}.{m}),\n"));
            }
        }
        s.push_str("    ]),\n");
    }
    s.push_str("])\n");
    s
}

/// Counts of a run, read from XCTest's per-test lines.
#[derive(Debug, Default, PartialEq)]
struct Counts {
    passed: u32,
    failed: u32,
    skipped: u32,
    failures: Vec<String>,
    skips: Vec<String>,
}

fn count_results(output: &str) -> Counts {
    let mut c = Counts::default();
    for line in output.lines() {
        let Some(rest) = line.strip_prefix("Test Case '") else {
            continue;
        };
        let Some((name, verdict)) = rest.split_once("' ") else {
            continue;
        };
        if verdict.starts_with("passed") {
            c.passed += 1;
        } else if verdict.starts_with("failed") {
            c.failed += 1;
            c.failures.push(name.to_string());
        } else if verdict.starts_with("skipped") {
            c.skipped += 1;
            c.skips.push(name.to_string());
        }
    }
    c
}

/// The Rust library the bindings build (Linux) and the generated module names (ios/uniffi.toml).
const FFI_LIB: &str = "libweprotect_ffi.so";
const FFI_LINK: &str = "weprotect_ffi";
const CORE_MODULE: &str = "WeProtectCore";
const FFI_MODULE: &str = "WeProtectCoreFFI";
/// What a Rust static library needs from the system on Linux (`--print native-static-libs`).
const RUST_NATIVE_LIBS: &[&str] = &["gcc_s", "util", "rt", "pthread", "m", "dl", "c"];

/// Generates the Swift bindings from the built library into `out`.
fn generate(target: &Path, out: &Path) -> Result<(), String> {
    generate_from(&target.join("uniffi-bindgen"), &target.join(FFI_LIB), out)
}

/// Generates the Swift bindings from `library` with the `bindgen` binary into `out`.
fn generate_from(bindgen: &Path, library: &Path, out: &Path) -> Result<(), String> {
    let _ = fs::remove_dir_all(out);
    let mut c = Command::new(bindgen);
    c.current_dir(crate::root())
        .args(["generate", "--library"])
        .arg(library)
        .args(["--language", "swift", "--no-format", "--config"])
        .arg(crate::root().join("ios/uniffi.toml"))
        .arg("--out-dir")
        .arg(out);
    status("generate Swift", c)
}

/// Generates twice and fails unless both runs wrote identical files (a generated file that
/// changes from run to run could never be checked for staleness).
fn generate_reproducibly(target: &Path, work: &Path) -> Result<PathBuf, String> {
    let a = work.join("generated");
    let b = work.join("generated-again");
    generate(target, &a)?;
    generate(target, &b)?;
    let read = |dir: &Path| -> Vec<(std::ffi::OsString, Vec<u8>)> {
        let mut files: Vec<_> = fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| Some((e.file_name(), fs::read(e.path()).ok()?)))
            .collect();
        files.sort();
        files
    };
    let (fa, fb) = (read(&a), read(&b));
    let names: Vec<String> = fa
        .iter()
        .map(|(n, _)| n.to_string_lossy().into_owned())
        .collect();
    for wanted in [
        format!("{CORE_MODULE}.swift"),
        format!("{FFI_MODULE}.h"),
        format!("{FFI_MODULE}.modulemap"),
    ] {
        if !names.contains(&wanted) {
            return Err(format!(
                "the bindgen did not write {wanted} (wrote {names:?})"
            ));
        }
    }
    if fa != fb {
        return Err("generating the Swift bindings twice gave different files".into());
    }
    eprintln!("==> generated Swift is reproducible ({})", names.join(", "));
    let _ = fs::remove_dir_all(&b);
    Ok(a)
}

/// The generated module map names Darwin, which Linux has not: that one line goes.
fn linux_modulemap(text: &str) -> String {
    text.lines()
        .filter(|l| l.trim() != "use \"Darwin\"")
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Every ```swift block of ios/README.md, in order, as one file (the quickstart must compile).
/// Blocks that use the form editor are left out when the bindings do not export it (see
/// `NEEDS_EDITOR`); returns the code and how many blocks were left out.
fn readme_snippets(readme: &Path, editor_bound: bool) -> Result<(String, usize), String> {
    let text = fs::read_to_string(readme).map_err(|e| format!("{}: {e}", readme.display()))?;
    let mut out = String::from("// Generated by `cargo xtask test swift` from ios/README.md.\n");
    let mut block: Option<String> = None;
    let (mut blocks, mut left_out) = (0, 0);
    for line in text.lines() {
        match block.as_mut() {
            None if line.trim_start().starts_with("```swift") => block = Some(String::new()),
            None => {}
            Some(code) if line.trim_start().starts_with("```") => {
                blocks += 1;
                if editor_bound || !code.contains(NEEDS_EDITOR) {
                    out.push_str(code);
                } else {
                    left_out += 1;
                }
                block = None;
            }
            Some(code) => {
                code.push_str(line);
                code.push('\n');
            }
        }
    }
    if blocks == 0 {
        return Err("ios/README.md has no ```swift block".into());
    }
    Ok((out, left_out))
}

/// Marks Swift that needs the form editor's bindings (`DraftEditor`, the form definition). The
/// bindings crate exports the editor in a later step than the store and sync; until then such
/// files are not compiled and their tests are reported as skipped, never as passed.
const NEEDS_EDITOR: &str = "// needs: form-editor";

fn needs_editor(file: &Path) -> bool {
    fs::read_to_string(file).is_ok_and(|t| t.contains(NEEDS_EDITOR))
}

/// The functions the generated header declares: the symbols the Swift side calls, and the only
/// ones a private static library may keep global.
fn header_exports(header: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let bytes = header.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if is_ident(bytes[i]) && (i == 0 || !is_ident(bytes[i - 1])) {
            let start = i;
            while i < bytes.len() && is_ident(bytes[i]) {
                i += 1;
            }
            let name = &header[start..i];
            if bytes.get(i) == Some(&b'(')
                && (name.starts_with("uniffi_") || name.starts_with("ffi_"))
            {
                out.push(name.to_string());
            }
        } else {
            i += 1;
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Global symbols a file defines, and symbols it leaves undefined (`readelf`: GNU nm trips over
/// the LLVM bitcode sections in Rust's objects).
fn symbols(file: &Path) -> Result<(Vec<String>, Vec<String>), String> {
    let out = Command::new("readelf")
        .arg("-sW")
        .arg(file)
        .output()
        .map_err(|e| format!("cannot run readelf: {e}"))?;
    if !out.status.success() {
        return Err(format!("readelf {} failed", file.display()));
    }
    let (mut defined, mut undefined) = (Vec::new(), Vec::new());
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        // Num: Value Size Type Bind Vis Ndx Name
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [_, _, _, _, bind, _, ndx, name] = parts.as_slice() else {
            continue;
        };
        if *bind != "GLOBAL" && *bind != "WEAK" {
            continue;
        }
        if *ndx == "UND" {
            undefined.push(name.to_string());
        } else {
            defined.push(name.to_string());
        }
    }
    Ok((defined, undefined))
}

/// The Linux twin of what scripts/build-xcframework.sh does to each Apple slice: `ld -r` pulls
/// from the static library exactly the objects the uniffi entry points need and binds every
/// reference inside one object; `objcopy --keep-global-symbols` (Apple: `-exported_symbols_list`)
/// makes everything else local. Checked: no `sqlite3_` symbol is global or left undefined, and
/// every header function is there. The generated module links this object, and the Swift tests
/// link the system SQLite too, so the private library is proved complete by the same tests.
fn private_static_library(target: &Path, header: &Path, build: &Path) -> Result<PathBuf, String> {
    let exports = header_exports(
        &fs::read_to_string(header).map_err(|e| format!("cannot read the header: {e}"))?,
    );
    if exports.is_empty() {
        return Err("the generated header declares no uniffi function".into());
    }
    let list = build.join("exports.txt");
    fs::write(&list, exports.join("\n") + "\n").map_err(|e| format!("exports: {e}"))?;
    let merged = build.join("weprotect_ffi_private.o");
    let mut ld = Command::new("ld");
    ld.arg("-r");
    for e in &exports {
        ld.arg("-u").arg(e);
    }
    ld.arg(target.join(format!("lib{FFI_LINK}.a")))
        .arg("-o")
        .arg(&merged);
    status("pre-link the static library (ld -r)", ld)?;
    let mut objcopy = Command::new("objcopy");
    objcopy
        .arg(format!("--keep-global-symbols={}", list.display()))
        .arg(&merged);
    status("keep only the uniffi symbols global (objcopy)", objcopy)?;
    let (defined, undefined) = symbols(&merged)?;
    let leaked: Vec<&String> = defined
        .iter()
        .filter(|s| s.starts_with("sqlite3"))
        .collect();
    if !leaked.is_empty() {
        return Err(format!(
            "the private library still exports {} sqlite3 symbols",
            leaked.len()
        ));
    }
    let unbound: Vec<&String> = undefined
        .iter()
        .filter(|s| s.starts_with("sqlite3"))
        .collect();
    if !unbound.is_empty() {
        return Err(format!("the private library leaves {unbound:?} unbound"));
    }
    let missing: Vec<&String> = exports.iter().filter(|e| !defined.contains(e)).collect();
    if !missing.is_empty() {
        return Err(format!("the private library lacks {missing:?}"));
    }
    let extra = defined.len() - exports.len();
    if extra > 0 {
        return Err(format!(
            "{extra} symbols besides the uniffi ones stayed global"
        ));
    }
    eprintln!(
        "==> private static library: {} uniffi symbols global, no sqlite3 symbol exported or unbound",
        exports.len()
    );
    Ok(merged)
}

/// Swift 6 language mode with complete strict concurrency: every Swift file compiled here (the
/// Apple-only files are `#if`-guarded and compile to nothing on Linux).
/// `-package-name` as SwiftPM passes it to every target of one package: conformances the
/// `WeProtect` layer adds to generated types are then judged as on a Mac (same package, so not
/// retroactive).
const SWIFT6: [&str; 5] = [
    "-swift-version",
    "6",
    "-strict-concurrency=complete",
    "-package-name",
    "weprotect",
];

/// Compiles without linking or running, in Swift 6 language mode with complete strict
/// concurrency: the Swift a script generated (`generated` holds WeProtectCore.swift and the
/// uniffi header and module map), the `WeProtect` package sources and the sample's plain-Swift
/// model. `cargo xtask test shells` runs it on what ios/scripts/build-xcframework.sh generated.
pub fn compile_swift6(tc: &Toolchain, generated: &Path, build: &Path) -> Result<(), String> {
    let root = crate::root();
    let _ = fs::remove_dir_all(build);
    fs::create_dir_all(build).map_err(|e| format!("cannot create {}: {e}", build.display()))?;
    let header = format!("{FFI_MODULE}.h");
    fs::copy(generated.join(&header), build.join(&header))
        .map_err(|e| format!("cannot copy the header: {e}"))?;
    let map = fs::read_to_string(generated.join(format!("{FFI_MODULE}.modulemap")))
        .map_err(|e| format!("cannot read the module map: {e}"))?;
    let modulemap = build.join(format!("{FFI_MODULE}.modulemap"));
    fs::write(&modulemap, linux_modulemap(&map)).map_err(|e| format!("modulemap: {e}"))?;
    let core = generated.join(format!("{CORE_MODULE}.swift"));
    let editor_bound = fs::read_to_string(&core).is_ok_and(|t| t.contains("class DraftEditor"));
    let compiled = |files: Vec<PathBuf>| -> Vec<PathBuf> {
        files
            .into_iter()
            .filter(|f| editor_bound || !needs_editor(f))
            .collect()
    };
    let ios = root.join("ios");
    let modules: [(&str, Vec<PathBuf>); 3] = [
        (CORE_MODULE, vec![core]),
        (
            "WeProtect",
            compiled(swift_files(&ios.join("Sources/WeProtect"))),
        ),
        (
            "WeProtectSample",
            compiled(swift_files(&ios.join("SampleApp/Sources"))),
        ),
    ];
    let mounts = match tc {
        Toolchain::Native => None,
        Toolchain::Chroot(dir) => Some(Mounts::new(dir, &[&root])?),
    };
    let mut files = 0;
    for (name, sources) in &modules {
        let mut c = tc.command("swiftc", build);
        c.args(SWIFT6)
            .args(["-parse-as-library", "-wmo", "-c", "-emit-module"])
            .args(["-module-name", name])
            .arg("-emit-module-path")
            .arg(build.join(format!("{name}.swiftmodule")))
            .arg("-module-cache-path")
            .arg(build.join("module-cache"))
            .arg("-Xcc")
            .arg(format!("-fmodule-map-file={}", modulemap.display()))
            .arg("-I")
            .arg(build)
            .args(sources)
            .arg("-o")
            .arg(build.join(format!("{name}.o")));
        status(&format!("swiftc -swift-version 6 {name}"), c)?;
        files += sources.len();
    }
    drop(mounts);
    eprintln!("==> Swift 6 (strict concurrency): {files} file(s) in 3 modules compiled");
    Ok(())
}

/// `cargo xtask test swift`: builds the library, generates the Swift, compiles the generated
/// module, the `WeProtect` layer, the sample app's plain-Swift model and the README quickstart,
/// then runs every XCTest test against the real library and a reference server on loopback.
pub fn test() -> Result<(), String> {
    let root = crate::root();
    let tc = toolchain()?;
    // The Kotlin layer's build (one feature set, so neither layer rebuilds the other's artifacts)
    // and its reference server on a free loopback port with a device token.
    let target = crate::kotlin::build("debug")?;
    let work = root.join("target/swift");
    let build = work.join("build");
    let _ = fs::remove_dir_all(&build);
    fs::create_dir_all(&build).map_err(|e| format!("cannot create {}: {e}", build.display()))?;
    let generated = generate_reproducibly(&target, &work)?;

    // The C side of the generated module: header and a Linux module map, side by side.
    let header = format!("{FFI_MODULE}.h");
    fs::copy(generated.join(&header), build.join(&header))
        .map_err(|e| format!("cannot copy the header: {e}"))?;
    let map = fs::read_to_string(generated.join(format!("{FFI_MODULE}.modulemap")))
        .map_err(|e| format!("cannot read the module map: {e}"))?;
    let modulemap = build.join(format!("{FFI_MODULE}.modulemap"));
    fs::write(&modulemap, linux_modulemap(&map)).map_err(|e| format!("modulemap: {e}"))?;

    let ios = root.join("ios");
    let sample = ios.join("SampleApp");
    let editor_bound = fs::read_to_string(generated.join(format!("{CORE_MODULE}.swift")))
        .is_ok_and(|t| t.contains("class DraftEditor"));
    let compiled = |files: Vec<PathBuf>| -> Vec<PathBuf> {
        files
            .into_iter()
            .filter(|f| editor_bound || !needs_editor(f))
            .collect()
    };
    let mut all_tests = swift_files(&ios.join("Tests/WeProtectTests"));
    all_tests.extend(swift_files(&ios.join("Tests/Support")));
    all_tests.extend(swift_files(&sample.join("Tests")));
    all_tests.extend(swift_files(&ios.join("Tests/ReadmeTests")));
    let mut test_sources = compiled(all_tests.clone());
    let classes = discover_tests(&test_sources);
    let not_compiled: Vec<PathBuf> = all_tests
        .into_iter()
        .filter(|f| !test_sources.contains(f))
        .collect();
    let mut pending: Vec<String> = Vec::new();
    for (class, methods) in discover_tests(&not_compiled) {
        pending.extend(methods.into_iter().map(|(m, _)| format!("{class}.{m}")));
    }
    let runner = build.join("main.swift");
    fs::write(&runner, runner_source(&classes)).map_err(|e| format!("runner: {e}"))?;
    let quickstart = build.join("Quickstart.swift");
    let (readme_code, readme_left_out) = readme_snippets(&ios.join("README.md"), editor_bound)?;
    fs::write(&quickstart, readme_code).map_err(|e| format!("quickstart: {e}"))?;
    if !editor_bound {
        eprintln!(
            "==> the bindings export no DraftEditor yet: {} Swift file(s) and {readme_left_out} \
             README block(s) marked `{NEEDS_EDITOR}` are not compiled; their {} test(s) count as skipped",
            not_compiled.len()
                + swift_files(&ios.join("Sources/WeProtect"))
                    .into_iter()
                    .chain(swift_files(&sample.join("Sources")))
                    .filter(|f| needs_editor(f))
                    .count(),
            pending.len()
        );
    }
    test_sources.push(quickstart);
    test_sources.push(runner);

    // The generated module carries the Rust library in its private, pre-linked form; the other
    // modules link only Swift.
    let private_object = private_static_library(&target, &build.join(&header), &build)?;
    let modules = [
        Module {
            name: CORE_MODULE,
            sources: vec![generated.join(format!("{CORE_MODULE}.swift"))],
            objects: vec![private_object],
            links: RUST_NATIVE_LIBS.iter().map(|l| l.to_string()).collect(),
        },
        Module {
            name: "WeProtect",
            sources: compiled(swift_files(&ios.join("Sources/WeProtect"))),
            objects: Vec::new(),
            links: vec![CORE_MODULE.into()],
        },
        Module {
            name: "WeProtectSample",
            sources: compiled(swift_files(&sample.join("Sources"))),
            objects: Vec::new(),
            links: vec!["WeProtect".into(), CORE_MODULE.into()],
        },
    ];

    let server = crate::kotlin::Server::start(&target, &work)?;
    let mounts = match &tc {
        Toolchain::Native => None,
        Toolchain::Chroot(dir) => Some(Mounts::new(dir, &[&root])?),
    };
    let cache = build.join("module-cache");
    let common = |c: &mut Command| {
        c.arg("-module-cache-path")
            .arg(&cache)
            .arg("-Xcc")
            .arg(format!("-fmodule-map-file={}", modulemap.display()))
            .arg("-I")
            .arg(&build)
            .arg("-L")
            .arg(&build);
    };
    for m in &modules {
        let mut c = tc.command("swiftc", &build);
        c.args(SWIFT6)
            .args([
                "-emit-library",
                "-emit-module",
                "-enable-testing",
                "-parse-as-library",
            ])
            .args(["-module-name", m.name]);
        if m.name != CORE_MODULE {
            // Our own Swift compiles without a diagnostic in Swift 6 mode (issue 25, item 8);
            // the generated module is uniffi's and not held to it.
            c.arg("-warnings-as-errors");
        }
        common(&mut c);
        for o in &m.objects {
            c.arg("-Xlinker").arg(o);
        }
        c.args(m.links.iter().map(|l| format!("-l{l}")))
            .args(&m.sources)
            .arg("-o")
            .arg(build.join(format!("lib{}.so", m.name)));
        status(&format!("swiftc {}", m.name), c)?;
    }
    let exe = build.join("weprotect-swift-tests");
    let mut c = tc.command("swiftc", &build);
    c.args(SWIFT6)
        .args(["-module-name", "WeProtectTests", "-warnings-as-errors"]);
    common(&mut c);
    // The system SQLite too, as an app that uses Core Data or GRDB links it: the core must keep
    // using its own.
    c.args(modules.iter().map(|m| format!("-l{}", m.name)))
        .arg("-l:libsqlite3.so.0")
        .args(&test_sources)
        .arg("-o")
        .arg(&exe);
    status("swiftc tests (+ README quickstart)", c)?;

    eprintln!(
        "==> Swift tests ({} classes; real library, reference server on loopback)",
        classes.len()
    );
    let mut c = tc.command(&exe.to_string_lossy(), &build);
    server.tls.pass_to(&mut c);
    c.env("LD_LIBRARY_PATH", &build)
        .env("WEPROTECT_SERVICE_JSON", server.dir.join("service.json"))
        .env("WEPROTECT_TOKEN", &server.token)
        .env("WEPROTECT_CLI", target.join("weprotect"))
        .env("WEPROTECT_SERVER_DIR", &server.dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = c
        .output()
        .map_err(|e| format!("cannot run the Swift tests: {e}"))?;
    drop(mounts);
    drop(server);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Everything but the per-test "started" lines, which say nothing a verdict does not.
    for line in text
        .lines()
        .filter(|l| !l.ends_with("started") && !l.contains("' started at "))
    {
        eprintln!("{line}");
    }
    let mut counts = count_results(&text);
    counts.skipped += pending.len() as u32;
    counts.skips.extend(
        pending
            .iter()
            .map(|t| format!("{t} (needs the form editor's bindings)")),
    );
    println!(
        "Swift: {} passed, {} failed, {} skipped",
        counts.passed, counts.failed, counts.skipped
    );
    for s in &counts.skips {
        println!("  skipped: {s}");
    }
    for f in &counts.failures {
        println!("  FAILED: {f}");
    }
    if counts.failed > 0 || !out.status.success() {
        return Err(format!("Swift tests failed ({})", out.status));
    }
    if counts.passed == 0 {
        return Err("no Swift test ran".into());
    }
    Ok(())
}

/// `cargo xtask bench swift`: the editor's `set` and a snapshot from Swift against the same calls
/// in Rust, in one process (ios/Benchmarks/EditorBench, the Swift twin of `cargo xtask bench
/// kotlin`), with the library as apps ship it (profile `release-ffi`, pre-linked as for the
/// tests) and the Swift compiled with `-O`. Prints medians, ranges and the ratio Swift / Rust.
pub fn bench() -> Result<(), String> {
    let root = crate::root();
    let tc = toolchain()?;
    let debug = crate::kotlin::build("debug")?;
    crate::run(
        "build (release-ffi)",
        &crate::cargo(),
        &[
            "build",
            "-p",
            "weprotect-ffi",
            "--lib",
            "--profile",
            "release-ffi",
        ],
    )?;
    let target = root.join("target/release-ffi");
    let work = root.join("target/swift-bench");
    let build = work.join("build");
    let _ = fs::remove_dir_all(&build);
    fs::create_dir_all(&build).map_err(|e| format!("cannot create {}: {e}", build.display()))?;
    let generated = work.join("generated");
    generate_from(
        &debug.join("uniffi-bindgen"),
        &target.join(FFI_LIB),
        &generated,
    )?;
    let header = format!("{FFI_MODULE}.h");
    fs::copy(generated.join(&header), build.join(&header))
        .map_err(|e| format!("cannot copy the header: {e}"))?;
    let map = fs::read_to_string(generated.join(format!("{FFI_MODULE}.modulemap")))
        .map_err(|e| format!("cannot read the module map: {e}"))?;
    let modulemap = build.join(format!("{FFI_MODULE}.modulemap"));
    fs::write(&modulemap, linux_modulemap(&map)).map_err(|e| format!("modulemap: {e}"))?;
    let object = private_static_library(&target, &build.join(&header), &build)?;
    let _mounts = match &tc {
        Toolchain::Native => None,
        Toolchain::Chroot(dir) => Some(Mounts::new(dir, &[&root])?),
    };
    let exe = build.join("weprotect-swift-bench");
    let mut c = tc.command("swiftc", &build);
    c.args(SWIFT6)
        .args(["-O", "-module-name", "EditorBench"])
        .arg("-module-cache-path")
        .arg(build.join("module-cache"))
        .arg("-Xcc")
        .arg(format!("-fmodule-map-file={}", modulemap.display()))
        .arg("-I")
        .arg(&build)
        .arg("-Xlinker")
        .arg(&object)
        .args(RUST_NATIVE_LIBS.iter().map(|l| format!("-l{l}")))
        .arg(generated.join(format!("{CORE_MODULE}.swift")))
        .arg(root.join("ios/Benchmarks/EditorBench/main.swift"))
        .arg("-o")
        .arg(&exe);
    status("swiftc -O the Swift benchmark", c)?;
    eprintln!("==> Swift benchmark");
    let out = tc
        .command(&exe.to_string_lossy(), &build)
        .output()
        .map_err(|e| format!("cannot run the Swift benchmark: {e}"))?;
    let printed = String::from_utf8_lossy(&out.stdout);
    print!("{printed}");
    if !out.status.success() {
        return Err(format!("the Swift benchmark failed ({})", out.status));
    }
    crate::bench::write_language_section(
        "swift",
        "The editor from Swift (`cargo xtask bench swift`)",
        "`set` and `snapshot()` called from Swift (`-O`, Swift 6.0.3 on Linux) through the \
         generated bindings, against the same calls made inside the library \
         (`benchmarkEditorInRust`), interleaved in one process; library profile `release-ffi`. \
         The third line calls the snapshot's C function directly and frees its buffer unread, so \
         the difference to the second is Swift lifting the buffer (uniffi's generated reader); \
         the fourth line says how much of that the snapshot's `PersonalText` objects can explain, \
         and the last compares the lift per byte with `formDefinition()`, which holds no object.",
        &printed,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_linux_module_map_drops_only_darwin() {
        let map = "module WeProtectCoreFFI {\n    header \"WeProtectCoreFFI.h\"\n    export *\n    use \"Darwin\"\n    use \"_Builtin_stdbool\"\n}\n";
        let linux = linux_modulemap(map);
        assert!(!linux.contains("Darwin"));
        assert!(linux.contains("_Builtin_stdbool") && linux.contains("header"));
    }

    #[test]
    fn readme_snippets_keep_only_swift_blocks_in_order() {
        let dir = std::env::temp_dir().join(format!("xtask-readme-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let f = dir.join("README.md");
        fs::write(
            &f,
            "text\n```swift\nlet a = 1\n```\n```sh\nls\n```\n```swift\nlet b = 2\n```\n",
        )
        .unwrap();
        let (s, left_out) = readme_snippets(&f, true).unwrap();
        assert_eq!(left_out, 0);
        let _ = fs::remove_dir_all(&dir);
        assert!(s.contains("let a = 1\nlet b = 2\n"));
        assert!(!s.contains("ls"));
    }

    #[test]
    fn header_exports_are_the_uniffi_functions_only() {
        let h = "typedef struct RustBuffer { int32_t len; } RustBuffer;\n\
                 void uniffi_weprotect_ffi_fn_func_version(RustCallStatus *_Nonnull out_status\n);\n\
                 uint32_t ffi_weprotect_ffi_uniffi_contract_version(void);\n\
                 typedef void (*UniffiCallbackInterfaceFree)(uint64_t);\n\
                 #ifndef UNIFFI_FFIDEF_X\n";
        assert_eq!(
            header_exports(h),
            vec![
                "ffi_weprotect_ffi_uniffi_contract_version",
                "uniffi_weprotect_ffi_fn_func_version"
            ]
        );
    }

    #[test]
    fn only_a_stamp_of_the_current_recipe_marks_a_finished_chroot() {
        let dir = std::env::temp_dir().join(format!("xtask-stamp-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        assert!(!stamp_is_current(&dir), "no stamp: half-built");
        fs::write(dir.join(STAMP), "an older recipe\n").unwrap();
        assert!(!stamp_is_current(&dir), "older recipe: rebuilt");
        fs::write(dir.join(STAMP), format!("{RECIPE}\n")).unwrap();
        assert!(stamp_is_current(&dir));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn readme_blocks_that_need_the_editor_are_left_out_until_it_is_bound() {
        let dir = std::env::temp_dir().join(format!("xtask-readme-ed-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let f = dir.join("README.md");
        fs::write(
            &f,
            "```swift\nlet a = 1\n```\n```swift\n// needs: form-editor\nlet b = 2\n```\n",
        )
        .unwrap();
        let (without, left_out) = readme_snippets(&f, false).unwrap();
        let (with, none) = readme_snippets(&f, true).unwrap();
        let _ = fs::remove_dir_all(&dir);
        assert_eq!((left_out, none), (1, 0));
        assert!(without.contains("let a = 1") && !without.contains("let b = 2"));
        assert!(with.contains("let b = 2"));
    }

    #[test]
    fn counts_read_passes_failures_and_skips_separately() {
        let out = "Test Case 'A.testOne' started at x\nTest Case 'A.testOne' passed (0.1 seconds)\n\
                   Test Case 'A.testTwo' skipped (0.0 seconds)\nTest Case 'A.testThree' failed (0.2 seconds)\n";
        let c = count_results(out);
        assert_eq!((c.passed, c.failed, c.skipped), (1, 1, 1));
        assert_eq!(c.skips, vec!["A.testTwo"]);
        assert_eq!(c.failures, vec!["A.testThree"]);
    }

    #[test]
    fn the_runner_lists_sync_and_async_tests_of_each_class() {
        let dir = std::env::temp_dir().join(format!("xtask-swift-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let f = dir.join("T.swift");
        fs::write(
            &f,
            "final class ATests: XCTestCase {\n    func testX() throws {}\n    func testY() async throws {}\n    func helper() {}\n}\nclass Plain {}\n",
        )
        .unwrap();
        let classes = discover_tests(&[f]);
        let _ = fs::remove_dir_all(&dir);
        assert_eq!(
            classes,
            vec![(
                "ATests".to_string(),
                vec![("testX".to_string(), false), ("testY".to_string(), true)]
            )]
        );
        let src = runner_source(&classes);
        assert!(src.contains("(\"testY\", asyncTest(ATests.testY))"));
        assert!(src.contains("(\"testX\", ATests.testX)"));
        assert!(src.contains("runChildScenario(scenario)"));
    }
}
