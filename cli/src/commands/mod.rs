//! One module per command.

pub mod configure;
pub mod demo;
pub mod device;
pub mod draft;
pub mod example;
pub mod form;
pub mod outbox;
pub mod profile;
pub mod rekey;
pub mod schema;
pub mod serve;
pub mod submit;
pub mod sync;
pub mod validate;
pub mod wipe;

use std::io::Read;

/// Reads a file, or standard input for `-`. The error names the file, never its contents.
pub fn read_input(file: &str) -> Result<String, String> {
    if file == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read standard input: {}", e.kind()))?;
        Ok(text)
    } else {
        std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {}", e.kind()))
    }
}
