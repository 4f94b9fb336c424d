//! `weprotect example`.

use crate::Outcome;

/// Prints the example referral.
pub fn run() -> Outcome {
    print!("{}", weprotect_core::example::EXAMPLE_REFERRAL_JSON);
    Outcome::Ok
}
