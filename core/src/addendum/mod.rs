//! Addenda: what a device sends about a referral the service already has.
//!
//! # Why
//!
//! Referral v3 lets an officer send a referral with items to follow (a crime number not issued
//! yet, a date of birth, a refuge's care-of address). Without a way to add them in the app the
//! officer phones or emails the service, outside the app, with personal data in clear. A victim
//! may also withdraw consent after the referral has gone, and the service must then stop and
//! delete. Both are messages from the device to the service about a referral it received, and
//! both need the referral's guarantees: sealed to the service key, queued in the same outbox,
//! delivered exactly once under their own id.
//!
//! * `document`: the sealed JSON an addendum carries ([`AddendumDocument`]), and its two kinds:
//!   information that followed (values for to-follow paths) and a withdrawal of consent (who,
//!   when, how recorded: codes only).
//! * `check`: the rules an addendum's information meets, on the device (each field on its own)
//!   and on the service (merged into the referral it completes, checked by that referral's rules).
//! * `editor`: [`FollowUpEditor`], the form engine for exactly the referral's to-follow fields.

mod check;
mod document;
mod editor;

pub use check::{apply_information, check_information_alone};
pub use document::{
    ADDENDUM_SCHEMA_VERSION, AddendumDocument, AddendumKind, MAX_INFORMATION_ITEMS, RecordedHow,
    Withdrawal, WithdrawnBy, parse_addendum,
};
pub use editor::{FollowUpEditor, FollowUpSnapshot};
