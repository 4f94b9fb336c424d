//! The referral as typed data, one module per group of the form (see docs/referral.md).
//!
//! Every field a draft can leave empty is an `Option` (or an empty list), because a draft is
//! saved as the officer types; which fields are mandatory is the validator's business, not the
//! deserialiser's. JSON is snake_case and unknown fields are refused, so a typo in an
//! integration never silently drops data.
//!
//! This is schema version 3. Version 1 is frozen in [`v1`] and migrated on load by `migrate`;
//! version 2 differs from 3 only in a few value shapes (yes/no flags that became yes / no /
//! not known) and is migrated on the JSON before it is read (`migrate::v2_to_v3`). Nothing typed
//! is lost, so drafts and queued referrals of versions 1 and 2 survive. No type here derives `Debug` with contents: the whole
//! referral is special-category personal data, so `Debug` prints only the type name.

mod consent;
mod household;
mod incident;
mod migrate;
mod perpetrator;
mod referral;
mod referrer;
mod risk;
mod safe_contact;
pub mod v1;
mod victim;

pub use consent::{Consent, ConsentMethod, ConsentScope, ContactMethod};
pub use household::{Child, ChildRelationship, ChildrensSocialCare};
pub use incident::{ExistingOrder, Incident, IncidentPeriod, OrderType, ProtectedPerson};
pub(crate) use migrate::v2_to_v3;
pub use perpetrator::{Custody, CustodyStatus, OtherPerpetrator, Perpetrator, Relationship, Sex};
pub use referral::{READABLE_VERSIONS, Referral, SCHEMA_VERSION, ToFollowItem};
pub use referrer::{OrganisationType, Referrer};
pub use risk::{Answer, InstrumentRef, Risk, RiskAnswer, RiskFlags, RiskLevel};
pub use safe_contact::{AlternativeContact, SafeContact, SafeTimeWindow, Weekday};
pub use victim::{
    Address, EqualityMonitoring, Ethnicity, HousingTenure, MonitoringAnswer, SexualOrientation,
    Victim,
};

/// `Debug` that names the type and nothing else, for types holding personal data.
macro_rules! redacted_debug {
    ($($ty:ident),+) => {$(
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($ty), " { <redacted> }"))
            }
        }
    )+};
}
pub(crate) use redacted_debug;
