//! `uniffi-bindgen`: generates the Kotlin and Swift bindings from the built library's metadata.
//!
//! A workspace member so its uniffi version always matches the bindings'. Build the workspace
//! once and run `target/<profile>/uniffi-bindgen generate --library ...` (see xtask/src/kotlin.rs):
//! `cargo run` of this binary alone would rebuild uniffi with other features.

fn main() {
    uniffi::uniffi_bindgen_main()
}
