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
            .spawn(|| {
                warm_up();
            });
    });
}

/// Does the warm-up on the calling thread: one strict validation of the example referral.
/// True when the example passed, so every rule (every phone number's parse among them) ran.
pub fn warm_up() -> bool {
    let referral = example_referral();
    super::validate_for_submission(&referral, Utc::now()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warm_up_runs_every_rule_and_starting_it_twice_is_harmless() {
        warm_up_in_background();
        warm_up_in_background();
        // If the example stopped passing, validation would stop early and warm up less.
        assert!(
            warm_up(),
            "the built-in example no longer passes the strict check"
        );
    }
}
