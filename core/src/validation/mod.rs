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
pub use problem::{DraftReport, Problem, ProblemKind};
pub use rules::{
    ADULT_AGE, CLOCK_SKEW, MAX_AGE_YEARS, MAX_CHILDREN, MAX_ORDERS, MAX_OTHER_PERPETRATORS,
    MAX_RISK_ANSWERS, MAX_SAFE_TIMES, MAX_TO_FOLLOW, MINIMUM_VICTIM_AGE, PLACEHOLDER_DATES,
    PLACEHOLDER_NAMES, Rules,
};
pub use warm_up::{warm_up, warm_up_in_background};

/// The largest referral (as JSON) that may be sent: well under the intake API's 256 KiB body
/// limit once sealed, so a referral that passes validation can never be refused for its size.
pub const MAX_REFERRAL_BYTES: usize = 128 * 1024;

use crate::model::{Referral, ToFollowItem};
use crate::values::Jurisdiction;

/// Where a service acts when its description does not say: England and Wales, where Family
/// Law Act 1996 orders are made.
pub const DEFAULT_JURISDICTIONS: &[Jurisdiction] = &[Jurisdiction::EnglandAndWales];

/// Checks a draft: findings in what is filled in (errors and warnings), and what is not given
/// yet (errors while mandatory, or items to follow).
pub fn validate_draft(referral: &Referral, now: DateTime<Utc>) -> DraftReport {
    validate_draft_with(referral, Rules::CURRENT, now)
}

/// As [`validate_draft`], with the rules of a given schema version.
pub fn validate_draft_with(referral: &Referral, rules: Rules, now: DateTime<Utc>) -> DraftReport {
    validate_draft_served(referral, rules, DEFAULT_JURISDICTIONS, now)
}

/// As [`validate_draft_with`], for a service that acts in `served` (its description's
/// `jurisdictions`).
pub fn validate_draft_served(
    referral: &Referral,
    rules: Rules,
    served: &[Jurisdiction],
    now: DateTime<Utc>,
) -> DraftReport {
    let mut c = checker::Checker::default();
    rules::check(referral, now, rules, served, &mut c);
    DraftReport {
        problems: c.problems,
        missing: c.missing,
    }
}

/// Checks the referrer's own details kept as a profile (`store::ReferrerProfile`): the shape
/// of each value given (phone, email, collar number, lengths); nothing is mandatory.
pub fn check_referrer_details(referrer: &crate::model::Referrer) -> Vec<Problem> {
    let mut c = checker::Checker::default();
    rules::referrer_details(referrer, &mut c);
    c.problems
}

/// The check before sending: `Err` with every error (findings of kind `error`); items to
/// follow and warnings do not stop a referral.
pub fn validate_for_submission(
    referral: &Referral,
    now: DateTime<Utc>,
) -> Result<(), Vec<Problem>> {
    validate_for_submission_with(referral, Rules::CURRENT, now)
}

/// JSON bytes about to be sealed, wiped when dropped.
pub(crate) type SealedJson = zeroize::Zeroizing<Vec<u8>>;

/// The JSON a submit seals, after the check before sending: the referral with its to-follow
/// list written from the check (paths and codes), so the service sees what will follow. The
/// size check serialises the referral anyway, so the submit seals exactly these bytes. The
/// buffer is wiped when dropped.
/// Also returns the to-follow list it wrote: the outbox keeps it (paths and codes only) so the
/// referrer can complete it after the receipt.
pub(crate) fn submission(
    referral: &Referral,
    served: &[Jurisdiction],
    now: DateTime<Utc>,
) -> Result<(SealedJson, Vec<ToFollowItem>), Vec<Problem>> {
    let report = validate_draft_served(referral, Rules::CURRENT, served, now);
    let errors: Vec<Problem> = report.errors().cloned().collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut sent = referral.clone();
    sent.to_follow = report
        .to_follow()
        .map(|p| ToFollowItem {
            path: p.path.clone(),
            code: p.code.clone(),
        })
        .collect();
    let json = sized_json(&sent)?;
    Ok((json, std::mem::take(&mut sent.to_follow)))
}

/// As [`validate_for_submission`], with the rules of the schema version the document was
/// written in ([`ReadReferral::source_version`]): the intake server checks a version 1 or 2
/// referral sealed before an update by the rules it was written under.
pub fn validate_for_submission_with(
    referral: &Referral,
    rules: Rules,
    now: DateTime<Utc>,
) -> Result<(), Vec<Problem>> {
    validate_for_submission_served(referral, rules, DEFAULT_JURISDICTIONS, now)
}

/// As [`validate_for_submission_with`], for a service that acts in `served`.
pub fn validate_for_submission_served(
    referral: &Referral,
    rules: Rules,
    served: &[Jurisdiction],
    now: DateTime<Utc>,
) -> Result<(), Vec<Problem>> {
    let report = validate_draft_served(referral, rules, served, now);
    let errors: Vec<Problem> = report.errors().cloned().collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    sized_json(referral).map(drop)
}

/// The referral's JSON, refused when larger than [`MAX_REFERRAL_BYTES`].
fn sized_json(referral: &Referral) -> Result<zeroize::Zeroizing<Vec<u8>>, Vec<Problem>> {
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
#[cfg(test)]
mod tests_v3;
