//! Validation of a referral: one walk over the form that reports every problem at once.
//!
//! Two entry points share that walk. [`validate_draft`] is for the form while it is being filled:
//! it reports what is wrong in what has been typed and, separately, what mandatory is still
//! missing. [`validate_for_submission`] is the strict gate before sealing and sending: any
//! problem or missing field refuses the referral. The clock is a parameter so that "in the
//! future" and "under 16" are deterministic in tests. Codes and paths are a stable contract
//! (docs/validation.md); messages never quote the value that was typed.

mod checker;
mod document;
mod duplicate_keys;
mod problem;
mod rules;
mod warm_up;

use chrono::{DateTime, Utc};

pub use document::{DocumentError, ReadReferral, parse_referral, read_referral};
pub use problem::{DraftReport, Problem};
pub use rules::{
    ADULT_AGE, CLOCK_SKEW, MAX_AGE_YEARS, MAX_CHILDREN, MAX_ORDERS, MAX_RISK_ANSWERS,
    MAX_SAFE_TIMES, MINIMUM_VICTIM_AGE, PLACEHOLDER_DATES, Rules,
};
pub use warm_up::{warm_up, warm_up_in_background};

/// The largest referral (as JSON) that may be sent: well under the intake API's 256 KiB body
/// limit once sealed, so a referral that passes validation can never be refused for its size.
pub const MAX_REFERRAL_BYTES: usize = 128 * 1024;

use crate::model::Referral;

/// Checks a draft: problems in what is filled in, and what mandatory is still missing.
pub fn validate_draft(referral: &Referral, now: DateTime<Utc>) -> DraftReport {
    validate_draft_with(referral, Rules::V2, now)
}

/// As [`validate_draft`], with the rules of a given schema version.
pub fn validate_draft_with(referral: &Referral, rules: Rules, now: DateTime<Utc>) -> DraftReport {
    let mut c = checker::Checker::default();
    rules::check(referral, now, rules, &mut c);
    DraftReport {
        problems: c.problems,
        missing: c.missing,
    }
}

/// The strict check before sending: every problem and every missing mandatory field.
pub fn validate_for_submission(
    referral: &Referral,
    now: DateTime<Utc>,
) -> Result<(), Vec<Problem>> {
    submission_json(referral, now).map(drop)
}

/// As [`validate_for_submission`], giving the referral's JSON on success: the size check
/// serialises the referral anyway, and a submit seals exactly those bytes, so it need not
/// serialise it again. The buffer is wiped when dropped.
pub(crate) fn submission_json(
    referral: &Referral,
    now: DateTime<Utc>,
) -> Result<zeroize::Zeroizing<Vec<u8>>, Vec<Problem>> {
    submission_json_with(referral, Rules::V2, now)
}

/// As [`validate_for_submission`], with the rules of the schema version the document was
/// written in ([`ReadReferral::source_version`]): the intake server checks a version 1
/// referral sealed before an update by the rules it was written under.
pub fn validate_for_submission_with(
    referral: &Referral,
    rules: Rules,
    now: DateTime<Utc>,
) -> Result<(), Vec<Problem>> {
    submission_json_with(referral, rules, now).map(drop)
}

/// [`validate_for_submission_with`] giving the JSON it measured, as [`submission_json`].
fn submission_json_with(
    referral: &Referral,
    rules: Rules,
    now: DateTime<Utc>,
) -> Result<zeroize::Zeroizing<Vec<u8>>, Vec<Problem>> {
    let report = validate_draft_with(referral, rules, now);
    let mut all = report.problems;
    all.extend(report.missing);
    if !all.is_empty() {
        return Err(all);
    }
    // Every field and list has its own limit; this catches the sum of them.
    match serde_json::to_vec(referral) {
        Ok(json) if json.len() <= MAX_REFERRAL_BYTES => Ok(zeroize::Zeroizing::new(json)),
        Ok(json) => {
            drop(zeroize::Zeroizing::new(json));
            Err(too_large())
        }
        Err(_) => Err(too_large()),
    }
}

fn too_large() -> Vec<Problem> {
    vec![Problem::new(
        "referral",
        "referral.too_large",
        "The referral is too large to send: shorten the longest free-text fields.",
    )]
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_v2;
