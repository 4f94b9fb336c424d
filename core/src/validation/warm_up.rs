//! Warming up validation off the caller's thread.
//!
//! The first validation in a process pays for setting up what later ones reuse: mostly
//! libphonenumber compiling the UK number patterns (about 2 ms on a laptop core, more on a
//! phone), then time zone and instrument data. An app opens its store at launch, seconds before
//! an officer reaches a phone field, so [`Store::open`](crate::Store::open) starts this warm-up
//! on a short-lived background thread and the first keystroke does not pay for it.
//!
//! It validates the built-in example referral, whose names and numbers are fictional (Ofcom's
//! drama ranges), so the warm-up never touches personal data. It runs at most once per process.
//! A validation that arrives while it runs waits only for what it still needs (each piece is
//! set up once, under its own lock), so nothing is ever slower than without it.

use std::sync::Once;
use std::thread;

use chrono::Utc;

use crate::example::example_referral;

static STARTED: Once = Once::new();

/// Starts the warm-up on a background thread, once per process; returns at once.
///
/// If the thread cannot be spawned, nothing happens: the first validation then sets things up
/// itself, as it would have without a warm-up.
pub fn warm_up_in_background() {
    STARTED.call_once(|| {
        let _ = thread::Builder::new()
            .name("weprotect-warm-up".into())
            .spawn(warm_up);
    });
}

/// Does the warm-up on the calling thread: one strict validation of the example referral.
pub fn warm_up() {
    let referral = example_referral();
    let _ = super::validate_for_submission(&referral, Utc::now());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_works_while_the_warm_up_runs_and_a_second_start_is_harmless() {
        warm_up_in_background();
        warm_up_in_background();
        let referral = example_referral();
        assert!(crate::validate_for_submission(&referral, Utc::now()).is_ok());
    }
}
