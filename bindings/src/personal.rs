//! Personal text behind a redacted printed form.
//!
//! uniffi generates `toString()` for Kotlin data classes and `description` for Swift structs,
//! and apps log them without thinking. So a name, a phone number or a draft's JSON never
//! crosses as a plain string inside a record: it crosses as a [`PersonalText`] object, whose
//! `toString()`/`description` (from [`std::fmt::Display`]) and debug form print `<redacted>`.
//! The app reads the text with [`PersonalText::reveal`], exactly where it renders it.

use std::sync::Arc;

use zeroize::Zeroizing;

use crate::guard::{FfiResult, guard};

/// Text that may be personal data. Prints as `<redacted>`; `reveal()` gives the text.
#[derive(uniffi::Object)]
#[uniffi::export(Display, Debug)]
pub struct PersonalText {
    text: Zeroizing<String>,
}

impl PersonalText {
    /// Wraps `text`.
    pub fn wrap(text: String) -> Arc<PersonalText> {
        Arc::new(PersonalText {
            text: Zeroizing::new(text),
        })
    }

    /// The text, for Rust callers.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

#[uniffi::export]
impl PersonalText {
    /// Wraps text typed in the app (for example to pass it back to the core). Like every
    /// export it returns a result, so a Swift caller writes `try` and a failure inside the core
    /// throws instead of trapping; wrapping text has no error of its own.
    #[uniffi::constructor]
    pub fn new(text: String) -> FfiResult<Arc<PersonalText>> {
        guard(|| Ok(PersonalText::wrap(text)))
    }

    /// The text itself: call it only where the text is shown to the officer.
    pub fn reveal(&self) -> FfiResult<String> {
        guard(|| Ok(self.text.to_string()))
    }

    /// True when the text is empty (no need to reveal it to know).
    pub fn is_empty(&self) -> FfiResult<bool> {
        guard(|| Ok(self.text.is_empty()))
    }
}

impl std::fmt::Display for PersonalText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::fmt::Debug for PersonalText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonalText(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_text_never_prints_its_text() {
        let t = PersonalText::wrap("Jane Canary".into());
        assert_eq!(t.to_string(), "<redacted>");
        assert!(!format!("{t:?}").contains("Canary"));
        assert_eq!(t.reveal().unwrap(), "Jane Canary");
        let typed = PersonalText::new("Jane Canary".into()).unwrap();
        assert_eq!(typed.to_string(), "<redacted>");
        assert_eq!(typed.as_str(), "Jane Canary");
    }
}
