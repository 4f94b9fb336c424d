//! Cold start: the first validation in a fresh process against the second in the same process.
//! The first pays for whatever is set up on first use (phone metadata, time zone data, ...).
//! Each run is a new process (this binary started again as a child); seven runs, median and
//! range. Target: the first is less than 1 ms slower than the second.
//!
//! Two figures: a bare process that validates at once (what a command-line tool sees), and a
//! process that opened its store 100 ms before, as an app does at launch (opening the store
//! starts validation's warm-up on a background thread; see `validation::warm_up`).

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use chrono::Utc;
use weprotect_core::crypto::DataKey;
use weprotect_core::example::EXAMPLE_REFERRAL_JSON;
use weprotect_core::{Store, StoreSettings, parse_referral, validate_for_submission};

const CHILD_ENV: &str = "WEPROTECT_COLDSTART_CHILD";
const KEY: &str = "2b7e151628aed2a6abf7158809cf4f3c2b7e151628aed2a6abf7158809cf4f3c";

fn read_and_validate() {
    let referral = parse_referral(black_box(EXAMPLE_REFERRAL_JSON)).unwrap();
    black_box(validate_for_submission(&referral, Utc::now())).unwrap();
}

fn child(mode: &str) {
    // As an app does: the store is opened at launch (which starts validation's warm-up on a
    // background thread), and an officer reaches the first phone field well after 100 ms.
    let _store = (mode == "app").then(|| {
        let dir = tempfile::tempdir().unwrap();
        let key = DataKey::from_hex(KEY).unwrap();
        let store = Store::open(
            dir.path().join("store"),
            key,
            StoreSettings::default(),
            Utc::now(),
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
        (store.unwrap(), dir)
    });
    let t = Instant::now();
    read_and_validate();
    let first = t.elapsed();
    let t = Instant::now();
    read_and_validate();
    let second = t.elapsed();
    println!("{} {}", first.as_nanos(), second.as_nanos());
}

fn spread(mut v: Vec<f64>) -> (f64, String) {
    v.sort_by(f64::total_cmp);
    let m = v[v.len() / 2];
    (m, format!("{m:.0} ({:.0}-{:.0})", v[0], v[v.len() - 1]))
}

fn main() {
    if let Ok(mode) = std::env::var(CHILD_ENV) {
        child(&mode);
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    figure(
        "fresh",
        "cold start: first validation in a fresh process, extra over the second",
        "< 1,000 µs extra",
    );
    figure(
        "app",
        "cold start: first validation after the store opened 100 ms before (as an app does), extra over the second",
        "< 1,000 µs extra",
    );
}

/// Seven fresh processes in `mode`; prints the extra cost of the first validation over the second.
fn figure(mode: &str, name: &str, target: &str) {
    let runs = 7;
    let (mut extra, mut second, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let out = Command::new(std::env::current_exe().unwrap())
            .env(CHILD_ENV, mode)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let v: Vec<f64> = text
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        let [f, s] = v[..] else {
            panic!("child failed: {text}");
        };
        extra.push((f - s) / 1e3);
        second.push(s / 1e3);
        ratio.push(f / s);
    }
    let (_, extra) = spread(extra);
    println!("{name}: {extra} us");
    ratio.sort_by(f64::total_cmp);
    println!(
        "FIGURE\t{name}\t{extra} µs\tthe second validation: {} µs\t{:.1} ({:.1}-{:.1})\t{target}",
        spread(second).1,
        ratio[runs / 2],
        ratio[0],
        ratio[runs - 1]
    );
}
