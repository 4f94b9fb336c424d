//! WEPROTECT bindings: the one FFI surface of the core, generated into Kotlin and Swift by uniffi.
//!
//! The apps stay thin: they render the core's form definition, edit drafts through the core's
//! editor, and hand the outbox to the core's sync engine. This crate only adapts: it adds no rule
//! and copies no model. Core types cross as they are (uniffi remote types in [`types`]), so a
//! change in the core breaks this crate's build instead of drifting; the two records that carry
//! personal text are rebuilt field by field with exhaustive destructuring for the same reason.
//!
//! Rules every export follows (docs/bindings.md explains them for app developers):
//! - every exported function returns `Result<_, WeprotectError>`; a panic is caught and becomes
//!   [`WeprotectError::Internal`], never an abort (see [`guard`]);
//! - personal text crosses only inside [`PersonalText`], whose printed form is redacted;
//! - the data key crosses as bytes only at `Store.open` and `Store.rekey`, and is wiped here;
//! - async calls run on the bindings' own small tokio runtime ([`guard::runtime`]).
//!
//! One file per concern: `guard` (runtime, panics), `types` (remote types), `personal`,
//! `store`, `editor` (the form and the draft editor), `follow_up` (to-follow items, the
//! follow-up editor, withdrawal of consent), `sync`, `functions`, `platform_tls`
//! (Android only).
#![deny(missing_docs)]

uniffi::setup_scaffolding!();

pub mod editor;
pub mod follow_up;
pub mod functions;
pub mod guard;
pub mod personal;
#[cfg(target_os = "android")]
pub mod platform_tls;
pub mod store;
pub mod sync;
pub mod types;

pub use editor::{DraftEditor, FieldValue};
pub use personal::PersonalText;
pub use store::Store;
pub use sync::{CallbackError, SyncEngine, SyncObserver, TokenProvider};
pub use weprotect_core::WeprotectError;
