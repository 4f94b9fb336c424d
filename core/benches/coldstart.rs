//! Cold start: the first validation in a fresh process against the second in the same process.
//! The first pays for whatever is set up on first use (phone metadata, time zone data, ...).
//! Each run is a new process (this binary started again as a child); seven runs, median and
//! range. Target: the first is less than 1 ms slower than the second.

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use chrono::Utc;
use weprotect_core::example::EXAMPLE_REFERRAL_JSON;
use weprotect_core::{parse_referral, validate_for_submission};

const CHILD_ENV: &str = "WEPROTECT_COLDSTART_CHILD";

fn read_and_validate() {
    let referral = parse_referral(black_box(EXAMPLE_REFERRAL_JSON)).unwrap();
    black_box(validate_for_submission(&referral, Utc::now())).unwrap();
}

fn child() {
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
    if std::env::var(CHILD_ENV).is_ok() {
        child();
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let runs = 7;
    let (mut extra, mut second, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let out = Command::new(std::env::current_exe().unwrap())
            .env(CHILD_ENV, "1")
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
    let (extra_median, extra) = spread(extra);
    println!("cold start: first validation costs {extra} us more than the second");
    println!(
        "FIGURE\tcold start: first validation in a fresh process, extra over the second\t{extra} µs\tthe second validation: {} µs\t{}\t< 1,000 µs extra",
        spread(second).1,
        {
            ratio.sort_by(f64::total_cmp);
            format!(
                "{:.1} ({:.1}-{:.1})",
                ratio[runs / 2],
                ratio[0],
                ratio[runs - 1]
            )
        }
    );
    let _ = extra_median;
}
