//! The core's own types, declared to uniffi as remote types.
//!
//! Each declaration below mirrors a type of `weprotect-core` field for field; uniffi generates
//! the conversion from it, so if the core adds, removes or retypes a field this crate stops
//! building. That is the point: the model is defined once, in the core, and the bindings cannot
//! drift from it. Records that carry personal text (draft and outbox summaries) are not here:
//! they are rebuilt in `store.rs` with the text wrapped in [`crate::PersonalText`].
//!
//! Timestamps cross as the platform's instant (`java.time.Instant`, Swift `Date`): the
//! [`Timestamp`] custom type converts `chrono::DateTime<Utc>` to and from `SystemTime`, and an
//! instant chrono cannot represent is an `InvalidArgument` error, never a panic. Durations cross
//! as durations.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use weprotect_core::WeprotectError;
use weprotect_core::config::{DeploymentSettings, ServiceConfig};
use weprotect_core::model::OrganisationType;
use weprotect_core::store::{
    OutboxState, PurgeReport, QueuedReferral, Receipt, StatusUpdate, StoreCounts, StoreSettings,
    WipeReport,
};
use weprotect_core::sync::{SyncEvent, SyncReport};
use weprotect_core::validation::{DraftReport, Problem, ProblemKind};
use weprotect_core::values::Jurisdiction;

/// A point in time, UTC (crosses as the platform's instant).
pub type Timestamp = DateTime<Utc>;

uniffi::custom_type!(Timestamp, SystemTime, {
    remote,
    lower: |t| system_time_from(t),
    try_lift: |t| timestamp_from(t).map_err(Into::into),
});

/// chrono's range (±262,000 years) always fits `SystemTime` on the platforms we build for.
fn system_time_from(t: Timestamp) -> SystemTime {
    match u64::try_from(t.timestamp_millis()) {
        Ok(ms) => SystemTime::UNIX_EPOCH + Duration::from_millis(ms),
        Err(_) => {
            SystemTime::UNIX_EPOCH - Duration::from_millis(t.timestamp_millis().unsigned_abs())
        }
    }
}

/// An instant from the platform; out of chrono's range is `InvalidArgument`.
pub fn timestamp_from(t: SystemTime) -> Result<Timestamp, WeprotectError> {
    let (negative, since) = match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => (false, d),
        Err(e) => (true, e.duration()),
    };
    let secs = i64::try_from(since.as_secs()).map_err(|_| WeprotectError::InvalidArgument)?;
    let nanos = since.subsec_nanos();
    let t = if negative {
        DateTime::from_timestamp(-secs, 0)
            .and_then(|t| t.checked_sub_signed(chrono::Duration::nanoseconds(nanos.into())))
    } else {
        DateTime::from_timestamp(secs, nanos)
    };
    t.ok_or(WeprotectError::InvalidArgument)
}

/// The public error, with stable codes (`weprotect_core::error`).
#[uniffi::remote(Error)]
pub enum WeprotectError {
    WrongKey,
    NotAWeprotectStore,
    CorruptStore,
    TooNew,
    NotFound,
    Invalid { problems: Vec<Problem> },
    InvalidDocument { reason: String },
    InvalidState,
    InvalidArgument,
    ServiceConfig,
    Closed,
    NeedsSignIn,
    Storage,
    UnknownField { path: String },
    WrongKind { path: String, expected: String },
    UnknownOption { path: String },
    OutOfRange { path: String },
    FieldHidden { path: String },
    GroupFull { path: String, max: u32 },
    CallbackFailed,
    Internal,
}

/// What a finding means for sending: an error stops it, an item to follow is sent on the
/// referral's to-follow list, a warning is confirmed by the referrer and then sent.
#[uniffi::remote(Enum)]
pub enum ProblemKind {
    Error,
    ToFollow,
    Warning,
}

/// A validation finding: path, code, message and kind, never the typed value.
#[uniffi::remote(Record)]
pub struct Problem {
    pub path: String,
    pub code: String,
    pub message: String,
    pub kind: ProblemKind,
}

/// Where a service acts: England and Wales (Family Law Act 1996), or a jurisdiction with its
/// own law.
#[uniffi::remote(Enum)]
pub enum Jurisdiction {
    EnglandAndWales,
    Scotland,
    NorthernIreland,
    Jersey,
    Guernsey,
    IsleOfMan,
}

/// Findings in what was typed (errors, warnings), and fields not given yet (errors while
/// mandatory, items to follow).
#[uniffi::remote(Record)]
pub struct DraftReport {
    pub problems: Vec<Problem>,
    pub missing: Vec<Problem>,
}

/// What the deploying organisation decides, passed by the app at every start.
#[uniffi::remote(Record)]
pub struct DeploymentSettings {
    #[uniffi(default)]
    pub organisation_type: Option<OrganisationType>,
    #[uniffi(default)]
    pub organisation_id: Option<String>,
    #[uniffi(default)]
    pub consent_script_version: Option<String>,
    #[uniffi(default)]
    pub risk_instrument: Option<String>,
    #[uniffi(default)]
    pub consent_refused_route: Option<String>,
}

/// The kind of organisation that refers.
#[uniffi::remote(Enum)]
pub enum OrganisationType {
    Police,
    Health,
    Idva,
    Charity,
    Other,
}

/// Retention settings of the store.
#[uniffi::remote(Record)]
pub struct StoreSettings {
    pub draft_max_age: Duration,
    pub receipt_max_age: Duration,
}

/// Counts of drafts and outbox entries by state.
#[uniffi::remote(Record)]
pub struct StoreCounts {
    pub drafts: u32,
    pub queued: u32,
    pub queued_addenda: u32,
    pub delivered: u32,
    pub rejected: u32,
}

/// What a purge removed.
#[uniffi::remote(Record)]
pub struct PurgeReport {
    pub drafts_purged: u32,
    pub receipts_purged: u32,
}

/// What a wipe destroyed.
#[uniffi::remote(Record)]
pub struct WipeReport {
    pub undelivered_destroyed: u32,
    pub drafts_destroyed: u32,
    pub files_removed: u32,
}

/// Where an outbox entry is in its life.
#[uniffi::remote(Enum)]
pub enum OutboxState {
    Queued,
    Delivered,
    Rejected,
}

/// The service's acknowledgement.
#[uniffi::remote(Record)]
pub struct Receipt {
    pub service_reference: String,
    pub received_at: Timestamp,
}

/// A status update from the service.
#[uniffi::remote(Record)]
pub struct StatusUpdate {
    pub status: String,
    pub at: Timestamp,
}

/// What a submit enqueued.
#[uniffi::remote(Record)]
pub struct QueuedReferral {
    pub referral_id: String,
    pub draft_id: String,
    pub queued_at: Timestamp,
}

/// The receiving service as a device sees it (no secrets).
#[uniffi::remote(Record)]
pub struct ServiceConfig {
    pub endpoint: String,
    pub key_id: String,
    pub public_key: String,
    pub spki_pins: Vec<String>,
    #[uniffi(default)]
    pub jurisdictions: Vec<Jurisdiction>,
}

/// What one sync pass did, and when the engine wants to run again.
#[uniffi::remote(Record)]
pub struct SyncReport {
    pub delivered: u32,
    pub rejected: u32,
    pub retried: u32,
    pub waiting: u32,
    pub needs_sign_in: bool,
    pub pin_mismatch: bool,
    pub deadline_reached: bool,
    pub cancelled: bool,
    pub next_run_at: Option<Timestamp>,
}

/// Progress of one referral during a pass (ids and codes only).
#[uniffi::remote(Enum)]
pub enum SyncEvent {
    Sending {
        referral_id: String,
    },
    Delivered {
        referral_id: String,
        service_reference: String,
    },
    WillRetry {
        referral_id: String,
        code: String,
        next_attempt_at: Timestamp,
    },
    Rejected {
        referral_id: String,
        code: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_round_trip_and_out_of_range_ones_are_errors() {
        let t = DateTime::from_timestamp(1_780_000_000, 123_000_000).unwrap();
        assert_eq!(timestamp_from(system_time_from(t)).unwrap(), t);
        let before_1970 = DateTime::from_timestamp(-86_400, 0).unwrap();
        assert_eq!(
            timestamp_from(system_time_from(before_1970)).unwrap(),
            before_1970
        );
        let far = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::MAX / 4);
        assert_eq!(timestamp_from(far), Err(WeprotectError::InvalidArgument));
    }
}
