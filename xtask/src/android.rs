//! `cargo xtask test android`: the Android library's plain-Kotlin parts on the desktop JVM.
//!
//! The Android SDK, the Gradle plugin and AndroidX cannot be fetched on these machines, so the
//! library keeps its decisions in plain Kotlin (`org.weprotect.android.scheduling`, the
//! scheduling of sync work; `org.weprotect.android.vault`, the wrapped data key and its
//! pending-key protocol) and the Android classes only translate. This layer compiles those two
//! packages with the generated bindings and the `org.weprotect.core` layer (the same kotlinc and
//! JNA the `kotlin` layer installs, see `kotlin.rs`), plus the README's snippets file, and runs
//! the tests against the real library and the reference server on loopback.
//!
//! It also keeps two promises the README makes: the plain packages import nothing from
//! `android.*`/`androidx.*` (or they could not run here), and every ```kotlin block of
//! android/README.md is a verbatim excerpt of the compiled snippets file (blocks that need
//! Android classes are fenced ```kotlin android and say so).

use std::path::PathBuf;

use crate::kotlin;
use crate::root;

/// The library's packages that must stay plain Kotlin, relative to its source root.
const PLAIN_PACKAGES: [&str; 2] = [
    "org/weprotect/android/scheduling",
    "org/weprotect/android/vault",
];
/// The compiled file the README quotes.
const SNIPPETS: &str =
    "android/weprotect/src/test/kotlin/org/weprotect/android/tests/ReadmeSnippets.kt";

/// Fails when a plain package imports Android classes.
fn check_plain(files: &[PathBuf]) -> Result<(), String> {
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        if let Some(line) = text.lines().find(|l| {
            let l = l.trim_start();
            l.starts_with("import android.") || l.starts_with("import androidx.")
        }) {
            return Err(format!(
                "{} must stay plain Kotlin (it runs in the JVM tests) but has `{}`",
                file.display(),
                line.trim()
            ));
        }
    }
    Ok(())
}

/// Fails unless every ```kotlin block of android/README.md appears verbatim in the snippets file.
fn check_readme_quotes_snippets() -> Result<(), String> {
    let readme = root().join("android/README.md");
    let text =
        std::fs::read_to_string(&readme).map_err(|e| format!("{}: {e}", readme.display()))?;
    let snippets =
        std::fs::read_to_string(root().join(SNIPPETS)).map_err(|e| format!("{SNIPPETS}: {e}"))?;
    let mut blocks = 0;
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start()) {
            // Exactly ```kotlin: Android-only blocks are fenced ```kotlin android and not compiled.
            (None, l) if l.trim_end() == "```kotlin" => current = Some(String::new()),
            (Some(block), l) if l.starts_with("```") => {
                if !snippets.contains(block.as_str()) {
                    return Err(format!(
                        "android/README.md has a kotlin block that is not in {SNIPPETS} (copy it from there):\n{block}"
                    ));
                }
                blocks += 1;
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    if blocks == 0 {
        return Err("android/README.md quotes no ```kotlin block".into());
    }
    eprintln!("==> android/README.md: {blocks} kotlin block(s), each compiled in {SNIPPETS}");
    Ok(())
}

/// `cargo xtask test android`.
pub fn test() -> Result<(), String> {
    let library = root().join("android/weprotect/src");
    let plain: Vec<PathBuf> = PLAIN_PACKAGES
        .iter()
        .flat_map(|p| kotlin::kotlin_sources(&library.join("main/kotlin").join(p)))
        .collect();
    check_plain(&plain)?;
    check_readme_quotes_snippets()?;

    let kotlin_home = kotlin::kotlin_home()?;
    let jna = kotlin::jna_jar()?;
    let target = kotlin::build("debug")?;
    let work = root().join("target/android");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let generated = work.join("generated");
    kotlin::generate(&target, &generated)?;
    let mut sources = kotlin::kotlin_sources(&generated);
    sources.extend(kotlin::kotlin_sources(
        &root().join("android/core-kotlin/src/main/kotlin"),
    ));
    sources.extend(plain);
    sources.extend(kotlin::kotlin_sources(&library.join("test/kotlin")));
    sources.extend(kotlin::kotlin_sources(&root().join(kotlin::TEST_RUNNER)));
    let jar = work.join("android-tests.jar");
    kotlin::compile(&kotlin_home, &jna, &sources, &jar)?;

    kotlin::run_jvm_tests(
        &kotlin::JvmTests {
            kotlin: &kotlin_home,
            jna: &jna,
            jar: &jar,
            target: &target,
            work: &work,
        },
        "Android library tests (plain Kotlin on the JVM, real library, reference server)",
        "org.weprotect.android.tests.MainKt",
        "tests",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_quotes_only_compiled_snippets() {
        check_readme_quotes_snippets().unwrap();
    }

    #[test]
    fn the_plain_packages_import_nothing_from_android() {
        let main = root().join("android/weprotect/src/main/kotlin");
        let plain: Vec<PathBuf> = PLAIN_PACKAGES
            .iter()
            .flat_map(|p| kotlin::kotlin_sources(&main.join(p)))
            .collect();
        assert!(plain.len() >= 2, "the plain packages have no Kotlin files");
        check_plain(&plain).unwrap();
    }

    #[test]
    fn an_android_import_in_a_plain_package_is_refused() {
        let dir = std::env::temp_dir().join(format!("xtask-android-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("Bad.kt");
        std::fs::write(&file, "package x\n\nimport android.content.Context\n").unwrap();
        let refused = check_plain(std::slice::from_ref(&file));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            refused
                .unwrap_err()
                .contains("import android.content.Context")
        );
    }
}
