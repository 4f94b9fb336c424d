//! `weprotect form`: the form definition the apps render, as JSON.
//!
//! The same definition as the bindings' `formDefinition()`, so the people who write the
//! wording (and the service's trainers) can read the questions, their order, hints, help and
//! conditions without building an app.

use crate::Outcome;

/// Prints the form definition as pretty JSON.
pub fn run() -> Outcome {
    let definition = weprotect_core::form::form_definition();
    match serde_json::to_string_pretty(&definition) {
        Ok(json) => {
            println!("{json}");
            Outcome::Ok
        }
        Err(_) => Outcome::Unusable("the form definition could not be written".into()),
    }
}
