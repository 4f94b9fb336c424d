//! The console's audit log: who did what, when, to which referral. Never personal data: an
//! entry holds an advisor id, a fixed action name, a referral id and a time.
//!
//! Sign-ins (and failed ones), enrolments, every view of a referral, every action and every
//! printed summary are written before the answer leaves; a supervisor reads the log at
//! `/console/audit`, an operator with `weprotect admin console-audit`.

use chrono::{DateTime, Utc};

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// When (UTC, milliseconds).
    pub at: DateTime<Utc>,
    /// Who (`adv_<hex>`), when known (a failed sign-in for an unknown email has none).
    pub advisor_id: Option<String>,
    /// What, e.g. `sign_in`, `referral_viewed`, `contact:no_answer`.
    pub action: String,
    /// Which referral, when the action concerned one.
    pub referral_id: Option<String>,
}
