//! One module per command.

pub mod configure;
pub mod demo;
pub mod device;
pub mod draft;
pub mod example;
pub mod follow_up;
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

/// The largest input a command reads (a referral, a service description, an instrument): far
/// above any real one (the intake server takes 256 KiB), and small enough that `/dev/zero` or a
/// mistyped path to a huge file is refused at once instead of filling memory.
pub const MAX_INPUT_BYTES: u64 = 4 * 1024 * 1024;

/// Reads a file, or standard input for `-`, up to [`MAX_INPUT_BYTES`]. The error names the file,
/// never its contents.
pub fn read_input(file: &str) -> Result<String, String> {
    if file == "-" {
        read_bounded(std::io::stdin().lock(), "standard input")
    } else {
        let opened =
            std::fs::File::open(file).map_err(|e| format!("cannot read {file}: {}", e.kind()))?;
        read_bounded(opened, file)
    }
}

/// Reads `source` whole, refusing it once it is longer than [`MAX_INPUT_BYTES`].
pub fn read_bounded(source: impl Read, name: &str) -> Result<String, String> {
    let mut bytes = Vec::new();
    source
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {name}: {}", e.kind()))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(format!(
            "{name} is larger than {} MiB, more than any input this tool reads; nothing was read whole",
            MAX_INPUT_BYTES / (1024 * 1024)
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("{name} is not UTF-8 text"))
}
