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
mod problem;
mod rules;

use chrono::{DateTime, Utc};

pub use document::{DocumentError, parse_referral};
pub use problem::{DraftReport, Problem};
pub use rules::{CLOCK_SKEW, MINIMUM_VICTIM_AGE};

use crate::model::Referral;

/// Checks a draft: problems in what is filled in, and what mandatory is still missing.
pub fn validate_draft(referral: &Referral, now: DateTime<Utc>) -> DraftReport {
    let mut c = checker::Checker::default();
    rules::check(referral, now, &mut c);
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
    let report = validate_draft(referral, now);
    if report.is_complete() {
        return Ok(());
    }
    let mut all = report.problems;
    all.extend(report.missing);
    Err(all)
}

#[cfg(test)]
mod tests;
