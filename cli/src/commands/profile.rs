//! `weprotect profile set|show|clear`: the referrer's own details, typed once.
//!
//! Kept encrypted in the device store and filled into every new draft (the same
//! `Store::set_profile` the apps call), so an officer's name, collar number, station, phone
//! and email are not typed again on every referral.

use std::path::Path;

use weprotect_core::store::ReferrerProfile;

use super::device::{open, open_read_only, store_failure};
use super::read_input;
use super::validate::print_problems;
use crate::Outcome;

/// `profile set FILE`: saves the details in FILE (JSON, `-` for standard input); malformed
/// values are refused with their problems (exit 1) and the saved profile is unchanged.
pub fn set(dir: &Path, file: &str) -> Outcome {
    let text = match read_input(file) {
        Ok(text) => text,
        Err(message) => return Outcome::Unusable(message),
    };
    let profile: ReferrerProfile = match serde_json::from_str(&text) {
        Ok(p) => p,
        Err(e) => {
            return Outcome::Unusable(format!(
                "not a profile (JSON with officer_name, collar_number, rank, role, station, contact_phone, email) at line {}, column {}",
                e.line(),
                e.column()
            ));
        }
    };
    let store = match open(dir) {
        Ok(store) => store,
        Err(outcome) => return outcome,
    };
    match store.set_profile(profile) {
        Ok(()) => {
            println!("profile saved: new drafts start with these details");
            Outcome::Ok
        }
        Err(weprotect_core::StoreError::Invalid(problems)) => {
            print_problems(&problems, false);
            Outcome::Refused
        }
        Err(e) => store_failure(e, false),
    }
}

/// `profile show`: prints the saved details as JSON (they are the officer's own).
pub fn show(dir: &Path) -> Outcome {
    let store = match open_read_only(dir) {
        Ok(store) => store,
        Err(outcome) => return outcome,
    };
    match store.profile() {
        Ok(Some(profile)) => match serde_json::to_string_pretty(&profile) {
            Ok(json) => {
                println!("{json}");
                Outcome::Ok
            }
            Err(_) => Outcome::Unusable("cannot print the profile".into()),
        },
        Ok(None) => {
            println!("no profile");
            Outcome::Ok
        }
        Err(e) => store_failure(e, false),
    }
}

/// `profile clear`: forgets the details.
pub fn clear(dir: &Path) -> Outcome {
    let store = match open(dir) {
        Ok(store) => store,
        Err(outcome) => return outcome,
    };
    match store.clear_profile() {
        Ok(()) => {
            println!("profile cleared");
            Outcome::Ok
        }
        Err(e) => store_failure(e, false),
    }
}
