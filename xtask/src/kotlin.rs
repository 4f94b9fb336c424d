//! `cargo xtask test kotlin`: the generated Kotlin bindings and the `org.weprotect.core` layer,
//! compiled with kotlinc and run on the desktop JVM against the real library through JNA.
//!
//! What it needs it installs (a fresh machine has none of it): kotlinc from the npm package
//! `kotlin-compiler` into a cache folder outside the repository (`~/.cache/weprotect`, or
//! `$WEPROTECT_CACHE`), and JNA from Debian (`libjna-java libjna-jni`) when
//! `/usr/share/java/jna.jar` is missing.
//!
//! The workspace is built once (library, bindgen and CLI together) and the bindgen is run from
//! `target/<profile>/uniffi-bindgen`: `cargo run` of the bindgen alone would rebuild the uniffi
//! stack with other features (TOOLCHAIN.md). The bindings are generated twice into two folders
//! and compared, so generation is reproducible; they are not committed (the Android module
//! generates them at build time the same way), so no stale copy can ship. Every ```kotlin
//! block of docs/bindings.md is compiled with the tests, so the quickstart cannot rot. A
//! reference server (`weprotect serve`) runs on a free loopback port for the sync tests and is
//! stopped afterwards, also when a test fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{cargo, root, run};

const KOTLIN_VERSION: &str = "2.4.20";
const JNA_JAR: &str = "/usr/share/java/jna.jar";
const LIB_NAME: &str = "libweprotect_ffi.so";
/// The test runner both JVM test layers (kotlin, android) compile with their tests.
pub const TEST_RUNNER: &str = "android/test-runner/src/main/kotlin";

/// Where tools are cached between runs (outside the repository).
fn cache_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("WEPROTECT_CACHE") {
        return PathBuf::from(dir);
    }
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    PathBuf::from(home).join(".cache/weprotect")
}

/// The kotlinc distribution's home (`bin/kotlinc`, `lib/*.jar`), installed when missing.
pub fn kotlin_home() -> Result<PathBuf, String> {
    let dir = cache_dir().join(format!("kotlin-compiler-{KOTLIN_VERSION}"));
    let home = dir.join("package");
    if home.join("bin/kotlinc").exists() {
        return Ok(home);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let spec = format!("kotlin-compiler@{KOTLIN_VERSION}");
    let tgz = dir.join(format!("kotlin-compiler-{KOTLIN_VERSION}.tgz"));
    if !tgz.exists() {
        run_in(&dir, "install kotlinc", "npm", &["pack", &spec])?;
    }
    run_in(
        &dir,
        "unpack kotlinc",
        "tar",
        &["xzf", &tgz.to_string_lossy()],
    )?;
    if home.join("bin/kotlinc").exists() {
        Ok(home)
    } else {
        Err(format!("kotlinc not found in {}", home.display()))
    }
}

/// JNA's jar, installed from Debian when missing.
pub fn jna_jar() -> Result<PathBuf, String> {
    if !Path::new(JNA_JAR).exists() {
        let install = [
            "install",
            "-y",
            "--no-install-recommends",
            "libjna-java",
            "libjna-jni",
        ];
        if run("install JNA", "apt-get", &install).is_err() {
            run("apt index", "apt-get", &["update"])?;
            run("install JNA", "apt-get", &install)?;
        }
    }
    Ok(PathBuf::from(JNA_JAR))
}

fn run_in(dir: &Path, step: &str, program: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("==> {step}: {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .status()
        .map_err(|e| format!("{step}: cannot start {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{step} failed ({status})"))
    }
}

/// Builds the library, the bindgen and the CLI in one cargo invocation (one feature set).
pub fn build(profile: &str) -> Result<PathBuf, String> {
    let mut args = vec![
        "build",
        "-p",
        "weprotect-ffi",
        "-p",
        "weprotect-uniffi-bindgen",
        "-p",
        "weprotect-cli",
    ];
    if profile != "debug" {
        args.extend(["--profile", profile]);
    }
    run("build", &cargo(), &args)?;
    Ok(root().join("target").join(profile))
}

/// Generates the Kotlin bindings from the library built in `target` into `out`.
pub fn generate(target: &Path, out: &Path) -> Result<(), String> {
    generate_from(&target.join("uniffi-bindgen"), &target.join(LIB_NAME), out)
}

/// Generates the Kotlin bindings of `lib` with the bindgen binary `bindgen` into `out`.
pub fn generate_from(bindgen: &Path, lib: &Path, out: &Path) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(out);
    run(
        "generate Kotlin",
        &bindgen.to_string_lossy(),
        &[
            "generate",
            "--library",
            &lib.to_string_lossy(),
            "--language",
            "kotlin",
            "--no-format",
            "--out-dir",
            &out.to_string_lossy(),
        ],
    )
}

/// Every file under `dir`, relative path and bytes, sorted.
fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push((path.strip_prefix(dir).unwrap_or(&path).to_path_buf(), bytes));
            }
        }
    }
    out.sort();
    out
}

/// Generates twice and fails unless both runs wrote identical files; returns the folder.
pub fn generate_reproducibly(target: &Path, work: &Path) -> Result<PathBuf, String> {
    let a = work.join("generated");
    let b = work.join("generated-again");
    generate(target, &a)?;
    generate(target, &b)?;
    let (fa, fb) = (files_under(&a), files_under(&b));
    if fa.is_empty() {
        return Err("the bindgen wrote no Kotlin".into());
    }
    if fa != fb {
        return Err("generating the Kotlin bindings twice gave different files".into());
    }
    eprintln!(
        "==> generated Kotlin is reproducible ({} file(s))",
        fa.len()
    );
    let _ = std::fs::remove_dir_all(&b);
    Ok(a)
}

/// Writes every ```kotlin block of docs/bindings.md to its own file under `out`.
pub fn extract_doc_snippets(out: &Path) -> Result<Vec<PathBuf>, String> {
    let doc = root().join("docs/bindings.md");
    let text = std::fs::read_to_string(&doc).map_err(|e| format!("{}: {e}", doc.display()))?;
    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let mut files = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.trim_end() == "```kotlin" => current = Some(String::new()),
            (Some(block), l) if l.starts_with("```") => {
                let file = out.join(format!("DocSnippet{}.kt", files.len() + 1));
                std::fs::write(&file, block.as_bytes()).map_err(|e| e.to_string())?;
                files.push(file);
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    if files.is_empty() {
        return Err("docs/bindings.md has no ```kotlin block (the quickstart)".into());
    }
    Ok(files)
}

/// `.kt` files under `dir`, sorted.
pub fn kotlin_sources(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = files_under(dir)
        .into_iter()
        .map(|(p, _)| dir.join(p))
        .filter(|p| p.extension().is_some_and(|e| e == "kt"))
        .collect();
    files.sort();
    files
}

/// The jars of the Kotlin distribution a program needs at run time.
fn runtime_jars(kotlin: &Path) -> Vec<PathBuf> {
    ["kotlin-stdlib.jar", "kotlinx-coroutines-core-jvm.jar"]
        .iter()
        .map(|j| kotlin.join("lib").join(j))
        .collect()
}

fn classpath(jars: &[PathBuf]) -> String {
    jars.iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(":")
}

/// Compiles `sources` into `jar` with kotlinc.
pub fn compile(kotlin: &Path, jna: &Path, sources: &[PathBuf], jar: &Path) -> Result<(), String> {
    let mut cp = runtime_jars(kotlin);
    cp.push(jna.to_path_buf());
    let mut args: Vec<String> = vec![
        "-nowarn".into(),
        "-jvm-target".into(),
        "17".into(),
        "-cp".into(),
        classpath(&cp),
        "-d".into(),
        jar.to_string_lossy().into(),
    ];
    args.extend(sources.iter().map(|s| s.to_string_lossy().into_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(
        "compile Kotlin",
        &kotlin.join("bin/kotlinc").to_string_lossy(),
        &args,
    )
}

/// A `java` command with the library, JNA and the Kotlin runtime on its paths.
pub fn java(kotlin: &Path, jna: &Path, jar: &Path, lib_dir: &Path, main: &str) -> Command {
    let mut cp = vec![jar.to_path_buf()];
    cp.extend(runtime_jars(kotlin));
    cp.push(jna.to_path_buf());
    let mut cmd = Command::new("java");
    cmd.arg(format!("-Djna.library.path={}", lib_dir.display()))
        .arg("-cp")
        .arg(classpath(&cp))
        .arg(main)
        .current_dir(root());
    cmd
}

/// What a JVM test run needs: the Kotlin runtime, JNA, the compiled tests and the library.
pub struct JvmTests<'a> {
    /// The kotlinc distribution's home.
    pub kotlin: &'a Path,
    /// JNA's jar.
    pub jna: &'a Path,
    /// The compiled tests.
    pub jar: &'a Path,
    /// The target folder holding the library and the `weprotect` CLI.
    pub target: &'a Path,
    /// The layer's work folder (the server's and the tests' folders go under it).
    pub work: &'a Path,
}

/// Runs the test program `main` of `jar` against a reference server on loopback (stopped
/// afterwards, also when a test fails), with the tests' own folder `work/test_dir`. The
/// environment it passes (`WEPROTECT_SERVICE_JSON`, `WEPROTECT_TOKEN`, `WEPROTECT_TEST_DIR`) is
/// what the shared test runner reads.
pub fn run_jvm_tests(
    t: &JvmTests<'_>,
    what: &str,
    main: &str,
    test_dir: &str,
) -> Result<(), String> {
    let server = Server::start(t.target, t.work)?;
    eprintln!("==> {what}");
    let mut cmd = java(t.kotlin, t.jna, t.jar, t.target, main);
    server.tls.pass_to(&mut cmd);
    let status = cmd
        .env("WEPROTECT_SERVICE_JSON", server.dir.join("service.json"))
        .env("WEPROTECT_TOKEN", &server.token)
        .env("WEPROTECT_TEST_DIR", t.work.join(test_dir))
        .status()
        .map_err(|e| format!("cannot start java: {e}"))?;
    drop(server);
    if status.success() {
        Ok(())
    } else {
        Err(format!("{main} failed ({status})"))
    }
}

/// The reference server on a free loopback port, killed on drop, with a TLS front.
pub struct Server {
    child: Child,
    /// Its data directory (service.json, tokens).
    pub dir: PathBuf,
    /// A device token issued for the tests.
    pub token: String,
    /// The same server behind TLS with a private certificate authority.
    pub tls: TlsFront,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The reference server behind TLS, with a certificate for `localhost` issued by a certificate
/// authority made for this run (JDK's keytool; `xtask/tls-front/TlsFront.java` terminates TLS
/// and passes the bytes on), so the Kotlin and Swift tests can check the pin and the trust of a
/// private CA against the real server. Stopped on drop (its standard input is closed).
pub struct TlsFront {
    child: Child,
    /// `https://127.0.0.1:<port>` (the certificate names 127.0.0.1 and localhost).
    pub endpoint: String,
    /// The private CA's certificate (DER), which only `SyncEngine.withExtraRoots` trusts.
    pub ca_der: PathBuf,
    /// SHA-256 of the server certificate's SubjectPublicKeyInfo (hex): the right pin.
    pub pin: String,
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TlsFront {
    /// Makes the CA and the server certificate in `dir` and starts the front before `port`.
    pub fn start(dir: &Path, port: u16) -> Result<TlsFront, String> {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let pass = "weprotect-test";
        let store = |name: &str| dir.join(name).to_string_lossy().into_owned();
        let (ca, leaf) = (store("ca.p12"), store("leaf.p12"));
        let p12 = ["-storetype", "PKCS12", "-storepass", pass, "-keypass", pass];
        let ec = ["-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2"];
        let steps: Vec<Vec<&str>> = vec![
            vec![
                "-genkeypair",
                "-alias",
                "ca",
                "-dname",
                "CN=WEPROTECT test CA",
                "-ext",
                "bc:c",
            ],
            vec!["-genkeypair", "-alias", "leaf", "-dname", "CN=localhost"],
        ];
        for (i, step) in steps.iter().enumerate() {
            let ks = if i == 0 { &ca } else { &leaf };
            keytool(
                dir,
                &[step.as_slice(), &ec, &p12, &["-keystore", ks]].concat(),
            )?;
        }
        let (csr, crt) = (store("leaf.csr"), store("leaf.pem"));
        let (ca_der, ca_pem) = (store("ca.der"), store("ca.pem"));
        keytool(
            dir,
            &[
                &[
                    "-certreq",
                    "-alias",
                    "leaf",
                    "-file",
                    &csr,
                    "-keystore",
                    &leaf,
                ][..],
                &p12,
            ]
            .concat(),
        )?;
        keytool(
            dir,
            &[
                &[
                    "-gencert", "-alias", "ca", "-infile", &csr, "-outfile", &crt, "-rfc",
                ][..],
                &[
                    "-validity",
                    "2",
                    "-ext",
                    "san=ip:127.0.0.1,dns:localhost",
                    "-ext",
                    "eku=serverAuth",
                ],
                &["-keystore", &ca],
                &p12,
            ]
            .concat(),
        )?;
        keytool(
            dir,
            &[
                &[
                    "-exportcert",
                    "-alias",
                    "ca",
                    "-file",
                    &ca_der,
                    "-keystore",
                    &ca,
                ][..],
                &p12,
            ]
            .concat(),
        )?;
        keytool(
            dir,
            &[
                &[
                    "-exportcert",
                    "-alias",
                    "ca",
                    "-rfc",
                    "-file",
                    &ca_pem,
                    "-keystore",
                    &ca,
                ][..],
                &p12,
            ]
            .concat(),
        )?;
        keytool(
            dir,
            &[
                &[
                    "-importcert",
                    "-noprompt",
                    "-alias",
                    "ca",
                    "-file",
                    &ca_pem,
                    "-keystore",
                    &leaf,
                ][..],
                &p12,
            ]
            .concat(),
        )?;
        keytool(
            dir,
            &[
                &[
                    "-importcert",
                    "-alias",
                    "leaf",
                    "-file",
                    &crt,
                    "-keystore",
                    &leaf,
                ][..],
                &p12,
            ]
            .concat(),
        )?;

        let ready = dir.join("ready");
        let source = root().join("xtask/tls-front/TlsFront.java");
        let child = Command::new("java")
            .arg(&source)
            .arg(&leaf)
            .arg(pass)
            .arg(port.to_string())
            .arg(&ready)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the TLS front (java): {e}"))?;
        let mut front = TlsFront {
            child,
            endpoint: String::new(),
            ca_der: PathBuf::from(ca_der),
            pin: String::new(),
        };
        let started = Instant::now();
        while !ready.exists() {
            if started.elapsed() > Duration::from_secs(60) {
                return Err("the TLS front did not start within 60 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let text = std::fs::read_to_string(&ready).map_err(|e| e.to_string())?;
        for line in text.lines() {
            if let Some(v) = line.strip_prefix("endpoint=") {
                front.endpoint = v.to_string();
            } else if let Some(v) = line.strip_prefix("pin=") {
                front.pin = v.to_string();
            }
        }
        if front.endpoint.is_empty() || front.pin.len() != 64 {
            return Err(format!("the TLS front wrote {text:?}"));
        }
        Ok(front)
    }

    /// Passes the front to a test program: `WEPROTECT_TLS_ENDPOINT`, `WEPROTECT_TLS_CA_DER`
    /// (a file), `WEPROTECT_TLS_PIN`.
    pub fn pass_to(&self, cmd: &mut Command) {
        cmd.env("WEPROTECT_TLS_ENDPOINT", &self.endpoint)
            .env("WEPROTECT_TLS_CA_DER", &self.ca_der)
            .env("WEPROTECT_TLS_PIN", &self.pin);
    }
}

fn keytool(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new("keytool")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run keytool (the JDK's): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "keytool {} failed: {}",
            args.first().unwrap_or(&""),
            String::from_utf8_lossy(&out.stdout).trim()
        ))
    }
}

impl Server {
    /// Starts `weprotect serve` from `target` with a fresh directory under `work`.
    pub fn start(target: &Path, work: &Path) -> Result<Server, String> {
        let dir = work.join("service");
        let _ = std::fs::remove_dir_all(&dir);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let cli = target.join("weprotect");
        let child = Command::new(&cli)
            .args(["serve", "--server-dir"])
            .arg(&dir)
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", cli.display()))?;
        let tls = match TlsFront::start(&work.join("tls"), port) {
            Ok(tls) => tls,
            Err(e) => {
                let (mut child, _) = (child, ());
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        let mut server = Server {
            child,
            dir: dir.clone(),
            token: String::new(),
            tls,
        };
        let started = Instant::now();
        while !(dir.join("service.json").exists()
            && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok())
        {
            if started.elapsed() > Duration::from_secs(30) {
                return Err("the reference server did not start within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = Command::new(&cli)
            .args(["admin", "--server-dir"])
            .arg(&dir)
            .args(["token-issue", "kotlin tests"])
            .output()
            .map_err(|e| format!("cannot issue a token: {e}"))?;
        if !out.status.success() {
            return Err("cannot issue a token".into());
        }
        server.token = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Ok(server)
    }
}

/// The core must stay free of FFI: no uniffi anywhere in its dependency tree (any target).
pub fn check_core_is_ffi_free() -> Result<(), String> {
    let out = Command::new(cargo())
        .args([
            "tree",
            "-p",
            "weprotect-core",
            "--target",
            "all",
            "-e",
            "normal,build",
        ])
        .args(["--prefix", "none"])
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    if !out.status.success() {
        return Err("cargo tree -p weprotect-core failed".into());
    }
    let tree = String::from_utf8_lossy(&out.stdout);
    if tree.lines().any(|l| l.starts_with("uniffi")) {
        return Err("weprotect-core depends on uniffi: keep FFI in bindings/".into());
    }
    eprintln!("==> weprotect-core is free of uniffi (cargo tree, all targets)");
    Ok(())
}

/// `cargo xtask test kotlin`.
pub fn test() -> Result<(), String> {
    check_core_is_ffi_free()?;
    let kotlin = kotlin_home()?;
    let jna = jna_jar()?;
    let target = build("debug")?;
    let work = root().join("target/kotlin");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let generated = generate_reproducibly(&target, &work)?;
    let layer = root().join("android/core-kotlin/src");
    let mut sources = kotlin_sources(&generated);
    sources.extend(kotlin_sources(&layer.join("main/kotlin")));
    sources.extend(kotlin_sources(&layer.join("test/kotlin")));
    sources.extend(kotlin_sources(&root().join(TEST_RUNNER)));
    sources.extend(extract_doc_snippets(&work.join("doc-snippets"))?);
    let jar = work.join("core-kotlin-tests.jar");
    compile(&kotlin, &jna, &sources, &jar)?;

    run_jvm_tests(
        &JvmTests {
            kotlin: &kotlin,
            jna: &jna,
            jar: &jar,
            target: &target,
            work: &work,
        },
        "Kotlin tests (JVM, JNA, real library, reference server on loopback)",
        "org.weprotect.core.tests.MainKt",
        "stores",
    )
}

/// `cargo xtask bench kotlin`: the editor's `set` and a snapshot from Kotlin against the same
/// calls in Rust, in one JVM process, with the library as apps ship it (profile `release-ffi`;
/// the debug bindgen reads its metadata, which does not depend on the profile).
pub fn bench() -> Result<(), String> {
    let kotlin = kotlin_home()?;
    let jna = jna_jar()?;
    let debug = build("debug")?;
    run(
        "build (release-ffi)",
        &cargo(),
        &[
            "build",
            "-p",
            "weprotect-ffi",
            "--lib",
            "--profile",
            "release-ffi",
        ],
    )?;
    let target = root().join("target/release-ffi");
    let work = root().join("target/kotlin-bench");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let generated = work.join("generated");
    generate_from(
        &debug.join("uniffi-bindgen"),
        &target.join(LIB_NAME),
        &generated,
    )?;
    let layer = root().join("android/core-kotlin/src");
    let mut sources = kotlin_sources(&generated);
    sources.extend(kotlin_sources(&layer.join("main/kotlin")));
    sources.extend(kotlin_sources(&layer.join("bench/kotlin")));
    let jar = work.join("core-kotlin-bench.jar");
    compile(&kotlin, &jna, &sources, &jar)?;
    let out = java(
        &kotlin,
        &jna,
        &jar,
        &target,
        "org.weprotect.core.bench.BenchKt",
    )
    .stderr(std::process::Stdio::inherit())
    .output()
    .map_err(|e| format!("cannot start java: {e}"))?;
    let printed = String::from_utf8_lossy(&out.stdout);
    print!("{printed}");
    if !out.status.success() {
        return Err(format!("the Kotlin benchmark failed ({})", out.status));
    }
    crate::bench::write_language_section(
        "kotlin",
        "The editor from Kotlin (`cargo xtask bench kotlin`)",
        "`set` and `snapshot()` called from Kotlin on the JVM (JNA) through the generated \
         bindings, against the same calls made inside the library (`benchmarkEditorInRust`), \
         interleaved in one process; library profile `release-ffi`. Each `PersonalText` in a \
         snapshot is its own object handle (issue 25 item 6, not done).",
        &printed,
    )
}
