//! WEPROTECT core: the referral an officer fills at a domestic abuse incident, its validation to
//! UK rules, and (in later modules) encrypted drafts, the offline outbox and the sync engine.
//!
//! This crate knows nothing of FFI: `bindings/` exposes it to Kotlin and Swift. Its public API
//! is shaped so that can be done as it is: owned values, no lifetimes or generics in public
//! signatures, and no personal data in any `Debug`, `Display` or error text.
#![deny(missing_docs)]

pub mod addendum;
pub mod config;
pub mod crypto;
pub mod error;
pub mod example;
pub mod form;
pub mod instrument;
pub mod model;
pub mod schema;
pub mod store;
pub mod sync;
pub mod validation;
pub mod values;

pub use error::WeprotectError;
pub use model::{READABLE_VERSIONS, Referral, SCHEMA_VERSION};
pub use store::{Store, StoreError, StoreSettings};
pub use validation::{
    DocumentError, DraftReport, Problem, ProblemKind, ReadReferral, Rules, parse_referral,
    read_referral, validate_draft, validate_for_submission, validate_for_submission_with,
};
