//! What happened to a referral after it arrived, as the referring officer may see it.
//!
//! A status history is a list of `(status, at)` pairs and nothing else: no advisor's notes, no
//! names, no free text, because it is sent back to a device that may be lost. `received` is
//! written in the same transaction as the referral itself; the others are an advisor's actions,
//! added with [`add_status`] (the CLI) or the admin endpoint.

use std::path::Path;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::db;
use crate::error::{Result, ServerError};

/// A step in handling a referral. The wire form is the snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    /// The service holds the referral (written on first receipt).
    Received,
    /// A legal advisor has taken the case.
    AdvisorAssigned,
    /// The advisor has spoken to the victim.
    VictimContacted,
    /// The advisor tried and could not reach the victim safely.
    CouldNotContact,
    /// Legal aid has been applied for.
    LegalAidApplied,
    /// A protective order has been applied for.
    OrderApplied,
    /// A protective order has been granted.
    OrderGranted,
    /// The service has closed the case.
    Closed,
    /// The victim withdrew consent (the device's withdrawal addendum): the service stopped
    /// and deleted the referral's content. Recorded by the service only, never by hand.
    ConsentWithdrawn,
}

impl ReferralStatus {
    /// Every status, in the usual order of a case.
    pub const ALL: [ReferralStatus; 9] = [
        ReferralStatus::Received,
        ReferralStatus::AdvisorAssigned,
        ReferralStatus::VictimContacted,
        ReferralStatus::CouldNotContact,
        ReferralStatus::LegalAidApplied,
        ReferralStatus::OrderApplied,
        ReferralStatus::OrderGranted,
        ReferralStatus::Closed,
        ReferralStatus::ConsentWithdrawn,
    ];

    /// The wire name, e.g. `advisor_assigned`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReferralStatus::Received => "received",
            ReferralStatus::AdvisorAssigned => "advisor_assigned",
            ReferralStatus::VictimContacted => "victim_contacted",
            ReferralStatus::CouldNotContact => "could_not_contact",
            ReferralStatus::LegalAidApplied => "legal_aid_applied",
            ReferralStatus::OrderApplied => "order_applied",
            ReferralStatus::OrderGranted => "order_granted",
            ReferralStatus::Closed => "closed",
            ReferralStatus::ConsentWithdrawn => "consent_withdrawn",
        }
    }
}

impl ReferralStatus {
    /// Whether an advisor's action (the CLI, the admin endpoint, the console) may record it:
    /// every status but `consent_withdrawn`, which only a withdrawal addendum records,
    /// together with the deletion it stands for.
    pub fn settable(self) -> bool {
        self != ReferralStatus::ConsentWithdrawn
    }
}

impl std::fmt::Display for ReferralStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not a known status name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown status; expected one of received, advisor_assigned, victim_contacted, could_not_contact, legal_aid_applied, order_applied, order_granted, closed, consent_withdrawn"
)]
pub struct UnknownStatus;

impl FromStr for ReferralStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReferralStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or(UnknownStatus)
    }
}

/// One entry of a status history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEntry {
    /// What happened.
    pub status: ReferralStatus,
    /// When (UTC, millisecond precision).
    pub at: DateTime<Utc>,
}

/// Adds a status update (an advisor's action) to a referral held by the server in `dir`.
/// Returns the entry as stored (the time truncated to milliseconds).
pub fn add_status(
    dir: &Path,
    referral_id: &str,
    status: ReferralStatus,
    at: DateTime<Utc>,
) -> Result<StatusEntry> {
    add(&db::open(dir)?, referral_id, status, at)
}

/// The status history of a referral held by the server in `dir`, oldest first.
pub fn status_history(dir: &Path, referral_id: &str) -> Result<Vec<StatusEntry>> {
    history(&db::open(dir)?, referral_id)?.ok_or(ServerError::ReferralNotFound)
}

pub(crate) fn add(
    conn: &Connection,
    referral_id: &str,
    status: ReferralStatus,
    at: DateTime<Utc>,
) -> Result<StatusEntry> {
    if !status.settable() {
        return Err(ServerError::StatusNotSettable);
    }
    let at = db::parse_time(&db::format_time(at))?;
    let inserted = conn
        .prepare_cached(
            "INSERT INTO status_updates (referral_id, status, at)
             SELECT referral_id, ?2, ?3 FROM referrals WHERE referral_id = ?1",
        )?
        .execute(params![referral_id, status.as_str(), db::format_time(at)])?;
    if inserted == 0 {
        return Err(ServerError::ReferralNotFound);
    }
    Ok(StatusEntry { status, at })
}

/// The history, or `None` when there is no such referral.
pub(crate) fn history(conn: &Connection, referral_id: &str) -> Result<Option<Vec<StatusEntry>>> {
    let exists = conn
        .prepare_cached("SELECT 1 FROM referrals WHERE referral_id = ?1")?
        .query_row([referral_id], |_| Ok(()))
        .optional()?;
    if exists.is_none() {
        return Ok(None);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT status, at FROM status_updates WHERE referral_id = ?1 ORDER BY at, id",
    )?;
    let rows = stmt.query_map([referral_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (status, at) = row?;
        out.push(StatusEntry {
            status: status
                .parse()
                .map_err(|_| ServerError::Corrupt("status name"))?,
            at: db::parse_time(&at)?,
        });
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_round_trip_through_text_and_json() {
        for status in ReferralStatus::ALL {
            assert_eq!(status.as_str().parse::<ReferralStatus>(), Ok(status));
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{}\"", status.as_str())
            );
        }
        assert_eq!("Closed".parse::<ReferralStatus>(), Err(UnknownStatus));
    }
}
